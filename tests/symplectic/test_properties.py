"""Property tests (hypothesis): invariances, scaling, monotonicity, witness cycles."""

import numpy as np
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from perflab.symplectic import Polytope, check_cycle, ehz_capacity, systolic_ratio, volume
from perflab.symplectic import generators as gen

# max_examples and derandomize come from the profile loaded in tests/conftest.py
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def rel(a, b):
    return abs(a - b) / abs(b)


def small_4d(seed: int) -> Polytope:
    """A random 4D polytope with few facets (fast for every method)."""
    if seed % 2:
        return gen.halfspace_polytope_4d(seed, facets=6 + seed % 3)[0]
    return gen.random_polygon_product(seed, n=3 + seed % 2, m=3 + (seed // 2) % 3)[0]


def random_symplectic(rng: np.random.Generator) -> np.ndarray:
    """A product of the generators [[I, S], [0, I]], [[I, 0], [S, I]], diag(A, A^-T)."""
    M = np.eye(4)
    for _ in range(3):
        S = rng.standard_normal((2, 2)) * 0.3
        S = S + S.T
        A = np.eye(2) + 0.2 * rng.standard_normal((2, 2))
        up = np.block([[np.eye(2), S], [np.zeros((2, 2)), np.eye(2)]])
        low = np.block([[np.eye(2), np.zeros((2, 2))], [S.T * 0.5, np.eye(2)]])
        dia = np.block([[A, np.zeros((2, 2))], [np.zeros((2, 2)), np.linalg.inv(A).T]])
        M = dia @ low @ up @ M
    return M


def test_random_symplectic_is_symplectic():
    J = np.block([[np.zeros((2, 2)), np.eye(2)], [-np.eye(2), np.zeros((2, 2))]])
    M = random_symplectic(np.random.default_rng(0))
    np.testing.assert_allclose(M.T @ J @ M, J, atol=1e-12 * np.linalg.norm(M) ** 2)


@SETTINGS
@given(seed=seeds, shift=st.lists(st.floats(-5, 5), min_size=4, max_size=4))
def test_translation_invariance(seed, shift):
    P = small_4d(seed)
    r0 = ehz_capacity(P)
    r1 = ehz_capacity(P.translated(np.array(shift)))
    assert rel(r1.value, r0.value) < 1e-9
    assert check_cycle(P.translated(np.array(shift)), r1.cycle, r1.value).ok


@SETTINGS
@given(seed=seeds, lam=st.floats(0.1, 10.0))
def test_scaling_is_quadratic(seed, lam):
    P = small_4d(seed)
    c0 = ehz_capacity(P, "haim_kislev").value
    c1 = ehz_capacity(P.scaled(lam), "haim_kislev").value
    assert rel(c1, lam**2 * c0) < 1e-9
    assert rel(systolic_ratio(P.scaled(lam)), systolic_ratio(P)) < 1e-9


@SETTINGS
@given(seed=seeds, mseed=seeds)
def test_symplectic_invariance(seed, mseed):
    P = small_4d(seed)
    M = random_symplectic(np.random.default_rng(mseed))
    assume(np.linalg.cond(M) < 1e3)  # well-conditioned maps: the test is about invariance
    Q = P.linear_image(M)
    c0 = ehz_capacity(P).value
    r1 = ehz_capacity(Q, "haim_kislev")
    assert rel(r1.value, c0) < 1e-9
    assert rel(volume(Q), volume(P)) < 1e-9
    assert check_cycle(Q, r1.cycle, r1.value).ok


@SETTINGS
@given(seed=seeds, cut=st.floats(0.0, 0.9), direction=seeds)
def test_monotone_under_inclusion(seed, cut, direction):
    """K = L cut by a halfspace through its interior is inside L, so c(K) <= c(L)."""
    L = gen.halfspace_polytope_4d(seed, facets=6 + seed % 3)[0]
    u = np.random.default_rng(direction).standard_normal(4)
    u /= np.linalg.norm(u)
    x0 = L.interior_point
    hmax = np.max(L.vertices @ u)
    h = u @ x0 + cut * (hmax - u @ x0)
    K = Polytope.from_halfspaces(np.vstack([L.normals, u]), np.r_[L.offsets, h])
    cK, cL = ehz_capacity(K).value, ehz_capacity(L).value
    assert cK <= cL * (1 + 1e-9)


@SETTINGS
@given(seed=seeds)
@example(seed=65515)  # a long thin body: reeb once accepted an orbit with a negative time
def test_every_method_passes_the_cycle_check(seed):
    P = small_4d(seed)
    methods = ["haim_kislev", "auto"]
    if P.lagrangian_factors is not None:
        methods.append("billiards")
    else:
        methods.append("reeb")
    values = []
    for m in methods:
        r = ehz_capacity(P, m)
        ch = check_cycle(P, r.cycle, r.value)
        assert ch.ok, (m, ch)
        values.append(r.value)
    assert max(values) - min(values) <= 1e-9 * max(values)
