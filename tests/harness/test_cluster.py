"""Compute targets (issue 12): flags checked before any work, Slurm through dask-jobqueue,
a bounded window of tasks in flight, a worker with other software refused."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future

import pytest

from perflab.harness.cluster import (
    ClusterError,
    SoftwareMismatch,
    _checked,
    compute_target,
    open_executor,
    slurm_cluster,
    software_fingerprint,
)
from perflab.harness.pool import completed_results


@pytest.mark.parametrize(
    ("workers", "kwargs", "kind", "flags"),
    [
        (1, {}, "inline", []),
        (3, {}, "processes", ["--workers", "3"]),
        (2, {"cluster": "local"}, "local-cluster", ["--cluster", "local", "--workers", "2"]),
        (8, {"cluster": "slurm"}, "slurm", ["--cluster", "slurm", "--workers", "8"]),
        (1, {"scheduler": "tcp://10.0.0.5:8786"}, "scheduler", ["--scheduler", "tcp://10.0.0.5:8786"]),
    ],
)  # fmt: skip
def test_targets_round_trip_to_their_flags(workers, kwargs, kind, flags):
    target = compute_target(workers, **kwargs)
    assert target.kind == kind and target.flags() == flags


def test_slurm_without_sbatch_is_refused_before_any_job(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with (
        pytest.raises(ClusterError, match="sbatch"),
        open_executor(compute_target(2, cluster="slurm")),
    ):
        pass  # pragma: no cover


def _fake_sbatch(tmp_path, monkeypatch, body: str) -> None:
    sbatch = tmp_path / "sbatch"
    sbatch.write_text(f"#!/bin/sh\n{body}\n")
    sbatch.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")


def test_slurm_job_script_runs_one_single_threaded_worker(monkeypatch, tmp_path):
    _fake_sbatch(tmp_path, monkeypatch, "exit 1")
    cluster = slurm_cluster()
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH" in script and "--cpus-per-task=1" in script
    assert "--nthreads 1" in script and "distributed.cli.dask_worker" in script


def test_a_refused_sbatch_fails_the_build_at_once(monkeypatch, tmp_path):
    _fake_sbatch(tmp_path, monkeypatch, "echo 'sbatch: error: invalid account' >&2; exit 1")
    target = compute_target(2, cluster="slurm")
    with pytest.raises(ClusterError, match="invalid account"), open_executor(target):
        pass  # pragma: no cover


def test_a_worker_with_other_software_is_refused():
    other = {**software_fingerprint(), "numpy": "0.0.1"}
    with pytest.raises(SoftwareMismatch, match="numpy 0.0.1 on the client"):
        _checked(other, sum, [1, 2])
    assert _checked(software_fingerprint(), sum, [1, 2]) == 3


class _CountingExecutor:
    """Runs tasks on threads and records the most tasks submitted but not yet consumed."""

    def __init__(self) -> None:
        self.live = 0
        self.most = 0
        self.lock = threading.Lock()

    def submit(self, fn, *args):
        fut: Future = Future()
        with self.lock:
            self.live += 1
            self.most = max(self.most, self.live)
        fut.set_result(fn(*args))
        return fut

    def consumed(self) -> None:
        with self.lock:
            self.live -= 1


def test_the_window_bounds_tasks_in_flight_and_every_task_comes_back_once():
    ex = _CountingExecutor()
    out = []
    for i, value in completed_results(ex, pow, ((i, 2) for i in range(100)), window=5):
        out.append((i, value))
        ex.consumed()
    assert sorted(out) == [(i, i * i) for i in range(100)]
    assert ex.most == 6  # the window, plus the one being consumed


@pytest.mark.parametrize("window", [0, -3, True])
def test_bad_windows_are_refused(window):
    with pytest.raises(ValueError, match="window"):
        list(completed_results(_CountingExecutor(), pow, [(1, 2)], window=window))
