"""The escalation policy as code: when is native code (C++, a Warp kernel) justified?

``docs/performance.md`` states the policy; :func:`escalation_verdict` checks it on numbers
measured in one run, so a pull request that adds native code can show the verdict:

1. **speed**: the candidate's median is at least ``MIN_SPEEDUP`` (3x) faster than the
   baseline's, both measured in the same run;
2. **stability**: at least ``MIN_RUNS`` (10) timed runs of each, and each has a
   coefficient of variation (sample stdev / mean) under ``MAX_CV`` (10 %);
3. **identical outputs**: on the same inputs the outputs are equal element for element
   (``numpy.array_equal``; NaNs in the same places count as equal) — no tolerance;
4. **same dtype and device**: the outputs have the same dtype and live on the same device
   (``.device`` of a torch tensor / warp array, ``"cpu"`` for numpy);
5. **a profile shows the hot spot**: the replaced code's share of the profiled workload's
   wall time (from ``python -m perflab.devtools.profile``) is at least ``MIN_HOT_SHARE``
   (50 %): below that, even an infinitely fast kernel gains less than 2x end to end
   (Amdahl: ``1 / (1 - share)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from perflab.harness.timing import SampleStats

__all__ = [
    "MAX_CV",
    "MIN_HOT_SHARE",
    "MIN_RUNS",
    "MIN_SPEEDUP",
    "EscalationVerdict",
    "escalation_verdict",
]

MIN_SPEEDUP = 3.0
MIN_RUNS = 10
MAX_CV = 0.10
MIN_HOT_SHARE = 0.5


@dataclass(frozen=True)
class EscalationVerdict:
    """Each criterion's measured value and whether the whole policy is met."""

    speedup: float
    baseline_cv: float
    candidate_cv: float
    runs: int
    outputs_identical: bool
    same_dtype: bool
    same_device: bool
    hot_spot_share: float
    amdahl_bound: float
    failures: list[str] = field(default_factory=list)

    @property
    def justified(self) -> bool:
        return not self.failures


def _cv(samples: Sequence[float]) -> float:
    s = SampleStats.from_samples(list(samples))
    return s.stdev / s.mean if s.mean > 0 else float("inf")


def _device(x: Any) -> str:
    dev = getattr(x, "device", None)
    return "cpu" if dev is None else str(dev)


def _as_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # torch
        return x.detach().cpu().numpy()
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):  # warp arrays
        return np.asarray(x.numpy())
    return np.asarray(x)


def escalation_verdict(
    baseline_s: Sequence[float],
    candidate_s: Sequence[float],
    baseline_out: Any,
    candidate_out: Any,
    *,
    hot_spot_share: float,
) -> EscalationVerdict:
    """Check the policy of the module docstring.

    ``baseline_s``/``candidate_s`` are per-call wall times (seconds) from the same run;
    ``baseline_out``/``candidate_out`` the outputs on the same inputs; ``hot_spot_share``
    the replaced code's share (0..1) of the profiled workload.
    """
    if not 0.0 <= hot_spot_share <= 1.0:
        raise ValueError(f"hot_spot_share must be in [0, 1], got {hot_spot_share}")
    b = SampleStats.from_samples(list(baseline_s))
    c = SampleStats.from_samples(list(candidate_s))
    speedup = b.median / c.median if c.median > 0 else float("inf")
    bcv, ccv = _cv(baseline_s), _cv(candidate_s)
    runs = min(b.n, c.n)
    dtype_b = getattr(baseline_out, "dtype", type(baseline_out))
    dtype_c = getattr(candidate_out, "dtype", type(candidate_out))
    same_dtype = str(dtype_b) == str(dtype_c)
    same_device = _device(baseline_out) == _device(candidate_out)
    a, o = _as_numpy(baseline_out), _as_numpy(candidate_out)
    identical = a.shape == o.shape and bool(
        np.array_equal(a, o, equal_nan=a.dtype.kind in "fc" and o.dtype.kind in "fc")
    )
    amdahl = 1.0 / (1.0 - hot_spot_share) if hot_spot_share < 1.0 else float("inf")
    failures = []
    if speedup < MIN_SPEEDUP:
        failures.append(f"median speed-up {speedup:.2f}x < {MIN_SPEEDUP:g}x")
    if runs < MIN_RUNS:
        failures.append(f"only {runs} runs (need >= {MIN_RUNS} of each)")
    for name, cv in (("baseline", bcv), ("candidate", ccv)):
        if cv >= MAX_CV:
            failures.append(f"{name} varies too much: CV {cv:.1%} >= {MAX_CV:.0%}")
    if not identical:
        failures.append("outputs differ on the same inputs")
    if not same_dtype:
        failures.append(f"dtype differs: {dtype_b} vs {dtype_c}")
    if not same_device:
        failures.append(f"device differs: {_device(baseline_out)} vs {_device(candidate_out)}")
    if hot_spot_share < MIN_HOT_SHARE:
        failures.append(
            f"hot spot is {hot_spot_share:.0%} of the profile (< {MIN_HOT_SHARE:.0%}); "
            f"at most {amdahl:.2f}x end to end"
        )
    return EscalationVerdict(
        speedup=speedup,
        baseline_cv=bcv,
        candidate_cv=ccv,
        runs=runs,
        outputs_identical=identical,
        same_dtype=same_dtype,
        same_device=same_device,
        hot_spot_share=hot_spot_share,
        amdahl_bound=amdahl,
        failures=failures,
    )
