"""One process pool for every domain: workers that die with their parent, results as they finish.

:func:`process_pool` is a ``concurrent.futures.ProcessPoolExecutor`` whose workers are
spawned (not forked: a fork of a process with other threads running, such as a marimo
kernel, can copy a held lock and hang the child), ignore SIGINT (the parent decides), and
on Linux get ``PR_SET_PDEATHSIG = SIGKILL``: a build killed with ``kill -9`` leaves no
worker behind (and so no ``multiprocessing`` resource tracker either, which exits when the
last process holding its pipe does). A worker that dies fails the job cleanly with
``BrokenProcessPool`` instead of leaving it waiting.

:func:`completed_results` keeps a window of tasks in flight and yields ``(index, result)``
as they finish. It works with any executor with ``submit(fn, *args) -> Future`` whose
futures have ``add_done_callback`` and ``result()``, which is where a Dask
``distributed.Client`` plugs in (:mod:`perflab.harness.cluster`).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

__all__ = [
    "completed_results",
    "kill_workers",
    "process_pool",
    "worker_setup",
]


def worker_setup(parent_pid: int | None = None) -> None:
    """In a worker process: die with the parent, leave SIGINT to it.

    ``PR_SET_PDEATHSIG`` only covers a parent that dies *after* it is set; a parent killed
    while the worker was still starting (spawn re-imports the parent's modules first) has
    already been replaced by a reaper, so a worker whose parent is no longer
    ``parent_pid`` exits at once instead of waiting forever as an orphan."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers exit when their pipe closes
        pass
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the death signal was armed
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _initializer(init: Callable[..., None] | None, initargs: tuple, parent_pid: int) -> None:
    worker_setup(parent_pid)
    if init is not None:
        init(*initargs)


def process_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """A spawned process pool of ``workers`` (>= 1) whose workers die with this process;
    ``initializer(*initargs)`` runs in each worker after that set-up (it must be picklable,
    i.e. a module-level function)."""
    if isinstance(workers, bool) or int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    return ProcessPoolExecutor(
        max_workers=int(workers),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_initializer,
        initargs=(initializer, tuple(initargs), os.getpid()),
    )


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's workers (for a hung worker; the pool is broken afterwards)."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError):
            proc.kill()


def completed_results(
    executor: Executor | Any,
    fn: Callable[..., Any],
    tasks: Iterable[tuple],
    *,
    window: int,
) -> Iterator[tuple[int, Any]]:
    """``(i, fn(*task_i))`` for every task, computed by ``executor``, yielded as they finish.

    At most ``window`` tasks are in flight (submitted, not yet finished); each finished one
    is replaced by the next task, so a slow task does not hold back the others (consuming in
    submission order, with 1,000 workers and a 90 s task at the head, would leave every
    other worker idle once the window is full). Works with any executor
    whose futures have ``add_done_callback`` and ``result()`` (``concurrent.futures``, Dask).
    A task's exception is raised here; leaving early cancels the tasks in flight.
    """
    if isinstance(window, bool) or int(window) < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()
    live: dict[int, Any] = {}
    source = enumerate(tasks)

    def submit_next() -> None:
        nxt = next(source, None)
        if nxt is not None:
            i, task = nxt
            fut = executor.submit(fn, *task)
            live[i] = fut
            fut.add_done_callback(lambda _f, i=i: finished.put(i))

    try:
        for _ in range(int(window)):
            submit_next()
        while live:
            i = finished.get()
            result = live.pop(i).result()
            submit_next()
            yield i, result
    finally:
        for fut in live.values():
            fut.cancel()
