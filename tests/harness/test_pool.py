"""The shared process pool (issue 14): ordered results, crash fails cleanly, workers die
with their parent after ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool

import psutil
import pytest

from perflab.harness.pool import completed_results, process_pool


def _square(x: int) -> int:
    time.sleep(0.01 * (x % 3))
    return x * x


def _die(x: int) -> int:
    if x == 2:
        os._exit(9)
    return x


def test_every_result_comes_back_with_its_task_index():
    with process_pool(2) as pool:
        got = list(completed_results(pool, _square, [(i,) for i in range(12)], window=4))
    assert sorted(got) == [(i, i * i) for i in range(12)]


def test_a_worker_crash_fails_the_job_cleanly():
    with process_pool(2) as pool, pytest.raises(BrokenProcessPool):
        list(completed_results(pool, _die, [(i,) for i in range(6)], window=3))


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_bad_worker_counts_are_refused(workers):
    with pytest.raises(ValueError, match="workers"):
        process_pool(workers)


CHILD = """
import time
from perflab.harness.pool import process_pool
pool = process_pool(2)
futs = [pool.submit(time.sleep, 120) for _ in range(2)]
time.sleep(3)
print("ready", flush=True)
time.sleep(120)
"""


def test_workers_die_with_a_killed_parent():
    parent = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "ready"
        children = psutil.Process(parent.pid).children(recursive=True)
        assert len(children) >= 2  # two workers (and the resource tracker)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, f"orphans left: {[p.pid for p in alive]}"


def _slow_first(i: int) -> int:
    time.sleep(1.0 if i == 0 else 0.0)
    return i


def test_completed_results_do_not_wait_for_a_slow_head():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as ex:
        got = list(completed_results(ex, _slow_first, [(i,) for i in range(20)], window=4))
    assert sorted(got) == [(i, i) for i in range(20)]
    assert [i for i, _ in got].index(0) > 0  # the others went past the slow one
