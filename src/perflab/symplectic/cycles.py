"""Closed characteristics as polygons: symplectic form, facet-transition graph, action, check.

Conventions (``/work/shared/notes/symplectic.md``): coordinates (q, p) in R^{2n},
J = [[0, I], [-I, 0]] so J(q, p) = (p, -q), and omega(x, y) = <J x, y>.

A closed characteristic of a polytope K = {<n_i, x> <= h_i} is a closed polygon on the
boundary whose velocity lies in J N_K(x): on the relative interior of facet i it runs along
+J n_i. Its action is A(x) = 1/2 closed-integral <J x, dx>; for a polygon x_0..x_{k-1} this is
1/2 sum_j omega(x_j, x_{j+1}), and for an edge t J n_i on facet i the contribution is
1/2 t h_i > 0, so traversing along +J n_i gives positive action. c_EHZ(K) is the minimal action.

Facet-transition graph (Haim-Kislev, GAFA 2019, Rem. 3.11 and Thm 1.5): some minimiser
visits each facet at most once, moving on facet a along J n_a and then on facet b; this needs
F_a and F_b to meet and <n_b, J n_a> = omega(n_a, n_b) >= 0 (the velocity on F_a must not point
out of the half-space of b). So only simple cycles of the directed graph a -> b (F_a meets F_b,
omega(n_a, n_b) >= 0) need to be considered, each up to rotation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, nnls

from perflab.harness import WorkBudgetExceeded
from perflab.symplectic.polytope import Polytope

__all__ = [
    "CycleCheck",
    "action",
    "least_action_orbit",
    "apply_J",
    "check_cycle",
    "omega_matrix",
    "place_on_boundary",
    "run_graph",
    "batches_by_length",
    "candidate_cycles",
    "simple_cycles",
    "transition_graph",
]

#: omega(n_a, n_b) >= -OMEGA_TOL counts as a possible transition a -> b (unit normals)
OMEGA_TOL = 1e-10


def apply_J(X: np.ndarray) -> np.ndarray:
    """J x for the rows x of X: (q, p) -> (p, -q)."""
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[-1] // 2
    return np.concatenate([X[..., n:], -X[..., :n]], axis=-1)


def omega_matrix(N: np.ndarray) -> np.ndarray:
    """Omega[a, b] = omega(n_a, n_b) = <J n_a, n_b> for the rows of N."""
    return apply_J(N) @ N.T


def action(X: np.ndarray) -> float:
    """Action 1/2 closed-integral <J x, dx> of the closed polygon with vertices X (k, d).

    The action of a closed curve does not change under translation, so it is evaluated on
    X - mean(X): that avoids cancellation between large terms for polygons far from 0."""
    X = np.asarray(X, dtype=np.float64)
    X = X - X.mean(axis=0)
    Y = np.roll(X, -1, axis=0)
    return 0.5 * float(np.sum(apply_J(X) * Y))


def transition_graph(P: Polytope, omega_tol: float = OMEGA_TOL) -> list[list[int]]:
    """Adjacency lists: a -> b when facets a, b share a vertex and omega(n_a, n_b) >= -tol."""
    inc = P.incidence.astype(np.int64)
    meet = (inc @ inc.T) > 0
    Om = omega_matrix(P.normals)
    ok = meet & (Om >= -omega_tol)
    np.fill_diagonal(ok, False)
    return [np.flatnonzero(row).tolist() for row in ok]


def simple_cycles(adj: list[list[int]], min_len: int = 3) -> list[tuple[int, ...]]:
    """All simple directed cycles of a graph, each once, starting at its smallest vertex."""
    return [c for c in _cycles(adj, [(v,) for v in range(len(adj))]) if len(c) >= min_len]


def _cycles(
    adj: list[list[int]],
    groups: list[tuple[int, ...]],
    max_len: int | None = None,
    max_steps: int | None = None,
) -> Iterator[tuple[int, ...]]:
    """Simple cycles of a graph on ``groups`` (tuples of facets) whose groups are pairwise
    disjoint; each is returned once (started at the group holding its smallest facet) as the
    concatenated facet tuple. ``max_len``: only cycles of at most that many facets.
    ``max_steps``: work budget in search steps (a path extended by one group, or a cycle
    returned); ``WorkBudgetExceeded`` past it. Counting steps, not cycles, bounds the work
    also where the search walks long paths that close into few cycles."""
    lo = [min(g) for g in groups]
    masks = [sum(1 << f for f in g) for g in groups]
    sizes = [len(g) for g in groups]
    cap = max_len if max_len is not None else sum(sizes)
    steps = 0

    def step() -> None:
        nonlocal steps
        steps += 1
        if max_steps is not None and steps > max_steps:
            raise WorkBudgetExceeded(
                f"cycle search: work budget of {max_steps} steps exhausted",
                used=max_steps,
                what="cycles",
            )

    for s in range(len(groups)):
        path = [s]
        used = masks[s]
        length = sizes[s]
        stack = [iter([v for v in adj[s] if lo[v] > lo[s]])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                g = path.pop()
                used &= ~masks[g]
                length -= sizes[g]
                continue
            if nxt == s:
                step()
                yield tuple(f for g in path for f in groups[g])
                continue
            if used & masks[nxt] or length + sizes[nxt] > cap:
                continue
            step()
            path.append(nxt)
            used |= masks[nxt]
            length += sizes[nxt]
            stack.append(iter([v for v in adj[nxt] if lo[v] > lo[s] or v == s]))


def candidate_cycles(
    P: Polytope,
    omega_tol: float = OMEGA_TOL,
    max_len: int | None = None,
    max_steps: int | None = None,
) -> Iterator[tuple[int, ...]]:
    """Facet cycles (a generator) that can carry a minimal closed characteristic
    (``max_len``: only those of at most that many facets; ``max_steps``: the work budget of
    the search, see :func:`_cycles`).

    Consecutive facets with omega(n_a, n_b) = 0 (Lagrangian products, cubes, ...) are grouped
    into *runs*: sets R of facets with pairwise omega = 0 and a common point. On a run the
    characteristic stays in the intersection of its facets (moving along J n_a keeps <n_b, x>
    constant), and the order inside a run does not change the Haim-Kislev form (swapping
    omega-orthogonal neighbours leaves Q_sigma unchanged), so each run is listed once, sorted.
    Run R -> run S needs: R and S disjoint and not mergeable into one run, the facets of R u S
    share a point (the transition point), some x in R with omega(n_x, n_y) >= 0 for all y in
    S (the last segment of R approaches every facet of S), and some y in S with
    omega(n_x, n_y) >= 0 for all x in R (the first segment of S leaves every facet of R).
    For polytopes without omega-orthogonal facet pairs this is the plain facet-transition
    graph of Haim-Kislev Rem. 3.11. Returns concatenated facet tuples.
    """
    groups, adj = run_graph(P, omega_tol)
    return (c for c in _cycles(adj, groups, max_len, max_steps) if len(c) >= 3)


def run_graph(
    P: Polytope, omega_tol: float = OMEGA_TOL
) -> tuple[list[tuple[int, ...]], list[list[int]]]:
    """The graph of :func:`candidate_cycles`: its vertices are the *runs* (sorted tuples of
    facets with pairwise omega = 0 and a common vertex; single facets included), and
    ``adj[i]`` lists the runs j that run i can hand over to (see :func:`candidate_cycles`).
    Returns (runs, adj); runs are ordered by size, then lexicographically."""
    inc = P.incidence
    Om = omega_matrix(P.normals)
    F = P.num_facets
    zero = np.abs(Om) <= omega_tol
    runs: set[tuple[int, ...]] = set()
    for v in range(inc.shape[1]):
        fs = np.flatnonzero(inc[:, v]).tolist()
        # cliques of the omega-zero graph among the facets through vertex v
        stack: list[tuple[tuple[int, ...], list[int]]] = [((), fs)]
        while stack:
            cur, cand = stack.pop()
            if cur:
                runs.add(cur)
            for i, f in enumerate(cand):
                if all(zero[f, g] for g in cur):
                    stack.append((cur + (f,), cand[i + 1 :]))
    groups = sorted(runs, key=lambda r: (len(r), r))
    gm = np.zeros((len(groups), F), dtype=bool)
    for i, g in enumerate(groups):
        gm[i, list(g)] = True
    # common point of a union: some vertex lies on all its facets
    on = [np.all(inc[list(g)], axis=0) for g in groups]
    adj: list[list[int]] = [[] for _ in groups]
    for i, R in enumerate(groups):
        for j, S in enumerate(groups):
            if i == j or np.any(gm[i] & gm[j]) or not np.any(on[i] & on[j]):
                continue
            sub = Om[np.ix_(R, S)]
            if np.all(np.abs(sub) <= omega_tol):
                continue  # R u S is a single run
            if np.any(np.all(sub >= -omega_tol, axis=1)) and np.any(
                np.all(sub >= -omega_tol, axis=0)
            ):
                adj[i].append(j)
    return groups, adj


def batches_by_length(
    cycles: Iterable[tuple[int, ...]], max_entries: int = 250_000, extra: int = 0
) -> Iterator[np.ndarray]:
    """Group a stream of cycles into (m, k) int arrays of equal length k, so that the stream
    is never held in memory at once. A batch holds at most max(16, max_entries / (k+extra)^2)
    cycles: the batched linear algebra on (m, k+extra, k+extra) systems then stays short
    enough for a time budget to interrupt between batches."""
    buf: dict[int, list[tuple[int, ...]]] = {}
    for c in cycles:
        k = len(c)
        b = buf.setdefault(k, [])
        b.append(c)
        if len(b) >= max(16, max_entries // (k + extra) ** 2):
            yield np.array(b, dtype=np.int64)
            b.clear()
    for b in buf.values():
        if b:
            yield np.array(b, dtype=np.int64)


def place_on_boundary(
    P: Polytope, facets: list[int] | np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, float]:
    """Translate the closed polygon with the given edge vectors so that edge j lies on facet
    ``facets[j]`` and every vertex lies in P: an LP minimising the largest violation s.

    Returns (vertices (k, d), s). s is ~0 for a closed characteristic of P.
    """
    N, h = P.normals, P.offsets
    d = P.dim
    k = len(facets)
    S = np.vstack([np.zeros(d), np.cumsum(edges, axis=0)[:-1]])  # x_j = x_0 + S_j
    rows, rhs = [], []
    # |<n_f, x_0 + S_j> - h_f| <= s
    for j, f in enumerate(facets):
        nf = N[f]
        rows.append(np.r_[nf, -1.0])
        rhs.append(h[f] - nf @ S[j])
        rows.append(np.r_[-nf, -1.0])
        rhs.append(-(h[f] - nf @ S[j]))
    # N (x_0 + S_j) <= h + s
    for j in range(k):
        rows.extend(np.hstack([N, -np.ones((len(N), 1))]))
        rhs.extend(h - N @ S[j])
    c = np.zeros(d + 1)
    c[-1] = 1.0
    res = linprog(
        c,
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        bounds=[(None, None)] * d + [(0, None)],
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"placing the cycle on the boundary failed: {res.message}")
    x0 = res.x[:d]
    return x0 + S, float(res.x[d])


def least_action_orbit(
    N: np.ndarray, h: np.ndarray, facets: tuple[int, ...] | list[int]
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The least-action closed characteristic that runs on ``facets`` in that order, one
    segment t_i J n_i each (t_i >= 0): an LP in (x_0, t).

    Constraints: segment i starts on its facet, <n_i, x_i> = h_i with
    x_i = x_0 + sum_{l < i} t_l J n_l (it then stays there: <n_i, J n_i> = 0); every x_i is in
    K = {N x <= h} (so, by convexity, is every segment); the polygon closes,
    sum_i t_i J n_i = 0. Objective: the action 1/2 sum_i t_i h_i (the action of a segment
    t J n_i on facet i). Returns (vertices x_0..x_{k-1}, t, action), or None when no such
    closed polygon exists. A facet sequence through one common point admits only t = 0 (see
    :mod:`perflab.symplectic.capacity.reeb`): exclude those before calling.
    """
    seq = list(facets)
    k = len(seq)
    d = N.shape[1]
    Ns = N[seq]
    JN = apply_J(Ns)
    # x_i = [I, L_i] (x_0, t) with L_i = [J n_0 .. J n_{i-1}, 0 ..]
    L = np.zeros((k, d, k))
    for i in range(1, k):
        L[i, :, :i] = JN[:i].T
    A_eq = np.zeros((k + d, d + k))
    b_eq = np.zeros(k + d)
    A_ub = np.zeros((k * len(N), d + k))
    for i in range(k):
        A_eq[i, :d] = Ns[i]
        A_eq[i, d:] = Ns[i] @ L[i]
        b_eq[i] = h[seq[i]]
        A_ub[i * len(N) : (i + 1) * len(N), :d] = N
        A_ub[i * len(N) : (i + 1) * len(N), d:] = N @ L[i]
    A_eq[k:, d:] = JN.T
    c = np.r_[np.zeros(d), 0.5 * h[seq]]
    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=np.tile(h, k),
        A_eq=A_eq,
        b_eq=b_eq,
        bounds=[(None, None)] * d + [(0, None)] * k,
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if res.status != 0:
        return None
    x0, t = res.x[:d], np.clip(res.x[d:], 0.0, None)
    X = x0 + np.einsum("idk,k->id", L, t)
    return X, t, 0.5 * float(t @ h[seq])


@dataclass(frozen=True)
class CycleCheck:
    """Residuals of a candidate minimal-action closed characteristic (all relative).

    boundary: largest distance of a vertex from the boundary (inside or outside), / scale.
    direction: largest relative distance of an edge from J * cone(normals of the facets that
        contain the edge); an edge on one facet i must be a positive multiple of J n_i.
    action: |A(cycle) - value| / value (NaN when no value was given).
    """

    boundary: float
    direction: float
    action: float
    cycle_action: float
    num_edges: int
    tol: float

    @property
    def ok(self) -> bool:
        res = [self.boundary, self.direction]
        if not np.isnan(self.action):
            res.append(self.action)
        return self.num_edges >= 2 and all(r <= self.tol for r in res)


def check_cycle(
    P: Polytope, X: np.ndarray, value: float | None = None, tol: float = 1e-7
) -> CycleCheck:
    """Check that the closed polygon X (k, d) is a closed characteristic of P with action
    ``value``: vertices on the boundary, every edge along J of a non-negative combination of
    the normals of the facets containing it (just +J n_i on a single facet i), action = value.
    """
    X = np.asarray(X, dtype=np.float64)
    N, h = P.normals, P.offsets
    scale = P.scale
    slack = X @ N.T - h  # <= 0 inside, max = 0 on the boundary
    boundary = float(np.max(np.abs(slack.max(axis=1)))) / scale
    ftol = max(1e-7 * scale, 1e3 * P.tol)
    direction = 0.0
    num_edges = 0
    Y = np.roll(X, -1, axis=0)
    for a, b in zip(X, Y, strict=True):
        e = b - a
        ne = np.linalg.norm(e)
        if ne <= 1e-12 * scale:
            continue
        num_edges += 1
        active = np.flatnonzero((np.abs(a @ N.T - h) <= ftol) & (np.abs(b @ N.T - h) <= ftol))
        if active.size == 0:
            direction = max(direction, 1.0)
            continue
        G = apply_J(N[active]).T  # columns J n_i
        _, rnorm = nnls(G, e)
        direction = max(direction, rnorm / ne)
    A = action(X)
    act = float("nan") if value is None else abs(A - value) / abs(value)
    return CycleCheck(boundary, direction, act, A, num_edges, tol)
