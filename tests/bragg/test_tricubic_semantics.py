"""nanoBragg semantics of tricubic_interpolate: exactness, range check, out-of-range modes."""

from __future__ import annotations

import numpy as np
import pytest

from perflab.bragg import tricubic_interpolate, tricubic_reference

HKL_MIN = (-4, -5, -3)  # the grid of the `grid` fixture (tests/bragg/conftest.py)
SHAPE = (9, 10, 11)

FAST = ["torch", "warp"]


@pytest.mark.parametrize("backend", FAST)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_integer_indices_return_grid_values_exactly(grid, backend, dtype):
    F = grid.astype(dtype)
    h, k, l = np.meshgrid(
        *[np.arange(lo + 2, lo + n - 2, dtype=dtype) for lo, n in zip(HKL_MIN, SHAPE, strict=True)],
        indexing="ij",
    )
    v, mask = tricubic_interpolate(F, HKL_MIN, h, k, l, backend=backend, return_mask=True)
    assert mask.all()
    idx = tuple((x - lo).astype(int) for x, lo in zip((h, k, l), HKL_MIN, strict=True))
    np.testing.assert_array_equal(v, F[idx])
    assert v.dtype == dtype


def _cubic(h, k, l):
    """A tricubic polynomial (degree <= 3 in each of h, k, l), with mixed terms."""
    return (
        1.5
        + 0.3 * h**3
        - 0.2 * h * k**3
        + 0.05 * (h * k * l) ** 3 / 100.0
        + 0.7 * l**2 * k
        - 0.1 * l**3
        + 2.0 * h * l
    )


@pytest.mark.parametrize("backend", FAST)
def test_tricubic_polynomial_is_reproduced(backend):
    hi, ki, li = np.meshgrid(
        *[np.arange(lo, lo + n, dtype=np.float64) for lo, n in zip(HKL_MIN, SHAPE, strict=True)],
        indexing="ij",
    )
    F = _cubic(hi, ki, li)
    rng = np.random.default_rng(3)
    q = [rng.uniform(lo + 2, lo + n - 3, 2000) for lo, n in zip(HKL_MIN, SHAPE, strict=True)]
    v, mask = tricubic_interpolate(F, HKL_MIN, *q, backend=backend, return_mask=True)
    assert mask.all()
    exact = _cubic(*q)
    np.testing.assert_allclose(v, exact, rtol=1e-11, atol=1e-11 * np.abs(F).max())


@pytest.mark.parametrize("backend", FAST)
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_range_check_boundary_on_each_side(grid, backend, axis):
    lo = HKL_MIN[axis]
    hi = lo + SHAPE[axis] - 1
    centre = [m + n // 2 + 0.25 for m, n in zip(HKL_MIN, SHAPE, strict=True)]
    # nanoBragg: interpolate iff (x - x_min + 3) <= x_range and (x - 2) >= x_min
    cases = {
        float(lo + 2): True,
        lo + 2 - 1e-9: False,
        float(hi - 2): True,
        hi - 2 + 1e-9: False,
        float(lo + 1): False,  # the 4-node block would still fit: one index stricter
        float(hi - 1.5): False,
        # within half an ulp the C expression rounds: (x - 2) for x just below x_min + 2
        # equals x_min exactly in double precision, so nanoBragg interpolates there
        float(np.nextafter(lo + 2, -np.inf)): True,
        float(np.nextafter(hi - 2, np.inf)): (np.nextafter(hi - 2, np.inf) - lo + 3) <= SHAPE[axis],
    }
    q = np.array([centre] * len(cases)).T.copy()
    q[axis] = list(cases)
    v, mask = tricubic_interpolate(grid, HKL_MIN, *q, backend=backend, return_mask=True)
    assert mask.tolist() == list(cases.values())
    ref, ref_mask = tricubic_reference(grid, HKL_MIN, *q)
    assert ref_mask.tolist() == list(cases.values())
    np.testing.assert_allclose(v, ref, rtol=1e-12)


@pytest.mark.parametrize("backend", FAST)
def test_out_of_range_modes(grid, backend):
    # nearest node on the grid / off the grid, on the low and high sides
    q = np.array(
        [
            [-3.4, 0.0, 0.0],  # h out of range, nearest h = -3 on grid
            [-4.5, 0.0, 0.0],  # ceil(-5.0) = -5: off the grid
            [4.49, 0.5, 1.0],  # h_max = 4, nearest 4 on grid
            [4.51, 0.5, 1.0],  # nearest 5: off the grid
            [0.3, 0.2, 0.1],  # in range
        ]
    ).T.copy()
    near = tricubic_interpolate(grid, HKL_MIN, *q, default_F=-7.0, backend=backend)
    dflt = tricubic_interpolate(
        grid, HKL_MIN, *q, default_F=-7.0, out_of_range="default", backend=backend
    )
    F = lambda h, k, l: grid[h + 4, k + 5, l + 3]  # noqa: E731
    assert near[0] == F(-3, 0, 0)
    assert near[1] == -7.0
    assert near[2] == F(4, 0, 1)  # k: ceil(0.5 - 0.5) = 0
    assert near[3] == -7.0
    assert dflt[:4].tolist() == [-7.0] * 4
    assert near[4] == dflt[4] != -7.0


def test_nearest_uses_ceil_of_x_minus_half():
    F = np.arange(9 * 9 * 9, dtype=np.float64).reshape(9, 9, 9)
    # h = 0.5 exactly: ceil(0.0) = 0; h = 0.5 + eps: ceil(>0) = 1; all out of range on l
    q = np.array([[0.5, 0.0, -1.0], [np.nextafter(0.5, 1), 0.0, -1.0]]).T.copy()
    v = tricubic_interpolate(F, (0, 0, -1), *q)
    assert v.tolist() == [F[0, 0, 0], F[1, 0, 0]]


@pytest.mark.parametrize("backend", FAST)
def test_decisions_are_per_point_not_per_batch(grid, bd, backend):
    q = bd.mixed_queries(400, seed=5)
    batch, mask = tricubic_interpolate(grid, HKL_MIN, *q, backend=backend, return_mask=True)
    assert 0 < mask.sum() < mask.size
    one_by_one = np.array(
        [tricubic_interpolate(grid, HKL_MIN, *q[:, i], backend=backend) for i in range(0, 400, 7)]
    )
    np.testing.assert_array_equal(batch[::7], one_by_one)
    inside_only = tricubic_interpolate(grid, HKL_MIN, *q[:, mask], backend=backend)
    np.testing.assert_array_equal(batch[mask], inside_only)


def test_small_grid_has_no_interpolation_range(bd):
    F = bd.random_grid(shape=(4, 6, 6))
    q = bd.mixed_queries(200, shape=(4, 6, 6), hkl_min=(0, 0, 0))
    for backend in FAST:
        v, mask = tricubic_interpolate(F, (0, 0, 0), *q, return_mask=True, backend=backend)
        ref, _ = tricubic_reference(F, (0, 0, 0), *q)
        assert not mask.any()
        np.testing.assert_array_equal(v, ref)
