"""Budgets in a real build (issue 11, item 4): a search that runs out of the plan's work
budget is recorded the same way on every machine, and the wall-clock safety net stops the
build instead of recording a load-dependent row.

``test_builder.py`` shows the builder's bookkeeping with fake rows; here the real pipeline
(``build`` with the default row function, the symplectic core) runs the 24-cell (24 facets:
Haim-Kislev needs far more than 2,000 cycles, the tube search finds c = 4 in ~70,000
tubes) and an easy family.
"""

from __future__ import annotations

import json

import pytest

from perflab.atlas import BuildPlan, FamilySpec, build, load
from perflab.atlas.compute import SafetyNetExceeded


def _plan(**kw) -> BuildPlan:
    return BuildPlan(
        atlas="atlas-budget",
        families=(
            FamilySpec("regular_polygon", {"n": [6]}, seeds=[0]),
            FamilySpec("twenty_four_cell", {}, seeds=[0], work_budget={"haim_kislev": 2000}),
        ),
        rows_per_shard=10,
        work_budget={"haim_kislev": 100_000, "reeb": 1_000_000},
        **kw,
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_search_out_of_its_work_budget_is_recorded_and_the_build_carries_on(tmp_path, workers):
    plan = _plan()
    out = tmp_path / "ds"
    res = build(plan, out, bench_dir=tmp_path / "bench", workers=workers)
    assert res.complete and res.rows_computed == plan.size == 2

    extra = json.loads((out / "manifest.json").read_text())["extra"]
    assert extra["totals"]["work_budget"] == 1
    (cell_id,) = [it.polytope_id for it in plan.items("twenty_four_cell")]
    (stop,) = [f for f in extra["failures"] if f["status"] == "work_budget"]
    assert stop["polytope_id"] == cell_id and stop["algorithm"] == "haim_kislev"
    assert "work budget of 2000 search steps" in stop["message"]

    rows = {r["family"]: r for r in load(out)}
    cell, hexagon = rows["twenty_four_cell"], rows["regular_polygon"]
    assert cell["status_haim_kislev"] == "work_budget" and cell["capacity_haim_kislev"] is None
    assert cell["status_reeb"] == "ok" and cell["capacity_method"] == "reeb"
    assert cell["ehz_capacity"] == pytest.approx(4.0, rel=1e-12)
    assert cell["systolic_ratio"] == pytest.approx(1.0, rel=1e-12)
    assert hexagon["ehz_capacity"] == pytest.approx(hexagon["volume"], rel=1e-12)  # c = area


def test_the_wall_clock_safety_net_stops_the_build(tmp_path):
    """0.3 s is far below the 24-cell's tube search: the build stops with a message naming
    the row, records no row for it, and keeps what was finished."""
    plan = _plan(time_budget_s=0.3)
    out = tmp_path / "ds"
    with pytest.raises(SafetyNetExceeded, match="twenty_four_cell .*safety net of 0.3 s"):
        build(plan, out, bench_dir=tmp_path / "bench")
    assert (out / "data/regular_polygon/shard-00000.parquet").exists()
    assert not (out / "data/twenty_four_cell").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert not manifest["extra"]["complete"]
