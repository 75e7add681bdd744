"""Shared fixtures for the bragg tests: a small random F grid and mixed query points."""

from __future__ import annotations

import numpy as np
import pytest

HKL_MIN = (-4, -5, -3)
SHAPE = (9, 10, 11)


def random_grid(seed: int = 0, shape=SHAPE) -> np.ndarray:
    """Structure-factor-like values (positive, away from zero)."""
    return np.random.default_rng(seed).uniform(10.0, 100.0, shape)


def mixed_queries(n: int, seed: int = 1, shape=SHAPE, hkl_min=HKL_MIN) -> np.ndarray:
    """(3, n) fractional indices: about half inside the interpolation range, the rest outside
    (some with an on-grid nearest node, some off the grid), plus some exact integers."""
    rng = np.random.default_rng(seed)
    q = np.empty((3, n))
    inside = rng.random(n) < 0.5
    for a in range(3):
        lo, hi = hkl_min[a], hkl_min[a] + shape[a] - 1
        wide = rng.uniform(lo - 3.0, hi + 3.0, n)
        q[a] = np.where(inside, rng.uniform(lo + 2.0, max(hi - 2.0, lo + 2.0), n), wide)
    q[:, : n // 20] = np.round(q[:, : n // 20])
    return q


@pytest.fixture(scope="module")
def grid() -> np.ndarray:
    return random_grid()


class BraggData:
    """Helpers handed to tests (with importlib imports, tests cannot import conftest)."""

    HKL_MIN = HKL_MIN
    SHAPE = SHAPE
    random_grid = staticmethod(random_grid)
    mixed_queries = staticmethod(mixed_queries)


@pytest.fixture(scope="session")
def bd() -> type[BraggData]:
    return BraggData
