"""Volumes against closed forms."""

import itertools
import math

import numpy as np
import pytest

from perflab.symplectic import Polytope, volume
from perflab.symplectic import generators as gen


def rel(a, b):
    return abs(a - b) / abs(b)


def test_cube_and_simplex_volumes():
    for d in (2, 3, 4, 6):
        C = Polytope.from_vertices(np.array(list(itertools.product([-1.0, 1.0], repeat=d))))
        assert rel(volume(C), 2.0**d) < 1e-12
        S = Polytope.from_vertices(np.vstack([np.zeros(d), np.eye(d)]))
        assert rel(volume(S), 1 / math.factorial(d)) < 1e-12


def test_cross_polytope_and_24_cell():
    P, _ = gen.cross_polytope(0, dim=4)
    assert rel(volume(P), 2.0**4 / 24) < 1e-12
    P, _ = gen.twenty_four_cell(0)
    assert P.num_vertices == 24 and P.num_facets == 24
    assert rel(volume(P), 8.0) < 1e-12  # 24-cell with edge a = sqrt(2): volume 2 a^4


def test_regular_polygon_area_and_product_volume():
    n = 5
    A = 0.5 * n * math.sin(2 * math.pi / n)
    P, _ = gen.regular_polygon(0, n=n)
    assert rel(volume(P), A) < 1e-12
    Q, _ = gen.polygon_product(0, n=5, m=5, r=1, s=4)
    assert rel(volume(Q), A**2) < 1e-12
    assert rel(volume(Q), 5.6531781074) < 1e-10


@pytest.mark.parametrize("lam", [0.5, 2.0])
def test_volume_scaling_and_symplectic_invariance(lam):
    P, _ = gen.hull_sphere_4d(1, points=9)
    assert rel(volume(P.scaled(lam)), lam**4 * volume(P)) < 1e-12
    rng = np.random.default_rng(2)
    M = rng.standard_normal((4, 4))
    assert rel(volume(P.linear_image(M)), abs(np.linalg.det(M)) * volume(P)) < 1e-10
