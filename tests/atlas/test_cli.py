"""``python -m perflab.atlas build`` as a user sees it in a log (not a terminal): periodic
progress lines (rows, rows/s, work-budget stops and errors so far, ETA), then a short
summary; the full JSON in ``last-build.json`` and, with ``--json``, alone on stdout."""

from __future__ import annotations

import json
import re

from perflab.atlas.__main__ import main
from perflab.atlas.plan import get_plan

LINE = re.compile(
    r"^\[atlas-tiny-smoke\] (\d+)/3 rows \(\d+\.\d%\) \| [\d.,]+ rows/s \| "
    r"work_budget (\d+), errors (\d+) \| \d+:\d\d \| ETA (\d+:\d\d|\?)$"
)


def test_build_prints_progress_lines_and_a_summary_then_json_on_request(tmp_path, capsys, run_cli):
    # two polygons and the cross-polytope, whose capacity search stops at its work budget
    plan = get_plan("atlas-tiny").restricted(
        families=["regular_polygon", "random_polygon", "cross_polytope"], per_family=1
    )
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.to_json())
    out = tmp_path / "out"
    args = ["build", str(plan_file), "--out", str(out), "--no-charts", "--progress-every", "0"]
    r = run_cli("perflab.atlas", *args)
    progress = [
        LINE.match(ln) for ln in r.stderr.splitlines() if ln.startswith("[atlas-tiny-smoke]")
    ]
    assert len(progress) >= 4 and all(progress), r.stderr  # 0/3, 1/3, 2/3, 3/3
    assert [int(m[1]) for m in progress] == sorted(int(m[1]) for m in progress)
    assert progress[0][1] == "0" and progress[-1][1] == "3"
    assert progress[-1][2] == "1" and progress[-1][3] == "0"  # the cross-polytope's stop
    summary = r.stdout.splitlines()
    assert summary[0].startswith("atlas-tiny-smoke: complete, 3/3 rows in ")
    assert "(3 computed, 0 reused from journals, 0 shards already done)" in summary[0]
    assert f"  dataset   {out / 'datasets/atlas-tiny-smoke'}" in summary
    assert "  capacity  3 rows; 1 work-budget stops, 0 errors" in r.stdout
    assert re.search(r"^    ap-\w+ ehz_capacity/\w+: work_budget$", r.stdout, re.M)
    json_path = out / "benchmarks/atlas-tiny-smoke/last-build.json"
    assert summary[-1] == f"  JSON      {json_path}"
    written = json.loads(json_path.read_text())
    assert written["rows_computed"] == 3 and written["totals"]["work_budget"] == 1
    assert len(r.stdout.splitlines()) < 12  # a short summary, not the JSON document

    # a rerun has nothing to do; --json puts the result alone on stdout
    code = main(["build", str(plan_file), "--out", str(out), "--no-charts", "--json"])
    assert code == 0
    stdout, stderr = capsys.readouterr()
    data = json.loads(stdout)
    assert data["complete"] and data["rows_computed"] == 0 and data["shards_skipped"] == 3
    assert data["totals"] == written["totals"]
    assert "atlas-tiny-smoke: complete, 3/3 rows" in stderr
    assert "[atlas-tiny-smoke] 3/3 rows (100.0%)" in stderr  # the state, not 0 rows


def test_quiet_build_prints_only_the_summary(tmp_path, capsys):
    plan = get_plan("atlas-tiny").restricted(families=["regular_polygon"], per_family=1)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.to_json())
    args = ["build", str(plan_file), "--out", str(tmp_path / "o"), "--no-charts"]
    assert main([*args, "--quiet", "--progress-every", "0"]) == 0
    stdout, stderr = capsys.readouterr()
    assert "[atlas-tiny-smoke]" not in stderr and "[atlas-tiny-smoke]" not in stdout
    assert stdout.startswith("atlas-tiny-smoke: complete, 1/1 rows in ")
