"""branch_bound: the general (any R^{2n}) best-first search over facet sequences with an LP
bound. Known values, agreement with Haim-Kislev, billiards and the tube search, invariance,
work budgets, LP robustness, and what ``auto`` picks."""

import subprocess
import sys

import numpy as np
import pytest

from perflab.harness import WorkBudgetExceeded
from perflab.symplectic import InvalidPolytope, Polytope, auto_method, ehz_capacity, volume
from perflab.symplectic import generators as gen
from perflab.symplectic.capacity import branch_bound as bb_mod
from perflab.symplectic.capacity.branch_bound import branch_bound


def rel(a, b):
    return abs(a - b) / abs(b)


def random_6d(seed, facets):
    """A random 6D polytope: ``facets`` tangent halfspaces of the unit ball."""
    return gen.circumscribed(seed, dim=6, facets=facets)


def test_cube_6d(assert_witness):
    """[-1,1]^6 (over 303,767 candidate cycles for the enumeration): c = 4 by the general
    search, with its 384 symplectic symmetries, in a few thousand LPs."""
    P = gen.cube(0, dim=6)[0]
    r = ehz_capacity(P, "branch_bound")
    assert r.method == "branch_bound"
    assert r.value == pytest.approx(4.0, rel=1e-12)
    assert r.details["symmetries"] == 384
    assert r.details["lps"] < 10_000
    assert_witness(P, r)
    assert auto_method(P) == "branch_bound"


def test_cross_polytope_and_hurwitz_24_cell(hurwitz_24_cell, assert_witness):
    """Known values in R^4 (also reached by reeb): c = 1 and c = 2."""
    P = gen.cross_polytope(0)[0]
    r = branch_bound(P)
    assert r.value == pytest.approx(1.0, rel=1e-12)
    assert_witness(P, r)
    r = branch_bound(hurwitz_24_cell)
    assert r.value == pytest.approx(2.0, rel=1e-12)
    assert volume(hurwitz_24_cell) == pytest.approx(2.0, rel=1e-12)
    assert_witness(hurwitz_24_cell, r)


@pytest.mark.parametrize(
    "make",
    [
        lambda: gen.simplex(0, dim=6)[0],
        lambda: gen.simplex(0, dim=6, kind="regular")[0],
        lambda: random_6d(1, 9),
        lambda: random_6d(2, 10),
        lambda: random_6d(3, 11),
        lambda: gen.simplex(0)[0],
        lambda: gen.halfspace_polytope_4d(1, facets=8)[0],
        lambda: gen.hull_sphere_4d(3, points=6)[0],
        lambda: gen.symplectic_polygon_product(4, m=4, n=5)[0],
        lambda: gen.perturbed(2, base="simplex", eps=0.05)[0],
    ],
    ids=[
        "simplex6",
        "regular-simplex6",
        "random6-9",
        "random6-10",
        "random6-11",
        "simplex4",
        "halfspace4-8",
        "hull4",
        "symplectic-product-4x5",
        "perturbed-simplex",
    ],
)
def test_agrees_with_haim_kislev(make, assert_witness):
    """Wherever the enumeration finishes, the two exact methods agree to 1e-9."""
    P = make()
    r = ehz_capacity(P, "branch_bound")
    rh = ehz_capacity(P, "haim_kislev")
    assert rel(r.value, rh.value) < 1e-9, (r.value, rh.value)
    assert_witness(P, r)


@pytest.mark.parametrize("n, m, r, s", [(5, 5, 1, 4), (3, 4, 1, 5), (6, 6, 1, 7)])
def test_lagrangian_products_agree_with_billiards(n, m, r, s, assert_witness):
    """Products of polygons: every 2-face between the factors is Lagrangian."""
    P = gen.polygon_product(0, n=n, m=m, r=r, s=s)[0]
    rb = branch_bound(P)
    rbil = ehz_capacity(P, "billiards")
    assert rel(rb.value, rbil.value) < 1e-9
    assert_witness(P, rb)


def test_agrees_with_the_tube_search_at_20_facets(assert_witness):
    P = gen.circumscribed_4d(20, facets=20)[0]
    r = branch_bound(P)
    assert rel(r.value, ehz_capacity(P, "reeb").value) < 1e-9
    assert_witness(P, r)


def test_invariant_under_symplectic_maps_and_translations(assert_witness, symplectic_map):
    """c(M K + t) = c(K) for a linear symplectic M of R^6."""
    rng = np.random.default_rng(11)
    P = random_6d(4, 10)
    c0 = branch_bound(P).value
    for _ in range(2):
        M = symplectic_map(rng, n=3)
        t = rng.standard_normal(6)
        Q = Polytope.from_vertices(P.vertices @ M.T + t)
        r = branch_bound(Q)
        assert rel(r.value, c0) < 1e-9
        assert_witness(Q, r)


@pytest.mark.deep
def test_random_6d_past_the_enumeration_wall(assert_witness):
    """16 facets in R^6: the enumeration runs past 3,000,000 search steps; branch_bound
    finishes (~14,000 LPs) with a witness, and agrees with the enumeration's short-cycle
    upper bound where that exists."""
    P = random_6d(16, 16)
    with pytest.raises(WorkBudgetExceeded):
        ehz_capacity(P, "haim_kislev", max_work=200_000)
    r = ehz_capacity(P, time_limit=600)
    assert r.method == "branch_bound"
    assert_witness(P, r)


def test_work_budget_is_deterministic():
    P = gen.cube(0, dim=6)[0]
    for _ in range(2):
        with pytest.raises(WorkBudgetExceeded, match="work budget of 500 LPs") as e:
            ehz_capacity(P, "branch_bound", max_work=500)
        assert e.value.used == 500
    Q = gen.halfspace_polytope_4d(1, facets=8)[0]
    a = branch_bound(Q)
    b = branch_bound(Q)
    assert a.value == b.value and a.details == b.details
    np.testing.assert_array_equal(a.cycle, b.cycle)


def test_incumbent_prunes_and_keeps_the_value(assert_witness):
    P = gen.halfspace_polytope_4d(1, facets=8)[0]
    full = branch_bound(P)
    c = full.value
    r = branch_bound(P, incumbent=c * (1 + 1e-9))
    assert r.details["below_incumbent"] and r.value == pytest.approx(c, rel=1e-12)
    assert_witness(P, r)
    r = branch_bound(P, incumbent=c * (1 - 1e-6))
    assert not r.details["below_incumbent"] and len(r.cycle) == 0
    assert r.value == c * (1 - 1e-6)
    assert r.details["lps"] <= full.details["lps"]


def test_symmetry_only_saves_work():
    P = gen.cube(0, dim=4)[0]
    a = branch_bound(P)
    b = branch_bound(P, symmetry=False)
    assert rel(a.value, b.value) < 1e-12
    assert a.details["lps"] < b.details["lps"]


def test_undecided_lps_keep_their_parent_bound(monkeypatch, assert_witness):
    """An LP that HiGHS cannot decide never prunes: the node keeps its parent's bound, and
    the result is still exact. A closing LP that cannot be decided raises LPFailure."""
    P = gen.halfspace_polytope_4d(1, facets=8)[0]
    exact = branch_bound(P).value
    real = bb_mod._node_lp
    calls = {"n": 0}

    def flaky(highs, D, last, path, rest, closing):
        calls["n"] += 1
        if not closing and calls["n"] % 3 == 0:
            return bb_mod._LPResult(-1, np.nan, None)
        return real(highs, D, last, path, rest, closing)

    monkeypatch.setattr(bb_mod, "_node_lp", flaky)
    r = branch_bound(P)
    assert r.details["undecided_lps"] > 0
    assert rel(r.value, exact) < 1e-12
    assert_witness(P, r)
    monkeypatch.setattr(bb_mod, "_node_lp", lambda *a: bb_mod._LPResult(-1, np.nan, None))
    with pytest.raises(bb_mod.LPFailure, match="could not decide"):
        branch_bound(P)


def test_highs_banner_stays_off_stdout():
    """HiGHS prints a banner when a process makes its first solver; stdout may carry JSON."""
    code = (
        "from perflab.symplectic import generators as g\n"
        "from perflab.symplectic.capacity.branch_bound import branch_bound\n"
        "r = branch_bound(g.cube(0)[0]); print(round(r.value, 6))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "4.0\n"


def test_bad_arguments():
    P = gen.cube(0)[0]
    with pytest.raises(ValueError, match="max_nodes"):
        branch_bound(P, max_nodes=0)
    with pytest.raises(InvalidPolytope, match="even dimension"):
        branch_bound(Polytope.from_vertices(np.vstack([np.eye(3), -np.ones(3)])))
