"""Generators: determinism, provenance, registry."""

import json

import numpy as np
import pytest

from perflab.symplectic import InvalidPolytope, Polytope
from perflab.symplectic import generators as gen


@pytest.mark.parametrize("family", sorted(gen.FAMILIES))
def test_every_family_is_deterministic_and_json_provenance(family):
    make = gen.FAMILIES[family]
    P1, prov1 = make(7)
    P2, prov2 = make(7)
    assert isinstance(P1, Polytope)
    np.testing.assert_array_equal(P1.vertices, P2.vertices)
    assert prov1 == prov2
    assert prov1["family"] == family and prov1["seed"] == 7
    json.dumps(prov1)
    # a Generator instead of a seed: provenance carries its state, replay reproduces it
    g = np.random.default_rng(11)
    P3, prov3 = make(g)
    assert prov3["seed"] is None and prov3["rng_state"] is not None
    g2 = np.random.default_rng(0)
    g2.bit_generator.state = prov3["rng_state"]
    P4, _ = make(g2, **{k: v for k, v in prov3["params"].items() if k != "base_params"})
    np.testing.assert_array_equal(P3.vertices, P4.vertices)


def test_rng_is_required():
    with pytest.raises(TypeError):
        gen.random_polygon(None)


def test_parameters_recorded_and_respected():
    P, prov = gen.random_polygon(3, n=6)
    assert P.num_vertices == 6 and prov["params"] == {"n": 6}
    P, prov = gen.hull_sphere_4d(3, points=8)
    assert P.num_vertices == 8
    P, prov = gen.halfspace_polytope_4d(5, facets=9)
    assert P.num_facets <= 9 and np.all(P.offsets >= 0.5 - 1e-12)
    P, prov = gen.polygon_product(0, n=5, m=5, r=1, s=4)
    assert P.num_facets == 10 and P.lagrangian_factors is not None


def test_polygon_product_grid_has_one_member_per_rotation_class():
    grid = list(gen.polygon_product_grid(5, 4))
    assert {"n": 5, "m": 5, "r": 0, "s": 1} in grid
    assert {"n": 5, "m": 5, "r": 1, "s": 4} in grid  # the Viterbo counterexample
    assert len({tuple(g.values()) for g in grid}) == len(grid)
    # 1/2 of a turn is 0 modulo 1/lcm(4, 4) = 1/4, so it is not listed again for n = m = 4
    assert {"n": 4, "m": 4, "r": 1, "s": 2} not in grid


def test_equivalent_rotations_give_the_same_capacity():
    from perflab.symplectic import ehz_capacity

    a = ehz_capacity(gen.polygon_product(0, n=5, m=5, r=1, s=4)[0]).value
    b = ehz_capacity(gen.polygon_product(0, n=5, m=5, r=1, s=20)[0]).value
    assert abs(a - b) < 1e-9 * a


def test_bad_parameters():
    with pytest.raises(InvalidPolytope, match="n must be"):
        gen.regular_polygon(0, n=2)
    with pytest.raises(InvalidPolytope, match="unknown base"):
        gen.perturbed(0, base="nope")
    with pytest.raises(InvalidPolytope, match="kind"):
        gen.simplex(0, kind="weird")


@pytest.mark.parametrize("mode", ["halfspaces", "vertices"])
def test_perturbed_modes(mode):
    P0, _ = gen.cube(0)
    P, prov = gen.perturbed(3, base="cube", eps=0.02, mode=mode)
    assert prov["params"]["mode"] == mode
    if mode == "halfspaces":
        assert P.num_facets == P0.num_facets
    # close to the base body
    assert np.max(np.abs(np.sort(P.vertices, axis=0) - np.sort(P0.vertices, axis=0))) < 0.3
    # barely bounded bases are redrawn until bounded
    P, _ = gen.perturbed(7, base="halfspace_polytope_4d", base_params={"facets": 6}, eps=0.1)
    assert P.num_facets <= 6
