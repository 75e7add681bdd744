"""Convex polytopes in R^d with both representations, validated and in canonical form.

A :class:`Polytope` is a full-dimensional bounded convex polytope

    K = conv(V) = {x in R^d : <n_i, x> <= h_i, i = 1..F}

with unit outer normals ``n_i``, offsets ``h_i``, no redundant halfspaces, no duplicate
vertices, vertices sorted lexicographically and facets in a deterministic order (sorted by
their normal vectors). Whichever representation is not given is computed lazily with Qhull
(``scipy.spatial.ConvexHull`` / ``HalfspaceIntersection``) and cached.

Coordinates in R^{2n} are (q_1..q_n, p_1..p_n). A *Lagrangian product* K x T has K in the
q-plane and T in the p-plane; a *symplectic product* P_1 x P_2 of two symplectic polytopes
puts P_1 in the (q_1, p_1) coordinates and P_2 in (q_2, p_2). The two are different bodies.

Bad input raises :class:`InvalidPolytope` (a ``ValueError``) naming the problem: wrong
shapes, NaN/inf entries, too few points, empty, unbounded or lower-dimensional (flat) sets.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, HalfspaceIntersection, QhullError

__all__ = ["InvalidPolytope", "Polytope"]

#: relative tolerance (times the polytope's scale) for incidence and redundancy tests
REL_TOL = 1e-9


class InvalidPolytope(ValueError):
    """The input does not describe a valid full-dimensional bounded convex polytope."""


def _as_float_matrix(x: object, name: str, *, min_cols: int = 1) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidPolytope(f"{name} must be a numeric array: {exc}") from exc
    if arr.ndim != 2:
        raise InvalidPolytope(f"{name} must be a 2-D array (rows = points), got shape {arr.shape}")
    if arr.shape[1] < min_cols:
        raise InvalidPolytope(f"{name} must have at least {min_cols} columns, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidPolytope(f"{name} contains NaN or infinite entries")
    return arr


def _dedupe_points(V: np.ndarray, tol: float) -> np.ndarray:
    """Drop points within ``tol`` (max-norm) of an earlier one; sorted lexicographically."""
    V = V[np.lexsort(V.T[::-1])]
    keep = np.ones(len(V), dtype=bool)
    for i in range(1, len(V)):
        prev = V[:i][keep[:i]]
        if np.any(np.max(np.abs(prev - V[i]), axis=1) <= tol):
            keep[i] = False
    return V[keep]


def _sort_facets(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    key = np.round(A, 9)
    order = np.lexsort(np.vstack([np.round(b, 9), key.T[::-1]]))
    return A[order] + 0.0, b[order] + 0.0  # + 0.0 turns -0.0 into 0.0


class Polytope:
    """A full-dimensional bounded convex polytope in R^d (d >= 2).

    Build it with :meth:`from_vertices`, :meth:`from_halfspaces`,
    :meth:`lagrangian_product` or :meth:`symplectic_product`; the constructor is private.
    """

    def __init__(
        self,
        *,
        vertices: np.ndarray | None = None,
        normals: np.ndarray | None = None,
        offsets: np.ndarray | None = None,
        lagrangian_factors: tuple[Polytope, Polytope] | None = None,
        _token: object = None,
    ) -> None:
        if _token is not _PRIVATE:
            raise TypeError("use Polytope.from_vertices / from_halfspaces / lagrangian_product")
        if vertices is not None:
            self.__dict__["vertices"] = vertices
        if normals is not None:
            self.__dict__["_facets"] = (normals, offsets)
        self.lagrangian_factors = lagrangian_factors
        self._dim = int(vertices.shape[1] if vertices is not None else normals.shape[1])

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_vertices(cls, V: object) -> Polytope:
        """The convex hull of the rows of ``V`` (an (m, d) array, d >= 2, m >= d + 1)."""
        V = _as_float_matrix(V, "vertices", min_cols=2)
        m, d = V.shape
        if m < d + 1:
            raise InvalidPolytope(f"need at least d + 1 = {d + 1} points in R^{d}, got {m}")
        scale = float(np.max(np.abs(V)))
        centred = V - V.mean(axis=0)
        sv = np.linalg.svd(centred, compute_uv=False)
        if sv[-1] <= REL_TOL * sv[0]:
            raise InvalidPolytope(
                f"points are lower-dimensional (flat): affine rank < {d} "
                f"(smallest singular value {sv[-1]:.3g})"
            )
        try:
            hull = ConvexHull(V)
        except QhullError as exc:  # pragma: no cover - caught by the rank test above
            raise InvalidPolytope(f"Qhull could not build the hull: {exc}") from exc
        verts = _dedupe_points(V[hull.vertices], REL_TOL * scale)
        return cls(vertices=verts, _token=_PRIVATE)

    @classmethod
    def from_halfspaces(cls, A: object, b: object) -> Polytope:
        """The polytope {x : A x <= b}; ``A`` is (k, d), ``b`` is (k,)."""
        A = _as_float_matrix(A, "A", min_cols=2)
        try:
            b = np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidPolytope(f"b must be a numeric vector: {exc}") from exc
        if b.ndim != 1 or b.shape[0] != A.shape[0]:
            raise InvalidPolytope(f"b must have shape ({A.shape[0]},), got {b.shape}")
        if not np.all(np.isfinite(b)):
            raise InvalidPolytope("b contains NaN or infinite entries")
        d = A.shape[1]
        norms = np.linalg.norm(A, axis=1)
        zero = norms <= 1e-14
        if np.any(zero & (b < 0)):
            raise InvalidPolytope("empty: a halfspace 0 . x <= b has b < 0")
        A, b, norms = A[~zero], b[~zero], norms[~zero]
        if A.shape[0] < d + 1:
            raise InvalidPolytope(
                f"unbounded: {A.shape[0]} halfspaces cannot bound a polytope in R^{d} "
                f"(need at least {d + 1})"
            )
        A = A / norms[:, None]
        b = b / norms
        _check_bounded(A)
        centre, radius = _chebyshev_centre(A, b)
        scale = float(np.max(np.abs(b)))
        if radius < -REL_TOL * scale:
            raise InvalidPolytope("empty: the halfspaces have no common point")
        if radius <= REL_TOL * scale:
            raise InvalidPolytope(
                "lower-dimensional (flat) or empty: the halfspaces contain no ball "
                f"(Chebyshev radius {radius:.3g})"
            )
        hs = HalfspaceIntersection(np.hstack([A, -b[:, None]]), centre)
        pts = hs.intersections
        if not np.all(np.isfinite(pts)):
            raise InvalidPolytope("unbounded: Qhull returned vertices at infinity")
        vscale = float(np.max(np.abs(pts)))
        verts = _dedupe_points(pts, REL_TOL * vscale)
        # keep the given (exact) normals of the halfspaces that are facets
        normals, offsets = _irredundant_facets(A, b, verts)
        return cls(vertices=verts, normals=normals, offsets=offsets, _token=_PRIVATE)

    @classmethod
    def lagrangian_product(cls, K: Polytope, T: Polytope) -> Polytope:
        """K x T in R^{2n}: q-coordinates from K, p-coordinates from T (both in R^n)."""
        if not isinstance(K, Polytope) or not isinstance(T, Polytope):
            raise InvalidPolytope("lagrangian_product takes two Polytope objects")
        if K.dim != T.dim:
            raise InvalidPolytope(f"factors must have equal dimension, got {K.dim} and {T.dim}")
        n = K.dim
        VK, VT = K.vertices, T.vertices
        V = np.hstack([np.repeat(VK, len(VT), axis=0), np.tile(VT, (len(VK), 1))])
        V = V[np.lexsort(V.T[::-1])]
        normals = np.vstack(
            [
                np.hstack([K.normals, np.zeros((K.num_facets, n))]),
                np.hstack([np.zeros((T.num_facets, n)), T.normals]),
            ]
        )
        offsets = np.concatenate([K.offsets, T.offsets])
        normals, offsets = _sort_facets(normals, offsets)
        return cls(
            vertices=V, normals=normals, offsets=offsets, lagrangian_factors=(K, T), _token=_PRIVATE
        )

    @classmethod
    def symplectic_product(cls, P1: Polytope, P2: Polytope) -> Polytope:
        """P1 x P2 with P1 in the (q_1.., p_1..) block and P2 in the (q_2.., p_2..) block."""
        if not isinstance(P1, Polytope) or not isinstance(P2, Polytope):
            raise InvalidPolytope("symplectic_product takes two Polytope objects")
        for P in (P1, P2):
            if P.dim % 2:
                raise InvalidPolytope(
                    f"symplectic_product needs even-dimensional factors, got {P.dim}"
                )
        n1, n2 = P1.dim // 2, P2.dim // 2

        def embed(X: np.ndarray, first: bool) -> np.ndarray:
            out = np.zeros((len(X), 2 * (n1 + n2)))
            if first:
                out[:, :n1] = X[:, :n1]
                out[:, n1 + n2 : 2 * n1 + n2] = X[:, n1:]
            else:
                out[:, n1 : n1 + n2] = X[:, :n2]
                out[:, 2 * n1 + n2 :] = X[:, n2:]
            return out

        V1, V2 = embed(P1.vertices, True), embed(P2.vertices, False)
        V = (V1[:, None, :] + V2[None, :, :]).reshape(-1, V1.shape[1])
        V = V[np.lexsort(V.T[::-1])]
        normals = np.vstack([embed(P1.normals, True), embed(P2.normals, False)])
        offsets = np.concatenate([P1.offsets, P2.offsets])
        normals, offsets = _sort_facets(normals, offsets)
        return cls(vertices=V, normals=normals, offsets=offsets, _token=_PRIVATE)

    # ------------------------------------------------------------------ representations
    @property
    def dim(self) -> int:
        return self._dim

    @cached_property
    def vertices(self) -> np.ndarray:
        """(m, d) vertices, sorted lexicographically."""
        raise AssertionError("vertices are always set at construction")  # pragma: no cover

    @cached_property
    def _facets(self) -> tuple[np.ndarray, np.ndarray]:
        return _facets_of_vertices(self.vertices)

    @property
    def normals(self) -> np.ndarray:
        """(F, d) unit outer facet normals in deterministic order."""
        return self._facets[0]

    @property
    def offsets(self) -> np.ndarray:
        """(F,) offsets h_i with K = {x : normals @ x <= offsets}."""
        return self._facets[1]

    @property
    def num_vertices(self) -> int:
        return int(self.vertices.shape[0])

    @property
    def num_facets(self) -> int:
        return int(self.normals.shape[0])

    @cached_property
    def scale(self) -> float:
        """max |coordinate| of a vertex: the unit of the (relative) tolerances, so that they
        follow the body when it is scaled (floating point error is relative to it)."""
        return float(np.max(np.abs(self.vertices)))

    @cached_property
    def tol(self) -> float:
        return REL_TOL * self.scale

    @cached_property
    def incidence(self) -> np.ndarray:
        """(F, m) boolean: vertex j lies on facet i."""
        slack = self.offsets[:, None] - self.normals @ self.vertices.T
        return np.abs(slack) <= self.tol

    @cached_property
    def interior_point(self) -> np.ndarray:
        """The Chebyshev centre (centre of a largest inscribed ball); the vertex centroid
        when the LP is numerically unreliable (very elongated bodies). Both are interior."""
        try:
            c, r = _chebyshev_centre(self.normals, self.offsets)
        except InvalidPolytope:
            c, r = self.vertices.mean(axis=0), 0.0
        slack = self.offsets - self.normals @ c
        if not (r > 0 and np.all(slack > 0.5 * r)):
            c = self.vertices.mean(axis=0)
        return c

    # ------------------------------------------------------------------ transformations
    def translated(self, v: object) -> Polytope:
        """K + v for a finite vector v of length ``dim``."""
        try:
            v = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidPolytope(f"translation must be a vector of numbers: {exc}") from exc
        if v.shape != (self.dim,):
            raise InvalidPolytope(
                f"translation must have shape ({self.dim},), got {tuple(v.shape)}"
            )
        if not np.all(np.isfinite(v)):
            raise InvalidPolytope("translation contains NaN or inf")
        factors = None
        if self.lagrangian_factors is not None:
            n = self.dim // 2
            K, T = self.lagrangian_factors
            factors = (K.translated(v[:n]), T.translated(v[n:]))
        return Polytope(
            vertices=self.vertices + v,
            normals=self.normals,
            offsets=self.offsets + self.normals @ v,
            lagrangian_factors=factors,
            _token=_PRIVATE,
        )

    def centred(self) -> tuple[Polytope, np.ndarray]:
        """(K - c, c) with c the interior point: the copy has 0 in its interior."""
        c = self.interior_point
        return self.translated(-c), c

    def scaled(self, lam: float) -> Polytope:
        if not np.isfinite(lam) or lam <= 0:
            raise InvalidPolytope(f"scale factor must be positive and finite, got {lam}")
        factors = None
        if self.lagrangian_factors is not None:
            factors = tuple(F.scaled(lam) for F in self.lagrangian_factors)
        return Polytope(
            vertices=self.vertices * lam,
            normals=self.normals,
            offsets=self.offsets * lam,
            lagrangian_factors=factors,
            _token=_PRIVATE,
        )

    def linear_image(self, M: object) -> Polytope:
        """{M x : x in K} for an invertible (d, d) matrix M."""
        M = _as_float_matrix(M, "M")
        if M.shape != (self.dim, self.dim):
            raise InvalidPolytope(f"M must be ({self.dim}, {self.dim}), got {M.shape}")
        return Polytope.from_vertices(self.vertices @ M.T)

    def contains(self, x: object, tol: float | None = None) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        t = self.tol if tol is None else tol
        return np.all(x @ self.normals.T <= self.offsets + t, axis=1)

    def __repr__(self) -> str:
        return f"Polytope(dim={self.dim}, vertices={self.num_vertices}, facets={self.num_facets})"


_PRIVATE = object()


def _check_bounded(A: np.ndarray) -> None:
    """Raise unless the recession cone {y : A y <= 0} is {0}.

    By Stiemke's theorem that holds iff rank A = d and some lambda > 0 (scaled: >= 1) has
    A^T lambda = 0: one LP. Only when it fails, 2d small LPs find a receding direction for
    the message."""
    d = A.shape[1]
    if np.linalg.matrix_rank(A) == d:
        res = linprog(
            np.zeros(len(A)),
            A_eq=A.T,
            b_eq=np.zeros(d),
            bounds=[(1, None)] * len(A),
            method="highs",
        )
        if res.status == 0:
            return
    for j in range(d):
        for sign in (1.0, -1.0):
            c = np.zeros(d)
            c[j] = -sign
            res = linprog(c, A_ub=A, b_ub=np.zeros(len(A)), bounds=[(-1, 1)] * d, method="highs")
            if res.status == 0 and -res.fun > 1e-9:
                raise InvalidPolytope(
                    f"unbounded: the set recedes along a direction with "
                    f"{'+' if sign > 0 else '-'}x_{j + 1} > 0"
                )
    raise InvalidPolytope(f"unbounded: the normals do not positively span R^{d}")


def _chebyshev_centre(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """max r s.t. <a_i, x> + r |a_i| <= b_i; returns (x, r) (r < 0 when empty).

    Callers check boundedness first. HiGHS' dual simplex is tried first and its interior
    point method second (the simplex occasionally ends with status "unknown" on thin
    bodies); if both fail the LP failure is reported."""
    d = A.shape[1]
    norms = np.linalg.norm(A, axis=1)
    c = np.zeros(d + 1)
    c[-1] = -1.0
    messages = []
    for method in ("highs-ds", "highs-ipm"):
        res = linprog(
            c,
            A_ub=np.hstack([A, norms[:, None]]),
            b_ub=b,
            bounds=[(None, None)] * (d + 1),
            method=method,
        )
        if res.status == 0:
            return res.x[:d], float(res.x[d])
        messages.append(f"{method}: {res.message}")
    raise InvalidPolytope(f"could not find an interior point ({'; '.join(messages)})")


def _affine_rank(P: np.ndarray, tol: float) -> int:
    if len(P) == 0:
        return -1
    if len(P) == 1:
        return 0
    sv = np.linalg.svd(P[1:] - P[0], compute_uv=False)
    return int(np.sum(sv > tol))


def _irredundant_facets(
    A: np.ndarray, b: np.ndarray, V: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of (A, b) that are facets of conv(V), one per facet, in canonical order."""
    d = A.shape[1]
    scale = float(np.max(np.abs(V)))
    tol = REL_TOL * scale
    slack = b[:, None] - A @ V.T
    seen: set[frozenset[int]] = set()
    rows = []
    for i in range(len(A)):
        on = np.flatnonzero(np.abs(slack[i]) <= 10 * tol)
        key = frozenset(on.tolist())
        if key in seen or _affine_rank(V[on], 10 * tol) < d - 1:
            continue
        seen.add(key)
        rows.append(i)
    return _sort_facets(A[rows], b[rows])


def _facets_of_vertices(V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit outer normals and offsets of conv(V), coplanar Qhull simplices merged."""
    d = V.shape[1]
    hull = ConvexHull(V)
    scale = float(np.max(np.abs(V)))
    tol = 10 * REL_TOL * scale
    centre = V.mean(axis=0)
    seen: set[frozenset[int]] = set()
    normals, offsets = [], []
    for eq in hull.equations:
        n, off = eq[:d], -eq[d]
        on = np.flatnonzero(np.abs(V @ n - off) <= tol)
        key = frozenset(on.tolist())
        if key in seen:
            continue
        seen.add(key)
        # refit the hyperplane through all its vertices (least squares, exact when coplanar)
        P = V[on]
        pc = P.mean(axis=0)
        _, _, vt = np.linalg.svd(P - pc)
        nn = vt[-1]
        if nn @ (pc - centre) < 0:
            nn = -nn
        normals.append(nn)
        offsets.append(nn @ pc)
    return _sort_facets(np.array(normals), np.array(offsets))
