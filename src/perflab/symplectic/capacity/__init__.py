"""EHZ capacity of convex polytopes by three exact methods, with witness cycles.

``ehz_capacity(P, method)``: "haim_kislev" (any R^{2n}), "billiards" (Lagrangian products of
two polygons), "reeb" (4D polytopes without Lagrangian 2-faces), "auto" (the fastest exact
method that applies; ``r.method`` says which).
"""

from __future__ import annotations

from perflab.symplectic.capacity import billiards as _billiards
from perflab.symplectic.capacity import haim_kislev as _haim_kislev
from perflab.symplectic.capacity import reeb as _reeb
from perflab.symplectic.capacity.result import CapacityResult, require_symplectic
from perflab.symplectic.polytope import Polytope

__all__ = ["METHODS", "CapacityResult", "auto_method", "ehz_capacity"]

METHODS = ("haim_kislev", "billiards", "reeb", "auto")


def ehz_capacity(
    P: Polytope, method: str = "auto", *, time_limit: float | None = None
) -> CapacityResult:
    """c_EHZ(P) with a minimal-action closed characteristic.

    ``time_limit`` (seconds) bounds the heavy methods (default ``PERFLAB_SOLVER_TIMEOUT`` or
    30 s); past it ``perflab.harness.TimeBudgetExceeded`` is raised.
    """
    require_symplectic(P, "ehz_capacity")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    if method == "auto":
        method = auto_method(P)
    if method == "haim_kislev":
        return _haim_kislev.haim_kislev(P, time_limit=time_limit)
    if method == "billiards":
        return _billiards.billiards(P, time_limit=time_limit)
    return _reeb.reeb(P, time_limit=time_limit)


def auto_method(P: Polytope) -> str:
    """The method ``ehz_capacity(P, "auto")`` runs: "billiards" for Lagrangian products of
    polygons (polynomial in the number of edges), else "haim_kislev" (any R^{2n})."""
    require_symplectic(P, "auto_method")
    if _billiards.lagrangian_factors(P) is not None:
        return "billiards"
    return "haim_kislev"
