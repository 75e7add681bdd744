"""Polytope construction, canonical form and input validation."""

import itertools

import numpy as np
import pytest

from perflab.symplectic import InvalidPolytope, Polytope, systolic_ratio


def cube_vertices(d=4):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=d)))


def test_cube_both_representations_agree():
    P = Polytope.from_vertices(cube_vertices())
    Q = Polytope.from_halfspaces(np.vstack([np.eye(4), -np.eye(4)]), np.ones(8))
    assert P.dim == 4 and P.num_vertices == 16 and P.num_facets == 8
    np.testing.assert_allclose(P.vertices, Q.vertices, atol=1e-12)
    np.testing.assert_allclose(P.normals, Q.normals, atol=1e-12)
    np.testing.assert_allclose(P.offsets, Q.offsets, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(P.normals, axis=1), 1.0)


def test_redundant_halfspaces_and_duplicate_vertices_removed():
    A = np.vstack([np.eye(2), -np.eye(2), [[1.0, 1.0]], [[2.0, 0.0]], [[1.0, 0.0]]])
    b = np.array([1, 1, 1, 1, 5.0, 2.0, 1.0])  # x+y<=5 redundant, 2x<=2 and x<=1 duplicates
    P = Polytope.from_halfspaces(A, b)
    assert P.num_facets == 4 and P.num_vertices == 4
    V = np.vstack([cube_vertices(2), cube_vertices(2), [[0.0, 0.0], [0.5, 0.2]]])
    Q = Polytope.from_vertices(V)
    assert Q.num_vertices == 4 and Q.num_facets == 4


def test_coplanar_hull_facets_are_merged():
    P = Polytope.from_vertices(cube_vertices(4))
    assert P.num_facets == 8
    assert P.incidence.sum(axis=1).tolist() == [8] * 8


def test_order_is_deterministic_under_input_permutation():
    rng = np.random.default_rng(3)
    V = rng.standard_normal((12, 4))
    P1 = Polytope.from_vertices(V)
    P2 = Polytope.from_vertices(V[rng.permutation(12)])
    np.testing.assert_array_equal(P1.vertices, P2.vertices)
    np.testing.assert_allclose(P1.normals, P2.normals, atol=1e-12)


def test_lagrangian_product_structure():
    K = Polytope.from_vertices(cube_vertices(2))
    T = Polytope.from_vertices([[0, 0], [1, 0], [0, 1.0]])
    P = Polytope.lagrangian_product(K, T)
    assert P.dim == 4 and P.num_vertices == 12 and P.num_facets == 7
    assert np.all(P.contains(P.vertices))
    assert P.lagrangian_factors is not None
    # the product's facets: n = (n_K, 0) or (0, n_T)
    assert np.all((np.abs(P.normals[:, :2]).sum(1) == 0) | (np.abs(P.normals[:, 2:]).sum(1) == 0))


def test_symplectic_product_coordinates():
    sq = Polytope.from_vertices(cube_vertices(2))
    tri = Polytope.from_vertices([[0, 0], [1, 0], [0, 1.0]])
    P = Polytope.symplectic_product(sq, tri)
    # (q1, p1) from the square: coordinates 0 and 2; (q2, p2) from the triangle: 1 and 3
    np.testing.assert_allclose(np.unique(P.vertices[:, [0, 2]], axis=0), sq.vertices)
    np.testing.assert_allclose(np.unique(P.vertices[:, [1, 3]], axis=0), tri.vertices)


def test_translation_and_centring():
    P = Polytope.from_vertices(cube_vertices(4) + 3.0)
    C, c = P.centred()
    np.testing.assert_allclose(c, 3.0, atol=1e-9)
    assert np.all(C.offsets > 0.5)
    assert np.all(C.contains(C.vertices))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Polytope.from_vertices(np.zeros((0, 4))), "at least"),
        (lambda: Polytope.from_vertices([[0, 0], [1, 0]]), "at least"),
        (lambda: Polytope.from_vertices([1.0, 2.0, 3.0]), "2-D"),
        (lambda: Polytope.from_vertices([[0, 0], [1, 0], [np.nan, 1]]), "NaN"),
        (lambda: Polytope.from_vertices([[0, 0], [1, 0], [np.inf, 1]]), "NaN or infinite"),
        (lambda: Polytope.from_vertices([[0, 0], [1, 1], [2, 2], [3, 3.0]]), "flat"),
        (lambda: Polytope.from_vertices(np.eye(4)[:, :4] @ np.diag([1, 1, 1, 0.0])), "at least"),
        (lambda: Polytope.from_vertices(np.c_[np.eye(5)[:, :3], np.zeros(5)]), "flat"),
        (lambda: Polytope.from_vertices([["a", "b"], ["c", "d"], ["e", "f"]]), "numeric"),
        (lambda: Polytope.from_halfspaces(np.eye(2), [1, 1]), "unbounded"),
        (lambda: Polytope.from_halfspaces([[1, 0], [-1, 0], [0, 1]], [1, 1, 1]), "unbounded"),
        (
            lambda: Polytope.from_halfspaces([[1, 0], [-1, 0], [0, 1], [0, -1.0]], [1, -2, 1, 1]),
            "empty",
        ),
        (
            lambda: Polytope.from_halfspaces([[1, 0], [-1, 0], [0, 1], [0, -1.0]], [1, 1, 0, 0]),
            "flat",
        ),
        (lambda: Polytope.from_halfspaces(np.eye(3), [1, 1]), "shape"),
        (
            lambda: Polytope.from_halfspaces(
                [[1, 0], [-1, 0], [0, 1], [0, -1.0]], [1, 1, 1, np.nan]
            ),
            "NaN",
        ),
        (
            lambda: Polytope.from_halfspaces([[0, 0], [1, 0], [0, 1], [-1, -1.0]], [-1, 1, 1, 1]),
            "empty",
        ),
        (lambda: Polytope.from_halfspaces([[1.0], [-1.0]], [1, 1]), "columns"),
    ],
)
def test_bad_input_raises_invalid_polytope(make, match):
    with pytest.raises(InvalidPolytope, match=match):
        make()


def test_invalid_polytope_is_value_error():
    assert issubclass(InvalidPolytope, ValueError)


@pytest.mark.parametrize(
    "v, match",
    [
        ([np.nan, 0, 0, 0], "NaN or inf"),
        ([np.inf, 0, 0, 0], "NaN or inf"),
        ([1.0, 2.0], r"shape \(4,\)"),
        ([[1.0, 2.0, 3.0, 4.0]], r"shape \(4,\)"),
        (["a", 0, 0, 0], "vector of numbers"),
    ],
)
def test_translation_by_a_bad_vector_is_refused(v, match):
    P = Polytope.from_vertices(cube_vertices())
    with pytest.raises(InvalidPolytope, match=match):
        P.translated(v)


@pytest.mark.parametrize("c", [np.nan, np.inf, 0.0, -1.0])
def test_systolic_ratio_refuses_a_meaningless_capacity(c):
    P = Polytope.from_vertices(cube_vertices())
    with pytest.raises(ValueError, match="capacity must be a positive finite number"):
        systolic_ratio(P, capacity=c)
    assert systolic_ratio(P, capacity=4.0) == pytest.approx(0.5, rel=1e-12)
