"""``python -m perflab.warpgen.build`` as a user sees it in a log (not a terminal): progress
lines (MB of the smaller backend against the target, MB per backend, kernels, kernels/s,
ETA), then a short summary; with ``--json`` the stats alone on stdout."""

from __future__ import annotations

import json
import re

from perflab.warpgen.build import main

LINE = re.compile(
    r"^\[warp build\] ([\d.]+)/0\.08 MB \(\d+\.\d%\) \| [\d.]+ MB/s \| cpu MB ([\d.]+), "
    r"cuda MB ([\d.]+), kernels (\d+), kernels/s [\d.]+ \| \d+:\d\d \| ETA (\d+:\d\d|\?)$"
)
# 3 shards of 2 kernels, no validation: seconds
FLAGS = ["--smoke", "--target-mb", "0.08", "--shard-kernels", "2", "--sample-rate", "0"]


def test_build_prints_progress_lines_and_a_summary_then_json_on_request(tmp_path, capsys, run_cli):
    out = tmp_path / "out"
    args = [*FLAGS, "--workers", "1", "--out", str(out), "--progress-every", "0"]
    r = run_cli("perflab.warpgen.build", *args)
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("[warp build]")]
    note = f"1 workers, shards of 2 kernels, into {out / 'warp-kernels'}; progress comes as "
    assert lines[0] == f"[warp build] {note}shards are committed"  # before the first shard
    progress = [LINE.match(ln) for ln in lines[1:]]
    assert len(progress) >= 2 and all(progress), r.stderr  # a line per committed shard
    kernels = [int(m[4]) for m in progress]
    assert kernels == sorted(kernels) and kernels[-1] % 2 == 0
    assert float(progress[-1][1]) == min(float(progress[-1][2]), float(progress[-1][3]))
    summary = r.stdout.splitlines()
    assert re.match(r"warp-kernels: cpu \d+ records [\d.]+ MB, cuda \d+ records", summary[0])
    assert f"this run: {kernels[-1]} kernels in " in summary[0]
    assert f"  dataset   {out / 'warp-kernels'}" in summary
    assert len(summary) < 10  # a short summary, not the stats document

    # a rerun finds the build complete; --json puts the stats alone on stdout
    assert main([*FLAGS, "--out", str(out), "--json"]) == 0
    stdout, stderr = capsys.readouterr()
    stats = json.loads(stdout)
    assert stats == json.loads((out / "warp_dataset_stats.json").read_text())
    assert stats["throughput"]["kernels_processed"] == kernels[-1]
    assert "this run: 0 kernels in " in stderr
    final = [m for ln in stderr.splitlines() if (m := LINE.match(ln))]
    assert len(final) == 1 and final[0][1] == progress[-1][1]  # the state, not 0 MB
