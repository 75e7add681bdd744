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
shapes, NaN/inf entries, too few points, empty, unbounded or lower-dimensional (flat) sets,
coordinates outside the supported range (see :mod:`perflab.symplectic.frame`).

Scale and translation: Qhull and the LPs always run on the unit-frame copy ``U`` of the body
(``K = s U + c``, :meth:`Polytope.normalised`), never on the raw coordinates, so that a body
of size 1e-150 or 1e150, or one 1e9 away from the origin, gets the same combinatorics and
the same relative accuracy as the unit cube. Vertices given to :meth:`from_vertices` are kept
exactly as given.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, HalfspaceIntersection, QhullError, cKDTree

from perflab.symplectic.frame import EPS, bounding_frame, check_magnitude, pow2

__all__ = ["InvalidPolytope", "Polytope"]

#: relative tolerance (times the polytope's size) for incidence and redundancy tests
REL_TOL = 1e-9
#: a body thinner than this (smallest over largest singular value of its centred points) is
#: numerically flat: its width is within 100 incidence tolerances
FLAT_REL = 100 * REL_TOL


class InvalidPolytope(ValueError):
    """The input does not describe a valid full-dimensional bounded convex polytope."""


def _as_float_matrix(x: object, name: str, *, min_cols: int = 1) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidPolytope(f"{name} must be a numeric array: {exc}") from exc
    if arr.ndim != 2:
        raise InvalidPolytope(f"{name} must be a 2-D array (rows = points), got shape {arr.shape}")
    if arr.shape[1] < min_cols:
        raise InvalidPolytope(f"{name} must have at least {min_cols} columns, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidPolytope(f"{name} contains NaN or infinite entries")
    return arr


def _dedupe_points(V: np.ndarray, U: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Sort the rows of ``V`` lexicographically and drop those within ``tol`` (max-norm, in
    the unit-frame copy ``U``) of an earlier kept one. O(m log m) with a k-d tree."""
    order = np.lexsort(V.T[::-1])
    V, U = V[order], U[order]
    pairs = cKDTree(U).query_pairs(tol, p=np.inf, output_type="ndarray")
    if len(pairs) == 0:
        return V, U
    pairs = np.sort(pairs, axis=1)
    keep = np.ones(len(V), dtype=bool)
    for lo, hi in pairs[np.argsort(pairs[:, 1], kind="stable")]:
        if keep[lo]:  # final: every pair ending at lo came earlier
            keep[hi] = False
    return V[keep], U[keep]


def _sort_facets(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The canonical facet order (by normal vector, then offset)."""
    key = np.round(A, 9)
    return np.lexsort(np.vstack([np.round(b, 9), key.T[::-1]]))


def _check_full_rank(U: np.ndarray, rel: float) -> None:
    d = U.shape[1]
    sv = np.linalg.svd(U - U.mean(axis=0), compute_uv=False)
    if sv[-1] <= rel * sv[0]:
        raise InvalidPolytope(
            f"points are lower-dimensional (flat): affine rank < {d} "
            f"(smallest singular value {sv[-1]:.3g} of {sv[0]:.3g}, relative tolerance "
            f"{rel:.2g})"
        )


class Polytope:
    """A full-dimensional bounded convex polytope in R^d (d >= 2).

    Build it with :meth:`from_vertices`, :meth:`from_halfspaces`,
    :meth:`lagrangian_product` or :meth:`symplectic_product`; the constructor is private.
    """

    def __init__(
        self,
        *,
        vertices: np.ndarray,
        normals: np.ndarray | None = None,
        offsets: np.ndarray | None = None,
        lagrangian_factors: tuple[Polytope, Polytope] | None = None,
        _token: object = None,
    ) -> None:
        if _token is not _PRIVATE:
            raise TypeError("use Polytope.from_vertices / from_halfspaces / lagrangian_product")
        check_magnitude(vertices, "vertices", InvalidPolytope)
        self.vertices = vertices
        # the unit frame, checked at once: an unresolvable body is refused here
        self.__dict__["_frame"] = bounding_frame(vertices, InvalidPolytope)
        if normals is not None:
            if not np.all(np.isfinite(offsets)):
                raise InvalidPolytope("offsets overflow float64 (rescale the body)")
            self.__dict__["_facets"] = (normals, offsets)
        self.lagrangian_factors = lagrangian_factors
        self._dim = int(vertices.shape[1])

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_vertices(cls, V: object) -> Polytope:
        """The convex hull of the rows of ``V`` (an (m, d) array, d >= 2, m >= d + 1).

        The hull is computed on the unit-frame copy of the points (O(m log m) in the plane
        and R^3), and its vertices are the given rows, exactly.

        Parameters
        ----------
        V : array_like, shape (m, d)
            Points in R^d; interior points are dropped.

        Returns
        -------
        Polytope
            Their convex hull, with facet normals and offsets.

        Raises
        ------
        InvalidPolytope
            Fewer than d + 1 points, points that are not finite or out of float range, or
            points in a proper affine subspace (no interior).

        Examples
        --------
        >>> P = Polytope.from_vertices([[0, 0], [1, 0], [0, 1], [1, 1], [0.5, 0.5]])
        >>> P.dim, P.num_facets, len(P.vertices)
        (2, 4, 4)
        """
        V = _as_float_matrix(V, "vertices", min_cols=2)
        m, d = V.shape
        if m < d + 1:
            raise InvalidPolytope(f"need at least d + 1 = {d + 1} points in R^{d}, got {m}")
        check_magnitude(V, "vertices", InvalidPolytope)
        c, s, size = bounding_frame(V, InvalidPolytope)
        U = V / s - c / s
        res = EPS * float(np.max(np.abs(V))) / size  # rounding of U relative to its size
        _check_full_rank(U, max(FLAT_REL, 64 * res))
        try:
            hull = ConvexHull(U)
        except QhullError as exc:
            raise InvalidPolytope(f"Qhull could not build the hull: {exc}") from exc
        verts, uverts = _dedupe_points(V[hull.vertices], U[hull.vertices], REL_TOL * size / s)
        if len(verts) < d + 1:
            raise InvalidPolytope(
                f"points are lower-dimensional (flat): only {len(verts)} distinct hull "
                f"vertices in R^{d}"
            )
        return cls(vertices=verts, _token=_PRIVATE)

    @classmethod
    def from_halfspaces(cls, A: object, b: object) -> Polytope:
        """The polytope {x : A x <= b}; ``A`` is (k, d), ``b`` is (k,).

        Rows of ``A`` are normalised without overflow; the interior point and the vertices
        are found on the unit-frame copy (centre and scale refined until the body is of
        unit size around 0), then mapped back."""
        A = _as_float_matrix(A, "A", min_cols=2)
        try:
            b = np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidPolytope(f"b must be a numeric vector: {exc}") from exc
        if b.ndim != 1 or b.shape[0] != A.shape[0]:
            raise InvalidPolytope(f"b must have shape ({A.shape[0]},), got {b.shape}")
        if not np.all(np.isfinite(b)):
            raise InvalidPolytope("b contains NaN or infinite entries")
        A, b = _unit_rows(A, b)
        d = A.shape[1]
        if A.shape[0] < d + 1:
            raise InvalidPolytope(
                f"unbounded: {A.shape[0]} halfspaces cannot bound a polytope in R^{d} "
                f"(need at least {d + 1})"
            )
        _check_bounded(A)
        c, s, bu, x = _halfspace_frame(A, b)
        hs = HalfspaceIntersection(np.hstack([A, -bu[:, None]]), x)
        pts = hs.intersections
        if not np.all(np.isfinite(pts)):
            raise InvalidPolytope("unbounded: Qhull returned vertices at infinity")
        _check_full_rank(pts, FLAT_REL)
        uscale = float(np.max(np.abs(pts)))
        V = pts * s + c
        verts, upts = _dedupe_points(V, pts, REL_TOL * uscale)
        # keep the given (exact) normals of the halfspaces that are facets
        rows = _irredundant_facets(A, bu, upts)
        return cls(vertices=verts, normals=A[rows] + 0.0, offsets=b[rows] + 0.0, _token=_PRIVATE)

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
        order = _sort_facets(normals, offsets)
        normals, offsets = normals[order] + 0.0, offsets[order] + 0.0
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
        order = _sort_facets(normals, offsets)
        normals, offsets = normals[order] + 0.0, offsets[order] + 0.0
        return cls(vertices=V, normals=normals, offsets=offsets, _token=_PRIVATE)

    # ------------------------------------------------------------------ representations
    @property
    def dim(self) -> int:
        return self._dim

    @cached_property
    def _frame(self) -> tuple[np.ndarray, float, float]:
        """(c, s, size): bounding-box centre, power-of-two scale, half-width."""
        return bounding_frame(self.vertices, InvalidPolytope)

    @cached_property
    def _unit_vertices(self) -> np.ndarray:
        c, s, _ = self._frame
        return self.vertices / s - c / s

    @cached_property
    def _facets(self) -> tuple[np.ndarray, np.ndarray]:
        c, s, size = self._frame
        normals, uoff = _facets_of_vertices(self._unit_vertices, self._unit_tol)
        self.__dict__["_unit_offsets"] = uoff
        # finite: |h| <= sqrt(d) max|x| <= sqrt(d) MAX_COORD
        return normals, uoff * s + normals @ c

    @cached_property
    def _unit_offsets(self) -> np.ndarray:
        """Offsets in the unit frame: exact from the hull when the facets were computed
        from the vertices, else mapped from the given offsets."""
        normals, offsets = self._facets  # computing them stores the exact unit offsets
        exact = self.__dict__.get("_unit_offsets")
        if exact is not None:
            return exact
        c, s, _ = self._frame
        return offsets / s - normals @ (c / s)

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
        """max |coordinate| of a vertex (the size of float64 rounding errors is relative
        to it)."""
        return float(np.max(np.abs(self.vertices)))

    @property
    def size(self) -> float:
        """Half the largest width of the bounding box: the unit of the geometric
        tolerances, so that they follow the body when it is scaled or translated."""
        return self._frame[2]

    @cached_property
    def _unit_tol(self) -> float:
        c, s, size = self._frame
        return (REL_TOL * size + 16 * EPS * self.scale) / s

    @cached_property
    def tol(self) -> float:
        """REL_TOL * size plus the rounding of coordinates as large as :attr:`scale`."""
        return REL_TOL * self.size + 16 * EPS * self.scale

    @property
    def well_placed(self) -> bool:
        """Size within 2^+-20 of 1 and bounding-box centre within 4 sizes of the origin:
        a body the solvers take as it is (their own centring and power-of-two scaling are
        exact for it); any other goes through :meth:`normalised` first."""
        c, s, size = self._frame
        return 2.0**-20 <= s <= 2.0**20 and float(np.max(np.abs(c))) <= 4 * size

    def normalised(self) -> tuple[Polytope, np.ndarray, float]:
        """``(U, c, s)`` with ``self = s U + c``: ``U`` is centred at the middle of its
        bounding box and of unit size (half-width in [1/sqrt(2), sqrt(2))), ``s`` a power of
        two. Solvers run on ``U`` and map back: c_EHZ(sU + c) = s^2 c_EHZ(U), x -> s x + c.
        Returns ``self`` (with c = 0, s = 1) when the body already is in its unit frame; a
        body made by :meth:`translated` returns its parent's ``U`` with the centre moved
        (exact, whatever the translation)."""
        return self._normal_form

    @cached_property
    def _normal_form(self) -> tuple[Polytope, np.ndarray, float]:
        c, s, _ = self._frame
        if s == 1.0 and not np.any(c):
            return self, c, s
        return self._affine(c, s), c, s

    def _affine(self, c: np.ndarray, s: float) -> Polytope:
        """(self - c) / s for a power of two s (facets carried over, offsets exact)."""
        factors = None
        if self.lagrangian_factors is not None:
            n = self.dim // 2
            K, T = self.lagrangian_factors
            factors = (K._affine(c[:n], s), T._affine(c[n:], s))
        same = s == self._frame[1] and np.array_equal(c, self._frame[0])
        offsets = self._unit_offsets if same else self.offsets / s - self.normals @ (c / s)
        return Polytope(
            vertices=self.vertices / s - c / s,
            normals=self.normals,
            offsets=offsets,
            lagrangian_factors=factors,
            _token=_PRIVATE,
        )

    @cached_property
    def incidence(self) -> np.ndarray:
        """(F, m) boolean: vertex j lies on facet i (tested in the unit frame)."""
        slack = self._unit_offsets[:, None] - self.normals @ self._unit_vertices.T
        return np.abs(slack) <= self._unit_tol

    @cached_property
    def interior_point(self) -> np.ndarray:
        """The Chebyshev centre (centre of a largest inscribed ball); the vertex centroid
        when the LP is numerically unreliable (very elongated bodies). Both are interior.
        Computed in the unit frame."""
        c, s, _ = self._frame
        N, h, U = self.normals, self._unit_offsets, self._unit_vertices
        try:
            x, r = _chebyshev_centre(N, h)
        except InvalidPolytope:
            x, r = U.mean(axis=0), 0.0
        slack = h - N @ x
        if not (r > 0 and np.all(slack > 0.5 * r)):
            x = U.mean(axis=0)
        if s == 1.0 and not np.any(c):
            return x
        return x * s + c

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
        Q = Polytope(
            vertices=self.vertices + v,
            normals=self.normals,
            offsets=self.offsets + self.normals @ v,
            lagrangian_factors=factors,
            _token=_PRIVATE,
        )
        # exact unit frame: this body's unit copy is its parent's (a translation far from
        # the origin would otherwise round vertices and offsets apart, e.g. by 1e-7 at 1e9)
        U, c, s = self.normalised()
        Q.__dict__["_normal_form"] = (U, c + v, s)
        return Q

    def centred(self) -> tuple[Polytope, np.ndarray]:
        """(K - c, c) with c the interior point: the copy has 0 in its interior."""
        c = self.interior_point
        return self.translated(-c), c

    def scaled(self, lam: float) -> Polytope:
        """lam K for a positive finite lam (the unit frame follows: no rounding apart)."""
        try:
            lam = float(lam)
        except (TypeError, ValueError) as exc:
            raise InvalidPolytope(f"scale factor must be a number, got {lam!r}") from exc
        if not np.isfinite(lam) or lam <= 0:
            raise InvalidPolytope(f"scale factor must be positive and finite, got {lam}")
        Q = self._scaled(lam)
        U, c, s = self.normalised()
        if U is not self:
            s1 = pow2(lam * s)
            r = lam * s / s1
            Q.__dict__["_normal_form"] = (U if r == 1.0 else U._scaled(r), c * lam, s1)
        return Q

    def _scaled(self, lam: float) -> Polytope:
        factors = None
        if self.lagrangian_factors is not None:
            factors = tuple(F._scaled(lam) for F in self.lagrangian_factors)
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


def _unit_rows(A: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of (A, b) divided by |a_i| without overflow or underflow; zero rows dropped
    (an empty set when one has b_i < 0)."""
    mx = np.max(np.abs(A), axis=1)
    zero = mx == 0.0
    if np.any(zero & (b < 0)):
        raise InvalidPolytope("empty: a halfspace 0 . x <= b has b < 0")
    A, b, mx = A[~zero], b[~zero], mx[~zero]
    A = A / mx[:, None]
    norms = np.linalg.norm(A, axis=1)
    with np.errstate(over="ignore", under="ignore"):
        b = (b / mx) / norms
    A = A / norms[:, None]
    if not np.all(np.isfinite(b)):
        i = int(np.flatnonzero(~np.isfinite(b))[0])
        raise InvalidPolytope(
            f"halfspace {i}: b[i] / |A[i]| overflows float64 (the facet is beyond the "
            "supported range)"
        )
    check_magnitude(b, "b / |A|", InvalidPolytope)
    return A, b


def _halfspace_frame(
    A: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """``(c, s, bu, x)``: the body {A x <= b} is ``s U + c`` with U = {A y <= bu} of unit
    size around 0 and ``x`` an interior point of U (its Chebyshev centre).

    The centre is refined in up to four passes: an LP on offsets of size 1e9 resolves the
    centre only to the LP tolerance times 1e9, so the body is moved by the centre found and
    rescaled, and the LP solved again, until the inscribed ball is of unit size."""
    d = A.shape[1]
    c = np.zeros(d)
    bk = b
    for _ in range(4):
        big = float(np.max(np.abs(bk)))
        if big == 0.0:
            raise InvalidPolytope("lower-dimensional (flat): the halfspaces meet in one point")
        s = pow2(big)
        x, r = _chebyshev_centre(A, bk / s)
        if r < -1e-6:  # clearly empty (the LP tolerances are ~1e-7 of the offsets)
            break
        c = c + x * s
        bk = b - A @ c
        if r >= 0.05:  # an inscribed ball of radius >= 0.05 of the largest offset
            s = pow2(float(np.max(np.abs(bk))))
            return c, s, bk / s, np.zeros(d)
    # empty or flat: the last LP's radius relative to the offsets decides
    res = 64 * EPS * float(np.max(np.abs(b))) / max(float(np.max(np.abs(bk))), 1e-300)
    if r < -max(REL_TOL, res):
        raise InvalidPolytope("empty: the halfspaces have no common point")
    raise InvalidPolytope(
        "lower-dimensional (flat) or empty: the halfspaces contain no ball "
        f"(Chebyshev radius {r * s:.3g}, {r:.3g} of the offsets)"
    )


def _affine_rank(P: np.ndarray, tol: float) -> int:
    if len(P) == 0:
        return -1
    if len(P) == 1:
        return 0
    sv = np.linalg.svd(P[1:] - P[0], compute_uv=False)
    return int(np.sum(sv > tol))


def _irredundant_facets(A: np.ndarray, b: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Indices of rows of (A, b) that are facets of conv(V), one per facet, in canonical
    order (V, b in the unit frame)."""
    d = A.shape[1]
    tol = REL_TOL * float(np.max(np.abs(V)))
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
    rows = np.array(rows, dtype=np.int64)
    return rows[_sort_facets(A[rows], b[rows])]


def _facets_of_vertices(U: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit outer normals and offsets of conv(U) (U in its unit frame), the coplanar
    simplices of Qhull's triangulation merged.

    Two neighbouring simplices are one facet when their hyperplanes differ by at most
    ``10 tol`` over the body; the merged groups are the connected components of that
    relation (linear in the number of simplices). Each facet's
    hyperplane is refitted through all its vertices (least squares, exact when coplanar)."""
    d = U.shape[1]
    hull = ConvexHull(U)
    eq, simp, nb = hull.equations, hull.simplices, hull.neighbors
    F = len(eq)
    # neighbours on the same hyperplane (over the body, radius R, within 10 tol); Qhull's
    # triangulation gives every simplex of a merged facet that facet's hyperplane, even
    # the flat simplices it may add
    R = float(np.max(np.abs(U)))
    diff = eq[nb] - eq[:, None, :]  # (F, d, d + 1)
    gap = R * np.max(np.abs(diff[..., :d]), axis=2) + np.abs(diff[..., d])
    same = gap <= 10 * tol
    i_idx = np.repeat(np.arange(F), d)[same.ravel()]
    graph = coo_matrix((np.ones(len(i_idx)), (i_idx, nb.ravel()[same.ravel()])), shape=(F, F))
    _, label = connected_components(graph, directed=False)
    centre = U.mean(axis=0)
    groups = np.argsort(label, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(label[groups]) != 0])
    sizes = np.diff(np.r_[starts, F])
    normals = np.empty((len(starts), d))
    offsets = np.empty(len(starts))
    single = sizes == 1
    if np.any(single):  # simplicial facets: one batched SVD
        P = U[simp[groups[starts[single]]]]  # (k, d, d)
        normals[single], offsets[single] = _fit_planes(P, centre)
    for g in np.flatnonzero(~single):
        members = groups[starts[g] : starts[g] + sizes[g]]
        P = U[np.unique(simp[members])][None]
        normals[g], offsets[g] = (a[0] for a in _fit_planes(P, centre))
    order = _sort_facets(normals, offsets)
    return normals[order] + 0.0, offsets[order] + 0.0


def _fit_planes(P: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Outer unit normals and offsets of the hyperplanes through the point sets ``P``
    (k, m, d), oriented away from ``centre``."""
    pc = P.mean(axis=1)
    _, _, vt = np.linalg.svd(P - pc[:, None, :])
    nn = vt[:, -1, :]
    flip = np.einsum("kd,kd->k", nn, pc - centre) < 0
    nn[flip] = -nn[flip]
    return nn, np.einsum("kd,kd->k", nn, pc)
