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
