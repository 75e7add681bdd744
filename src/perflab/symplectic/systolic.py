"""Systolic ratio sys(K) = c_EHZ(K)^n / (n! vol(K)) in R^{2n} (1 for the ball; Viterbo's
conjecture, disproved by Haim-Kislev-Ostrover 2024, arXiv:2405.16513, claimed <= 1)."""

from __future__ import annotations

import math

from perflab.symplectic.capacity import ehz_capacity
from perflab.symplectic.capacity.result import require_symplectic
from perflab.symplectic.polytope import Polytope
from perflab.symplectic.volume import unit_volume

__all__ = ["systolic_ratio"]


def systolic_ratio(P: Polytope, *, method: str = "auto", capacity: float | None = None) -> float:
    """c^n / (n! vol) for P in R^{2n}; pass ``capacity`` to reuse a computed c_EHZ.

    Scale-invariant, so computed in the unit frame of ``P = s U + c``:
    c(U)^n / (n! vol(U)) with c(U) = c(P) / s^2 (exact for a power of two ``s``): finite
    for every polytope, however large or small.

    Parameters
    ----------
    P : Polytope
        A polytope in R^{2n}.
    method : str
        The capacity method when ``capacity`` is None (see :func:`ehz_capacity`).
    capacity : float, optional
        c_EHZ(P) when already known.

    Returns
    -------
    float
        The systolic ratio c_EHZ(P)^n / (n! vol(P)): 1 for a ball. Viterbo's conjecture
        (at most 1 for every convex body) is false: Haim-Kislev and Ostrover found a
        polytope in R^4 with a ratio above 1.

    Raises
    ------
    ValueError
        A ``capacity`` that is not positive and finite, or does not fit the body's size.

    References
    ----------
    P. Haim-Kislev, Y. Ostrover, "A counterexample to Viterbo's conjecture", 2024.

    Examples
    --------
    >>> from perflab.symplectic import generators
    >>> round(systolic_ratio(generators.cube(0)[0]), 12)
    0.5
    """
    n = require_symplectic(P, "systolic_ratio")
    vol_u, s = unit_volume(P)
    if capacity is None:
        cu = ehz_capacity(P.normalised()[0], method).value
    else:
        c = float(capacity)
        if not math.isfinite(c) or c <= 0:
            raise ValueError(f"capacity must be a positive finite number, got {capacity!r}")
        cu = math.ldexp(c, -2 * round(math.log2(s)))
        if cu == 0.0 or not math.isfinite(cu):
            raise ValueError(f"capacity {capacity!r} does not fit a body of size {P.size:.3g}")
    return cu**n / (math.factorial(n) * vol_u)
