"""Torch intra-op threads per call: chosen by problem size and machine load, then restored.

Each batch of the torch backend runs a few dozen small operators (see
:mod:`perflab.soap.torch_backend`). With several OpenMP threads every operator ends in a
barrier; on a busy machine a thread that is descheduled holds all the others there (they spin
by default, ``OMP_WAIT_POLICY=ACTIVE``), so a call can be many times slower with two threads
than with one. Measured on the 2-core development machine (other jobs running, load ~2), two
threads against one: 16x slower on the seed-size case (6k pairs), 5.5x on 100k pairs, 4.2x on
340k pairs; with two CPU-burning processes beside it 12x, 12x and 6x. On a quiet machine the
gain of a second thread was at most 1.1x (the benchmark's thread sweep).

``threads="auto"`` therefore uses one thread below :data:`AUTO_MIN_PAIRS` pairs; above it,
as many threads as there look to be idle cores (the CPUs this process may run on, less the
1-minute load average not counting this process), at least one and at most the caller's
``torch.get_num_threads()`` and :data:`AUTO_MAX_THREADS`. The thread count does not change
the numbers beyond rounding (tested).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from perflab.soap.radial import HyperparameterError

__all__ = [
    "AUTO_MAX_THREADS",
    "AUTO_MIN_PAIRS",
    "auto_threads",
    "check_threads",
    "idle_cores",
    "torch_threads",
]

#: below this many neighbour pairs in a call, "auto" uses one thread
AUTO_MIN_PAIRS = 200_000
#: "auto" never uses more intra-op threads than this
AUTO_MAX_THREADS = 4


def check_threads(threads: int | str) -> int | str:
    """Validate the calculator's ``threads=``: ``"auto"`` or a positive int."""
    if threads == "auto":
        return threads
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise HyperparameterError(f"threads: must be 'auto' or a positive int, got {threads!r}")
    return int(threads)


def idle_cores() -> int:
    """CPUs this process may use, less the other runnable work (1-minute load average, this
    process counted as one), at least 1."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, math.floor(cpus - max(load - 1.0, 0.0) + 1e-9))


def auto_threads(n_pairs: int, caller_threads: int, idle: int | None = None) -> int:
    """Threads that ``"auto"`` uses for a call with ``n_pairs`` pairs (``idle``: idle cores,
    measured by :func:`idle_cores` when ``None``)."""
    if n_pairs < AUTO_MIN_PAIRS:
        return 1
    idle = idle_cores() if idle is None else idle
    return max(1, min(caller_threads, AUTO_MAX_THREADS, idle))


@contextmanager
def torch_threads(threads: int | str, n_pairs: int) -> Iterator[int]:
    """Run the block with the chosen number of torch intra-op threads, then restore the
    caller's setting (also when the block raises). Yields the number used."""
    caller = torch.get_num_threads()
    use = auto_threads(n_pairs, caller) if threads == "auto" else int(threads)
    if use != caller:
        torch.set_num_threads(use)
    try:
        yield use
    finally:
        if torch.get_num_threads() != caller:
            torch.set_num_threads(caller)
