"""Facet-transition graph, candidate cycles, action and the cycle check."""

import numpy as np

from perflab.symplectic import generators as gen
from perflab.symplectic.cycles import (
    action,
    apply_J,
    candidate_cycles,
    check_cycle,
    omega_matrix,
    simple_cycles,
    transition_graph,
)


def test_J_and_omega_conventions():
    x = np.array([1.0, 2.0, 3.0, 4.0])  # (q1, q2, p1, p2)
    np.testing.assert_array_equal(apply_J(x), [3.0, 4.0, -1.0, -2.0])
    N = np.eye(4)
    Om = omega_matrix(N)
    assert Om[0, 2] == -1.0 and Om[2, 0] == 1.0  # omega(e_q1, e_p1) = <J e_q1, e_p1> = -1
    np.testing.assert_array_equal(Om, -Om.T)


def test_action_of_square_traversed_along_J_n():
    # on the right edge (n = e1) the velocity J n = (0, -1): clockwise, action = area
    X = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]])
    assert abs(action(X) - 4.0) < 1e-15
    assert abs(action(X[::-1]) + 4.0) < 1e-15


def test_generic_polytope_candidate_cycles_are_the_plain_graph_cycles():
    P, _ = gen.halfspace_polytope_4d(4, facets=8)
    assert np.all(np.abs(omega_matrix(P.normals)[~np.eye(P.num_facets, dtype=bool)]) > 1e-6)
    plain = set(simple_cycles(transition_graph(P)))
    assert set(candidate_cycles(P)) == plain and plain


def test_runs_shrink_the_product_search():
    P, _ = gen.polygon_product(0, n=5, m=5, r=1, s=4)
    assert len(list(candidate_cycles(P))) < len(simple_cycles(transition_graph(P))) / 5


def test_check_cycle_rejects_a_chord():
    P, _ = gen.cube(0)
    X = np.array([[1.0, 0, 0, 0], [-1.0, 0, 0, 0]])  # through the interior, not along J n
    ch = check_cycle(P, X)
    assert not ch.ok and ch.direction > 0.5
