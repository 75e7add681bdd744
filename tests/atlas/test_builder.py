"""The builder's bookkeeping: shards, manifest, journals, resume, --only, failures."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fake_rows import Crash, polygon_row  # noqa: E402

from perflab.atlas.builder import build  # noqa: E402
from perflab.atlas.plan import BuildPlan, FamilySpec  # noqa: E402
from perflab.atlas.shards import read_rows  # noqa: E402
from perflab.harness import RunLog  # noqa: E402


def small_plan(**kw) -> BuildPlan:
    return BuildPlan(
        atlas="atlas-test",
        families=(
            FamilySpec("polygons", {"k": [5, 7]}, seeds=list(range(6))),
            FamilySpec("odd", {"k": [4], "over_budget": [False, True]}, seeds=[1, 2]),
            FamilySpec("broken", {"fail": ["generate", "no"]}, seeds=[3]),
        ),
        time_budget_s=2.0,
        rows_per_shard=kw.pop("rows_per_shard", 5),
        **kw,
    )


def data_files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "data").rglob("*.parquet"))
    }


def manifest_wo_env(out: Path) -> dict:
    m = json.loads((out / "manifest.json").read_text())
    assert "env" not in m  # machine-varying: not in the manifest
    return m


def test_build_writes_shards_manifest_and_timings(tmp_path):
    plan = small_plan()
    res = build(plan, tmp_path / "ds", bench_dir=tmp_path / "bench", row_fn=polygon_row)
    assert res.complete and res.rows_computed == plan.size == 18
    files = data_files(tmp_path / "ds")
    # polygons: 12 rows in shards of 5 -> 3 shards; odd: 4 rows -> 1; broken: 1 row + 1 missing
    assert sorted(files) == [
        "data/broken/shard-00000.parquet",
        "data/odd/shard-00000.parquet",
        "data/polygons/shard-00000.parquet",
        "data/polygons/shard-00001.parquet",
        "data/polygons/shard-00002.parquet",
    ]
    rows = read_rows(tmp_path / "ds/data/polygons/shard-00000.parquet")
    expect = [it.polytope_id for it in plan.items("polygons")][:5]
    assert [r["polytope_id"] for r in rows] == expect  # plan order
    m = json.loads((tmp_path / "ds/manifest.json").read_text())
    tot = m["extra"]["totals"]
    assert tot["rows"] == 17 and tot["missing_rows"] == 1 and tot["work_budget"] == 2
    assert tot["errors"] == 1 and tot["shards_without_explained_capacity"] == []
    assert m["extra"]["families"]["odd"]["status_counts"]["haim_kislev"] == {
        "ok": 2,
        "work_budget": 2,
    }
    assert m["params"]["plan"] == plan.to_dict()
    assert "env" not in m  # machine-varying: in the run log, not the committed manifest
    assert "py3" in RunLog.read(tmp_path / "bench/runs.jsonl")[-1]["env"]
    assert not (tmp_path / "ds/.work").exists()
    recs = RunLog.read(tmp_path / "bench/timings.jsonl")
    assert len(recs) == 2 * 17 + 1
    assert {r["quantity"] for r in recs} == {"volume", "ehz_capacity", "generate"}


def test_rerun_is_idempotent_and_skips_everything(tmp_path):
    plan = small_plan()
    build(plan, tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row)
    before, man = data_files(tmp_path / "ds"), manifest_wo_env(tmp_path / "ds")
    res = build(plan, tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row)
    assert res.rows_computed == 0 and res.shards_written == []
    assert data_files(tmp_path / "ds") == before and manifest_wo_env(tmp_path / "ds") == man


@pytest.mark.parametrize("crash_index", [0, 4, 5, 13, 17])
def test_crash_then_resume_is_byte_identical(tmp_path, monkeypatch, crash_index):
    plan = small_plan()
    ref = tmp_path / "ref"
    build(plan, ref, bench_dir=tmp_path / "rb", row_fn=polygon_row)
    items = list(plan.items())
    monkeypatch.setenv("FAKE_ROW_CRASH_AT", items[crash_index].polytope_id)
    with pytest.raises(Crash):
        build(plan, tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row)
    monkeypatch.delenv("FAKE_ROW_CRASH_AT")
    res = build(plan, tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row)
    assert res.complete
    assert res.rows_computed + res.rows_reused + 5 * len(res.shards_skipped) >= plan.size - 5
    assert data_files(tmp_path / "ds") == data_files(ref)
    assert manifest_wo_env(tmp_path / "ds") == manifest_wo_env(ref)


def test_torn_journal_and_missing_shard_are_repaired(tmp_path):
    plan = small_plan()
    ref = tmp_path / "ref"
    build(plan, ref, bench_dir=tmp_path / "rb", row_fn=polygon_row)
    out = tmp_path / "ds"
    build(plan, out, bench_dir=tmp_path / "b", row_fn=polygon_row)
    # a shard file lost after the manifest recorded it, and a half-written journal
    (out / "data/polygons/shard-00001.parquet").unlink()
    j = out / ".work/odd__shard-00000.jsonl"
    j.parent.mkdir(exist_ok=True)
    j.write_text('{"polytope_id": "ap-torn", "row": nu')
    (out / "data/odd/shard-00000.parquet").write_bytes(b"garbage")
    res = build(plan, out, bench_dir=tmp_path / "b", row_fn=polygon_row)
    assert sorted(res.shards_written) == ["odd/shard-00000", "polygons/shard-00001"]
    assert data_files(out) == data_files(ref)


def test_only_rebuilds_one_family(tmp_path):
    plan = small_plan()
    out = tmp_path / "ds"
    build(plan, out, bench_dir=tmp_path / "b", row_fn=polygon_row)
    before = data_files(out)
    res = build(plan, out, bench_dir=tmp_path / "b", only="odd", resume=False, row_fn=polygon_row)
    assert res.rows_computed == 4 and res.complete
    assert data_files(out) == before
    res = build(plan, out, bench_dir=tmp_path / "b", only="odd", row_fn=polygon_row)
    assert res.rows_computed == 0
    with pytest.raises(ValueError, match="no family 'nope'"):
        build(plan, out, bench_dir=tmp_path / "b", only="nope", row_fn=polygon_row)


def test_other_plan_in_same_folder_is_refused(tmp_path):
    from perflab.harness import ManifestError

    build(small_plan(), tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row)
    with pytest.raises(ManifestError, match="other parameters"):
        build(
            small_plan(rows_per_shard=3),
            tmp_path / "ds",
            bench_dir=tmp_path / "b",
            row_fn=polygon_row,
        )


def test_only_fresh_with_another_plan_refuses_before_touching_files(tmp_path):
    from perflab.harness import ManifestError

    out = tmp_path / "ds"
    build(small_plan(), out, bench_dir=tmp_path / "b", row_fn=polygon_row)
    before, man = data_files(out), manifest_wo_env(out)
    with pytest.raises(ManifestError, match="other parameters"):
        build(
            small_plan(rows_per_shard=3),
            out,
            bench_dir=tmp_path / "b",
            only="odd",
            resume=False,
            row_fn=polygon_row,
        )
    assert data_files(out) == before and manifest_wo_env(out) == man


def test_two_workers_give_the_same_bytes(tmp_path):
    plan = small_plan()
    build(plan, tmp_path / "a", bench_dir=tmp_path / "ba", row_fn=polygon_row)
    build(plan, tmp_path / "b", bench_dir=tmp_path / "bb", row_fn=polygon_row, workers=2)
    assert data_files(tmp_path / "a") == data_files(tmp_path / "b")


def test_a_worker_that_dies_fails_the_build_instead_of_hanging_it(tmp_path, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    plan = small_plan()
    victim = list(plan.items())[3].polytope_id
    monkeypatch.setenv("FAKE_ROW_EXIT_AT", victim)
    with pytest.raises(BrokenProcessPool):
        build(plan, tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row, workers=2)
    # the rows before it were kept; a resume without the fault finishes the same bytes
    monkeypatch.delenv("FAKE_ROW_EXIT_AT")
    res = build(plan, tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row)
    assert res.complete
    build(plan, tmp_path / "ref", bench_dir=tmp_path / "rb", row_fn=polygon_row)
    assert data_files(tmp_path / "ds") == data_files(tmp_path / "ref")


def test_progress_reports_every_row(tmp_path):
    seen = []
    build(
        small_plan(),
        tmp_path / "ds",
        bench_dir=tmp_path / "b",
        row_fn=polygon_row,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[0] == (0, 18) and seen[-1] == (18, 18) and len(seen) == 19


def test_fake_rows_sleep_env_is_not_set():
    assert "FAKE_ROW_SLEEP" not in os.environ


def test_a_rerun_with_nothing_to_do_touches_no_file(tmp_path):
    plan = small_plan()
    build(plan, tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row)
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    res = build(plan, tmp_path / "ds", bench_dir=tmp_path / "b", row_fn=polygon_row)
    assert res.complete and res.rows_computed == 0 and len(res.shards_skipped) == 5
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    assert after == before and sorted(p for p in tmp_path.rglob("*") if p.is_file()) == files
