"""Shared helpers for the symplectic tests."""

import pytest

from perflab.symplectic import check_cycle


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
