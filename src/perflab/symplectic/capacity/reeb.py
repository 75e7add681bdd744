"""Exact c_EHZ of a 4D polytope without Lagrangian 2-faces by combinatorial Reeb orbits.

Chaidez-Hutchings (arXiv:2008.10111). On a 4D polytope K with 0 inside, the Reeb flow on the
interior of a 3-face (facet) F_i is the constant vector field along J n_i. A 2-face
E = F_a n F_b is Lagrangian iff omega(n_a, n_b) = 0; when no 2-face is Lagrangian the flow
crosses every 2-face transversally, from F_a into F_b when omega(n_a, n_b) > 0 (the velocity
J n_a increases <n_b, x>) and the other way round otherwise. A combinatorial Reeb orbit is a
cyclic sequence of facets (F_1 .. F_k) together with a closed orbit of this piecewise-linear
flow through them: points x_0 .. x_{k-1} and times t_i >= 0 with

    x_i = x_{i-1} + t_i J n_i,   <n_{i+1}, x_i> = h_{i+1}   (x_i enters F_{i+1}),
    sum_i t_i J n_i = 0          (closed),
    x_i in K                     (so every segment lies in its closed facet),

a square linear system in (x_0, t) whose solution is the fixed point of the affine return map
of the cycle. Its action is 1/2 sum_i t_i h_i. Type-1 orbits cross the relative interiors of
2-faces; Type-2 orbits pass through lower-dimensional faces (both are included: the facet
constraints are closed).

c_EHZ(K) is the least action of a closed characteristic (Clarke; for polytopes
Chaidez-Hutchings Thm 1.8 restrict to rotation number <= 2). We bound the search differently:
by Haim-Kislev (GAFA 2019, Thm 1.5) some action minimiser visits each facet at most once, so
it suffices to examine the simple cycles of the facet-transition graph
(:func:`perflab.symplectic.cycles.candidate_cycles`). Cycles whose facets share a point carry
only the zero orbit (its action 1/2 closed-integral <J(x - v), dx> vanishes) and are skipped.
When a cycle's system is singular (a family of orbits, along which the action is constant),
the least action over the family is found by an LP.

Raises :class:`LagrangianFaceError` (a ``ValueError``) for polytopes with a Lagrangian 2-face
(every Lagrangian product has one) and ``InvalidPolytope`` outside R^4.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from perflab.harness import time_budget
from perflab.symplectic.capacity.result import (
    CapacityResult,
    centred_unit,
    require_symplectic,
    single_threaded_blas,
)
from perflab.symplectic.cycles import (
    OMEGA_TOL,
    apply_J,
    batches_by_length,
    candidate_cycles,
    omega_matrix,
)
from perflab.symplectic.polytope import REL_TOL, InvalidPolytope, Polytope

__all__ = ["LagrangianFaceError", "lagrangian_two_faces", "reeb"]


class LagrangianFaceError(ValueError):
    """The polytope has a Lagrangian 2-face, where combinatorial Reeb dynamics is undefined."""


def two_faces(P: Polytope) -> list[tuple[int, int]]:
    """Pairs of facets (a < b) that meet in a 2-dimensional face."""
    inc = P.incidence
    V = P.vertices
    out = []
    for a in range(P.num_facets):
        for b in range(a + 1, P.num_facets):
            common = np.flatnonzero(inc[a] & inc[b])
            if len(common) < 3:
                continue
            sv = np.linalg.svd(V[common[1:]] - V[common[0]], compute_uv=False)
            if np.sum(sv > 1e3 * P.tol) >= 2:
                out.append((a, b))
    return out


def lagrangian_two_faces(P: Polytope, omega_tol: float = 1e-9) -> list[tuple[int, int]]:
    """2-faces F_a n F_b with omega(n_a, n_b) = 0 (within ``omega_tol``)."""
    Om = omega_matrix(P.normals)
    return [(a, b) for a, b in two_faces(P) if abs(Om[a, b]) <= omega_tol]


def _orbit_systems(cycles: np.ndarray, N: np.ndarray, h: np.ndarray) -> dict:
    """Batched least-squares solutions of the orbit equations of cycles (m, k)."""
    m, k = cycles.shape
    JN = apply_J(N)
    n = k + 4
    M = np.zeros((m, n, n))
    rhs = np.zeros((m, n))
    # rows 0..k-1: <n_{c_{i}}, x_{i-1}> = h_{c_i}, x_{i-1} = x_0 + sum_{l < i} t_l J n_{c_l}
    for i in range(k):
        nf = N[cycles[:, i]]  # (m, 4)
        M[:, i, :4] = nf
        for l_ in range(i):
            M[:, i, 4 + l_] = np.einsum("md,md->m", nf, JN[cycles[:, l_]])
        rhs[:, i] = h[cycles[:, i]]
    # rows k..k+3: closure sum_l t_l J n_{c_l} = 0
    M[:, k:, 4:] = np.swapaxes(JN[cycles], 1, 2)
    U, S, Vt = np.linalg.svd(M)
    null = S <= 1e-11 * S[:, :1]
    inv = np.where(null, 0.0, 1.0 / np.where(null, 1.0, S))
    x = np.einsum("mji,mj->mi", Vt, inv * np.einsum("mji,mj->mi", U, rhs))
    residual = np.linalg.norm(np.einsum("mij,mj->mi", M, x) - rhs, axis=1)
    return {"x": x, "residual": residual, "singular": np.any(null, axis=1), "M": M, "rhs": rhs}


def _positions(x0: np.ndarray, t: np.ndarray, JN: np.ndarray) -> np.ndarray:
    """x_0 .. x_{k-1} of the orbit (starts of the segments)."""
    steps = t[:, None] * JN
    return x0 + np.vstack([np.zeros(4), np.cumsum(steps, axis=0)[:-1]])


def _least_action_lp(
    M: np.ndarray, rhs: np.ndarray, cycle: tuple[int, ...], N: np.ndarray, h: np.ndarray
) -> np.ndarray | None:
    """min 1/2 sum t_i h_i over the (singular) orbit equations with t >= 0, x_i in K."""
    k = len(cycle)
    JN = apply_J(N[list(cycle)])
    # x_i = x_0 + sum_{l < i} t_l J n_l  ->  N x_i <= h
    rows, b = [], []
    for i in range(k):
        block = np.zeros((len(N), 4 + k))
        block[:, :4] = N
        for l_ in range(i):
            block[:, 4 + l_] = N @ JN[l_]
        rows.append(block)
        b.append(h)
    c = np.r_[np.zeros(4), 0.5 * h[list(cycle)]]
    res = linprog(
        c,
        A_ub=np.vstack(rows),
        b_ub=np.concatenate(b),
        A_eq=M,
        b_eq=rhs,
        bounds=[(None, None)] * 4 + [(0, None)] * k,
        method="highs",
    )
    return res.x if res.status == 0 else None


def reeb(P: Polytope, *, time_limit: float | None = None) -> CapacityResult:
    """c_EHZ of a 4D polytope without Lagrangian 2-faces (see the module docstring)."""
    n = require_symplectic(P, "reeb")
    if n != 2:
        raise InvalidPolytope(f"reeb applies to polytopes in R^4, got dimension {P.dim}")
    lag = lagrangian_two_faces(P)
    if lag:
        a, b = lag[0]
        raise LagrangianFaceError(
            f"reeb needs a polytope without Lagrangian 2-faces; facets {a} and {b} meet in "
            f"a Lagrangian 2-face (omega(n_{a}, n_{b}) = 0) and {len(lag) - 1} more do"
        )
    with time_budget(time_limit, what="reeb"), single_threaded_blas():
        Pc, shift, s = centred_unit(P)  # offsets of unit size for the orbit systems
        N, h = Pc.normals, Pc.offsets
        JN = apply_J(N)
        inc = Pc.incidence
        cycles = (
            c for c in candidate_cycles(Pc, OMEGA_TOL) if not np.any(np.all(inc[list(c)], axis=0))
        )
        best: tuple[float, tuple[int, ...], np.ndarray] | None = None
        # feasibility of an orbit (t >= 0, x_i in K) in the unit of the offsets, which are
        # of unit size here. Not Pc.tol: that follows the farthest vertex, and on a long thin
        # body (a vertex 300x farther out than the facets) it let through an orbit with a
        # negative time of 5e-5 whose action was 1 % below c_EHZ.
        ptol = 1e3 * REL_TOL * float(np.max(h))
        count = 0
        for C in batches_by_length(cycles, extra=4):
            count += len(C)
            sol = _orbit_systems(C, N, h)
            for j in np.flatnonzero(sol["residual"] <= 1e-9):
                z = sol["x"][j]
                if sol["singular"][j]:
                    z = _least_action_lp(sol["M"][j], sol["rhs"][j], tuple(C[j]), N, h)
                    if z is None:
                        continue
                t = z[4:]
                if np.any(t < -ptol):
                    continue
                act = 0.5 * float(np.clip(t, 0, None) @ h[C[j]])
                if act <= ptol or (best is not None and act >= best[0]):
                    continue
                X = _positions(z[:4], np.clip(t, 0, None), JN[C[j]])
                if np.all(X @ N.T <= h + ptol):
                    best = (act, tuple(int(f) for f in C[j]), X)
        if best is None:  # pragma: no cover - a polytope always has a closed orbit
            raise RuntimeError("reeb found no closed orbit (numerical failure)")
    act, cyc, X = best
    keep = np.linalg.norm(np.roll(X, -1, axis=0) - X, axis=1) > 1e-13 * Pc.scale
    # the orbit is of Type 1 when every transition point is in the relative interior of a
    # 2-face, i.e. lies on exactly two facets
    on = np.sum(np.abs(X @ N.T - h) <= ptol, axis=1)
    return CapacityResult(
        value=float(act * s * s),
        cycle=X[keep] * s + shift,
        method="reeb",
        facets=tuple(int(f) for f, kp in zip(cyc, keep, strict=True) if kp),
        candidates=count,
        details={"type": 1 if np.all(on == 2) else 2},
    )
