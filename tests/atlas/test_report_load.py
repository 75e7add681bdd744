"""The benchmark report is computed from the raw logs; load() round-trips a build."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fake_rows import polygon_row  # noqa: E402
from test_builder import small_plan  # noqa: E402

from perflab.atlas import AtlasNotFound, load  # noqa: E402
from perflab.atlas.pipeline import build_and_report, paths_for  # noqa: E402
from perflab.atlas.report import latest_timings, slowest, timing_table  # noqa: E402
from perflab.harness import RunLog  # noqa: E402


def rec(pid, fam, alg, status, seconds, q="ehz_capacity"):
    return {
        "polytope_id": pid,
        "family": fam,
        "quantity": q,
        "algorithm": alg,
        "status": status,
        "seconds": seconds,
        "num_facets": 4,
    }


def test_timing_table_from_a_known_log(tmp_path):
    secs = [0.5, 0.1, 0.3, 0.2, 0.9, 0.4]
    with RunLog(tmp_path / "timings.jsonl") as log:
        log.write(rec("p0", "f", "billiards", "ok", 99.0))  # superseded by the rerun below
        for i, s in enumerate(secs):
            log.write(rec(f"p{i}", "f", "billiards", "ok", s))
        log.write(rec("p6", "f", "billiards", "work_budget", 2.0))
        log.write(rec("p7", "f", "billiards", "error: ValueError", 0.01))
        log.write(rec("p8", "f", "reeb", "not_applicable", 0.001))
    recs = latest_timings(tmp_path)
    assert len(recs) == 9
    table = {(r["family"], r["algorithm"]): r for r in timing_table(recs)}
    b = table[("f", "billiards")]
    assert (b["count"], b["ok"], b["work_budget"], b["failures"]) == (8, 6, 1, 1)
    assert b["mean_s"] == pytest.approx(np.mean(secs), rel=1e-15)
    assert b["p50_s"] == pytest.approx(0.35, rel=1e-15)  # linear interpolation of 0.3, 0.4
    assert b["p90_s"] == pytest.approx(np.quantile(secs, 0.9), rel=1e-15)
    assert b["max_s"] == 0.9
    assert table[("f", "reeb")]["not_applicable"] == 1 and table[("f", "reeb")]["p50_s"] is None
    assert slowest(recs, 2)[0]["seconds"] == 2.0 and slowest(recs, 2)[1]["seconds"] == 0.9
    assert latest_timings(tmp_path, {"p1", "p2"}) == [recs[1], recs[2]]


def test_build_report_and_load_round_trip(tmp_path):
    plan = small_plan()
    res, report = build_and_report(plan, out=tmp_path, row_fn=polygon_row, charts=False)
    paths = paths_for(plan.atlas, tmp_path)
    assert res.complete and paths.dataset.is_dir()
    md = (paths.reports / "atlas-test_benchmark.md").read_text()
    js = json.loads((paths.reports / "atlas-test_benchmark.json").read_text())
    # one figure of the report, recomputed here from the raw log
    raw = [
        r
        for r in RunLog.read(paths.bench / "timings.jsonl")
        if r["family"] == "polygons" and r["quantity"] == "volume"
    ]
    row = next(r for r in js["table"] if r["family"] == "polygons" and r["quantity"] == "volume")
    assert row["count"] == 12 and row["p90_s"] == pytest.approx(
        float(np.quantile([r["seconds"] for r in raw], 0.9)), rel=1e-12
    )
    assert "| polygons | volume | volume | 12 | 12 |" in md
    assert report["records"] == js["records"] == 35

    # load() returns what the row function computed, with the schema's features
    ds = load(paths.dataset)
    expect = [polygon_row(it, plan.row_budget(it.family))["row"] for it in plan.items()]
    expect = [r for r in expect if r is not None]
    assert ds.num_rows == len(expect) == 17
    for got, want in zip(ds, expect, strict=True):
        assert got == want
    assert ds.features == __import__("perflab.atlas", fromlist=["features"]).features()
    one = load(paths.dataset, family="odd")
    assert one.num_rows == 4 and set(one["family"]) == {"odd"}
    timed = load(paths.dataset, with_timings=True)
    assert {"seconds_volume", "seconds_ehz_capacity_haim_kislev"} <= set(timed.column_names)
    assert all(s is not None and s >= 0 for s in timed["seconds_volume"])


def test_load_refuses_missing_incomplete_and_tampered(tmp_path, monkeypatch):
    with pytest.raises(AtlasNotFound, match="no atlas build"):
        load(tmp_path / "nothing")
    plan = small_plan()
    build_and_report(plan, out=tmp_path, row_fn=polygon_row, charts=False)
    folder = paths_for(plan.atlas, tmp_path).dataset
    m = json.loads((folder / "manifest.json").read_text())
    m["extra"]["complete"] = False
    (folder / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(AtlasNotFound, match="incomplete"):
        load(folder)
    assert load(folder, allow_incomplete=True).num_rows == 17
    shard = folder / "data/odd/shard-00000.parquet"
    shard.write_bytes(shard.read_bytes() + b"x")
    with pytest.raises(AtlasNotFound, match="SHA-256"):
        load(folder, allow_incomplete=True)


def test_capacity_by_facets_groups_by_algorithm_and_facets(tmp_path):
    from perflab.atlas.report import capacity_by_facets

    def r(pid, alg, status, s, facets):
        return {**rec(pid, "f", alg, status, s), "num_facets": facets}

    recs = [
        r("a", "reeb", "ok", 0.2, 20),
        r("b", "reeb", "ok", 0.4, 20),
        r("c", "reeb", "ok", 3.0, 50),
        r("a", "haim_kislev", "work_budget", 1.0, 20),
        r("d", "billiards", "not_applicable", 0.0, 20),
    ]
    rows = {(x["algorithm"], x["facets"]): x for x in capacity_by_facets(recs)}
    assert set(rows) == {("reeb", 20), ("reeb", 50), ("haim_kislev", 20)}
    assert rows[("reeb", 20)]["p50_s"] == pytest.approx(0.3) and rows[("reeb", 20)]["max_s"] == 0.4
    hk = rows[("haim_kislev", 20)]
    assert (hk["count"], hk["ok"], hk["work_budget"], hk["p50_s"]) == (1, 0, 1, None)
