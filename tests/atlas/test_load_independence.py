"""A dataset depends on its plan only (issue 11, item 4): the same plan built on an idle
machine and beside two CPU-burning processes gives byte-identical shards.

Before work budgets, four builds of one plan on a loaded machine gave four different hashes
for one shard (which rows hit the wall-clock budget differed). The plan below has rows that
finish, rows whose Haim-Kislev search runs out of its work budget (the cross-polytope and
[-1,1]^6, and the 20-facet row, whose capacity the tube search gives).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from perflab.atlas import BuildPlan, FamilySpec, build


def _plan() -> BuildPlan:
    return BuildPlan(
        atlas="atlas-load",
        families=(
            FamilySpec("hull_sphere_4d", {"points": [6]}, seeds=[0, 1]),
            FamilySpec("cross_polytope", {"dim": [4]}, seeds=[0], work_budget={"haim_kislev": 300}),
            FamilySpec("cube", {"dim": [6]}, seeds=[0], work_budget={"haim_kislev": 300}),
            FamilySpec("circumscribed_4d", {"facets": [20]}, seeds=[0]),
        ),
        rows_per_shard=10,
        work_budget={"haim_kislev": 100_000, "reeb": 1_000_000},
    )


def _data(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


def test_a_build_beside_cpu_burners_writes_the_same_bytes(tmp_path):
    plan = _plan()
    idle = build(plan, tmp_path / "idle", bench_dir=tmp_path / "b1")
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        loaded = build(plan, tmp_path / "loaded", bench_dir=tmp_path / "b2", workers=2)
    finally:
        for p in burners:
            p.kill()
            p.wait()
    assert idle.complete and loaded.complete
    a, b = _data(tmp_path / "idle"), _data(tmp_path / "loaded")
    assert len(a) == 4 and a == b
    stops = [f for f in idle.summary["failures"] if f["status"] == "work_budget"]
    assert {f["algorithm"] for f in stops} == {"haim_kislev"}
    assert {f["family"] for f in stops} == {"cross_polytope", "cube", "circumscribed_4d"}
