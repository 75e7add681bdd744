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
is skipped implicitly. The systems of all cycles of one length are solved in one batched SVD.

The maximiser (sigma, beta) gives the minimal-action closed characteristic: edges
2 c beta_i J n_sigma(i) in order, translated onto the boundary by an LP.

Complexity: NP-hard in general (Leipold-Vallentin, arXiv:2402.09914); the number of cycles
grows quickly with the facet count. Runs under the harness ``time_budget``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from perflab.harness import time_budget
from perflab.symplectic.capacity.result import CapacityResult, require_symplectic
from perflab.symplectic.cycles import (
    apply_J,
    candidate_cycles,
    omega_matrix,
    place_on_boundary,
)
from perflab.symplectic.polytope import Polytope

__all__ = ["haim_kislev", "stationary_values"]

#: beta_i >= -BETA_TOL (relative to max beta) counts as non-negative
BETA_TOL = 1e-10


def _kkt_batch(
    cycles: np.ndarray, Om: np.ndarray, N: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve the KKT systems of all cycles (m, k) of one length k in one batch.

    Returns (beta (m, k), Q (m,), residual (m,), full_rank (m,), W, A).
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
    M[:, :k, k:] = -np.swapaxes(A, 1, 2)
    M[:, k:, :k] = A
    rhs = np.zeros(s)
    rhs[k] = 1.0
    U, S, Vt = np.linalg.svd(M)
    cut = 1e-11 * S[:, :1]
    inv = np.where(S > cut, 1.0 / np.where(S > cut, S, 1.0), 0.0)
    x = np.einsum("mji,mj,mlj,l->mi", Vt, inv, U, rhs)
    residual = np.linalg.norm(np.einsum("mij,mj->mi", M, x) - rhs, axis=1)
    full_rank = np.all(S > cut, axis=1)
    beta = x[:, :k]
    Q = 0.5 * np.einsum("mi,mij,mj->m", beta, W, beta)
    return beta, Q, residual, full_rank, W, A


def _nonneg_stationary_point(W: np.ndarray, A: np.ndarray) -> np.ndarray | None:
    """A beta >= 0 with W beta = A^T mu, A beta = e_0 (singular KKT case), or None."""
    k = W.shape[0]
    r = A.shape[0]
    A_eq = np.block([[W, -A.T], [A, np.zeros((r, r))]])
    b_eq = np.zeros(k + r)
    b_eq[k] = 1.0
    res = linprog(
        np.zeros(k + r),
        A_eq=A_eq,
        b_eq=b_eq,
        bounds=[(0, None)] * k + [(None, None)] * r,
        method="highs",
    )
    return res.x[:k] if res.status == 0 else None


def stationary_values(P: Polytope) -> tuple[list[tuple[int, ...]], np.ndarray, np.ndarray]:
    """All cycles of the facet-transition graph of P (0 must be interior), with the value
    Q and beta of their non-negative stationary point (Q = -inf where there is none)."""
    N, h = P.normals, P.offsets
    Om = omega_matrix(N)
    cycles = candidate_cycles(P)
    by_len: dict[int, list[int]] = {}
    for i, c in enumerate(cycles):
        by_len.setdefault(len(c), []).append(i)
    Q_all = np.full(len(cycles), -np.inf)
    betas: list[np.ndarray | None] = [None] * len(cycles)
    for _k, idx in sorted(by_len.items()):
        C = np.array([cycles[i] for i in idx], dtype=np.int64)
        for lo in range(0, len(idx), 4096):
            sl = slice(lo, lo + 4096)
            beta, Q, res, full, W, A = _kkt_batch(C[sl], Om, N, h)
            bmax = np.max(np.abs(beta), axis=1, keepdims=True)
            ok = (res <= 1e-9) & np.all(beta >= -BETA_TOL * bmax, axis=1) & (Q > 0)
            for j in np.flatnonzero(ok):
                Q_all[idx[lo + j]] = Q[j]
                betas[idx[lo + j]] = np.clip(beta[j], 0.0, None)
            # singular consistent systems whose min-norm solution is not >= 0: LP
            for j in np.flatnonzero(~ok & ~full & (res <= 1e-9)):
                b = _nonneg_stationary_point(W[j], A[j])
                if b is None:
                    continue
                q = 0.5 * b @ W[j] @ b
                if q > 0:
                    Q_all[idx[lo + j]] = q
                    betas[idx[lo + j]] = b
    return cycles, Q_all, betas


def haim_kislev(P: Polytope, *, time_limit: float | None = None) -> CapacityResult:
    """c_EHZ(P) by the Haim-Kislev formula (exact; see the module docstring).

    Raises ``InvalidPolytope`` for odd dimension and ``TimeBudgetExceeded`` past
    ``time_limit`` seconds (default: ``PERFLAB_SOLVER_TIMEOUT`` or 30 s).
    """
    require_symplectic(P, "haim_kislev")
    with time_budget(time_limit, what="haim_kislev"):
        Pc, _ = P.centred()
        cycles, Q, betas = stationary_values(Pc)
        if not np.any(np.isfinite(Q)):  # pragma: no cover - a polytope always has one
            raise RuntimeError("haim_kislev found no admissible cycle (numerical failure)")
        best = int(np.argmax(Q))
        c = 1.0 / (2.0 * Q[best])
        order = list(cycles[best])
        beta = betas[best]
        keep = beta > 0
        facets = [f for f, kp in zip(order, keep, strict=True) if kp]
        edges = 2.0 * c * beta[keep][:, None] * apply_J(P.normals[facets])
        X, viol = place_on_boundary(P, facets, edges)
    return CapacityResult(
        value=float(c),
        cycle=X,
        method="haim_kislev",
        facets=tuple(int(f) for f in facets),
        candidates=len(cycles),
        details={"placement_violation": viol, "beta": beta[keep].tolist()},
    )
