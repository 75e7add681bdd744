"""Exact c_EHZ of a convex polytope in any R^{2n}: best-first branch-and-bound over facet
sequences with a linear-programming lower bound on every completion.

The search space is that of Haim-Kislev's formula (see :mod:`.haim_kislev`): by Thm 1.5 of
Haim-Kislev (GAFA 2019, arXiv:1712.03494) some minimal-action closed characteristic of
K = {<n_i, x> <= h_i} (0 inside) is a closed polygon whose segments run along J n_i, one
facet at a time, each facet at most once; consecutive omega-orthogonal facets form *runs*
(:func:`perflab.symplectic.cycles.run_graph`), and a run is traversed as one straight
segment along J (sum_a t_a n_a) inside the intersection of its facets, which is still a
generalised closed characteristic (its velocity lies in J N_K(x); Clarke's dual action
principle allows any such velocity) with the same action. So a candidate is a cycle of runs
R_0 -> R_1 -> ... -> R_k -> R_0 in the run graph, realised by points x_0 .. x_k and times
t_a >= 0 (a in the runs):

    x_{i+1} = x_i + sum_{a in R_i} t_a J n_a,         x_{k+1} = x_0        (closed),
    <n_a, x_i> = h_a  for a in R_i   (R_i starts on all its facets; it then stays on them),
    N x_i <= h                        (every x_i, hence every segment, lies in K),

with action 1/2 sum_a t_a h_a (the action of a segment t J n_a on facet a). The least action
of one cycle is an LP in (x_0, t) (:func:`perflab.symplectic.cycles.least_action_orbit` is
the same LP for single facets), and c_EHZ is the least over cycles.

**The bound.** A node of the search is a start transition R_L -> R_0 (the cycle will close
through it: x_0 lies on every facet of R_L and of R_0) and a path R_0 -> ... -> R_k. Every
closed characteristic of the form above that starts with this path and ends with R_L
completes it with segments along J n_j, s_j >= 0, for facets j not on the path (each facet
at most once). Dropping everything the completion must satisfy except

    sum_{a on the path} t_a J n_a + sum_{j not on the path} s_j J n_j = 0     (it closes)

leaves a relaxation, so the least of 1/2 (sum_a t_a h_a + sum_j s_j h_j) subject to the path
constraints above (x_0 on R_L and R_0, R_i starting on its facets, x_0 .. x_{k+1} in K) and
this closing equation, with t, s >= 0, is a valid lower bound on the action of every
completion: it is an LP (the *node LP*). Action only adds up (h > 0 with 0 inside), and a
child's LP has more constraints than its parent's, so bounds never decrease along a path.
Nodes are expanded best first by this bound; a node is dropped when its LP is infeasible (no
trajectory follows the path: the facet sequence is geometrically impossible, as in
Chaidez-Hutchings' tubes, arXiv:2008.10111, which carry the same feasible set as a polygon in
R^4) or its bound reaches the best closed characteristic found so far (the *incumbent*);
the search ends when the smallest bound left reaches it.

**Each cycle once.** Start transitions are ordered; a path from start transition r only
uses transitions of rank >= r, so every cycle is searched from its lowest transition. With
the symplectic symmetries of K (orthogonal g with g^T J g = J and gK = K, detected by
:func:`perflab.symplectic.capacity.tube.symplectic_symmetries`), transitions in one orbit
share a rank and only one representative per orbit starts a search: the image of a closed
characteristic under g is one of the same action.

A cycle whose facets share a vertex v carries only the zero orbit (its action
1/2 sum t_a h_a = 1/2 sum t_a <n_a, v> = 1/2 <sum t_a n_a, v> = 0) and is skipped.

Work budget: ``max_nodes`` bounds the number of LPs solved (node bounds and closing cycles);
past it :class:`perflab.harness.WorkBudgetExceeded` is raised. The count, hence the result,
depends only on the polytope and the budget, never on the machine's speed or load.

Cost: one small LP (HiGHS through ``highspy``) per child, ~0.3-1 ms. Against the cycle
enumeration of ``haim_kislev`` it wins when the number of cycles explodes: [-1,1]^6 in 3,516
LPs (the enumeration: 303,767 cycles), a random 6D polytope with 16 facets in ~14,400 LPs
where the enumeration exceeds 3,000,000 search steps; on small polytopes the enumeration is
faster, and in R^4 the tube search (README, "Symplectic core").
"""

from __future__ import annotations

import heapq
import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np

from perflab.harness import WorkBudgetExceeded, time_budget
from perflab.symplectic.capacity.result import (
    CapacityResult,
    centred_unit,
    require_symplectic,
    single_threaded_blas,
)
from perflab.symplectic.capacity.tube import symplectic_symmetries
from perflab.symplectic.cycles import apply_J, run_graph
from perflab.symplectic.polytope import Polytope

__all__ = ["DEFAULT_MAX_NODES", "LPFailure", "branch_bound"]

#: default work budget of :func:`branch_bound` (LPs solved)
DEFAULT_MAX_NODES = 200_000

#: a node whose bound is >= (1 - PRUNE_RTOL) * incumbent is dropped
PRUNE_RTOL = 1e-11

_LP_OPTIONS = {
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
    "presolve": "off",  # the LPs are small: presolve costs more than it saves (3.5x)
}


#: how an LP is tried, in order, until HiGHS decides it (optimal or infeasible). Without
#: presolve the simplex can stall on a degenerate LP (model status "Unknown"); the same LP
#: with presolve, with the primal simplex or by the interior-point method with crossover is
#: then decided. The sequence is fixed, so every machine solves the same LPs the same way.
_ATTEMPTS: tuple[dict, ...] = (
    {"presolve": "off"},
    {"presolve": "on"},
    {"presolve": "on", "simplex_strategy": 4},
    {"presolve": "on", "solver": "ipm", "run_crossover": "on"},
)
_DEFAULTS = {"presolve": "choose", "simplex_strategy": 1, "solver": "choose", "run_crossover": "on"}


class LPFailure(RuntimeError):
    """HiGHS returned neither an optimum nor a proof of infeasibility."""


@dataclass(frozen=True)
class _Data:
    """The polytope (centred, offsets of unit size) and its run graph."""

    N: np.ndarray
    h: np.ndarray
    JN: np.ndarray
    M: np.ndarray  # M[a, b] = <n_a, J n_b>
    runs: list[tuple[int, ...]]
    adj: list[list[int]]
    masks: list[int]  # facets of each run as a bit mask
    vmask: list[int]  # vertices of each facet as a bit mask


def _node_lp(
    highs: highspy.Highs,
    D: _Data,
    last: tuple[int, ...],
    path: list[tuple[int, ...]],
    rest: list[int],
    closing: bool,
):
    """The node LP (module docstring). ``path``: runs R_0 .. R_k; ``last``: R_L, on whose
    facets x_0 lies; ``rest``: the facets j with a free s_j >= 0 in the closing equation.
    ``closing``: the path ends with R_L and closes exactly (then ``rest`` is empty and the
    end of the path is x_0). Variables (x_0, t, s). Returns HiGHS's result (status 0: the
    optimum; 2: infeasible; -1: undecided)."""
    N, h, JN, M = D.N, D.h, D.JN, D.M
    F, d = N.shape
    tf = [a for R in path for a in R]
    m, r = len(tf), len(rest)
    nv = d + m + r
    starts = np.cumsum([0] + [len(R) for R in path])  # columns of t before x_i
    npts = len(path) if closing else len(path) + 1  # x_0 .. x_k (and x_{k+1})
    # N x_i <= h for every point, x_i = x_0 + sum_{c < starts[i]} t_c J n_{tf[c]}
    A_ub = np.zeros((npts * F, nv))
    for i in range(npts):
        A_ub[i * F : (i + 1) * F, :d] = N
        A_ub[i * F : (i + 1) * F, d : d + starts[i]] = M[:, tf[: starts[i]]]
    # equalities: x_0 on R_L, x_i on R_i; closing
    on = [(0, a) for a in last] + [(i, a) for i, R in enumerate(path) for a in R]
    A_eq = np.zeros((len(on) + d, nv))
    b_eq = np.zeros(len(on) + d)
    for row, (i, a) in enumerate(on):
        A_eq[row, :d] = N[a]
        A_eq[row, d : d + starts[i]] = M[a, tf[: starts[i]]]
        b_eq[row] = h[a]
    A_eq[len(on) :, d : d + m] = JN[tf].T
    if r:
        A_eq[len(on) :, d + m :] = JN[rest].T
    c = np.r_[np.zeros(d), 0.5 * h[tf], 0.5 * h[rest]]
    A = np.vstack([A_ub, A_eq])
    row_lo = np.r_[np.full(npts * F, -np.inf), b_eq]
    row_hi = np.r_[np.tile(h, npts), b_eq]
    col_lo = np.r_[np.full(d, -np.inf), np.zeros(m + r)]
    return _lp(highs, c, A, row_lo, row_hi, col_lo)


class _LPResult:
    __slots__ = ("status", "fun", "x")

    def __init__(self, status: int, fun: float, x: np.ndarray | None) -> None:
        self.status, self.fun, self.x = status, fun, x


def _new_highs() -> highspy.Highs:
    """A HiGHS instance with the project's options. HiGHS prints a banner on stdout when the
    first instance of a process is made; it is sent to /dev/null (stdout may carry JSON)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    for k, v in _LP_OPTIONS.items():
        highs.setOptionValue(k, v)
    return highs


def _lp(highs: highspy.Highs, c: np.ndarray, A: np.ndarray, row_lo, row_hi, col_lo) -> _LPResult:
    """min c.x subject to row_lo <= A x <= row_hi, x >= col_lo, by HiGHS (simplex, one
    thread: deterministic), tried as :data:`_ATTEMPTS` says. Status 0: optimal; 2:
    infeasible; -1: undecided by every attempt."""
    lp = highspy.HighsLp()
    nrow, ncol = A.shape
    lp.num_col_, lp.num_row_ = ncol, nrow
    lp.col_cost_ = c
    lp.col_lower_ = col_lo
    lp.col_upper_ = np.full(ncol, np.inf)
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    At = A.T
    nz = At != 0.0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.r_[0, np.cumsum(nz.sum(axis=1))].astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(nz)[1].astype(np.int32)
    lp.a_matrix_.value_ = At[nz]
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = ncol, nrow
    status = highspy.HighsModelStatus
    for attempt in _ATTEMPTS:
        for k, v in attempt.items():
            highs.setOptionValue(k, v)
        highs.passModel(lp)
        highs.run()
        st = highs.getModelStatus()
        for k in attempt:
            highs.setOptionValue(k, _ATTEMPTS[0].get(k, _DEFAULTS[k]))
        if st == status.kOptimal:
            x = np.asarray(highs.getSolution().col_value)
            return _LPResult(0, float(c @ x), x)
        if st == status.kInfeasible:
            return _LPResult(2, np.inf, None)
    return _LPResult(-1, np.nan, None)


def _prepare(Pc: Polytope) -> _Data:
    N, h = Pc.normals, Pc.offsets
    JN = apply_J(N)
    runs, adj = run_graph(Pc)
    masks = [sum(1 << a for a in R) for R in runs]
    vmask = [sum(1 << int(v) for v in np.flatnonzero(row)) for row in Pc.incidence]
    return _Data(N, h, JN, N @ JN.T, runs, adj, masks, vmask)


def _transition_ranks(D: _Data, perms: list[np.ndarray]) -> tuple[dict, list[tuple[int, int]]]:
    """Rank every transition (run i -> run j) by the orbit of the symmetry group it lies in,
    in a fixed order; returns ({(i, j): rank}, one representative (i, j) per rank)."""
    index = {R: i for i, R in enumerate(D.runs)}
    rank: dict[tuple[int, int], int] = {}
    reps: list[tuple[int, int]] = []
    for i, targets in enumerate(D.adj):
        for j in targets:
            if (i, j) in rank:
                continue
            r = len(reps)
            reps.append((i, j))
            for perm in perms:
                gi = index.get(tuple(sorted(int(perm[a]) for a in D.runs[i])))
                gj = index.get(tuple(sorted(int(perm[a]) for a in D.runs[j])))
                if gi is not None and gj is not None and (gi, gj) not in rank:
                    rank[(gi, gj)] = r
    return rank, reps


def _reachable_facets(D: _Data, rank: dict, nranks: int) -> list[int]:
    """For each start rank r, the facets (bit mask) of the runs that a cycle searched from
    r can visit: runs with a transition of rank >= r both in and out. Only they can take
    the free segments s_j of the node LP."""
    maxin = [-1] * len(D.runs)
    maxout = [-1] * len(D.runs)
    for (i, j), r in rank.items():
        maxout[i] = max(maxout[i], r)
        maxin[j] = max(maxin[j], r)
    out = []
    for r in range(nranks):
        mask = 0
        for g, m in enumerate(D.masks):
            if maxin[g] >= r and maxout[g] >= r:
                mask |= m
        out.append(mask)
    return out


def _zero_orbit_only(D: _Data, facets_mask: int) -> bool:
    """Do the facets in the mask share a vertex (so that their cycles carry only the zero
    orbit)?"""
    common = -1
    f = 0
    while facets_mask:
        if facets_mask & 1:
            common &= D.vmask[f]
            if not common:
                return False
        facets_mask >>= 1
        f += 1
    return common != 0


def _witness(D: _Data, path: list[tuple[int, ...]], x: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Vertices x_0 .. x_k of the closed characteristic of a closing LP solution, and the
    facet of each edge (-1 for a run of several facets: the edge runs on their
    intersection)."""
    d = D.N.shape[1]
    tf = [a for R in path for a in R]
    t = np.clip(x[d : d + len(tf)], 0.0, None)
    pts = [x[:d]]
    col = 0
    for R in path[:-1]:
        pts.append(pts[-1] + t[col : col + len(R)] @ D.JN[list(R)])
        col += len(R)
    return np.array(pts), tuple(R[0] if len(R) == 1 else -1 for R in path)


def branch_bound(
    P: Polytope,
    *,
    incumbent: float | None = None,
    max_nodes: int | None = None,
    symmetry: bool = True,
    time_limit: float | None = None,
) -> CapacityResult:
    """c_EHZ(P) for a polytope in any R^{2n}, exactly, by best-first branch-and-bound over
    facet sequences (see the module docstring), with a minimal-action closed characteristic.

    Parameters
    ----------
    P : Polytope
        A polytope in R^{2n}.
    incumbent : float, optional
        A known upper bound on c_EHZ(P); nodes whose bound reaches it are dropped from the
        start. When no closed characteristic below it exists the result holds no cycle and
        ``details["below_incumbent"]`` is False.
    max_nodes : int, optional
        Work budget: LPs solved (default :data:`DEFAULT_MAX_NODES`).
    symmetry : bool
        Start one search per orbit of the symplectic symmetries of P (default True).
    time_limit : float, optional
        A wall-clock safety net in seconds (default ``PERFLAB_SOLVER_TIMEOUT`` or 30 s).

    Returns
    -------
    CapacityResult
        ``method="branch_bound"``; ``details`` holds nodes, LPs and symmetries.

    Raises
    ------
    InvalidPolytope
        For an odd dimension.
    WorkBudgetExceeded
        Past ``max_nodes`` LPs.
    TimeBudgetExceeded
        Past ``time_limit``.

    References
    ----------
    Haim-Kislev, GAFA 29 (2019), Thm 1.1 and 1.5; Chaidez-Hutchings, J. Comput. Dyn. (2021).

    Examples
    --------
    >>> import numpy as np
    >>> from perflab.symplectic import Polytope
    >>> cube = Polytope.from_halfspaces(np.vstack([np.eye(6), -np.eye(6)]), np.ones(12))
    >>> r = branch_bound(cube)  # [-1,1]^6, with its 384 symplectic symmetries
    >>> round(r.value, 9), r.details["symmetries"]
    (4.0, 384)
    """
    require_symplectic(P, "branch_bound")
    budget = DEFAULT_MAX_NODES if max_nodes is None else int(max_nodes)
    if budget < 1:
        raise ValueError(f"max_nodes must be a positive integer, got {max_nodes!r}")
    with time_budget(time_limit, what="branch_bound"), single_threaded_blas():
        Pc, shift, s = centred_unit(P)
        D = _prepare(Pc)
        perms = (symplectic_symmetries(Pc) if symmetry else []) or [np.arange(len(D.N))]
        found, stats = _search(D, perms, incumbent, s, budget)
    details = {**stats, "symmetries": len(perms), "runs": len(D.runs)}
    return _result(P.dim, found, incumbent, details, shift, s)


def _result(dim: int, found, incumbent, details: dict, shift: np.ndarray, s: float):
    """The CapacityResult in the caller's coordinates (x -> s x + shift, c -> s^2 c)."""
    if found is None:
        if incumbent is None:  # pragma: no cover - a polytope always has a closed orbit
            raise RuntimeError("branch_bound found no closed characteristic")
        return CapacityResult(
            value=float(incumbent),
            cycle=np.zeros((0, dim)),
            method="branch_bound",
            details={**details, "below_incumbent": False},
        )
    value, X, facets = found
    return CapacityResult(
        value=float(value * s * s),
        cycle=X * s + shift,
        method="branch_bound",
        facets=facets,
        candidates=details["cycles"],
        details={**details, "below_incumbent": True},
    )


def _search(D: _Data, perms, incumbent, s, budget):
    rank, reps = _transition_ranks(D, perms)
    highs = _new_highs()
    best = np.inf if incumbent is None else float(incumbent) / (s * s)
    found = None
    lps = nodes = cycles = undecided = 0
    heap: list[tuple[float, int, int, tuple[int, ...], int]] = []
    counter = 0

    def solve(last, path, rest, closing):
        nonlocal lps
        lps += 1
        if lps > budget:
            raise WorkBudgetExceeded(
                f"branch_bound: work budget of {budget} LPs exhausted", used=budget, what="lps"
            )
        return _node_lp(highs, D, D.runs[last], [D.runs[g] for g in path], rest, closing)

    for r, (last, first) in enumerate(reps):
        heap.append((0.0, counter, r, (first,), D.masks[first] | D.masks[last]))
        counter += 1
    heapq.heapify(heap)
    reach = _reachable_facets(D, rank, len(reps))
    while heap:
        lb, _, r, path, used = heapq.heappop(heap)
        if lb >= best * (1.0 - PRUNE_RTOL):
            break
        nodes += 1
        last = reps[r][0]
        here = path[-1]
        for nxt in D.adj[here]:
            if rank.get((here, nxt), -1) < r:
                continue
            if nxt == last:
                if len(path) + 1 < 2 or _zero_orbit_only(D, used):
                    continue
                cycles += 1
                res = solve(last, path + (last,), [], True)
                if res.status == -1:
                    raise LPFailure(
                        "branch_bound: HiGHS could not decide the least action on the facet "
                        f"cycle {[D.runs[g] for g in path + (last,)]}; the polytope is too "
                        "ill-conditioned for this method (try haim_kislev)"
                    )
                if res.status == 0 and res.fun < best and res.fun > 0.0:
                    best = float(res.fun)
                    found = (best, *_witness(D, [D.runs[g] for g in path + (last,)], res.x))
                continue
            if D.masks[nxt] & used:
                continue
            nused = used | D.masks[nxt]
            free = (reach[r] & ~nused) | D.masks[last]
            rest = [j for j in range(len(D.N)) if (free >> j) & 1]
            res = solve(last, path + (nxt,), rest, False)
            if res.status == -1:
                # undecided: keep the child under its parent's bound (a child's LP only
                # adds constraints, so that bound is valid, just weaker)
                undecided += 1
                res = _LPResult(0, lb, None)
            if res.status != 0 or res.fun >= best * (1.0 - PRUNE_RTOL):
                continue
            heapq.heappush(heap, (float(res.fun), counter, r, path + (nxt,), nused))
            counter += 1
    stats = {"nodes": nodes, "lps": lps, "cycles": cycles, "starts": len(reps)}
    return found, {**stats, "undecided_lps": undecided}
