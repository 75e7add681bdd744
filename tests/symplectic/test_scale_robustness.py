"""c(lambda K) = lambda^2 c(K) far from unit size: the tolerances follow the body.

Regression: the tolerances used to be absolute below size 1 (``Polytope.scale`` was floored at
1) and the solvers' thresholds were made for unit-size bodies, so a simplex of size 1e-3 got
"no admissible cycle", a cube of size 1e-10 collapsed to one vertex, and witness cycles of
very small or very large products failed the cycle check.
"""

import numpy as np
import pytest

from perflab.symplectic import Polytope, check_cycle, ehz_capacity, volume
from perflab.symplectic import generators as gen

CUBE = np.vstack([np.eye(4), -np.eye(4)])


def rel(a, b):
    return abs(a - b) / abs(b)


@pytest.mark.parametrize("lam", [1e-10, 1e-3, 1e6])
@pytest.mark.parametrize(
    "body, methods",
    [
        ("simplex", ("haim_kislev",)),
        ("halfspace", ("haim_kislev", "reeb")),
        ("pentagon_product", ("billiards", "haim_kislev")),
    ],
)
def test_capacity_scales_quadratically_at_any_size(body, methods, lam):
    if body == "simplex":
        P = gen.simplex(0)[0]
    elif body == "halfspace":
        P = gen.halfspace_polytope_4d(3, facets=7)[0]
    else:
        P = gen.polygon_product(0, n=5, m=5, r=1, s=4)[0]
    for how in ("scaled", "from_vertices"):
        Q = P.scaled(lam) if how == "scaled" else Polytope.from_vertices(P.vertices * lam)
        assert Q.num_vertices == P.num_vertices and Q.num_facets == P.num_facets
        assert rel(volume(Q), lam**4 * volume(P)) < 1e-9
        for m in methods:
            c = ehz_capacity(P, m).value
            r = ehz_capacity(Q, m)
            assert rel(r.value, lam**2 * c) < 1e-9, (how, m)
            ch = check_cycle(Q, r.cycle, r.value)
            assert ch.ok, (how, m, ch)


def test_tiny_halfspace_cube():
    P = Polytope.from_halfspaces(CUBE, np.full(8, 1e-10))
    assert P.num_vertices == 16 and P.num_facets == 8
    assert rel(volume(P), 16e-40) < 1e-12
    for m in ("auto", "haim_kislev", "billiards"):
        r = ehz_capacity(P, m)
        assert rel(r.value, 4e-20) < 1e-12
        assert check_cycle(P, r.cycle, r.value).ok


def test_cycle_check_far_from_the_origin():
    """The action of a polygon far from 0 is computed without cancellation."""
    P = gen.hull_sphere_4d(3)[0]
    r = ehz_capacity(P)
    far = P.translated(np.full(4, 1e4))
    ch = check_cycle(far, r.cycle + 1e4, r.value)
    assert ch.ok and ch.action < 1e-9, ch
