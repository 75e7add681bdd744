"""Wall-clock measurement: cold/warm samples with summary statistics, and a ``Timer``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Measurement",
    "SampleStats",
    "Timer",
    "measure",
]


@dataclass(frozen=True)
class SampleStats:
    """Summary of a list of durations in seconds."""

    n: int
    mean: float
    median: float
    stdev: float
    min: float
    max: float
    q25: float
    q75: float
    q10: float
    q90: float

    @property
    def iqr(self) -> float:
        return self.q75 - self.q25

    @classmethod
    def from_samples(cls, samples: list[float] | np.ndarray) -> SampleStats:
        """Statistics of ``samples``; ``stdev`` is the sample standard deviation (0 for n=1).

        Quantiles use numpy's default (linear) interpolation.
        """
        x = np.asarray(samples, dtype=np.float64)
        if x.ndim != 1 or x.size == 0:
            raise ValueError("samples must be a non-empty 1-D sequence of durations")
        if not np.all(np.isfinite(x)):
            raise ValueError("samples contain NaN or inf")
        q10, q25, q50, q75, q90 = np.quantile(x, [0.10, 0.25, 0.5, 0.75, 0.90])
        return cls(
            n=int(x.size),
            mean=float(x.mean()),
            median=float(q50),
            stdev=float(statistics.stdev(x.tolist())) if x.size > 1 else 0.0,
            min=float(x.min()),
            max=float(x.max()),
            q25=float(q25),
            q75=float(q75),
            q10=float(q10),
            q90=float(q90),
        )

    def to_dict(self) -> dict[str, float]:
        d = asdict(self)
        d["iqr"] = self.iqr
        return d


@dataclass
class Measurement:
    """Result of :func:`measure`: the cold (first) call and the warm samples."""

    cold: float
    warm: list[float]
    warmup: int
    result: Any = field(default=None, repr=False)

    @property
    def warm_stats(self) -> SampleStats:
        return SampleStats.from_samples(self.warm)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cold_s": self.cold,
            "warm_s": list(self.warm),
            "warmup": self.warmup,
            "warm": self.warm_stats.to_dict(),
        }


def measure(fn: Callable[[], Any], *, repeats: int = 5, warmup: int = 1) -> Measurement:
    """Time ``fn()``: one cold call, ``warmup`` untimed calls, then ``repeats`` warm samples.

    The cold sample is the very first call (it includes imports, JIT compilation, cache
    filling). Warm-up calls after it are not recorded. Uses ``time.perf_counter``.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    t0 = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - t0
    for _ in range(warmup):
        fn()
    warm = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t0)
    return Measurement(cold=cold, warm=warm, warmup=warmup, result=result)


class Timer:
    """Context manager measuring elapsed wall time: ``with Timer() as t: ...; t.elapsed``.

    ``elapsed`` is live while the block runs and frozen when it exits.
    """

    def __init__(self) -> None:
        self._start: float | None = None
        self._stop: float | None = None

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        self._stop = None
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = time.perf_counter()

    @property
    def elapsed(self) -> float:
        if self._start is None:
            raise RuntimeError("Timer has not been started")
        end = self._stop if self._stop is not None else time.perf_counter()
        return end - self._start
