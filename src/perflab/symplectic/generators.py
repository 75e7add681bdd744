"""Seeded generators of convex polytopes for the symplectic atlas.

Every generator has the signature

    gen(rng, **params) -> tuple[Polytope, dict]

``rng`` is a ``numpy.random.Generator`` or an ``int`` seed (required; ``None`` is refused so
that nothing is drawn from global state). Parameters left out (``None``) are drawn from
``rng`` where the family has a natural random choice, otherwise they have fixed defaults.
The second element is a JSON-serialisable *provenance* dict::

    {"family": str,            # the key of the family in FAMILIES
     "params": {...},          # every parameter actually used (drawn ones included)
     "seed": int | None,       # the int seed when one was given
     "rng_state": dict | None} # the Generator's bit_generator.state before drawing,
                               # when a Generator (not an int) was given

Calling the generator again with the same seed (or a Generator restored to ``rng_state``)
and the same parameters returns the same polytope. :data:`FAMILIES` maps family names to
generators so that callers can enumerate them; :func:`polygon_product_grid` enumerates the
parameters of the rotated regular-polygon products.

Families: regular n-gon; random convex polygon; Lagrangian product of a regular n-gon and a
regular m-gon rotated by r/s of a turn; Lagrangian product of two random polygons; random
4D vertex hulls (points on S^3 or in B^4); random 4D halfspace polytopes (normals on S^3,
offsets in [0.5, 2]); simplex (standard, regular), cube, cross-polytope, 24-cell; symplectic
products (q1,p1) x (q2,p2) of random polygons; small perturbations of any family.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from perflab.harness import plain
from perflab.symplectic.polytope import InvalidPolytope, Polytope

__all__ = [
    "FAMILIES",
    "circumscribed",
    "Generated",
    "circumscribed_4d",
    "cross_polytope",
    "cube",
    "halfspace_polytope_4d",
    "hull_ball_4d",
    "hull_sphere_4d",
    "perturbed",
    "polygon_product",
    "polygon_product_grid",
    "random_polygon",
    "random_polygon_product",
    "regular_polygon",
    "simplex",
    "symplectic_polygon_product",
    "twenty_four_cell",
]

Generated = tuple[Polytope, dict[str, Any]]
RngLike = np.random.Generator | int


def _rng(rng: RngLike) -> tuple[np.random.Generator, int | None, dict | None]:
    if isinstance(rng, np.random.Generator):
        return rng, None, plain(rng.bit_generator.state)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng)), int(rng), None
    raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {type(rng)!r}")


def _prov(family: str, params: dict, seed: int | None, state: dict | None) -> dict[str, Any]:
    return {"family": family, "params": plain(params), "seed": seed, "rng_state": state}


def _regular_polygon_vertices(n: int, radius: float = 1.0, turn: float = 0.0) -> np.ndarray:
    t = 2 * np.pi * (np.arange(n) / n + turn)
    return radius * np.column_stack([np.cos(t), np.sin(t)])


def _pick(g: np.random.Generator, lo: int, hi: int, value: int | None) -> int:
    """Draw an int from [lo, hi) *always* (so the stream is the same whether or not the
    value is given, which makes provenance replays exact), keep ``value`` when given."""
    drawn = int(g.integers(lo, hi))
    return drawn if value is None else int(value)


def _check_n(n: int, name: str = "n") -> int:
    if int(n) != n or n < 3:
        raise InvalidPolytope(f"{name} must be an integer >= 3, got {n}")
    return int(n)


# ---------------------------------------------------------------------------- planar
def regular_polygon(
    rng: RngLike, *, n: int | None = None, radius: float = 1.0, turn: float = 0.0
) -> Generated:
    """Regular n-gon with circumradius ``radius``, first vertex at angle 2 pi ``turn``.

    ``n`` is drawn uniformly from 3..12 when not given.
    """
    g, seed, state = _rng(rng)
    n = _check_n(_pick(g, 3, 13, n))
    P = Polytope.from_vertices(_regular_polygon_vertices(n, radius, turn))
    return P, _prov("regular_polygon", {"n": n, "radius": radius, "turn": turn}, seed, state)


def _random_polygon_vertices(g: np.random.Generator, n: int) -> np.ndarray:
    """n points at sorted uniform angles on the unit circle (a convex n-gon), redrawn while
    the polygon does not contain the origin in its interior (keeps it well shaped)."""
    for _ in range(1000):
        t = np.sort(g.uniform(0, 2 * np.pi, n))
        gaps = np.diff(np.concatenate([t, [t[0] + 2 * np.pi]]))
        if gaps.max() < np.pi * 0.95 and gaps.min() > 1e-3:
            return np.column_stack([np.cos(t), np.sin(t)])
    raise RuntimeError("could not draw a well-shaped random polygon")  # pragma: no cover


def random_polygon(rng: RngLike, *, n: int | None = None) -> Generated:
    """Random convex n-gon inscribed in the unit circle (uniform angles, origin inside).

    ``n`` is drawn uniformly from 3..10 when not given.
    """
    g, seed, state = _rng(rng)
    n = _check_n(_pick(g, 3, 11, n))
    P = Polytope.from_vertices(_random_polygon_vertices(g, n))
    return P, _prov("random_polygon", {"n": n}, seed, state)


# ---------------------------------------------------------------------------- products
def polygon_product(
    rng: RngLike, *, n: int | None = None, m: int | None = None, r: int = 0, s: int = 1
) -> Generated:
    """Lagrangian product K x T: K the regular n-gon, T the regular m-gon rotated by r/s of a
    turn (both with circumradius 1). ``n``, ``m`` drawn from 3..8 when not given.

    ``n = m = 5, r/s = 1/4`` is the Haim-Kislev-Ostrover counterexample to Viterbo's
    conjecture (pentagon x pentagon rotated by 90 degrees).
    """
    g, seed, state = _rng(rng)
    n = _check_n(_pick(g, 3, 9, n))
    m = _check_n(_pick(g, 3, 9, m), "m")
    if s <= 0 or int(s) != s or int(r) != r:
        raise InvalidPolytope(f"rotation r/s needs integers with s > 0, got {r}/{s}")
    K = Polytope.from_vertices(_regular_polygon_vertices(n))
    T = Polytope.from_vertices(_regular_polygon_vertices(m, turn=r / s))
    P = Polytope.lagrangian_product(K, T)
    return P, _prov("polygon_product", {"n": n, "m": m, "r": int(r), "s": int(s)}, seed, state)


def polygon_product_grid(max_n: int = 6, max_s: int = 4) -> Iterator[dict[str, int]]:
    """Parameters (n, m, r, s) of :func:`polygon_product` for 3 <= n <= m <= max_n and reduced
    fractions 0 <= r/s < 1 with s <= max_s, one per class of equivalent rotations.

    Rotating both factors by the same angle is symplectic (diag(R, R)), the n-gon is invariant
    under 1/n of a turn and the m-gon under 1/m, so r/s only matters modulo 1/lcm(n, m);
    the first fraction of each class is kept (e.g. the pentagon counterexample r/s = 1/4)."""
    for n in range(3, max_n + 1):
        for m in range(n, max_n + 1):
            period = Fraction(1, math.lcm(n, m))
            seen: set[Fraction] = set()
            for s in range(1, max_s + 1):
                for r in range(s):
                    if math.gcd(r, s) != 1:
                        continue
                    key = Fraction(r, s) % period
                    if key not in seen:
                        seen.add(key)
                        yield {"n": n, "m": m, "r": r, "s": s}


def _two_random_polygons(
    family: str, combine: Callable[[Polytope, Polytope], Polytope], rng: RngLike, n, m
) -> Generated:
    g, seed, state = _rng(rng)
    n = _check_n(_pick(g, 3, 9, n))
    m = _check_n(_pick(g, 3, 9, m), "m")
    P1 = Polytope.from_vertices(_random_polygon_vertices(g, n))
    P2 = Polytope.from_vertices(_random_polygon_vertices(g, m))
    return combine(P1, P2), _prov(family, {"n": n, "m": m}, seed, state)


def random_polygon_product(
    rng: RngLike, *, n: int | None = None, m: int | None = None
) -> Generated:
    """Lagrangian product K x T of two random convex polygons (see :func:`random_polygon`);
    n, m drawn from 3..8 when not given."""
    return _two_random_polygons("random_polygon_product", Polytope.lagrangian_product, rng, n, m)


def symplectic_polygon_product(
    rng: RngLike, *, n: int | None = None, m: int | None = None
) -> Generated:
    """Symplectic product (q1, p1) x (q2, p2) of two random convex polygons."""
    return _two_random_polygons(
        "symplectic_polygon_product", Polytope.symplectic_product, rng, n, m
    )


# ---------------------------------------------------------------------------- random 4D
def _sphere(g: np.random.Generator, k: int, d: int) -> np.ndarray:
    X = g.standard_normal((k, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def hull_sphere_4d(rng: RngLike, *, points: int | None = None) -> Generated:
    """Convex hull of ``points`` uniform points on S^3 (6 when not given: at most 9 facets; more
    points give many facets, which the capacity solvers may not finish)."""
    g, seed, state = _rng(rng)
    k = _pick(g, 6, 7, points)
    P = Polytope.from_vertices(_sphere(g, k, 4))
    return P, _prov("hull_sphere_4d", {"points": k}, seed, state)


def hull_ball_4d(rng: RngLike, *, points: int | None = None) -> Generated:
    """Convex hull of ``points`` uniform points in B^4 (6 when not given: at most 9 facets; more
    points give many facets, which the capacity solvers may not finish)."""
    g, seed, state = _rng(rng)
    k = _pick(g, 6, 7, points)
    X = _sphere(g, k, 4) * g.uniform(0, 1, (k, 1)) ** 0.25
    P = Polytope.from_vertices(X)
    return P, _prov("hull_ball_4d", {"points": k}, seed, state)


def _bounded_halfspaces(
    g: np.random.Generator, k: int, offsets: Callable[[], np.ndarray], dim: int = 4
) -> Polytope:
    """{x : <n_i, x> <= h_i} in R^dim with k normals uniform on the unit sphere and offsets
    from ``offsets()``, both redrawn (in that order) until the set is bounded."""
    for _ in range(1000):
        N = _sphere(g, k, dim)
        try:
            return Polytope.from_halfspaces(N, offsets())
        except InvalidPolytope:
            continue
    raise RuntimeError("could not draw a bounded halfspace polytope")  # pragma: no cover


def halfspace_polytope_4d(rng: RngLike, *, facets: int | None = None) -> Generated:
    """{x : <n_i, x> <= h_i}: normals uniform on S^3, offsets uniform in [0.5, 2]; normals are
    redrawn until the set is bounded. ``facets`` (halfspaces) from 6..10 when not given;
    redundant halfspaces are dropped, so the result can have fewer facets."""
    g, seed, state = _rng(rng)
    k = _pick(g, 6, 11, facets)
    if k < 5:
        raise InvalidPolytope(f"need at least 5 halfspaces in R^4, got {k}")
    P = _bounded_halfspaces(g, k, lambda: g.uniform(0.5, 2.0, k))
    return P, _prov("halfspace_polytope_4d", {"facets": k}, seed, state)


def circumscribed_4d(rng: RngLike, *, facets: int | None = None) -> Generated:
    """{x : <n_i, x> <= 1}: ``facets`` tangent halfspaces of the unit ball B^4, normals
    uniform on S^3 (redrawn until bounded). Every halfspace touches B^4 at n_i, which lies in
    the body, so no halfspace is redundant: exactly ``facets`` facets (20 when not given),
    and c_EHZ >= pi (the body contains B^4). The many-facet family of the atlas and of the
    benchmarks."""
    g, seed, state = _rng(rng)
    k = _pick(g, 20, 21, facets)
    if k < 5:
        raise InvalidPolytope(f"need at least 5 halfspaces in R^4, got {k}")
    P = _bounded_halfspaces(g, k, lambda: np.ones(k))
    return P, _prov("circumscribed_4d", {"facets": k}, seed, state)


def circumscribed(rng: RngLike, *, dim: int, facets: int) -> Polytope:
    """{x : <n_i, x> <= 1} in R^dim: ``facets`` tangent halfspaces of the unit ball, normals
    uniform on the sphere (redrawn until bounded); exactly ``facets`` facets. The same
    construction as :func:`circumscribed_4d` in any even dimension, for tests and
    benchmarks (not an atlas family)."""
    g, _, _ = _rng(rng)
    dim = _check_n(dim, "dim")
    if dim % 2:
        raise InvalidPolytope(f"dim must be even, got {dim}")
    if facets < dim + 1:
        raise InvalidPolytope(f"need at least {dim + 1} halfspaces in R^{dim}, got {facets}")
    return _bounded_halfspaces(g, facets, lambda: np.ones(facets), dim)


# ---------------------------------------------------------------------------- structured
def simplex(rng: RngLike, *, dim: int = 4, kind: str = "standard") -> Generated:
    """``kind="standard"``: conv(0, e_1..e_d); ``kind="regular"``: regular simplex with
    vertices on the unit sphere centred at 0."""
    _, seed, state = _rng(rng)
    if kind == "standard":
        V = np.vstack([np.zeros(dim), np.eye(dim)])
    elif kind == "regular":
        E = np.eye(dim + 1) - 1.0 / (dim + 1)
        U, _, _ = np.linalg.svd(E)
        V = E @ U[:, :dim]
        V /= np.linalg.norm(V, axis=1, keepdims=True)
    else:
        raise InvalidPolytope(f"simplex kind must be 'standard' or 'regular', got {kind!r}")
    return Polytope.from_vertices(V), _prov("simplex", {"dim": dim, "kind": kind}, seed, state)


def cube(rng: RngLike, *, dim: int = 4, half_width: float = 1.0) -> Generated:
    """The cube [-a, a]^d."""
    _, seed, state = _rng(rng)
    A = np.vstack([np.eye(dim), -np.eye(dim)])
    P = Polytope.from_halfspaces(A, np.full(2 * dim, float(half_width)))
    return P, _prov("cube", {"dim": dim, "half_width": half_width}, seed, state)


def cross_polytope(rng: RngLike, *, dim: int = 4) -> Generated:
    """conv(+-e_i): the unit ball of the l1 norm."""
    _, seed, state = _rng(rng)
    P = Polytope.from_vertices(np.vstack([np.eye(dim), -np.eye(dim)]))
    return P, _prov("cross_polytope", {"dim": dim}, seed, state)


def twenty_four_cell(rng: RngLike) -> Generated:
    """The 24-cell: the 24 permutations of (+-1, +-1, 0, 0)."""
    _, seed, state = _rng(rng)
    V = set()
    for i, j in itertools.combinations(range(4), 2):
        for si, sj in itertools.product((1.0, -1.0), repeat=2):
            v = [0.0] * 4
            v[i], v[j] = si, sj
            V.add(tuple(v))
    P = Polytope.from_vertices(np.array(sorted(V)))
    return P, _prov("twenty_four_cell", {}, seed, state)


def perturbed(
    rng: RngLike,
    *,
    base: str = "cube",
    eps: float = 0.05,
    mode: str = "halfspaces",
    base_params: dict | None = None,
) -> Generated:
    """A member of family ``base`` moved by a small random perturbation.

    ``mode="halfspaces"`` (default): every facet normal gets an independent uniform offset in
    [-eps, eps]^d (then renormalised) and every offset h_i (measured from the interior point)
    is multiplied by a factor in [1 - eps, 1 + eps]; the facet count does not grow, so the
    capacity stays cheap; the draw is repeated if the perturbed halfspaces are unbounded.
    ``mode="vertices"``: every vertex moves by a uniform offset in [-eps, eps]^d times the
    polytope's scale (non-simple bodies then split into many facets).
    """
    g, seed, state = _rng(rng)
    if base == "perturbed" or base not in FAMILIES:
        raise InvalidPolytope(f"unknown base family {base!r}")
    if mode not in ("halfspaces", "vertices"):
        raise InvalidPolytope(f"mode must be 'halfspaces' or 'vertices', got {mode!r}")
    P0, prov0 = FAMILIES[base](g, **(base_params or {}))
    if mode == "vertices":
        V = P0.vertices + eps * P0.scale * g.uniform(-1, 1, P0.vertices.shape)
        P = Polytope.from_vertices(V)
    else:
        # a perturbed normal set can fail to bound a set when the base barely does: redraw
        c = P0.interior_point
        for _ in range(100):
            N = P0.normals + eps * g.uniform(-1, 1, P0.normals.shape)
            N /= np.linalg.norm(N, axis=1, keepdims=True)
            h = (P0.offsets - P0.normals @ c) * (1 + eps * g.uniform(-1, 1, P0.num_facets))
            try:
                P = Polytope.from_halfspaces(N, h + N @ c)
                break
            except InvalidPolytope:
                continue
        else:
            raise InvalidPolytope(f"no bounded perturbation of {base} found with eps={eps}")
    params = {"base": base, "eps": eps, "mode": mode, "base_params": prov0["params"]}
    return P, _prov("perturbed", params, seed, state)


#: every family by name; each value has the signature ``gen(rng, **params) -> (P, provenance)``
FAMILIES: dict[str, Callable[..., Generated]] = {
    "regular_polygon": regular_polygon,
    "random_polygon": random_polygon,
    "polygon_product": polygon_product,
    "random_polygon_product": random_polygon_product,
    "hull_sphere_4d": hull_sphere_4d,
    "hull_ball_4d": hull_ball_4d,
    "halfspace_polytope_4d": halfspace_polytope_4d,
    "circumscribed_4d": circumscribed_4d,
    "simplex": simplex,
    "cube": cube,
    "cross_polytope": cross_polytope,
    "twenty_four_cell": twenty_four_cell,
    "symplectic_polygon_product": symplectic_polygon_product,
    "perturbed": perturbed,
}
