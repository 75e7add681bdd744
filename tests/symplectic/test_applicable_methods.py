"""The core owns which exact capacity methods apply to a polytope."""

import pytest

from perflab.symplectic import InvalidPolytope, Polytope, applicable_methods, ehz_capacity
from perflab.symplectic import generators as gen


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: gen.cross_polytope(0)[0], ("haim_kislev", "reeb", "branch_bound")),
        (
            lambda: gen.polygon_product(0, n=5, m=5, r=1, s=4)[0],
            ("haim_kislev", "billiards", "branch_bound"),
        ),
        (lambda: gen.symplectic_polygon_product(0, m=4, n=4)[0], ("haim_kislev", "branch_bound")),
        (lambda: gen.cube(0, dim=6)[0], ("haim_kislev", "branch_bound")),
        (lambda: gen.regular_polygon(0, n=6)[0], ("haim_kislev", "branch_bound")),
    ],
    ids=["cross-polytope", "lagrangian-product", "symplectic-product", "cube6", "hexagon"],
)
def test_applicable_methods(make, expected):
    P = make()
    assert applicable_methods(P) == expected
    # every method it names runs; the others refuse
    for m in expected:
        if P.num_facets <= 10 or m in ("reeb", "billiards", "branch_bound"):
            assert ehz_capacity(P, m).value > 0


def test_odd_dimension_is_refused():
    with pytest.raises(InvalidPolytope, match="even dimension"):
        applicable_methods(Polytope.from_vertices([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]))
