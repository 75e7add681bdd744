"""Systolic ratio sys(K) = c_EHZ(K)^n / (n! vol(K)) in R^{2n} (1 for the ball; Viterbo's
conjecture, disproved by Haim-Kislev-Ostrover 2024, arXiv:2405.16513, claimed <= 1)."""

from __future__ import annotations

import math

from perflab.symplectic.capacity import ehz_capacity
from perflab.symplectic.capacity.result import require_symplectic
from perflab.symplectic.polytope import Polytope
from perflab.symplectic.volume import volume

__all__ = ["systolic_ratio"]


def systolic_ratio(P: Polytope, *, method: str = "auto", capacity: float | None = None) -> float:
    """c^n / (n! vol) for P in R^{2n}; pass ``capacity`` to reuse a computed c_EHZ."""
    n = require_symplectic(P, "systolic_ratio")
    if capacity is None:
        c = ehz_capacity(P, method).value
    else:
        c = float(capacity)
        if not math.isfinite(c) or c <= 0:
            raise ValueError(f"capacity must be a positive finite number, got {capacity!r}")
    return c**n / (math.factorial(n) * volume(P))
