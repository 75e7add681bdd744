"""A build killed between its last shard and its report leaves no stale report behind: the
rerun (which finds no rows to compute) still rewrites the README and the report from the
raw logs, while a rerun of an up-to-date build touches no file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from fake_rows import polygon_row  # noqa: E402
from test_builder import small_plan  # noqa: E402

from perflab.atlas.builder import build  # noqa: E402
from perflab.atlas.pipeline import build_and_report, paths_for  # noqa: E402
from perflab.atlas.report import latest_timings, timing_table  # noqa: E402
from perflab.harness import RunLog  # noqa: E402


def _files(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_fresh_build_killed_before_its_report_gets_a_new_report_on_rerun(tmp_path):
    plan = small_plan()
    paths = paths_for(plan.atlas, tmp_path)
    build_and_report(plan, out=tmp_path, row_fn=polygon_row, charts=False)
    report_json = paths.reports / f"{plan.atlas}_benchmark.json"
    old_runs = json.loads(report_json.read_text())["runs"]
    # a fresh build of the same plan that dies right after its last shard (before the
    # README and report are written): the logs are new, the report is the old build's
    build(plan, paths.dataset, bench_dir=paths.bench, row_fn=polygon_row, resume=False)
    (paths.dataset / "README.md").unlink()
    res, report = build_and_report(plan, out=tmp_path, row_fn=polygon_row, charts=False)
    assert res.complete and res.rows_computed == 0
    stored = json.loads(report_json.read_text())
    runs = RunLog.read(paths.bench / "runs.jsonl")
    assert stored["runs"] == runs != old_runs
    assert stored["table"] == timing_table(latest_timings(paths.bench))
    assert (paths.dataset / "README.md").exists()

    # now everything is current: a rerun rewrites nothing
    before = _files(tmp_path)
    res, report = build_and_report(plan, out=tmp_path, row_fn=polygon_row, charts=False)
    assert report is None and _files(tmp_path) == before
