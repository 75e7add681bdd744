"""EHZ capacity of convex polytopes by three exact methods, with witness cycles.

``ehz_capacity(P, method)``: "haim_kislev" (any R^{2n}), "billiards" (Lagrangian products of
two polygons), "reeb" (4D polytopes without Lagrangian 2-faces), "branch_bound" (any R^{2n}:
best-first search over facet sequences with an LP bound), "auto" (the fastest exact method
that applies; ``r.method`` says which).

Cost as the number of facets F grows (measured on a 2-core machine, docs in the README):
haim_kislev enumerates every simple cycle of the facet-transition graph (~0.5 ms a cycle;
F <= 10 well under a second, F = 12-13 up to a minute, F >= 14 mostly out of reach);
reeb expands tubes best first (~60 us a tube; random 4D polytopes with 20-50 facets in
0.1-1 s, the 24-cell 69,343 tubes); branch_bound solves one small LP per node (~0.3-1 ms;
[-1,1]^6 in ~3,500 LPs, a random 6D polytope with 16 facets ~14,000 LPs where the cycle
enumeration runs past 3,000,000 steps); billiards is polynomial in the number of edges.
"""

from __future__ import annotations

import dataclasses

from perflab.symplectic.capacity import billiards as _billiards
from perflab.symplectic.capacity import branch_bound as _branch_bound
from perflab.symplectic.capacity import haim_kislev as _haim_kislev
from perflab.symplectic.capacity import reeb as _reeb
from perflab.symplectic.capacity.result import CapacityResult, require_symplectic
from perflab.symplectic.frame import scale_back
from perflab.symplectic.polytope import Polytope

__all__ = [
    "AUTO_BB_MIN_FACETS",
    "AUTO_HK_MAX_FACETS",
    "METHODS",
    "CapacityResult",
    "applicable_methods",
    "auto_method",
    "ehz_capacity",
]

METHODS = ("haim_kislev", "billiards", "reeb", "branch_bound", "auto")

#: ``auto`` prefers haim_kislev up to this many facets in R^4 (there its batched cycle
#: enumeration beats the tube search: 8 facets ~0.008 s against ~0.02 s; at 11 facets
#: 0.5 s against 0.013 s)
AUTO_HK_MAX_FACETS = 10

#: ``auto`` picks branch_bound in R^{2n}, n >= 3, from this many facets on (measured on 2
#: busy cores: [-1,1]^6 3 s against 18 s for haim_kislev; a random 6D polytope with 12
#: facets 1.3 s against 1.9 s, with 16 facets 28 s where haim_kislev exceeds 3,000,000
#: steps; the 7-facet 6D simplex 0.05 s by haim_kislev against 0.7 s). In R^4 the tube
#: search (reeb) or haim_kislev is faster: symplectic products of polygons with Lagrangian
#: 2-faces (8x8: haim_kislev 19 s, branch_bound 43 s)
AUTO_BB_MIN_FACETS = 12


def ehz_capacity(
    P: Polytope,
    method: str = "auto",
    *,
    max_work: int | None = None,
    time_limit: float | None = None,
) -> CapacityResult:
    """c_EHZ(P) with a minimal-action closed characteristic.

    ``max_work`` is the work budget of the search methods: steps of the cycle search for
    haim_kislev (a path extended by one facet, or a cycle examined), tubes expanded for
    reeb, LPs solved for branch_bound (billiards is polynomial and takes none). Past it
    ``perflab.harness.WorkBudgetExceeded`` is raised: the same on every machine, whatever
    its load. ``time_limit`` (seconds) is a wall-clock safety net (default
    ``PERFLAB_SOLVER_TIMEOUT`` or 30 s); past it ``perflab.harness.TimeBudgetExceeded``.

    Unless ``P.well_placed`` (size within 2^+-20 of 1, centre within 4 sizes of the origin,
    where the solvers' own centring is exact), the method runs on the unit-frame copy ``U``
    of ``P = s U + c`` (``P.normalised()``); the value and witness map back by
    c(sU + c) = s^2 c(U), x -> s x + c (``s`` a power of two: exact). A capacity beyond
    the float64 range is ``inf``; one below its normal range raises
    :class:`perflab.symplectic.frame.OutOfFloatRange`.

    Parameters
    ----------
    P : Polytope
        A polytope in R^{2n}, n >= 1.
    method : str
        ``"auto"`` (:func:`auto_method`) or one of :data:`METHODS`.
    max_work : int, optional
        Work budget of the search (see above); None: each method's default.
    time_limit : float, optional
        Wall-clock safety net in seconds.

    Returns
    -------
    CapacityResult
        ``value`` c_EHZ(P); ``cycle`` the vertices of a closed characteristic of that
        action (its witness, checkable with :func:`perflab.symplectic.check_cycle`);
        ``method`` the method that ran; ``details`` its search counts.

    Raises
    ------
    InvalidPolytope
        ``P`` is not in an even dimension.
    ValueError
        An unknown ``method`` or a ``max_work`` that is not a positive integer.
    perflab.harness.WorkBudgetExceeded
        Past ``max_work``.
    perflab.harness.TimeBudgetExceeded
        Past ``time_limit``.

    References
    ----------
    P. Haim-Kislev, "On the symplectic size of convex polytopes", GAFA 29 (2019);
    J. Chaidez, M. Hutchings, "Computing Reeb dynamics on four-dimensional convex
    polytopes", J. Comput. Dyn. 8 (2021).

    Examples
    --------
    The cube [-1, 1]^4 is the Lagrangian product of two squares: c_EHZ = 4.

    >>> from perflab.symplectic import generators
    >>> r = ehz_capacity(generators.cube(0)[0])
    >>> r.method, round(r.value, 12)
    ('billiards', 4.0)
    """
    require_symplectic(P, "ehz_capacity")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    if max_work is not None and (isinstance(max_work, bool) or int(max_work) != max_work):
        raise ValueError(f"max_work must be a positive integer, got {max_work!r}")
    if max_work is not None and max_work < 1:
        raise ValueError(f"max_work must be a positive integer, got {max_work!r}")
    if P.well_placed:  # the solvers' own centring is exact here: no extra rounding
        return _run_method(P, method, max_work, time_limit)
    U, c, s = P.normalised()
    r = _run_method(U, method, max_work, time_limit)
    value = scale_back(r.value, s, 2, "the capacity")
    return dataclasses.replace(r, value=value, cycle=r.cycle * s + c)


def _run_method(
    P: Polytope, method: str, max_work: int | None, time_limit: float | None
) -> CapacityResult:
    if method == "auto":
        method = auto_method(P)
    if method == "haim_kislev":
        return _haim_kislev.haim_kislev(P, max_steps=max_work, time_limit=time_limit)
    if method == "billiards":
        return _billiards.billiards(P, time_limit=time_limit)
    if method == "branch_bound":
        return _branch_bound.branch_bound(P, max_nodes=max_work, time_limit=time_limit)
    return _reeb.reeb(P, max_nodes=max_work, time_limit=time_limit)


def applicable_methods(P: Polytope) -> tuple[str, ...]:
    """The exact methods that apply to ``P``, in :data:`METHODS` order ("auto" excluded):
    "haim_kislev" and "branch_bound" for every polytope in R^{2n}; "billiards" for
    Lagrangian products of two polygons; "reeb" for 4D polytopes without Lagrangian 2-faces.

    >>> from perflab.symplectic import generators
    >>> applicable_methods(generators.cross_polytope(0)[0])
    ('haim_kislev', 'reeb', 'branch_bound')
    """
    require_symplectic(P, "applicable_methods")
    ok = {"haim_kislev", "branch_bound"}
    if _billiards.lagrangian_factors(P) is not None:
        ok.add("billiards")
    if P.dim == 4 and not _reeb.lagrangian_two_faces(P):
        ok.add("reeb")
    return tuple(m for m in METHODS if m in ok)


def auto_method(P: Polytope) -> str:
    """The method ``ehz_capacity(P, "auto")`` runs: "billiards" for Lagrangian products of
    polygons (polynomial in the number of edges); "reeb" for 4D polytopes with more than
    :data:`AUTO_HK_MAX_FACETS` facets and no Lagrangian 2-face (best-first tube search);
    "branch_bound" in R^{2n}, n >= 3, with at least :data:`AUTO_BB_MIN_FACETS` facets;
    else "haim_kislev" (any R^{2n}).

    Parameters
    ----------
    P : Polytope
        A polytope in R^{2n}.

    Returns
    -------
    str
        The method's name, one of :data:`METHODS` other than ``"auto"``.

    Raises
    ------
    InvalidPolytope
        ``P`` is not in an even dimension.

    Examples
    --------
    >>> from perflab.symplectic import generators
    >>> auto_method(generators.cube(0)[0]), auto_method(generators.simplex(0)[0])
    ('billiards', 'haim_kislev')
    """
    require_symplectic(P, "auto_method")
    if _billiards.lagrangian_factors(P) is not None:
        return "billiards"
    if P.dim == 4 and P.num_facets > AUTO_HK_MAX_FACETS and not _reeb.lagrangian_two_faces(P):
        return "reeb"
    if P.dim >= 6 and P.num_facets >= AUTO_BB_MIN_FACETS:
        return "branch_bound"
    return "haim_kislev"
