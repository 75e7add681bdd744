"""Exact c_EHZ of a Lagrangian product K x T of two convex polygons by Minkowski billiards.

Rudolf (arXiv:2203.01718), with Bezdek-Bezdek (2009) in the plane:

    c_EHZ(K x T) = min { l_T(q) : q closed polygon with at most 3 vertices that cannot be
                        translated into int K },   l_T(q) = sum_j h_T(q_{j+1} - q_j),

h_T the support function of T. Reduction to finitely many convex problems: a minimiser can
be translated into K so that it touches edges of K whose outer normals a_i have 0 in their
convex hull (by LP duality: otherwise it could be shrunk or moved into int K), at most three
such edges (Caratheodory in R^2), and points touching no such edge can be dropped
(h_T is sublinear). Conversely a closed polygon with points on edges whose normals have 0 in
their convex hull cannot be translated into int K (Gordan). So

    c = min over cyclic edge sequences (k_1, k_2, k_3) (repeats allowed, 0 in conv{a_k})
        of  min_{s in [0,1]^3} f(s),  f(s) = sum_j h_T(q_{j+1}(s) - q_j(s)),
        q_j(s) = V_{k_j} + s_j (V_{k_j + 1} - V_{k_j}),

with bounce points anywhere on the (closed) edges; two-bounce orbits appear as q_j = q_{j+1}.
f is convex and piecewise linear; its pieces change where some q_{j+1} - q_j is parallel to an
edge normal of T (a plane in s-space). The minimum over the box is therefore attained at a
vertex of the arrangement of those planes and the six box faces: we solve every 3x3 system of
three planes that can be independent (vectorised, Cramer's rule), keep the solutions in the
box and take the least f. Planes whose kink ray never meets the box are dropped, and whole
edge triples are skipped when a weak-duality lower bound (h_T(v) >= <w, v> for vertices w of
T) exceeds an upper bound from box corners. This is exact up to rounding, with no iteration
and no vertex-only shortcut.

Witness: with the optimal q, a small LP finds p-points w_j in T with <w_j, v_j> = h_T(v_j) and
w_{j-1} - w_j in the normal cone of K at q_j (the billiard reflection law); the closed
characteristic alternates q-motions (q_j, w_j) -> (q_{j+1}, w_j) and p-motions
(q_j, w_{j-1}) -> (q_j, w_j); its action sum_j <w_j, v_j> equals c.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from scipy.optimize import nnls
from scipy.spatial import ConvexHull

from perflab.harness import time_budget
from perflab.symplectic.capacity.result import CapacityResult, require_symplectic, unit_scale
from perflab.symplectic.polytope import InvalidPolytope, Polytope

__all__ = ["billiards", "lagrangian_factors"]


def lagrangian_factors(P: Polytope) -> tuple[Polytope, Polytope] | None:
    """(K, T) when P is a Lagrangian product of two polygons in R^4, else None.

    Uses the factors recorded by ``Polytope.lagrangian_product``, otherwise recognises the
    product from the facet normals (each is (a, 0) or (0, b))."""
    if P.dim != 4:
        return None
    if P.lagrangian_factors is not None:
        return P.lagrangian_factors
    N, h = P.normals, P.offsets
    tol = 1e-12
    q_only = np.all(np.abs(N[:, 2:]) <= tol, axis=1)
    p_only = np.all(np.abs(N[:, :2]) <= tol, axis=1)
    if not np.all(q_only | p_only) or q_only.sum() < 3 or p_only.sum() < 3:
        return None
    K = Polytope.from_halfspaces(N[q_only, :2], h[q_only])
    T = Polytope.from_halfspaces(N[p_only, 2:], h[p_only])
    return K, T


def _ccw(P: Polytope) -> np.ndarray:
    """Vertices of a polygon in counter-clockwise order."""
    return P.vertices[ConvexHull(P.vertices).vertices]


def _edge_normals(V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edge vectors and unit outer normals of a ccw polygon (edge k from V_k to V_k+1)."""
    E = np.roll(V, -1, axis=0) - V
    Nrm = np.column_stack([E[:, 1], -E[:, 0]])
    return E, Nrm / np.linalg.norm(Nrm, axis=1, keepdims=True)


def _edge_triples(A: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    """Cyclic edge sequences (k1, k2, k3), one per rotation class (the lexicographically
    least rotation), whose outer normals have 0 in their convex hull, i.e. whose directions
    leave no angular gap larger than pi."""
    n = len(A)
    T = np.array(list(itertools.product(range(n), repeat=3)), dtype=np.int64)
    r1, r2 = np.roll(T, -1, axis=1), np.roll(T, -2, axis=1)

    def leq(X: np.ndarray, Y: np.ndarray) -> np.ndarray:  # lexicographic X <= Y, row-wise
        diff = X != Y
        first = np.argmax(diff, axis=1)
        rows = np.arange(len(X))
        return ~diff.any(axis=1) | (X[rows, first] < Y[rows, first])

    T = T[leq(T, r1) & leq(T, r2)]
    ang = np.sort(np.arctan2(A[:, 1], A[:, 0])[T], axis=1)
    gaps = np.diff(np.concatenate([ang, ang[:, :1] + 2 * np.pi], axis=1), axis=1)
    return T[gaps.max(axis=1) <= np.pi + tol]


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def _support_sum(Q: np.ndarray, WT: np.ndarray) -> np.ndarray:
    """f = sum_j h_T(q_{j+1} - q_j) for closed polygons Q (..., 3, 2); h_T(v) is the max of
    <w, v> over the vertices w of T (explicit: tiny batched matmuls are slow)."""
    V = np.roll(Q, -1, axis=-2) - Q
    return np.max(V[..., :1] * WT[:, 0] + V[..., 1:] * WT[:, 1], axis=-1).sum(axis=-1)


def _prune_triples(
    VK: np.ndarray, EK: np.ndarray, triples: np.ndarray, WT: np.ndarray
) -> np.ndarray:
    """The edge triples whose minimum can still be the global one (exact pruning).

    Upper bound U: f at the corners and the centre of every triple's box. Lower bound per
    triple (weak LP duality, h_T(v) >= <w, v> for any w in T): for every choice of vertices
    w_j of T, min over the box of sum_j <w_j, v_j(s)>, which is linear in s, i.e.
    sum_j <w_j, base_j> + sum_i min(0, <w_{i-1} - w_i, D_i>); the best such choice.
    A triple whose lower bound exceeds U cannot hold the minimum."""
    P0, D = VK[triples], EK[triples]  # (E, 3, 2)
    corners = np.array(list(itertools.product((0.0, 1.0), repeat=3)) + [[0.5] * 3])
    Q = P0[:, None] + corners[None, :, :, None] * D[:, None]  # (E, 9, 3, 2)
    upper = _support_sum(Q, WT).min()
    base = np.roll(P0, -1, axis=1) - P0
    WB = base @ WT.T  # (E, 3, |W|): <w, base_j>
    WD = D @ WT.T  # (E, 3, |W|): <w, D_i>
    g = (
        WB[:, 0, :, None, None]
        + WB[:, 1, None, :, None]
        + WB[:, 2, None, None, :]
        # s_0 enters v_2 (+D_0, with w_2) and v_0 (-D_0, with w_0); likewise s_1, s_2
        + np.minimum(0.0, WD[:, 0, None, None, :] - WD[:, 0, :, None, None])
        + np.minimum(0.0, WD[:, 1, :, None, None] - WD[:, 1, None, :, None])
        + np.minimum(0.0, WD[:, 2, None, :, None] - WD[:, 2, None, None, :])
    )
    lower = g.reshape(len(triples), -1).max(axis=1)
    return triples[lower <= upper + 1e-9 * abs(upper)]


def _solve_triples(
    VK: np.ndarray, EK: np.ndarray, triples: np.ndarray, WT: np.ndarray, UT: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact min of f over [0,1]^3 for every edge triple: returns (values (E,), s (E, 3))."""
    E = len(triples)
    P0 = VK[triples]  # (E, 3, 2) edge starts
    D = EK[triples]  # (E, 3, 2) edge vectors
    # planes G s = r in s-space: 6 box planes s_j in {0, 1}, then for every term j the
    # breakpoints cross(u, v_j(s)) = 0 with v_j = P0[j+1] - P0[j] + s_{j+1} D_{j+1} - s_j D_j
    # and u an edge normal of T (u and -u give the same plane). A breakpoint plane matters
    # only when its line meets the parallelogram that v_j sweeps over the box.
    ang = np.round(np.arctan2(UT[:, 1], UT[:, 0]) % np.pi, 12)
    dirs = UT[np.unique(ang, return_index=True)[1]]
    nd = len(dirs)
    m = 6 + 3 * nd
    G = np.zeros((E, m, 3))
    r = np.zeros((E, m))
    for j in range(3):
        G[:, 2 * j : 2 * j + 2, j] = 1.0
        r[:, 2 * j + 1] = 1.0
    rel = np.ones((E, m), dtype=bool)
    Dn = np.roll(D, -1, axis=1)  # D_{j+1}
    base = np.roll(P0, -1, axis=1) - P0  # (E, 3, 2)

    def cross_u(X: np.ndarray) -> np.ndarray:  # cross(u, X) for every u: (..., nd)
        return X[..., None, 1] * dirs[:, 0] - X[..., None, 0] * dirs[:, 1]

    cn, cj, cb = cross_u(Dn), cross_u(D), cross_u(base)  # (E, 3, nd)
    corners = np.stack([base, base + Dn, base - D, base + Dn - D], axis=2)  # (E, 3, 4, 2)
    cc = cross_u(corners)  # (E, 3, 4, nd)
    tol = 1e-12 * np.max(np.abs(corners), axis=(2, 3))[..., None]  # (E, 3, 1)
    # the kinks lie on the rays t u, t >= 0, of the outer normals u (and on t(-u) when -u
    # is an outer normal too): the parallelogram must also reach into such a half-plane
    dots = corners[..., None, 0] * dirs[:, 0] + corners[..., None, 1] * dirs[:, 1]
    plus = np.any(np.abs(UT[:, None, :] - dirs[None]).max(axis=2) <= 1e-12, axis=0)
    minus = np.any(np.abs(UT[:, None, :] + dirs[None]).max(axis=2) <= 1e-12, axis=0)
    ray = (plus & (dots.max(axis=2) >= -tol)) | (minus & (dots.min(axis=2) <= tol))
    meets = (cc.min(axis=2) <= tol) & (cc.max(axis=2) >= -tol) & ray  # (E, 3, nd)
    for j in range(3):
        cols = slice(6 + j * nd, 6 + (j + 1) * nd)
        G[:, cols, (j + 1) % 3] += cn[:, j]
        G[:, cols, j] -= cj[:, j]
        r[:, cols] = -cb[:, j]
        rel[:, cols] = meets[:, j]
    combos = _combos(len(dirs))
    e_idx, c_idx = np.nonzero(np.all(rel[:, combos], axis=2))
    rows = combos[c_idx]  # (L, 3): plane indices of each candidate vertex
    a, b, c = (G[e_idx, rows[:, i]] for i in range(3))  # (L, 3) rows of the 3x3 systems
    R = r[e_idx[:, None], rows]  # (L, 3)
    bc, ca, ab = _cross3(b, c), _cross3(c, a), _cross3(a, b)
    det = np.sum(a * bc, axis=1)
    scale = np.sqrt(np.sum(a * a, axis=1) * np.sum(b * b, axis=1) * np.sum(c * c, axis=1))
    good = np.abs(det) > 1e-12 * scale
    # Cramer's rule: s = (r1 (b x c) + r2 (c x a) + r3 (a x b)) / det
    S = (R[:, :1] * bc + R[:, 1:2] * ca + R[:, 2:] * ab) / np.where(good, det, 1.0)[:, None]
    inside = good & np.all((S >= -1e-12) & (S <= 1 + 1e-12), axis=1)
    e_idx, S = e_idx[inside], np.clip(S[inside], 0.0, 1.0)
    Q = P0[e_idx] + S[..., None] * D[e_idx]  # (L, 3, 2)
    f = _support_sum(Q, WT)  # (L,)
    vals = np.full(E, np.inf)
    np.minimum.at(vals, e_idx, f)
    best_s = np.zeros((E, 3))
    hit = f <= vals[e_idx]
    best_s[e_idx[hit]] = S[hit]
    return vals, best_s


@functools.cache
def _combos(ndirs: int) -> np.ndarray:
    """Triples of planes (6 box planes, then ``ndirs`` breakpoint planes per term j, which
    involve s_j and s_{j+1}) that can be independent: some matching assigns each plane one of
    its variables, all three variables covered."""
    support = [{j} for j in range(3) for _ in range(2)]
    support += [{j, (j + 1) % 3} for j in range(3) for _ in range(ndirs)]
    out = [
        c
        for c in itertools.combinations(range(len(support)), 3)
        if any(
            all(p[i] in support[c[i]] for i in range(3)) for p in itertools.permutations(range(3))
        )
    ]
    return np.array(out, dtype=np.int64)


def _cross3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (L, 3) arrays."""
    return np.column_stack(
        [
            a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
            a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
        ]
    )


def _witness(K: Polytope, T: Polytope, q: np.ndarray, c: float) -> tuple[np.ndarray, dict]:
    """4D closed characteristic from the optimal bounce points q (m, 2)."""
    # drop repeated consecutive points (two-bounce orbits written with three points)
    keep = [0]
    for j in range(1, len(q)):
        if np.max(np.abs(q[j] - q[keep[-1]])) > 1e-12 * K.scale:
            keep.append(j)
    if len(keep) > 1 and np.max(np.abs(q[keep[-1]] - q[keep[0]])) <= 1e-12 * K.scale:
        keep.pop()
    q = q[keep]
    m = len(q)
    v = np.roll(q, -1, axis=0) - q
    WT = T.vertices
    hT = np.max(v @ WT.T, axis=1)
    ktol = 1e-9 * K.scale
    # unknowns z >= 0: convex weights theta_j over the vertices of the face of T maximising
    # <., v_j>, and cone weights mu_j over the normals of K active at q_j; equations
    # sum theta_j = 1 and w_{j-1} - w_j - sum mu_j a = 0. Feasible iff the NNLS residual is 0.
    faces = [
        np.flatnonzero(WT @ v[j] >= hT[j] - 1e-9 * T.scale * max(1.0, np.abs(v[j]).max()))
        for j in range(m)
    ]
    active = [np.flatnonzero(np.abs(K.normals @ qj - K.offsets) <= ktol) for qj in q]
    tcols = np.cumsum([0] + [len(f) for f in faces])
    mcols = tcols[-1] + np.cumsum([0] + [len(a) for a in active])
    M = np.zeros((3 * m, mcols[-1]))
    rhs = np.zeros(3 * m)
    for j in range(m):
        M[j, tcols[j] : tcols[j + 1]] = 1.0
        rhs[j] = 1.0
        jp = (j - 1) % m
        rows = slice(m + 2 * j, m + 2 * j + 2)
        M[rows, tcols[jp] : tcols[jp + 1]] += WT[faces[jp]].T
        M[rows, tcols[j] : tcols[j + 1]] -= WT[faces[j]].T
        M[rows, mcols[j] : mcols[j + 1]] -= K.normals[active[j]].T
    z, resid = nnls(M, rhs)
    if resid > 1e-9 * max(1.0, T.scale):
        raise RuntimeError(
            "billiards: no reflection-law p-points for the optimal bounce points "
            f"(residual {resid:.3g}); the witness cycle cannot be built"
        )
    w = np.array([z[tcols[j] : tcols[j + 1]] @ WT[faces[j]] for j in range(m)])
    pts = []
    for j in range(m):
        pts.append(np.r_[q[j], w[j - 1]])
        pts.append(np.r_[q[j], w[j]])
    X = np.array(pts)
    # remove zero-length edges
    Y = [X[0]]
    for x in X[1:]:
        if np.max(np.abs(x - Y[-1])) > 1e-13 * K.scale:
            Y.append(x)
    if len(Y) > 1 and np.max(np.abs(Y[-1] - Y[0])) <= 1e-13 * K.scale:
        Y.pop()
    return np.array(Y), {"bounce_points": q.tolist(), "p_points": w.tolist()}


def billiards(P: Polytope, *, time_limit: float | None = None) -> CapacityResult:
    """c_EHZ of a Lagrangian product of two polygons (see the module docstring).

    Raises ``InvalidPolytope`` when P is not such a product (R^4, facet normals (a, 0) or
    (0, b)) and ``TimeBudgetExceeded`` past ``time_limit`` seconds.
    """
    require_symplectic(P, "billiards")
    factors = lagrangian_factors(P)
    if factors is None:
        raise InvalidPolytope(
            "billiards applies only to Lagrangian products K x T of two polygons in R^4"
        )
    # solve for factors of unit size (exact power-of-two scaling): c(aK x bT) = ab c(K x T)
    sK, sT = unit_scale(factors[0].scale), unit_scale(factors[1].scale)
    K, T = factors[0].scaled(1.0 / sK), factors[1].scaled(1.0 / sT)
    with time_budget(time_limit, what="billiards"):
        VK = _ccw(K)
        EK, AK = _edge_normals(VK)
        all_triples = _edge_triples(AK)
        triples = _prune_triples(VK, EK, all_triples, T.vertices)
        WT = T.vertices
        _, UT = _edge_normals(_ccw(T))
        vals, S = _solve_triples(VK, EK, triples, WT, UT)
        b = int(np.argmin(vals))
        c = float(vals[b])
        q = VK[triples[b]] + S[b][:, None] * EK[triples[b]]
        X, info = _witness(K, T, q, c)
    info["edges"] = [int(k) for k in triples[b]]
    info["bounce_points"] = (np.array(info["bounce_points"]) * sK).tolist()
    info["p_points"] = (np.array(info["p_points"]) * sT).tolist()
    return CapacityResult(
        value=c * sK * sT,
        cycle=np.hstack([X[:, :2] * sK, X[:, 2:] * sT]),
        method="billiards",
        facets=(),
        candidates=len(all_triples),
        details=info,
    )
