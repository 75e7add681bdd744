"""The warp build (issue 14): workers die with a killed parent, one build per folder, user
errors as one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from perflab.harness.lock import BuildLocked, build_lock
from perflab.warpgen.build import config_from_args, main, run_build

ROOT = Path(__file__).resolve().parents[2]


def test_kill_9_of_the_build_leaves_no_worker_behind(tmp_path):
    """Only the parent is killed (not its process group): before the fix its pool worker
    (265 MB) and the resource tracker were left running, owned by PID 1."""
    args = ["--target-mb", "0.4", "--shard-kernels", "2", "--sample-rate", "0", "--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "perflab.warpgen.build", *args, "--out", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    manifest = tmp_path / "warp-kernels" / "manifest.json"
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if manifest.exists() and json.loads(manifest.read_text())["done"]:
                children = psutil.Process(proc.pid).children(recursive=True)
                break
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    assert len(children) >= 2
    _, alive = psutil.wait_procs(children, timeout=20)
    assert not alive, f"orphans: {[(p.pid, p.name()) for p in alive]}"


def test_a_second_build_into_the_folder_is_refused(tmp_path):
    cfg = config_from_args(out=tmp_path, target_mb=0.01, sample_rate=0.0, workers=1)
    with build_lock(cfg.root, what="warp dataset build"):
        with pytest.raises(BuildLocked, match=f"pid {os.getpid()}"):
            run_build(cfg)
        assert main(["--target-mb", "0.01", "--out", str(tmp_path)]) == 2


@pytest.mark.parametrize(
    "argv, word", [(["--workers", "-1"], "workers"), (["--target-mb", "0"], "target_mb")]
)
def test_config_errors_print_one_line(argv, word, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert word in err and "Traceback" not in err and err.count("\n") == 1


def test_a_binary_manifest_is_a_manifest_error_naming_the_file(tmp_path):
    from perflab.harness import ManifestError

    cfg = config_from_args(out=tmp_path, target_mb=0.01, sample_rate=0.0, workers=1)
    cfg.root.mkdir(parents=True)
    (cfg.root / "manifest.json").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ManifestError, match="manifest.json"):
        run_build(cfg)
