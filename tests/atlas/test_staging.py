"""A fresh build goes through a staging folder: killed mid-way (SIGKILL, a real build of
atlas-tiny by the CLI) the previous good build is byte for byte intact; run to completion
it swaps in the same bytes as the committed dataset."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from perflab.atlas.load import REPO_ROOT, load

COMMITTED = REPO_ROOT / "artefacts"


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _cli(out: Path) -> list[str]:
    return [sys.executable, "-m", "perflab.atlas", "build", "atlas-tiny", "--out", str(out)]


def test_killed_fresh_build_leaves_the_last_good_build_and_completion_gives_same_bytes(
    tmp_path,
):
    out = tmp_path / "out"
    dataset, bench = out / "datasets/atlas-tiny", out / "benchmarks/atlas-tiny"
    shutil.copytree(COMMITTED / "datasets/atlas-tiny", dataset)  # the last good build
    shutil.copytree(COMMITTED / "benchmarks/atlas-tiny", bench)
    before = {"dataset": _tree(dataset), "bench": _tree(bench)}
    stage = out / "datasets/.atlas-tiny.staging"
    cmd = [*_cli(out), "--fresh", "--no-charts", "--quiet"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        # wait until the new build has written rows (a journal), wherever it writes them
        while not list(out.rglob(".work/*.jsonl")) and proc.poll() is None:
            assert time.monotonic() < deadline, "the build wrote no row in 120 s"
            time.sleep(0.05)
        assert proc.poll() is None, "the build finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert {"dataset": _tree(dataset), "bench": _tree(bench)} == before  # untouched
    assert list(stage.glob("dataset/.work/*.jsonl"))  # the killed build was under way there
    assert len(load(dataset)) == 14  # and loads (manifest verified against the shards)

    r = subprocess.run([*_cli(out), "--fresh", "--no-charts", "--quiet"], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert _tree(dataset) == before["dataset"]  # same plan, same bytes (README included)
    assert not stage.exists()  # swapped in, staging cleaned up
    assert _tree(bench) != before["bench"]  # the new run's own timing logs came with it
