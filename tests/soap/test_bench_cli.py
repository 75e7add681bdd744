"""``python -m perflab.soap.bench`` as a user sees it in a log (not a terminal): progress
lines (cases done/total, not timed so far, the case running, ETA), then a short summary;
with ``--json`` the report's JSON alone on stdout. Its flags are the notebook's."""

from __future__ import annotations

import json
import re

import pytest

from perflab.soap.bench.__main__ import main
from perflab.soap.bench.pipeline import options_from_flags, plan_cases

LINE = re.compile(
    r"^\[soap bench tiny\] (\d+)/(\d+) cases \(\d+\.\d%\) \| [\d.]+ cases/s \| now .+, "
    r"not_timed (\d+) \| \d+:\d\d \| ETA (\d+:\d\d|\?)$"
)


def test_bench_prints_progress_lines_and_a_summary_then_json_on_request(tmp_path, capsys, run_cli):
    out = tmp_path / "out"
    args = ["--smoke", "--sweep", "species", "--out", str(out), "--progress-every", "0"]
    r = run_cli("perflab.soap.bench", *args)
    total = sum(len(c) for c in plan_cases("tiny", ["species"], smoke=True).values())
    progress = [LINE.match(ln) for ln in r.stderr.splitlines() if ln.startswith("[soap")]
    assert len(progress) >= 4 and all(progress), r.stderr
    assert {int(m[2]) for m in progress} == {total}
    done = [int(m[1]) for m in progress]
    assert done == sorted(done) and done[0] == 0 and done[-1] == total
    summary = r.stdout.splitlines()
    m = re.match(rf"soap bench tiny: {total} cases \((\d+) timed\) in [\d.]+ s", summary[0])
    assert m, r.stdout
    not_timed = total - int(m[1])
    assert int(progress[-1][3]) == not_timed
    assert sum(int(n) for n in re.findall(r"^  not timed (\d+) x ", r.stdout, re.M)) == not_timed
    assert f"  report    {out / 'report.md'}" in r.stdout
    assert len(summary) < 12

    assert main(["--smoke", "--sweep", "species", "--out", str(tmp_path / "j"), "--json"]) == 0
    stdout, stderr = capsys.readouterr()
    assert json.loads(stdout) == json.loads((tmp_path / "j/report.json").read_text())
    assert "[soap bench tiny]" in stderr and "soap bench tiny: " in stderr


def test_flags_are_checked_like_the_notebooks():
    opts = options_from_flags({"preset": "cpu", "sweep": "threads", "threads": "2"})
    assert (opts.preset, opts.sweeps, opts.threads) == ("cpu", ["threads"], 2)
    assert opts.command == (
        "python notebooks/soap_benchmark.py -- --preset cpu --sweep threads --threads 2"
    )
    for bad in ({"preset": "huge"}, {"sweep": "colour"}, {"threads": "0"}):
        with pytest.raises(ValueError, match="--" + next(iter(bad))):
            options_from_flags(bad)
    with pytest.raises(SystemExit):
        main(["--threads", "x"])
