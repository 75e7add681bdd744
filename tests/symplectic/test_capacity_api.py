"""Public API: methods, auto choice, bad inputs, time budgets, CapacityResult."""

import numpy as np
import pytest

from perflab.harness import TimeBudgetExceeded
from perflab.symplectic import (
    CapacityResult,
    InvalidPolytope,
    Polytope,
    check_cycle,
    ehz_capacity,
    systolic_ratio,
)
from perflab.symplectic import generators as gen
from perflab.symplectic.cycles import action


def test_auto_picks_an_applicable_method():
    P, _ = gen.polygon_product(0, n=5, m=5, r=1, s=4)
    r = ehz_capacity(P)
    assert isinstance(r, CapacityResult) and r.method == "billiards"
    Q, _ = gen.halfspace_polytope_4d(3, facets=7)
    assert ehz_capacity(Q).method == "haim_kislev"
    assert ehz_capacity(gen.regular_polygon(0, n=6)[0]).method == "haim_kislev"


def test_result_cycle_is_closed_characteristic_with_positive_action():
    P, _ = gen.halfspace_polytope_4d(8, facets=8)
    r = ehz_capacity(P)
    assert r.cycle.ndim == 2 and r.cycle.shape[1] == 4
    assert abs(action(r.cycle) - r.value) < 1e-9 * r.value
    ch = check_cycle(P, r.cycle, r.value)
    assert ch.ok
    # a cycle check that can fail: the reversed cycle has action -c
    assert not check_cycle(P, r.cycle[::-1], r.value).ok
    # and so does a cycle moved off the boundary
    assert not check_cycle(P, 0.9 * r.cycle + 0.1 * P.interior_point, r.value).ok


@pytest.mark.parametrize("fn", [ehz_capacity, systolic_ratio])
def test_odd_dimension_raises(fn):
    P = Polytope.from_vertices(np.vstack([np.zeros(3), np.eye(3)]))
    with pytest.raises(InvalidPolytope, match="even dimension"):
        fn(P)


@pytest.mark.parametrize("fn", [ehz_capacity, systolic_ratio])
def test_not_a_polytope_raises(fn):
    with pytest.raises(InvalidPolytope, match="needs a Polytope"):
        fn(np.eye(4))


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown method"):
        ehz_capacity(gen.cube(0)[0], "magic")


def test_billiards_on_non_product_raises_and_cube_is_a_product():
    with pytest.raises(InvalidPolytope, match="Lagrangian products"):
        ehz_capacity(gen.simplex(0)[0], "billiards")
    r = ehz_capacity(gen.cube(0)[0], "billiards")  # [-1,1]^4 = square x square
    assert abs(r.value - 4.0) < 1e-12


def test_time_budget_is_enforced():
    P, _ = gen.twenty_four_cell(0)  # 24 facets: far too many cycles for 0.2 s
    with pytest.raises(TimeBudgetExceeded):
        ehz_capacity(P, "haim_kislev", time_limit=0.2)
