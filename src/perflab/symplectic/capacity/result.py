"""The result type shared by every capacity method."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from perflab.symplectic.polytope import InvalidPolytope, Polytope

__all__ = [
    "CapacityResult",
    "centred_unit",
    "require_symplectic",
    "single_threaded_blas",
    "unit_scale",
]


def single_threaded_blas() -> threadpool_limits:
    """Context manager: BLAS/LAPACK on one thread. The solvers batch many small systems;
    multi-threaded LAPACK on them is slower on a quiet machine and, on a loaded one, up to
    40x slower (measured: 70 eigh of 60x60 took 2.5 s with threads vs 0.06 s without)."""
    return threadpool_limits(1, user_api="blas")


@dataclass(frozen=True)
class CapacityResult:
    """c_EHZ of a polytope with its witness.

    value: the capacity.
    cycle: (k, d) vertices of a closed characteristic of minimal action ``value`` (in the
        coordinates of the polytope that was passed in), traversed along +J n.
    method: "haim_kislev" | "billiards" | "reeb" | "area".
    facets: for each edge of ``cycle``, the facet (index into ``P.normals``) it runs on, or
        -1 where an edge runs along a lower-dimensional face (billiards at a corner).
    candidates: how many combinatorial candidates (cycles / edge triples) were examined.
    details: method-specific extras (JSON-serialisable).
    """

    value: float
    cycle: np.ndarray
    method: str
    facets: tuple[int, ...] = ()
    candidates: int = 0
    details: dict[str, Any] = field(default_factory=dict)


def require_symplectic(P: Polytope, what: str = "a symplectic quantity") -> int:
    """Return n for P in R^{2n}; raise InvalidPolytope for odd dimension or a non-Polytope."""
    if not isinstance(P, Polytope):
        raise InvalidPolytope(f"{what} needs a Polytope, got {type(P).__name__}")
    if P.dim % 2:
        raise InvalidPolytope(f"{what} needs an even dimension 2n, got dimension {P.dim}")
    return P.dim // 2


def unit_scale(size: float) -> float:
    """The power of two nearest to ``size`` (a positive length of a body).

    The solvers work on the body divided by it, so that ``size`` lands in
    [1/sqrt(2), sqrt(2)): their fixed thresholds (KKT residuals, LP tolerances) are made for
    bodies of unit size, and c(lambda K) = lambda^2 c(K) converts back. Dividing by a power
    of two is exact in floating point, and bodies already of unit size (factor 1) are left
    untouched."""
    return 2.0 ** round(math.log2(size))


def centred_unit(P: Polytope) -> tuple[Polytope, np.ndarray, float]:
    """``((P - c) / s, c, s)``: ``P`` moved to 0 by its interior point ``c`` and divided by
    ``s = unit_scale(max offset)``, so that its offsets are of unit size.

    The facet solvers (Haim-Kislev's KKT systems, reeb's orbit systems) mix offsets with
    unit normals, and their fixed thresholds are made for offsets of unit size; convert
    back with c(s K) = s^2 c(K) and x -> s x + c.
    """
    Pc, shift = P.centred()
    s = unit_scale(float(np.max(Pc.offsets)))
    return Pc.scaled(1.0 / s), shift, s
