"""A stand-in row function for testing the builder's bookkeeping without the symplectic core.

It makes a real, deterministic row (a random planar polygon: its vertices, facets, area by
the shoelace formula) from the plan item's seed, optionally sleeping to make builds long
enough to interrupt, and can be told to fail in the ways the real one does.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
from scipy.spatial import ConvexHull

from perflab.atlas.plan import PlanItem, RowBudget
from perflab.atlas.schema import (
    CAPACITY_METHODS,
    COLUMNS,
    SCHEMA_VERSION,
    canonical_json,
    capacity_column,
    status_column,
)


class Crash(BaseException):
    """Simulates the process dying (not an ``Exception``: the builder must not catch it)."""


def polygon_row(item: PlanItem, budget: RowBudget) -> dict[str, Any]:
    sleep = float(os.environ.get("FAKE_ROW_SLEEP", "0"))
    crash_at = os.environ.get("FAKE_ROW_CRASH_AT")
    if crash_at is not None and item.polytope_id == crash_at:
        raise Crash(item.polytope_id)
    if item.polytope_id == os.environ.get("FAKE_ROW_EXIT_AT"):
        os._exit(3)  # a worker process dying outright (OOM killer, segfault)
    if item.polytope_id == os.environ.get("FAKE_ROW_HANG_AT"):
        time.sleep(3600)  # a build that must be killed: it cannot finish before the test
    if sleep:
        time.sleep(sleep)
    t0 = time.perf_counter()
    if item.params.get("fail") == "generate":
        return {
            "row": None,
            "timings": [
                {
                    "quantity": "generate",
                    "algorithm": "generator",
                    "status": "error: ValueError",
                    "seconds": time.perf_counter() - t0,
                }
            ],
            "failures": [
                {
                    "quantity": "generate",
                    "algorithm": "generator",
                    "status": "error: ValueError",
                    "message": "generator refused these parameters",
                }
            ],
            "shape": {},
        }
    rng = np.random.default_rng(item.seed)
    k = int(item.params.get("k", 6))
    pts = rng.normal(size=(4 * k, 2))
    hull = ConvexHull(pts)
    V = pts[hull.vertices]
    eq = hull.equations  # n.x + c <= 0
    normals, offsets = eq[:, :2], -eq[:, 2]
    x, y = V[:, 0], V[:, 1]
    area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
    over = item.params.get("over_budget", False)  # the search ran out of its work budget
    row: dict[str, Any] = {
        "polytope_id": item.polytope_id,
        "family": item.family,
        "generator": "tests.fake_rows.polygon_row",
        "generator_config": canonical_json(
            {"family": item.family, "params": item.params, "seed": item.seed}
        ),
        "seed": item.seed,
        "dimension": 2,
        "num_vertices": len(V),
        "num_facets": len(normals),
        "vertices": V.tolist(),
        "normals": normals.tolist(),
        "offsets": offsets.tolist(),
        "volume": area,
    }
    for m in CAPACITY_METHODS:
        row[capacity_column(m)] = None if (over or m != "haim_kislev") else area
    row.update(
        {
            "ehz_capacity": None if over else area,
            "capacity_method": None if over else "haim_kislev",
            "capacity_spread": None,
            "systolic_ratio": None if over else 1.0,
            "min_action_cycle": [] if over else V.tolist(),
        }
    )
    row[status_column("volume")] = "ok"
    for m in CAPACITY_METHODS:
        row[status_column(m)] = (
            "not_applicable" if m != "haim_kislev" else ("work_budget" if over else "ok")
        )
    row[status_column("systolic_ratio")] = "work_budget" if over else "ok"
    row["schema_version"] = SCHEMA_VERSION
    row = {c: row[c] for c in COLUMNS}
    secs = time.perf_counter() - t0
    timings = [
        {"quantity": "volume", "algorithm": "volume", "status": "ok", "seconds": secs},
        {
            "quantity": "ehz_capacity",
            "algorithm": "haim_kislev",
            "status": "work_budget" if over else "ok",
            "seconds": secs,
        },
    ]
    failures = []
    if over:
        failures.append(
            {
                "quantity": "ehz_capacity",
                "algorithm": "haim_kislev",
                "status": "work_budget",
                "message": "haim_kislev: work budget of "
                f"{budget.work.get('haim_kislev', 0)} search steps exhausted",
            }
        )
    shape = {"dimension": 2, "num_facets": len(normals), "num_vertices": len(V)}
    return {"row": row, "timings": timings, "failures": failures, "shape": shape}
