"""Autograd through F and h, k, l (torch.autograd.gradcheck against finite differences)."""

from __future__ import annotations

import pytest
import torch

from perflab.bragg import tricubic_interpolate


def _inputs(bd, n=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    F = torch.from_numpy(bd.random_grid(shape=(7, 8, 7))).requires_grad_()
    lo = (-3, -4, -3)
    qs = []
    for a, n_a in enumerate((7, 8, 7)):
        # mostly in range, a few outside (nearest / default branch)
        x = torch.rand(n, generator=g, dtype=torch.float64) * (n_a - 3.2) + lo[a] + 1.6
        qs.append(x.requires_grad_())
    return F, lo, qs


@pytest.mark.parametrize("backend", ["torch", "warp"])
@pytest.mark.parametrize("mode", ["nearest", "default"])
def test_gradcheck_F_and_hkl(bd, backend, mode):
    F, lo, (h, k, l) = _inputs(bd)

    def fn(F, h, k, l):
        return tricubic_interpolate(F, lo, h, k, l, out_of_range=mode, backend=backend)

    mask = tricubic_interpolate(F, lo, h, k, l, return_mask=True)[1]
    assert mask.any() and not mask.all()
    assert torch.autograd.gradcheck(fn, (F, h, k, l), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_gradient_of_nearest_points_goes_to_their_node():
    F = torch.zeros(6, 6, 6, dtype=torch.float64, requires_grad=True)
    h = torch.tensor([0.2], dtype=torch.float64, requires_grad=True)  # out of range (h < 2)
    v = tricubic_interpolate(F, (0, 0, 0), h, torch.tensor([2.6]), torch.tensor([3.0]))
    v.sum().backward()
    expected = torch.zeros_like(F)
    expected[0, 3, 3] = 1.0
    assert torch.equal(F.grad, expected)
    assert h.grad.item() == 0.0


def test_gradient_flows_through_float32_and_shapes(bd):
    F = torch.from_numpy(bd.random_grid()).float().requires_grad_()
    q = torch.from_numpy(bd.mixed_queries(600)).float().reshape(3, 20, 30).requires_grad_()
    v = tricubic_interpolate(F, bd.HKL_MIN, q[0], q[1], q[2])
    (v**2).sum().backward()
    assert F.grad.shape == F.shape and q.grad.shape == q.shape
    assert F.grad.dtype == torch.float32 and torch.isfinite(q.grad).all()
