"""Torch intra-op threads per call: chosen by the problem size, the caller's setting restored.

Each batch of the torch backend runs a few dozen small operators (see
:mod:`perflab.soap.torch_backend`). With several OpenMP threads every operator ends in a
barrier; on a busy machine a thread that is descheduled holds all the others there (they spin
by default, ``OMP_WAIT_POLICY=ACTIVE``), so a small call can be many times slower with two
threads than with one. Measured on the 2-core development machine
(``benchmarks/soap/test_bench_threads.py``, the report's thread section), extra threads only
pay off when a call has many pairs, and even then by little. ``threads="auto"`` therefore uses
one thread below :data:`AUTO_MIN_PAIRS` pairs, and above it the caller's
``torch.get_num_threads()`` capped at :data:`AUTO_MAX_THREADS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from perflab.soap.radial import HyperparameterError

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


def auto_threads(n_pairs: int, caller_threads: int) -> int:
    """Threads that ``"auto"`` uses for a call with ``n_pairs`` pairs."""
    if n_pairs < AUTO_MIN_PAIRS:
        return 1
    return max(1, min(caller_threads, AUTO_MAX_THREADS))


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
