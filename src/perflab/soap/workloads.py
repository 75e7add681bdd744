"""Profile targets of AniSOAP (``python -m perflab.devtools.profile soap.X``).

Each entry of :data:`PROFILE_TARGETS` maps a name to a zero-argument *factory*: calling it
loads the acceptance system ``golden_bench_2sp`` (two species, from the golden files),
builds the calculator with the golden hyperparameters (:data:`perflab.soap.bench.cases.HYPERS`)
and returns the zero-argument callable that is profiled (see :mod:`perflab.devtools.profile`):
``calc.expansion(frames)``, the density expansion, as benchmarked in
``benchmarks/soap/test_bench_soap.py``. Neighbour lists and plans are built by the first
call (the profiler's warm-up), as in the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perflab.harness.workloads import Factory  # the factory convention, one definition

__all__ = [
    "PROFILE_TARGETS",
    "SYSTEM",
    "Factory",
    "expansion_numpy",
    "expansion_torch",
]


SYSTEM = "golden_bench_2sp"


def _expansion(backend: str, dtype: str = "float64") -> Callable[[], Any]:
    from perflab.soap import AniSOAP
    from perflab.soap.bench.cases import HYPERS
    from perflab.soap.systems import golden_frames

    frames = golden_frames(SYSTEM)
    calc = AniSOAP(**HYPERS, backend=backend, dtype=dtype)
    return lambda: calc.expansion(frames)


def expansion_numpy() -> Callable[[], Any]:
    """AniSOAP expansion of golden_bench_2sp, numpy reference backend (float64)."""
    return _expansion("numpy")


def expansion_torch() -> Callable[[], Any]:
    """AniSOAP expansion of golden_bench_2sp, torch backend on the CPU (float64)."""
    return _expansion("torch")


PROFILE_TARGETS: dict[str, Factory] = {
    "expansion_numpy": expansion_numpy,
    "expansion_torch": expansion_torch,
}
