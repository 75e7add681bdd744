"""Exact c_EHZ of a 4D polytope without Lagrangian 2-faces: best-first branch-and-bound over
sequences of 2-faces ("tubes" of combinatorial Reeb trajectories).

Chaidez-Hutchings (arXiv:2008.10111, J. Comput. Dyn. 2021). On a 4D polytope K with 0 inside
and no Lagrangian 2-face, the Reeb flow on facet F_b is the constant field J n_b, and it
crosses every 2-face E = F_a n F_b transversally, from F_a into F_b when omega(n_a, n_b) > 0.
A point x of the 2-face E entered into F_b flows to x' = x + t_c(x) J n_b on the next
facet F_c, with

    t_c(x) = (h_c - <n_c, x>) / omega(n_b, n_c)                     (affine in x),

and it is F_c that it reaches first exactly when x' lies in K. Action grows by
1/2 t_c(x) h_b >= 0 on the way (the action of a segment t J n_b on F_b).

A *tube* fixes a start 2-face E_0 = F_{a0} n F_{b0} with a 2D chart x = p + U u, a sequence of
facets b0 -> c_1 -> ... -> c_m, and carries

- the convex polygon of start points u whose trajectory follows that sequence (E_0 clipped
  by "x' in K" at every step: the clip is a polygon, since every map is affine),
- the affine map u -> current point (4 x 2 matrix and offset),
- the affine action function u -> action so far.

A closed orbit is a fixed point of the affine return map when the sequence comes back to
E_0 (from F_{a0} into F_{b0}). When the return map fixes a line or the plane, or is too
ill-conditioned to place its fixed point (a nearly Lagrangian 2-face makes it expand by
1 / omega), the least action over all orbits on that facet sequence is taken instead, an
exact LP (:func:`perflab.symplectic.cycles.least_action_orbit`).

Branch-and-bound (best first, keyed by the least action over the polygon, which every
completion of the tube exceeds because action only grows):

- a tube is dropped when its polygon is empty, or when its least action reaches the best
  closed orbit found so far (the *incumbent*, which may be seeded from outside, e.g. by
  :func:`perflab.symplectic.capacity.haim_kislev.short_cycle_bound`);
- each facet is visited at most once (Haim-Kislev, GAFA 2019, Thm 1.5: some action
  minimiser is a closed polygon visiting every facet at most once; on a polytope without
  Lagrangian 2-faces its segments follow the Reeb flow, see the ``reeb`` module);
- every closed orbit is found from the first of its 2-faces in a fixed order of start
  2-faces, so a tube from start i never crosses a start 2-face j < i; with symmetries, start
  2-faces are taken one per orbit of the symplectic symmetry group and a tube never crosses
  a 2-face of an earlier orbit (the image of a closed orbit under a symplectic symmetry of K
  is a closed orbit of the same action).

Lagrangian 2-faces (``lagrangian=True``; Lagrangian products, cubes, simplices). On a
Lagrangian 2-face E = F_b n F_c (omega(n_b, n_c) = 0) the flow on F_b keeps <n_c, x> fixed,
so a trajectory crosses from F_b into F_c only by sliding inside E: only the points of the
polygon already on F_c (an edge or vertex of the polygon, where the affine function
<n_c, x> - h_c, <= 0 on it, vanishes) go on, after a free time tau >= 0 along J n_b. Taking
(position along that edge, tau) as the new two parameters keeps the state a polygon with
affine maps, and the start chart becomes an affine function of them, so closing is still a
2x2 fixed-point problem. Such 2-faces are listed in both directions and searched like the
others; this covers every minimiser of Haim-Kislev's Thm 1.5 whose transitions lie in
2-faces.

No rotation bound. Chaidez-Hutchings also bound the rotation number of an action minimiser
(rho <= 2, rho the rotation in the universal cover of Sp(2) of the product of the 2x2
transition matrices, monotone along a tube), but they prove it for Type-1 orbits (through
2-face interiors) of nondegenerate polytopes only; minimisers of the cross-polytope are
Type-2 (through edges), and pruning every tube at rho > 2 could drop them. The search
therefore prunes by action and emptiness only, which is valid for both types; its cost is
measured without the rotation bound (README, "Symplectic core").

Polygons are closed (every inequality has a tolerance), so trajectories through the boundary
of a 2-face (an edge or vertex of K: Chaidez-Hutchings' Type-2 orbits) are followed as the
limit of both neighbouring tubes.

Work budget: ``max_nodes`` bounds the number of tubes expanded; past it
:class:`WorkBudgetExceeded` is raised. The count, hence the result, depends only on the
polytope and the budget, never on the machine's speed or load.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from perflab.harness import WorkBudgetExceeded, time_budget
from perflab.symplectic.capacity.result import (
    CapacityResult,
    centred_unit,
    require_symplectic,
    single_threaded_blas,
)
from perflab.symplectic.cycles import apply_J, least_action_orbit, omega_matrix
from perflab.symplectic.polytope import InvalidPolytope, Polytope

__all__ = [
    "DEFAULT_MAX_NODES",
    "TwoFace",
    "symplectic_symmetries",
    "tube",
    "two_face_charts",
    "two_faces",
]

#: default work budget of :func:`tube` (tubes expanded)
DEFAULT_MAX_NODES = 2_000_000

#: tolerance of the polygon clips and the fixed-point test, in the unit of the offsets
#: (the search runs on a copy with offsets of unit size)
GEOM_TOL = 1e-9

#: a tube whose least action is >= (1 - PRUNE_RTOL) * incumbent is dropped
PRUNE_RTOL = 1e-11


@dataclass(frozen=True)
class TwoFace:
    """A 2-face E = F_a n F_b crossed from F_a into F_b (omega(n_a, n_b) > 0), with a chart
    x = p + U u (U: 4 x 2, orthonormal columns orthogonal to n_a and n_b) and its polygon
    (vertices in chart coordinates, counter-clockwise)."""

    a: int
    b: int
    p: np.ndarray
    U: np.ndarray
    polygon: np.ndarray
    lagrangian: bool = False  # omega(n_a, n_b) = 0: listed in both directions


def _ccw(V: np.ndarray) -> np.ndarray:
    c = V.mean(axis=0)
    ang = np.arctan2(V[:, 1] - c[1], V[:, 0] - c[0])
    return V[np.argsort(ang, kind="stable")]


def two_faces(P: Polytope) -> list[tuple[int, int]]:
    """Pairs of facets (a < b) that meet in a 2-dimensional face: the vertices on both have
    affine rank 2."""
    inc = P.incidence
    V = P.vertices
    shared = inc.astype(np.int64) @ inc.T.astype(np.int64)
    out = []
    for a, b in zip(*np.nonzero(np.triu(shared >= 3, 1)), strict=True):
        W = V[inc[a] & inc[b]]
        sv = np.linalg.svd(W[1:] - W[0], compute_uv=False)
        if np.sum(sv > 1e3 * P.tol) >= 2:
            out.append((int(a), int(b)))
    return out


def two_face_charts(
    P: Polytope, omega: np.ndarray, tol: float, *, lagrangian: bool = False
) -> list[TwoFace]:
    """Every 2-face of the 4D polytope P (:func:`two_faces`), oriented by the Reeb flow (see
    :class:`TwoFace`).

    A Lagrangian 2-face (|omega(n_a, n_b)| <= tol) raises ``ValueError``, or with
    ``lagrangian=True`` is listed in both directions (flagged ``lagrangian``)."""
    inc = P.incidence
    V = P.vertices
    N = P.normals
    faces: list[TwoFace] = []
    for a, b in two_faces(P):
        W = V[inc[a] & inc[b]]
        flat = abs(omega[a, b]) <= tol
        if flat and not lagrangian:
            raise ValueError(f"facets {a} and {b} meet in a Lagrangian 2-face")
        # orthonormal basis of the complement of span(n_a, n_b)
        q, _ = np.linalg.qr(np.column_stack([N[a], N[b], np.eye(4)]), mode="complete")
        U = q[:, 2:4]
        p = W.mean(axis=0)
        poly = _ccw((W - p) @ U)
        pairs = [(a, b), (b, a)] if flat else [(a, b) if omega[a, b] > 0 else (b, a)]
        for x, y in pairs:
            faces.append(TwoFace(int(x), int(y), p, U, poly, bool(flat)))
    faces.sort(key=lambda f: (f.a, f.b))
    return faces


def _clip(V: np.ndarray, G: np.ndarray, g: np.ndarray, tol: float) -> np.ndarray | None:
    """The convex polygon V (counter-clockwise vertices; may be a segment or a point)
    intersected with {u : G u <= g + tol}; None when empty."""
    S = V @ G.T - g
    for j in np.flatnonzero(S.max(axis=0) > tol):
        s = V @ G[j] - g[j]
        inside = s <= tol
        if not inside.any():
            return None
        if inside.all():
            continue
        out = []
        m = len(V)
        for i in range(m):
            k = (i + 1) % m
            if inside[i]:
                out.append(V[i])
            if inside[i] != inside[k]:  # the edge crosses s = 0 (kept vertices may sit
                # within tol outside: rounding, not geometry, so the cut is at s = 0 exactly)
                w = min(max(s[i] / (s[i] - s[k]), 0.0), 1.0)
                out.append(V[i] + w * (V[k] - V[i]))
        V = np.array(out)
        if len(V) > 1:  # merge coincident neighbours
            d = np.abs(np.roll(V, -1, axis=0) - V).max(axis=1)
            keep = d > 1e-13
            V = V[keep] if keep.any() else V[:1]
    return V


#: a return map whose I - M has a condition number above this is decided by the exact LP
#: on the facet sequence (near-Lagrangian 2-faces make the map expand by 1 / omega)
MAX_RETURN_COND = 1e8


def _return_fixed_point(
    V: np.ndarray, M: np.ndarray, m: np.ndarray, tol: float
) -> tuple[str, np.ndarray | None]:
    """The fixed point of u -> M u + m in conv(V): ("point", u), ("none", None) when the
    unique fixed point lies outside, or ("degenerate", None) when I - M is singular (a line
    or plane of fixed points) or too ill-conditioned to place the point within ``tol``."""
    B = np.eye(2) - M
    sv = np.linalg.svd(B, compute_uv=False)
    if sv[1] <= 1e-9 or sv[0] > MAX_RETURN_COND * sv[1]:
        return "degenerate", None
    u = np.linalg.solve(B, m)
    return ("point", u) if _dist_to_polygon(V, u) <= tol else ("none", None)


def _dist_to_polygon(V: np.ndarray, u: np.ndarray) -> float:
    """Euclidean distance from u to the convex polygon conv(V) (0 inside)."""
    if len(V) == 1:
        return float(np.linalg.norm(u - V[0]))
    E = np.roll(V, -1, axis=0) - V
    if len(V) >= 3:
        cross = E[:, 0] * (u[1] - V[:, 1]) - E[:, 1] * (u[0] - V[:, 0])
        if np.all(cross >= 0):
            return 0.0
    L = np.einsum("ij,ij->i", E, E)
    w = np.clip(np.einsum("ij,ij->i", u - V, E) / np.where(L > 0, L, 1.0), 0.0, 1.0)
    return float(np.min(np.linalg.norm(V + w[:, None] * E - u, axis=1)))


def symplectic_symmetries(P: Polytope, tol: float = 1e-9) -> list[np.ndarray]:
    """Facet permutations induced by the linear maps g that are orthogonal, symplectic
    (g^T J g = J) and map P (centred at its vertex mean) onto itself; the identity first.

    Such a g sends facet i to the facet with normal g n_i and equal offset. Candidates are
    found by matching a basis of 2n facet normals to facets with the same offsets and the
    same Gram matrix (g is orthogonal), then checked on every facet. Any dimension 2n."""
    N, h = P.normals, P.offsets - P.normals @ P.vertices.mean(axis=0)
    F = len(N)
    d = P.dim
    # a basis: greedily independent normals
    basis: list[int] = []
    for i in range(F):
        if np.linalg.matrix_rank(N[basis + [i]], tol=1e-6) == len(basis) + 1:
            basis.append(i)
        if len(basis) == d:
            break
    Gram = N @ N.T
    J = apply_J(np.eye(d)).T  # J as a matrix: J x = (p, -q)
    hs = np.abs(h[:, None] - h[None, :]) <= tol * max(1.0, float(np.max(np.abs(h))))
    B = N[basis]
    Binv = np.linalg.inv(B)
    key = {tuple(np.round(n * 1e6).astype(np.int64)): i for i, n in enumerate(N)}
    perms: list[np.ndarray] = []

    def extend(img: list[int]) -> None:
        k = len(img)
        if k == d:
            # g n_basis[k] = n_img[k]:  g B^T = N[img]^T
            g = N[img].T @ Binv.T
            if not np.allclose(g.T @ g, np.eye(d), atol=1e-8):
                return
            if not np.allclose(g.T @ J @ g, J, atol=1e-8):
                return
            img_all = N @ g.T
            perm = np.empty(F, dtype=np.int64)
            for i, n in enumerate(img_all):
                j = key.get(tuple(np.round(n * 1e6).astype(np.int64)))
                if j is None or not hs[i, j] or np.max(np.abs(N[j] - n)) > 1e-7:
                    return
                perm[i] = j
            perms.append(perm)
            return
        i = basis[k]
        for j in range(F):
            if not hs[i, j] or j in img:
                continue
            if all(abs(Gram[j, img[l_]] - Gram[i, basis[l_]]) <= 1e-9 for l_ in range(k)):
                extend(img + [j])

    extend([])
    ident = np.arange(F)
    perms.sort(key=lambda p: (not np.array_equal(p, ident), p.tolist()))
    return perms


def _slide(
    node: _Tube,
    face: TwoFace,
    N: np.ndarray,
    h: np.ndarray,
    JN: np.ndarray,
    tau_max: float,
) -> tuple | None:
    """Cross the Lagrangian 2-face ``face`` = F_b n F_c from the current facet b into c.

    omega(n_b, n_c) = 0: moving along J n_b keeps <n_c, x> fixed, so only the points of the
    polygon already on F_c can cross (an edge or a vertex of the polygon, where the affine
    function <n_c, x> - h_c, <= 0 on the polygon, vanishes), after a free time tau >= 0
    along J n_b. The new parameters are z = (s, tau): s along that edge, so the state stays
    a polygon; it is clipped by every other facet. Returns the new (V, A, c, alpha,
    alpha0, Pu, qu), or None when no point of the polygon lies on F_c."""
    b, c = face.a, face.b
    X = node.V @ node.A.T + node.c
    ell = X @ N[c] - h[c]
    on = np.flatnonzero(ell >= -10 * GEOM_TOL)
    if on.size == 0:
        return None
    W = node.V[on]
    if len(W) > 1:  # the two extreme points of the (collinear) points on F_c
        d = W - W.mean(axis=0)
        axis = np.linalg.svd(d, full_matrices=False)[2][0]
        proj = d @ axis
        p0, p1 = W[int(np.argmin(proj))], W[int(np.argmax(proj))]
    else:
        p0 = p1 = W[0]
    Pz = np.column_stack([p1 - p0, np.zeros(2)])  # w = Pz z + p0
    v = JN[b]
    A = node.A @ Pz + np.outer(v, [0.0, 1.0])
    c0 = node.A @ p0 + node.c
    alpha = Pz.T @ node.alpha + np.array([0.0, 0.5 * h[b]])
    alpha0 = float(node.alpha @ p0) + node.alpha0
    Pu, qu = node.Pu @ Pz, node.Pu @ p0 + node.qu
    if np.max(np.abs(p1 - p0)) > 1e-12:
        V = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, tau_max], [0.0, tau_max]])
    else:
        V = np.array([[0.0, 0.0], [0.0, tau_max]])
    keep = np.ones(len(N), dtype=bool)
    keep[[b, c]] = False
    V = _clip(V, N[keep] @ A, h[keep] - N[keep] @ c0, GEOM_TOL)
    if V is None:
        return None
    return V, A, c0, alpha, alpha0, Pu, qu


@dataclass
class _Tube:
    start: int  # index into the start list
    face: int  # index of the current 2-face in ``faces``
    V: np.ndarray  # polygon of start points (chart of the start face)
    A: np.ndarray  # current point = A u + c
    c: np.ndarray
    alpha: np.ndarray  # action so far = alpha . u + alpha0
    alpha0: float
    visited: int  # bit mask of facets visited
    common: int  # bit mask of the vertices on every facet visited
    path: tuple[int, ...]  # facets flowed on, in order
    Pu: np.ndarray  # start chart coordinates = Pu z + qu (z: this tube's parameters)
    qu: np.ndarray


@dataclass
class _Search:
    """The state of one tube search on the centred, unit-scaled polytope."""

    N: np.ndarray  # facet normals
    h: np.ndarray  # facet offsets
    Om: np.ndarray  # omega(n_i, n_j)
    JN: np.ndarray  # J n_i
    faces: list[TwoFace]
    succ: list[list[int]]  # 2-faces leaving facet b
    rank: np.ndarray  # class (start rank) of every 2-face
    starts: list[int]  # start 2-face of each class
    perms: list[np.ndarray]  # the symmetries used
    vmask: list[int]  # vertices of each facet as a bit mask
    act_eps: float  # actions below this are the zero orbit
    tau_max: float  # longer than any segment in K
    budget: int
    label: str
    best: float  # least action of a closed orbit so far (or the incumbent)
    found: tuple[float, _Tube, np.ndarray | None] | None = None
    heap: list[tuple[float, int, _Tube]] = field(default_factory=list)
    counter: int = 0
    expanded: int = 0

    @property
    def limit(self) -> float:
        """Tubes whose least action reaches this are pruned."""
        return (1 - PRUNE_RTOL) * self.best


def tube(
    P: Polytope,
    *,
    incumbent: float | None = None,
    max_nodes: int | None = None,
    symmetry: bool = True,
    lagrangian: bool = False,
    time_limit: float | None = None,
    label: str = "tube",
) -> CapacityResult:
    """c_EHZ of a 4D polytope without Lagrangian 2-faces (see the module docstring).

    Parameters
    ----------
    P : Polytope
        A polytope in R^4 (the interior contains the origin after centring).
    incumbent : float, optional
        An upper bound on c_EHZ(P) (for example from a witness found another way); tubes
        whose least action reaches it are dropped. When no closed orbit below it exists the
        result holds no cycle (``details["below_incumbent"] = False``) and the caller keeps
        its own witness.
    max_nodes : int, optional
        Work budget in tubes expanded (default :data:`DEFAULT_MAX_NODES`).
    symmetry : bool
        Start only one 2-face per class of the polytope's symplectic symmetries.
    lagrangian : bool
        Also cross Lagrangian 2-faces (see the module docstring): a general 4D method.
    time_limit : float, optional
        A wall-clock safety net in seconds.
    label : str
        Names the method in budget messages.

    Returns
    -------
    CapacityResult
        ``value`` c_EHZ(P), ``cycle`` the closed characteristic's vertices, ``facets`` the
        facets it flows on, ``details`` search counts (``nodes``, ``starts``,
        ``two_faces``, ``symmetries``, ``below_incumbent``).

    Raises
    ------
    InvalidPolytope
        Outside R^4.
    ValueError
        Without ``lagrangian``, for a polytope with a Lagrangian 2-face (``reeb`` checks for
        those first and raises ``LagrangianFaceError``); for ``max_nodes < 1``.
    WorkBudgetExceeded
        Past ``max_nodes`` tubes.
    TimeBudgetExceeded
        Past ``time_limit`` seconds.

    References
    ----------
    J. Chaidez, M. Hutchings, "Computing Reeb dynamics on four-dimensional convex
    polytopes", J. Comput. Dyn. 8 (2021).

    Examples
    --------
    >>> from perflab.symplectic import generators
    >>> r = tube(generators.cross_polytope(0)[0], lagrangian=True)
    >>> round(r.value, 9)
    1.0
    """
    n = require_symplectic(P, "tube")
    if n != 2:
        raise InvalidPolytope(f"tube applies to polytopes in R^4, got dimension {P.dim}")
    budget = DEFAULT_MAX_NODES if max_nodes is None else int(max_nodes)
    if budget < 1:
        raise ValueError(f"max_nodes must be a positive integer, got {max_nodes!r}")
    with time_budget(time_limit, what=label), single_threaded_blas():
        Pc, shift, s = centred_unit(P)
        best = np.inf if incumbent is None else float(incumbent) / (s * s)
        S = _prepare(Pc, symmetry, lagrangian, budget, label, best)
        _seed(S)
        _search(S, s)
    return _result(S, incumbent, shift, s)


def _prepare(
    Pc: Polytope, symmetry: bool, lagrangian: bool, budget: int, label: str, best: float
) -> _Search:
    """The 2-faces of the centred polytope, their successors, start classes and masks."""
    N, h = Pc.normals, Pc.offsets
    Om = omega_matrix(N)
    faces = two_face_charts(Pc, Om, tol=1e-9, lagrangian=lagrangian)
    F = len(N)
    JN = apply_J(N)
    index = {(f.a, f.b): i for i, f in enumerate(faces)}
    succ: list[list[int]] = [[] for _ in range(F)]  # 2-faces leaving facet b
    for i, f in enumerate(faces):
        succ[f.a].append(i)
    # start 2-faces and the class (start rank) of every 2-face
    rank = np.full(len(faces), -1, dtype=np.int64)
    starts: list[int] = []
    perms = symplectic_symmetries(Pc) if symmetry else []
    perms = perms or [np.arange(F)]
    for i, f in enumerate(faces):
        if rank[i] >= 0:
            continue
        r = len(starts)
        starts.append(i)
        for perm in perms:
            j = index.get((int(perm[f.a]), int(perm[f.b])))
            if j is not None and rank[j] < 0:
                rank[j] = r
    # vertices of each facet as a bit mask: a closed sequence of facets through one common
    # vertex v carries only the zero orbit (its action 1/2 closed-integral <J(x - v), dx>
    # is 1/2 sum t_i <n_i, x_i - v> = 0, and also 1/2 sum t_i h_i with every t_i >= 0)
    vmask = [sum(1 << int(k) for k in np.flatnonzero(row)) for row in Pc.incidence]
    return _Search(
        N=N,
        h=h,
        Om=Om,
        JN=JN,
        faces=faces,
        succ=succ,
        rank=rank,
        starts=starts,
        perms=perms,
        vmask=vmask,
        act_eps=1e-9 * float(np.max(h)) ** 2,
        tau_max=4.0 * float(np.max(np.abs(Pc.vertices))),
        budget=budget,
        label=label,
        best=best,
    )


def _seed(S: _Search) -> None:
    """One tube per start 2-face: the whole 2-face, no action yet."""
    for r, i in enumerate(S.starts):
        f = S.faces[i]
        t0 = _Tube(
            r,
            i,
            f.polygon,
            f.U,
            f.p,
            np.zeros(2),
            0.0,
            1 << f.b,
            S.vmask[f.b],
            (f.b,),
            np.eye(2),
            np.zeros(2),
        )
        S.heap.append((0.0, S.counter, t0))
        S.counter += 1
    heapq.heapify(S.heap)


def _search(S: _Search, s: float) -> None:
    """Best first over the tubes until the least remaining action reaches the best orbit."""
    while S.heap:
        lb, _, node = heapq.heappop(S.heap)
        if lb >= S.limit:
            break  # best first: every remaining tube is at least as long
        S.expanded += 1
        if S.expanded > S.budget:
            raise WorkBudgetExceeded(
                f"{S.label}: work budget of {S.budget} tubes exhausted (best action so far "
                f"{S.best * s * s:.6g})",
                used=S.budget,
                what=S.label,
            )
        _expand(S, node)


def _expand(S: _Search, node: _Tube) -> None:
    """Offer every successor of ``node``: slides along Lagrangian 2-faces, then flows."""
    faces = S.faces
    b = faces[node.face].b
    start = faces[S.starts[node.start]]
    a0, b0 = start.a, start.b
    # successors: 2-faces (b, c) into a facet c not yet visited, and not crossing a
    # start 2-face of an earlier class; from a0 only the closing one, back into b0
    if b == a0:
        js = [j for j in S.succ[b] if faces[j].b == b0]
    else:
        js = [
            j for j in S.succ[b] if not node.visited >> faces[j].b & 1 and S.rank[j] >= node.start
        ]
    lag = [j for j in js if faces[j].lagrangian]
    js = [j for j in js if not faces[j].lagrangian]
    for j in lag:  # slide along a Lagrangian 2-face into its other facet
        child = _slide(node, faces[j], S.N, S.h, S.JN, S.tau_max)
        if child is not None:
            V, A, c0, alpha, alpha0, Pu, qu = child
            low = float(np.min(V @ alpha)) + alpha0
            if low < S.limit:
                _offer(S, node, j, V, A, c0, alpha, alpha0, Pu, qu, low)
    if js:
        _flow(S, node, b, js)


def _flow(S: _Search, node: _Tube, b: int, js: list[int]) -> None:
    """Flow the tube along facet b to each successor 2-face in ``js`` at once."""
    N, h, faces = S.N, S.h, S.faces
    limit = S.limit
    cs = [faces[j].b for j in js]
    # all successors at once: t_c(u) = tau_c . u + tau0_c, new point x + t_c J n_b
    Nc = N[cs]
    om = S.Om[b, cs]
    X = node.V @ node.A.T + node.c  # (m, 4) current points of the polygon's vertices
    T = (h[cs] - X @ Nc.T) / om  # (m, k) times to each successor
    v = S.JN[b]
    slack = (X @ N.T - h)[None, :, :] + T.T[:, :, None] * (N @ v)[None, None, :]
    slack[:, :, b] = -1.0
    slack[np.arange(len(cs)), :, cs] = -1.0
    act_v = node.V @ node.alpha + node.alpha0  # action so far at the vertices
    # per successor: facets that cut the polygon, facets that cut all of it, and the
    # least action over the polygon when nothing cuts it
    over = slack.max(axis=1) > GEOM_TOL  # (k, F)
    cut = over.any(axis=1)
    dead = (slack.min(axis=1) > GEOM_TOL).any(axis=1)
    lows = (act_v[:, None] + 0.5 * h[b] * T).min(axis=0)
    # the affine maps of all successors: t_c(u) = tau_c . u + tau0_c
    tau = -(Nc @ node.A) / om[:, None]  # (k, 2)
    tau0 = (h[cs] - Nc @ node.c) / om
    A_all = node.A[None, :, :] + v[None, :, None] * tau[:, None, :]
    c_all = node.c[None, :] + tau0[:, None] * v[None, :]
    alpha_all = node.alpha[None, :] + 0.5 * h[b] * tau
    alpha0_all = node.alpha0 + 0.5 * h[b] * tau0
    for k, j in enumerate(js):
        if dead[k]:
            continue  # some facet cuts off the whole polygon
        A, c0, alpha, alpha0 = A_all[k], c_all[k], alpha_all[k], float(alpha0_all[k])
        if cut[k]:
            fs = np.flatnonzero(over[k])
            V = _clip(node.V, N[fs] @ A, h[fs] - N[fs] @ c0, GEOM_TOL)
            if V is None:
                continue
            low = float(np.min(V @ alpha)) + alpha0
        else:
            V = node.V
            low = float(lows[k])
        if low >= limit:
            continue
        _offer(S, node, j, V, A, c0, alpha, alpha0, node.Pu, node.qu, low)
        limit = S.limit


def _offer(S: _Search, node: _Tube, j, V, A, c0, alpha, alpha0, Pu, qu, low) -> None:
    """Push the tube that crossed 2-face j, or, when it closes the orbit, take its least
    action if it beats the best so far."""
    faces = S.faces
    c = faces[j].b
    start = faces[S.starts[node.start]]
    if faces[node.face].b == start.a:  # closing: a fixed point of the return map
        if node.common:
            return
        # start chart coordinates of the end point = those of the start point
        B = Pu - start.U.T @ A
        m = start.U.T @ (c0 - start.p) - qu
        kind, z = _return_fixed_point(V, np.eye(2) - B, m, GEOM_TOL)
        if kind == "none":
            return
        if kind == "point":
            act = float(alpha @ z) + alpha0
        else:  # a family of fixed points, or an ill-conditioned return map:
            # the least-action orbit on this facet sequence, an exact LP
            exact = least_action_orbit(S.N, S.h, node.path)
            if exact is None:
                return
            act = exact[2]
            z = None
        if act > S.act_eps and act < S.best:
            u = None if z is None else Pu @ z + qu
            S.best, S.found = act, (act, node, u)
        return
    t = _Tube(
        node.start,
        j,
        V,
        A,
        c0,
        alpha,
        alpha0,
        node.visited | (1 << c),
        node.common & S.vmask[c],
        node.path + (c,),
        Pu,
        qu,
    )
    heapq.heappush(S.heap, (low, S.counter, t))
    S.counter += 1


def _result(S: _Search, incumbent: float | None, shift: np.ndarray, s: float) -> CapacityResult:
    """The best orbit, re-solved exactly on its facet sequence, in the original frame."""
    details = {
        "nodes": S.expanded,
        "starts": len(S.starts),
        "two_faces": len(S.faces),
        "symmetries": len(S.perms),
    }
    if S.found is None:
        if incumbent is None:  # pragma: no cover - a polytope always has a closed orbit
            raise RuntimeError("tube found no closed orbit (numerical failure)")
        return CapacityResult(
            value=float(incumbent),
            cycle=np.zeros((0, 4)),
            method="tube",
            candidates=S.expanded,
            details={**details, "below_incumbent": False},
        )
    act, node, u = S.found
    X, keep, act = _exact_orbit(S, node, u, act)
    path = node.path
    return CapacityResult(
        value=float(act * s * s),
        cycle=X[keep] * s + shift,
        method="tube",
        facets=tuple(int(f) for f, kp in zip(path, keep, strict=True) if kp),
        candidates=S.expanded,
        details={**details, "below_incumbent": True},
    )


def _exact_orbit(
    S: _Search, node: _Tube, u: np.ndarray | None, act: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """``(X, keep, action)`` of the orbit on ``node.path`` (the facets flowed on, in order).

    The orbit was found through tolerant polygon clips; its facet sequence is re-solved
    exactly (the least-action closed polygon on those facets, an LP), which also removes
    the zero-length segments of an orbit through an edge or vertex of K.
    """
    N, h = S.N, S.h
    start = S.faces[S.starts[node.start]]
    path = node.path
    exact = least_action_orbit(N, h, path)
    if exact is not None and exact[2] <= act * (1 + 1e-9):
        X, t, act = exact
        keep = t > 1e-12 * float(np.max(t))
    elif u is not None:  # pragma: no cover - the LP reproduces the orbit it is given
        X = [start.p + start.U @ u]
        for k in range(len(path) - 1):
            b, c = path[k], path[k + 1]
            X.append(X[-1] + (h[c] - N[c] @ X[-1]) / S.Om[b, c] * S.JN[b])
        X = np.array(X)
        keep = np.linalg.norm(np.roll(X, -1, axis=0) - X, axis=1) > 1e-13
    else:  # pragma: no cover
        raise RuntimeError(f"tube: the orbit on facets {path} could not be re-solved")
    return X, keep, act
