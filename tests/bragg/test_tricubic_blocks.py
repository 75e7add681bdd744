"""Inputs that must be broadcast or converted are processed block by block (bounded memory),
with exactly the results of the fully materialised inputs."""

from __future__ import annotations

import pytest
import torch

from perflab.bragg import tricubic as tc
from perflab.bragg import tricubic_interpolate


@pytest.mark.parametrize(
    "shape, max_elems",
    [((10,), 3), ((10,), 100), ((4, 5), 3), ((4, 5), 5), ((4, 5), 7), ((3, 4, 5), 6),
     ((3, 4, 5), 1), ((2, 1, 7), 4), ((0, 3), 2), ((), 4)],
)  # fmt: skip
def test_row_major_blocks_cover_every_element_once_in_order(shape, max_elems):
    x = torch.arange(int(torch.tensor(shape).prod()) if shape else 1).reshape(shape)
    seen, expect_start = [], 0
    for start, stop, index in tc._row_major_blocks(shape, max_elems):
        part = x[index].reshape(-1)
        assert start == expect_start and stop - start == part.numel() <= max(max_elems, 1)
        seen.append(part)
        expect_start = stop
    got = torch.cat(seen) if seen else torch.empty(0, dtype=x.dtype)
    assert torch.equal(got, x.reshape(-1))


@pytest.mark.parametrize("backend", ["warp", "torch"])
@pytest.mark.parametrize("mode", ["nearest", "default"])
def test_blocks_give_the_materialised_results(bd, monkeypatch, backend, mode):
    F = torch.from_numpy(bd.random_grid())  # float64 grid
    q = torch.from_numpy(bd.mixed_queries(7 * 13)).to(torch.float32)
    h = q[0, :7, None]  # (7, 1)
    k = q[1, None, :13]  # (1, 13)
    l = q[2, 0]  # 0-d
    full = [x.expand(7, 13).to(torch.float64).contiguous() for x in (h, k, l)]
    want, want_mask = tricubic_interpolate(
        F, bd.HKL_MIN, *full, out_of_range=mode, backend=backend, return_mask=True
    )
    monkeypatch.setattr(tc, "PREP_BLOCK", 5)  # many blocks, some splitting a row
    got, mask = tricubic_interpolate(
        F, bd.HKL_MIN, h, k, l, out_of_range=mode, backend=backend, return_mask=True
    )
    assert got.shape == (7, 13) and got.dtype == torch.float32
    assert torch.equal(mask, want_mask)
    assert torch.equal(got, want.to(torch.float32))
    # a non-contiguous full-size query takes the same path
    ht = full[0].t().contiguous().t()
    assert not ht.is_contiguous()
    assert torch.equal(
        tricubic_interpolate(
            F, bd.HKL_MIN, ht, full[1], full[2], out_of_range=mode, backend=backend
        ),
        want,
    )
