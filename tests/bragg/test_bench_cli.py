"""``python -m perflab.bragg.bench`` as a user sees it in a log (not a terminal): a progress
line per case (cases done/total, the case running, ETA), then a short summary; with
``--json`` the results alone on stdout."""

from __future__ import annotations

import json
import re

from perflab.bragg.bench.__main__ import main
from perflab.bragg.bench.pipeline import parse_args, planned_steps

LINE = re.compile(
    r"^\[bragg bench\] (\d+)/(\d+) cases \(\d+\.\d%\) \| [\d.]+ cases/s \| now (.+) \| "
    r"\d+:\d\d \| ETA (\d+:\d\d|\?)$"
)
FLAGS = ["--smoke", "--no-cloop", "--progress-every", "0"]


def test_bench_prints_progress_lines_and_a_summary_then_json_on_request(tmp_path, capsys, run_cli):
    out = tmp_path / "out"
    r = run_cli("perflab.bragg.bench", *FLAGS, "--out", str(out))
    total = planned_steps(parse_args([*FLAGS, "--out", str(out)]))
    progress = [LINE.match(ln) for ln in r.stderr.splitlines() if ln.startswith("[bragg")]
    assert all(progress), r.stderr
    assert {int(m[2]) for m in progress} == {total}
    # one line as each case starts, and one when all are done: the total was exact
    assert [int(m[1]) for m in progress] == list(range(total + 1))
    assert progress[0][3].startswith("tricubic warp float32")
    assert progress[-1][3] == f"writing the report to {out}"
    summary = r.stdout.splitlines()
    assert re.match(rf"bragg bench: {total} cases in [\d.]+ s \(\d+ tricubic rows", summary[0])
    assert f"  report    {out / 'report.md'} (+ " in r.stdout
    assert re.search(r"^  parity    (\d+)/\1 passed$", r.stdout, re.M)
    assert summary[-1].startswith("  rerun     python -m perflab.bragg.bench --smoke")
    assert len(summary) < 12

    assert main([*FLAGS, "--out", str(tmp_path / "again"), "--json", "--quiet"]) == 0
    stdout, stderr = capsys.readouterr()
    results = json.loads(stdout)
    assert results == json.loads((tmp_path / "again/results.json").read_text())
    assert stderr.startswith(f"bragg bench: {total} cases in ")  # quiet: no progress lines
    assert "[bragg bench]" not in stderr
