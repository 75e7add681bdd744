"""interpolation="sticky": nanoBragg.c's run-wide switch-off of interpolation, reproduced.

The reference below is the C's structure-factor lookup over a sequence of points, literally:
``interpolate`` starts at 1; a point failing the range check sets ``F_cell = default_F`` and
``interpolate = 0`` for good; while ``interpolate`` is 0 every point, the switching one
included, takes ``Fhkl[h0][k0][l0]`` with ``h0 = ceil(h - 0.5)`` when on the grid, else
``default_F``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from perflab.bragg import tricubic_interpolate, tricubic_reference


def c_sequence(F, mins, q, default_F):
    """nanoBragg.c's F lookup for points in loop order, with its shared interpolate flag."""
    interpolate = True
    values = np.empty(q.shape[1])
    for i, (h, k, l) in enumerate(q.T):
        x = (h, k, l)
        if interpolate and any(
            (x[a] - mins[a] + 3) > F.shape[a] or (x[a] - 2) < mins[a] for a in range(3)
        ):
            values[i] = default_F
            interpolate = False
        if interpolate:
            values[i] = tricubic_reference(F, mins, h, k, l)[0]
        else:
            n0 = [math.ceil(c - 0.5) for c in x]
            on = all(mins[a] <= n0[a] < mins[a] + F.shape[a] for a in range(3))
            values[i] = F[n0[0] - mins[0], n0[1] - mins[1], n0[2] - mins[2]] if on else default_F
    return values


def _mixed(bd, n, first_out):
    """Points in range, with the first out-of-range one at ``first_out``; after it, a mix."""
    q = bd.mixed_queries(4 * n, seed=3)
    inside = tricubic_reference(bd.random_grid(), bd.HKL_MIN, *q)[1]
    ins, outs = q[:, inside], q[:, ~inside]
    head = ins[:, :first_out]
    tail = np.concatenate([outs[:, :1], ins[:, first_out : first_out + n // 2],
                           outs[:, 1 : n // 2]], axis=1)  # fmt: skip
    order = np.random.default_rng(5).permutation(tail.shape[1] - 1) + 1
    return np.concatenate([head, tail[:, :1], tail[:, order]], axis=1)


@pytest.mark.parametrize("backend", ["torch", "warp"])
@pytest.mark.parametrize("first_out", [0, 37])
def test_sticky_reproduces_the_c_on_a_mixed_batch(bd, backend, first_out):
    F = bd.random_grid()
    q = _mixed(bd, 120, first_out)
    want = c_sequence(F, bd.HKL_MIN, q, default_F=1.5)
    got, mask = tricubic_interpolate(F, bd.HKL_MIN, *q, default_F=1.5, backend=backend,
                                     interpolation="sticky", return_mask=True)  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
    assert mask[:first_out].all() and not mask[first_out:].any()
    # the per-point default differs from the C on this batch: in-range points after the switch
    per_point = tricubic_interpolate(F, bd.HKL_MIN, *q, default_F=1.5, backend=backend)
    assert np.abs(per_point - want).max() > 1e-3


def test_sticky_without_out_of_range_points_is_per_point(bd):
    F = bd.random_grid()
    q = _mixed(bd, 40, 30)[:, :30]
    a = tricubic_interpolate(F, bd.HKL_MIN, *q, interpolation="sticky")
    np.testing.assert_array_equal(a, tricubic_interpolate(F, bd.HKL_MIN, *q))


def test_sticky_follows_row_major_order_of_the_broadcast_shape(bd):
    F = bd.random_grid()
    q = _mixed(bd, 30, 10)
    n = q.shape[1] - q.shape[1] % 5
    grid = q[:, :n].reshape(3, -1, 5)
    got = tricubic_interpolate(F, bd.HKL_MIN, *grid, interpolation="sticky", default_F=1.5)
    np.testing.assert_allclose(
        got.reshape(-1), c_sequence(F, bd.HKL_MIN, q[:, :n], 1.5), rtol=1e-13
    )


def test_sticky_gradients_and_errors(bd):
    F = torch.from_numpy(bd.random_grid()).requires_grad_()
    q = torch.from_numpy(_mixed(bd, 20, 6))
    h = q[0].clone().requires_grad_()
    v = tricubic_interpolate(F, bd.HKL_MIN, h, q[1], q[2], interpolation="sticky")
    v.sum().backward()
    # after the switch a point's value is a grid node: no gradient in h, one in F
    assert (h.grad[7:] == 0).all() and (h.grad[:6] != 0).any()
    # weights sum to 1 for every point read from the grid (default_F = 0 for the others)
    from_grid = int((v.detach() != 0).sum())
    assert 6 < from_grid < len(q[0])
    assert float(F.grad.sum()) == pytest.approx(from_grid, rel=1e-12)
    with pytest.raises(ValueError, match="interpolation must be one of"):
        tricubic_interpolate(F.detach(), bd.HKL_MIN, *q, interpolation="off")
    bad = q.clone()
    bad[0, 10] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        tricubic_interpolate(F.detach(), bd.HKL_MIN, *bad, interpolation="sticky")
