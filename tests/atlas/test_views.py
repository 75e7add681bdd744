"""Dashboard tables and charts over a (stand-in) atlas."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fake_rows import polygon_row  # noqa: E402
from test_builder import small_plan  # noqa: E402

from perflab.atlas import load, views  # noqa: E402
from perflab.atlas.builder import build  # noqa: E402


def test_frame_filters_top_and_charts(tmp_path):
    build(small_plan(), tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row)
    ds = load(tmp_path / "ds")
    df = views.frame(ds)
    assert df.height == ds.num_rows and "vertices" not in df.columns
    assert views.filter_family(df, "odd").height == 4
    assert views.filter_family(df, "all").height == df.height
    assert views.top_systolic(df, 3).height == 0  # the stand-in rows are planar
    top = views.top_systolic(df, 3, min_dimension=2)
    assert top.height == 3 and top["systolic_ratio"].to_list() == [1.0, 1.0, 1.0]
    for chart in (views.systolic_by_family(df), views.capacity_vs_volume(df)):
        spec = chart.to_dict()
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite")
    row = ds[0]
    cyc = views.cycle_projection_frame(row)
    assert set(cyc["plane"]) == {"(q, p)"}
    closed = cyc.filter(cyc["kind"] == "cycle")
    assert closed.height == len(row["min_action_cycle"]) + 1  # the polygon is closed
    spec = views.cycle_chart(row).to_dict()
    assert spec["facet"]["field"] == "plane" and spec["facet"]["sort"] == ["(q, p)"]


def test_projection_pairs_and_4d_outline():
    assert views.projection_pairs(4)[:2] == [(0, 2), (1, 3)] and len(views.projection_pairs(4)) == 6
    cube = np.array(np.meshgrid(*[[-1.0, 1.0]] * 4)).reshape(4, -1).T
    row = {
        "vertices": cube.tolist(),
        "min_action_cycle": [],
        "polytope_id": "x",
        "family": "cube",
        "ehz_capacity": 4.0,
        "systolic_ratio": 0.5,
    }
    df = views.cycle_projection_frame(row)
    assert sorted(set(df["plane"])) == sorted(
        f"({a}, {b})"
        for a, b in [
            ("q1", "p1"),
            ("q2", "p2"),
            ("q1", "q2"),
            ("q1", "p2"),
            ("q2", "p1"),
            ("p1", "p2"),
        ]
    )
    sq = df.filter(df["plane"] == "(q1, p1)")
    assert sq.height == 5 and {abs(x) for x in sq["x"]} == {1.0}


def test_dashboard_filters_summary_and_histogram():
    """The controls' filters on the committed atlas-tiny (14 rows, one per family)."""
    df = views.frame(load("atlas-tiny"))
    n = len(df)
    assert len(views.filter_rows(df)) == n
    parts = [len(views.filter_rows(df, facets=f)) for f in ("3-8", "9-16", "17+")]
    assert sum(parts) == n and all(p > 0 for p in parts)
    cube = views.filter_rows(df, "cube")
    assert cube["family"].to_list() == ["cube"]
    by_method = [len(views.filter_rows(df, method=m)) for m in views.methods(df)[1:]]
    assert sum(by_method) == n  # every row has exactly one method, or "none"
    assert (
        views.summary_line("atlas-tiny", cube, df) == f"**1 of {n} polytopes** of atlas-tiny shown"
    )
    chart = views.systolic_histogram(df).to_dict()
    assert "dimension >= 4" in str(chart["title"])
    with pytest.raises(ValueError, match="facets"):
        views.filter_rows(df, facets="1-2")
