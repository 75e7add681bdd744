"""Known values from the notes (capacity, volume, systolic ratio) to 1e-9 relative."""

import math

import numpy as np
import pytest

from perflab.symplectic import Polytope, ehz_capacity, systolic_ratio, volume
from perflab.symplectic import generators as gen

PENTAGON_C = 2 * math.cos(math.pi / 10) * (1 + math.cos(math.pi / 5))
PENTAGON_AREA = 2.5 * math.sin(2 * math.pi / 5)


def rel(a, b):
    return abs(a - b) / abs(b)


@pytest.mark.parametrize("n", [3, 4, 5, 7])
def test_planar_capacity_is_area(n, assert_witness):
    for P in (gen.regular_polygon(0, n=n)[0], gen.random_polygon(n, n=n)[0]):
        r = ehz_capacity(P, "haim_kislev")
        assert rel(r.value, volume(P)) < 1e-9
        assert rel(systolic_ratio(P, capacity=r.value), 1.0) < 1e-9  # n = 1: c / area
        assert_witness(P, r)


def test_cube(assert_witness):
    P, _ = gen.cube(0, dim=4)
    r = ehz_capacity(P, "haim_kislev")
    assert rel(r.value, 4.0) < 1e-9
    assert rel(volume(P), 16.0) < 1e-9
    assert rel(systolic_ratio(P, capacity=r.value), 0.5) < 1e-9
    assert_witness(P, r)


def test_standard_simplex(assert_witness):
    P, _ = gen.simplex(0, dim=4)
    r = ehz_capacity(P, "haim_kislev")
    assert rel(r.value, 0.25) < 1e-9
    assert rel(volume(P), 1 / 24) < 1e-9
    assert rel(systolic_ratio(P, capacity=r.value), 0.75) < 1e-9
    assert_witness(P, r)


def test_pentagon_counterexample(assert_witness):
    assert rel(PENTAGON_C, 3.4409548012) < 1e-10
    P, _ = gen.polygon_product(0, n=5, m=5, r=1, s=4)
    r = ehz_capacity(P, "haim_kislev")
    assert rel(r.value, PENTAGON_C) < 1e-9
    assert rel(volume(P), PENTAGON_AREA**2) < 1e-9
    sys_ = systolic_ratio(P, capacity=r.value)
    assert rel(sys_, (math.sqrt(5) + 3) / 5) < 1e-9
    assert sys_ > 1
    assert_witness(P, r)


def test_symplectic_product_is_min_of_areas(assert_witness):
    P1, _ = gen.random_polygon(1, n=4)
    P2, _ = gen.regular_polygon(2, n=5, radius=0.9)
    P = Polytope.symplectic_product(P1, P2)
    r = ehz_capacity(P, "haim_kislev")
    assert rel(r.value, min(volume(P1), volume(P2))) < 1e-9
    assert_witness(P, r)


def test_translation_of_known_body():
    P, _ = gen.simplex(0, dim=4)
    r = ehz_capacity(P.translated(np.array([3.0, -1.0, 2.0, 0.5])), "haim_kislev")
    assert rel(r.value, 0.25) < 1e-9


def test_six_dimensional_symplectic_product(assert_witness):
    """R^6: (q1,p1) x (q2,p2) x (q3,p3) of triangles has c = the least area (any R^{2n})."""
    tris = [gen.random_polygon(s, n=3)[0] for s in (1, 2, 3)]
    P = Polytope.symplectic_product(Polytope.symplectic_product(tris[0], tris[1]), tris[2])
    assert P.dim == 6
    r = ehz_capacity(P)
    assert r.method == "haim_kislev"
    assert rel(r.value, min(volume(t) for t in tris)) < 1e-9
    assert_witness(P, r)
