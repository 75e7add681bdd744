"""Minkowski billiards vs Haim-Kislev on Lagrangian products of polygons."""

import numpy as np
import pytest

from perflab.symplectic import InvalidPolytope, Polytope, ehz_capacity
from perflab.symplectic import generators as gen
from perflab.symplectic.capacity.billiards import billiards, lagrangian_factors


def rel(a, b):
    return abs(a - b) / abs(b)


def test_pentagon_and_triangles(assert_witness):
    P, _ = gen.polygon_product(0, n=5, m=5, r=1, s=4)
    r = billiards(P)
    assert rel(r.value, 2 * np.cos(np.pi / 10) * (1 + np.cos(np.pi / 5))) < 1e-9
    assert_witness(P, r)
    tri = Polytope.from_vertices([[0, 0], [1, 0], [0, 1.0]])
    for T in (tri, tri.linear_image(-np.eye(2))):
        P = Polytope.lagrangian_product(tri, T)
        rb, rh = billiards(P), ehz_capacity(P, "haim_kislev")
        assert rel(rb.value, rh.value) < 1e-9
        assert_witness(P, rb)


def test_square_product_is_cube():
    sq = Polytope.from_vertices([[-1, -1], [1, -1], [1, 1], [-1, 1.0]])
    r = billiards(Polytope.lagrangian_product(sq, sq))
    assert rel(r.value, 4.0) < 1e-12


def test_bounce_points_in_edge_interiors():
    """Triangle x triangle: the optimum bounces at edge third-points, not at vertices."""
    tri = Polytope.from_vertices([[0, 0], [1, 0], [0, 1.0]])
    r = billiards(Polytope.lagrangian_product(tri, tri))
    q = np.array(r.details["bounce_points"])
    on_vertex = [np.min(np.linalg.norm(tri.vertices - x, axis=1)) < 1e-9 for x in q]
    assert not all(on_vertex)


def test_recognises_product_from_halfspaces():
    P, _ = gen.random_polygon_product(4, n=4, m=5)
    Q = Polytope.from_halfspaces(P.normals, P.offsets)
    assert Q.lagrangian_factors is None and lagrangian_factors(Q) is not None
    assert rel(billiards(Q).value, billiards(P).value) < 1e-12
    assert ehz_capacity(Q).method == "billiards"


def test_not_a_product_raises():
    P, _ = gen.simplex(0)
    with pytest.raises(InvalidPolytope, match="Lagrangian products"):
        billiards(P)


def _product(seed):
    P, prov = gen.random_polygon_product(seed)
    if P.num_facets > 11:  # keep haim_kislev quick
        P, prov = gen.random_polygon_product(seed, n=min(P.num_facets - 3, 5), m=3)
    return P, prov


# a representative subset in the smoke tier, the rest (the bulk of the >= 200) in deep
SEEDS = [*range(12), *(pytest.param(s, marks=pytest.mark.deep) for s in range(100, 220))]


@pytest.mark.parametrize("seed", SEEDS)
def test_agrees_with_haim_kislev(seed, assert_agree):
    assert_agree(*_product(seed), "billiards")


@pytest.mark.parametrize("params", list(gen.polygon_product_grid(5, 4))[:12])
def test_rotated_regular_products_agree(params, assert_witness):
    P, _ = gen.polygon_product(0, **params)
    rb, rh = billiards(P), ehz_capacity(P, "haim_kislev")
    assert rel(rb.value, rh.value) < 1e-9
    assert_witness(P, rb)


SHAPES = [
    [[-1, -1], [2, -1], [2, 1], [-1, 1.0]],  # rectangle: two-bounce orbits between parallels
    [[0, 0], [2, 0], [3, 1], [1, 1.0]],  # parallelogram
    gen.regular_polygon(0, n=6)[0].vertices.tolist(),  # hexagon: parallel edge pairs
    [[0, 0], [1, 0], [0, 1.0]],  # triangle
]


def _structured(i):
    rng = np.random.default_rng(i)
    K = Polytope.from_vertices(np.array(SHAPES[i % 4]) * rng.uniform(0.5, 2) + rng.normal(size=2))
    if i % 3:
        T = gen.random_polygon(i, n=3 + i % 4)[0]
    else:
        T = Polytope.from_vertices(SHAPES[(i // 4) % 4])
    return Polytope.lagrangian_product(K, T), {"case": i}


@pytest.mark.parametrize(
    "i", [*range(8), *(pytest.param(i, marks=pytest.mark.deep) for i in range(8, 40))]
)
def test_structured_products_agree(i, assert_agree):
    assert_agree(*_structured(i), "billiards")
