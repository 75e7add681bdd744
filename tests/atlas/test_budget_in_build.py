"""The real builder records a solver's ``TimeBudgetExceeded`` and carries on (issue 8, item 3).

``test_compute.py`` shows a timeout in one row and ``test_builder.py`` shows the builder's
bookkeeping with fake rows; here the real pipeline (``build`` with the default row function,
the symplectic core) runs a plan whose first family is pathological under a tiny budget
(the 24-cell: Haim-Kislev and Reeb over its 24 facets take far longer than 0.3 s) and
whose second family is easy: the build completes, the timeouts are recorded in the
manifest with their message, and the row after the pathological one is computed.
"""

from __future__ import annotations

import json

import pytest

from perflab.atlas import BuildPlan, FamilySpec, build, load

BUDGET = 0.3


@pytest.mark.parametrize("workers", [1, 2])
def test_a_pathological_row_times_out_and_the_build_carries_on(tmp_path, workers):
    plan = BuildPlan(
        atlas="atlas-budget",
        families=(
            FamilySpec("twenty_four_cell", {}, seeds=[0]),
            FamilySpec("regular_polygon", {"n": [6]}, seeds=[0]),
        ),
        time_budget_s=BUDGET,
        rows_per_shard=10,
    )
    out = tmp_path / "ds"
    res = build(plan, out, bench_dir=tmp_path / "bench", workers=workers)
    assert res.complete and res.rows_computed == plan.size == 2

    extra = json.loads((out / "manifest.json").read_text())["extra"]
    assert (
        extra["totals"]["rows"] == 2 and extra["totals"]["shards_without_explained_capacity"] == []
    )
    (cell_id,) = [it.polytope_id for it in plan.items("twenty_four_cell")]
    timeouts = [f for f in extra["failures"] if f["status"] == "timeout"]
    assert {f["polytope_id"] for f in timeouts} == {cell_id}
    assert {(f["quantity"], f["algorithm"]) for f in timeouts} >= {("ehz_capacity", "haim_kislev")}
    assert all(f"time budget of {BUDGET:g} s" in f["message"] for f in timeouts)

    rows = {r["family"]: r for r in load(out)}
    cell, hexagon = rows["twenty_four_cell"], rows["regular_polygon"]
    assert cell["status_haim_kislev"] == "timeout" and cell["ehz_capacity"] is None
    assert cell["volume"] == pytest.approx(8.0)  # conv of the permutations of (±1, ±1, 0, 0)
    assert hexagon["status_haim_kislev"] == "ok"
    assert hexagon["ehz_capacity"] == pytest.approx(hexagon["volume"], rel=1e-12)  # c = area
