"""Shared helpers for the symplectic tests."""

import itertools

import numpy as np
import pytest

from perflab.symplectic import Polytope, check_cycle


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


@pytest.fixture
def assert_witness():
    """Assert that a CapacityResult's cycle is a closed characteristic of its action."""

    def check(P, r, tol=1e-7):
        ch = check_cycle(P, r.cycle, r.value, tol=tol)
        assert ch.ok, f"{r.method}: cycle check failed: {ch}"
        return ch

    return check


@pytest.fixture
def assert_agree(assert_witness):
    """Assert that ``method`` and haim_kislev agree to 1e-9 on P, with valid witnesses."""
    from perflab.symplectic import ehz_capacity

    def check(P, prov, method):
        r = ehz_capacity(P, method)
        rh = ehz_capacity(P, "haim_kislev")
        assert r.method == method
        assert rel(r.value, rh.value) < 1e-9, (prov, r.value, rh.value)
        assert_witness(P, r)
        assert_witness(P, rh)

    return check


@pytest.fixture(scope="session")
def hurwitz_24_cell():
    """The 24-cell with vertices +-e_i and (+-1/2, +-1/2, +-1/2, +-1/2) (the Hurwitz unit
    quaternions; facets +-x_a +- x_b <= 1): c_EHZ = 2, volume 2, systolic ratio 1
    (Chaidez-Hutchings, arXiv:2008.10111, Sec. 2)."""
    V = [s * e for e in np.eye(4) for s in (1.0, -1.0)]
    V += [np.array(x) / 2 for x in itertools.product([1.0, -1.0], repeat=4)]
    return Polytope.from_vertices(np.array(V))


def _random_symplectic(rng: np.random.Generator, n: int = 2) -> np.ndarray:
    """A random linear symplectic map of R^{2n}: shears [[I, S], [0, I]], [[I, 0], [S, I]]
    (S symmetric) and diag(A, A^-T)."""
    eye = np.eye(n)
    S1 = rng.standard_normal((n, n))
    S2 = rng.standard_normal((n, n))
    A = eye + 0.3 * rng.standard_normal((n, n))
    up = np.block([[eye, 0.3 * (S1 + S1.T)], [np.zeros((n, n)), eye]])
    lo = np.block([[eye, np.zeros((n, n))], [0.3 * (S2 + S2.T), eye]])
    D = np.block([[A, np.zeros((n, n))], [np.zeros((n, n)), np.linalg.inv(A).T]])
    M = up @ D @ lo
    J = np.block([[np.zeros((n, n)), eye], [-eye, np.zeros((n, n))]])
    assert np.allclose(M.T @ J @ M, J)
    return M


@pytest.fixture
def symplectic_map():
    """``f(rng, n=2)``: a random linear symplectic map of R^{2n}."""
    return _random_symplectic
