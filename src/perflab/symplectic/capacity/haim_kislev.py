"""Exact c_EHZ of a convex polytope in R^{2n} by the Haim-Kislev formula.

Haim-Kislev (GAFA 2019, arXiv:1712.03494, Thm 1.1): for K = {<n_i, x> <= h_i} with 0 in
its interior,

    c_EHZ(K) = 1/2 * [ max_{sigma, beta in M(K)} Q_sigma(beta) ]^(-1),
    Q_sigma(beta) = sum_{i<j} beta_sigma(i) beta_sigma(j) omega(n_sigma(i), n_sigma(j)),
    M(K) = { beta >= 0 : sum beta_i h_i = 1, sum beta_i n_i = 0 },

(written here with sigma the order in which the characteristic visits the facets; the notes'
form with sum_{j<i} is the same with sigma reversed).

Exact maximisation. For a fixed order, Q_sigma = 1/2 beta^T W beta is an indefinite
quadratic form, so its maximum over the polytope M(K) may lie in the relative interior of any
face {beta in M(K) : supp beta = S}. There it is a stationary point on the face's affine hull:
the KKT system  W beta = A_S^T mu,  A_S beta = e_0  with A_S = [h_S; N_S^T]. We solve this
system for every (support, order) candidate and keep the solutions with beta >= 0; at a
solution Q = 1/2 mu_0. When the system is singular its solutions form an affine set on which
Q is constant, and a point with beta >= 0 on it is found by an LP.

Candidates. By Thm 1.5 some maximiser visits each facet at most once; consecutive facets
a -> b of a closed characteristic meet and satisfy omega(n_a, n_b) >= 0 (Rem. 3.11). So the
supports and orders to examine are exactly the simple cycles of that facet-transition graph,
each with its first element fixed (Q is invariant under cyclic shifts on M(K)). A support
without a strictly positive feasible beta produces no non-negative stationary point, so it
is skipped implicitly. The systems of all cycles of one length are solved in batches (a
symmetric eigendecomposition each; cycles are streamed, so memory stays bounded).

The maximiser (sigma, beta) gives the minimal-action closed characteristic: edges
2 c beta_i J n_sigma(i) in order, translated onto the boundary by an LP.

Complexity: NP-hard in general (Leipold-Vallentin, arXiv:2402.09914); the number of cycles
grows quickly with the facet count. Runs under the harness ``time_budget``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from perflab.harness import WorkBudgetExceeded, time_budget
from perflab.symplectic.capacity.result import (
    CapacityResult,
    centred_unit,
    require_symplectic,
    single_threaded_blas,
)
from perflab.symplectic.cycles import (
    apply_J,
    batches_by_length,
    candidate_cycles,
    omega_matrix,
    place_on_boundary,
)
from perflab.symplectic.polytope import Polytope

__all__ = ["best_stationary_points", "haim_kislev", "short_cycle_bound"]

#: beta_i >= -BETA_TOL (relative to max beta) counts as non-negative
BETA_TOL = 1e-10


def _kkt_batch(cycles: np.ndarray, Om: np.ndarray, N: np.ndarray, h: np.ndarray) -> dict:
    """Solve the KKT systems of all cycles (m, k) of one length k in one batch.

    The system W beta = A^T mu, A beta = e_0 is written symmetrically as
    [[W, A^T], [A, 0]] [beta; -mu] = [0; e_0] and solved through a batched symmetric
    eigendecomposition (pseudo-inverse: eigenvalues below 1e-11 of the largest count as 0).
    Returns beta (m, k) (minimum-norm solution), Q (m,), residual (m,), null (m, s) (True
    for the eigenvectors spanning the solution set's directions), V (eigenvectors), W.
    """
    m, k = cycles.shape
    d = N.shape[1]
    sub = Om[cycles[:, :, None], cycles[:, None, :]]  # (m, k, k): omega(n_ci, n_cj)
    W = np.triu(sub, 1)
    W = W + np.swapaxes(W, 1, 2)
    A = np.concatenate([h[cycles][:, None, :], np.swapaxes(N[cycles], 1, 2)], axis=1)
    s = k + d + 1
    M = np.zeros((m, s, s))
    M[:, :k, :k] = W
    M[:, :k, k:] = np.swapaxes(A, 1, 2)
    M[:, k:, :k] = A
    rhs = np.zeros(s)
    rhs[k] = 1.0
    lam, V = np.linalg.eigh(M)
    absl = np.abs(lam)
    null = absl <= 1e-11 * absl.max(axis=1, keepdims=True)
    inv = np.where(null, 0.0, 1.0 / np.where(null, 1.0, lam))
    x = np.einsum("mij,mj->mi", V, inv * (rhs @ V))  # V diag(1/lam) V^T rhs
    residual = np.linalg.norm(np.einsum("mij,mj->mi", M, x) - rhs, axis=1)
    beta = x[:, :k]
    Q = 0.5 * np.einsum("mi,mij,mj->m", beta, W, beta)
    return {"beta": beta, "Q": Q, "residual": residual, "null": null, "V": V, "W": W}


def _nonneg_points(cases: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray | None]:
    """For each (beta0 (k,), Z (k, p)): a point beta0 + Z y >= 0, or None if there is none.

    All cases are solved in one LP: minimise sum_b s_b subject to beta0_b + Z_b y_b >= -s_b,
    s_b >= 0; the objective is separable, so case b is feasible iff its s_b is 0.
    """
    if not cases:
        return []
    rows, cols, vals, rhs = [], [], [], []
    nvar = 0
    layout = []
    r = 0
    for beta0, Z in cases:
        k, p = Z.shape
        ycols = np.arange(nvar, nvar + p)
        scol = nvar + p
        for i in range(k):
            rows.extend([r] * (p + 1))
            cols.extend(ycols.tolist() + [scol])
            vals.extend((-Z[i]).tolist() + [-1.0])
            rhs.append(beta0[i])
            r += 1
        layout.append((ycols, scol))
        nvar += p + 1
    c = np.zeros(nvar)
    for _, scol in layout:
        c[scol] = 1.0
    bounds = [(None, None)] * nvar
    for _, scol in layout:
        bounds[scol] = (0, None)
    res = linprog(
        c,
        A_ub=coo_matrix((vals, (rows, cols)), shape=(r, nvar)).tocsr(),
        b_ub=np.array(rhs),
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - always feasible (large s) and bounded below
        raise RuntimeError(f"haim_kislev: singular-case LP failed: {res.message}")
    out: list[np.ndarray | None] = []
    for (beta0, Z), (ycols, scol) in zip(cases, layout, strict=True):
        scale = max(1.0, float(np.max(np.abs(beta0))))
        if res.x[scol] > 1e-10 * scale:
            out.append(None)
        else:
            out.append(np.clip(beta0 + Z @ res.x[ycols], 0.0, None))
    return out


def best_stationary_points(
    P: Polytope,
    rel_tol: float = 1e-10,
    *,
    max_len: int | None = None,
    max_steps: int | None = None,
) -> tuple[list[tuple[float, tuple[int, ...], np.ndarray]], int]:
    """Maximisers of Q over the non-negative stationary points of all candidate cycles of P
    (0 must be interior): every (Q, cycle, beta) with Q >= (1 - rel_tol) max Q, best first,
    and the number of cycles examined. Several cycles can attain the maximum; some of them
    need not be realisable as a closed characteristic, so the caller tries them in turn.
    Cycles are streamed in batches of equal length, so memory stays bounded. ``max_len``:
    only cycles of at most that many facets (then 1 / (2 max Q) is an upper bound on c_EHZ,
    no longer its value). ``max_steps``: work budget in steps of the cycle search (a path
    extended by one facet group, or a cycle examined); ``WorkBudgetExceeded`` past it."""
    N, h = P.normals, P.offsets
    Om = omega_matrix(N)
    top: list[tuple[float, tuple[int, ...], np.ndarray]] = []
    qmax = -np.inf
    count = 0
    cycles = candidate_cycles(P, max_len=max_len, max_steps=max_steps)
    for C in batches_by_length(cycles, extra=P.dim + 1):
        count += len(C)
        k = C.shape[1]
        sol = _kkt_batch(C, Om, N, h)
        beta, Q = sol["beta"], sol["Q"]
        bmax = np.max(np.abs(beta), axis=1, keepdims=True)
        consistent = sol["residual"] <= 1e-9
        ok = consistent & np.all(beta >= -BETA_TOL * bmax, axis=1) & (Q > 0)
        cand = [(float(Q[j]), j, np.clip(beta[j], 0.0, None)) for j in np.flatnonzero(ok)]
        # singular consistent systems whose minimum-norm solution is not >= 0: the
        # solutions form beta0 + span(Z) and Q is constant there; look for a beta >= 0
        full = ~np.any(sol["null"], axis=1)
        sing = np.flatnonzero(~ok & ~full & consistent)
        cases = [(beta[j], sol["V"][j][:k, sol["null"][j]]) for j in sing]
        for j, b in zip(sing, _nonneg_points(cases), strict=True):
            if b is not None:
                cand.append((float(0.5 * b @ sol["W"][j] @ b), j, b))
        for q, j, b in cand:
            if q >= (1 - rel_tol) * qmax:
                top.append((q, tuple(int(f) for f in C[j]), b))
                qmax = max(qmax, q)
        top = [t for t in top if t[0] >= (1 - rel_tol) * qmax]
    top.sort(key=lambda t: -t[0])
    return top, count


def haim_kislev(
    P: Polytope, *, max_steps: int | None = None, time_limit: float | None = None
) -> CapacityResult:
    """c_EHZ(P) by the Haim-Kislev formula (exact; see the module docstring).

    Raises ``InvalidPolytope`` for odd dimension, ``WorkBudgetExceeded`` past ``max_steps``
    steps of the cycle search (the work budget: machine-independent) and
    ``TimeBudgetExceeded`` past
    ``time_limit`` seconds (a safety net; default ``PERFLAB_SOLVER_TIMEOUT`` or 30 s).
    """
    require_symplectic(P, "haim_kislev")
    with time_budget(time_limit, what="haim_kislev"), single_threaded_blas():
        try:
            return _solve(P, max_steps=max_steps)
        except WorkBudgetExceeded as exc:
            raise WorkBudgetExceeded(
                f"haim_kislev: work budget of {max_steps} search steps exhausted",
                used=exc.used,
                what="haim_kislev",
            ) from None


def short_cycle_bound(
    P: Polytope, max_len: int = 5, *, time_limit: float | None = None
) -> CapacityResult | None:
    """An upper bound on c_EHZ(P) with a checked witness: the Haim-Kislev maximisation over
    the candidate cycles of at most ``max_len`` facets only.

    Every such cycle is one of the orders of the full formula, so 1 / (2 max Q) over them is
    >= c_EHZ(P); the witness is a closed characteristic of that action on the boundary. Used
    to seed the exact searches with an incumbent. None when no short cycle carries a
    realisable maximiser. ``result.method`` is "haim_kislev_short"."""
    require_symplectic(P, "short_cycle_bound")
    with time_budget(time_limit, what="short_cycle_bound"), single_threaded_blas():
        try:
            r = _solve(P, max_len=max_len)
        except _NoWitness:
            return None
    return replace(r, method="haim_kislev_short", details={**r.details, "max_len": max_len})


class _NoWitness(RuntimeError):
    pass


def _solve(
    P: Polytope, *, max_len: int | None = None, max_steps: int | None = None
) -> CapacityResult:
    Pu, _, s = centred_unit(P)  # offsets of unit size for the KKT systems
    top, count = best_stationary_points(Pu, max_len=max_len, max_steps=max_steps)
    if not top:
        if max_len is not None:
            raise _NoWitness("no short cycle")
        raise RuntimeError(  # pragma: no cover - a polytope always has an admissible cycle
            "haim_kislev found no admissible cycle (numerical failure)"
        )
    c = 1.0 / (2.0 * top[0][0])
    # the witness: the first maximiser whose polygon fits on the boundary
    Pn = P.scaled(1.0 / s)
    for _q, order, beta in top[:64]:
        keep = beta > 1e-12 * beta.max()  # facets with beta = 0 are not visited
        facets = [f for f, kp in zip(order, keep, strict=True) if kp]
        edges = 2.0 * c * beta[keep][:, None] * apply_J(Pn.normals[facets])
        X, viol = place_on_boundary(Pn, facets, edges)
        if viol <= 1e-6 * Pn.scale:
            break
    else:
        if max_len is not None:
            raise _NoWitness("no realisable short cycle")
        raise RuntimeError(
            f"haim_kislev: no maximiser fits on the boundary (least violation "
            f"{viol * s:.3g}); the polytope is too ill-conditioned for a reliable witness"
        )
    return CapacityResult(
        value=float(c * s * s),
        cycle=X * s,
        method="haim_kislev",
        facets=tuple(int(f) for f in facets),
        candidates=count,
        details={
            "placement_violation": viol * s,
            "beta": beta[keep].tolist(),
            "maximisers": len(top),
        },
    )
