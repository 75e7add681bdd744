"""Fast backends against the scalar reference (the acceptance criterion: 1e-12 / 1e-5)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from perflab.bragg import tricubic_interpolate, tricubic_reference


def max_rel_error(values, ref) -> float:
    values = np.asarray(values, dtype=np.float64)
    return float(np.max(np.abs(values - ref) / np.abs(ref)))


def _check_parity(bd, n: int, backends, modes=("nearest", "default")):
    F = bd.random_grid(seed=11)
    q = bd.mixed_queries(n, seed=12)
    for mode in modes:
        ref, ref_mask = tricubic_reference(F, bd.HKL_MIN, *q, default_F=3.5, out_of_range=mode)
        assert 0.2 < ref_mask.mean() < 0.8  # both in-range and out-of-range points
        for backend in backends:
            for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-5)):
                v, mask = tricubic_interpolate(
                    F.astype(dtype),
                    bd.HKL_MIN,
                    *q.astype(dtype),
                    default_F=3.5,
                    out_of_range=mode,
                    return_mask=True,
                    backend=backend,
                )
                assert v.dtype == dtype
                if dtype == np.float64:
                    np.testing.assert_array_equal(mask, ref_mask)
                    err = max_rel_error(v, ref)
                else:
                    # float32 queries move points by up to 1 ulp: compare with the reference
                    # evaluated at the float32 points
                    ref32, _ = tricubic_reference(
                        F.astype(dtype), bd.HKL_MIN, *q.astype(dtype),
                        default_F=3.5, out_of_range=mode,
                    )  # fmt: skip
                    err = max_rel_error(v, ref32)
                assert err <= tol, (backend, mode, dtype, err)


def test_parity_with_reference_smoke(bd):
    _check_parity(bd, 6_000, ["torch", "warp"])


@pytest.mark.deep
def test_parity_with_reference_1e5_points(bd):
    _check_parity(bd, 100_000, ["torch", "warp"])


@pytest.mark.deep
def test_parity_compile_backend(bd):
    _check_parity(bd, 5_000, ["compile"])


def test_chunking_does_not_change_results(bd):
    F = bd.random_grid()
    q = bd.mixed_queries(5_000)
    for backend in ("torch", "warp"):
        whole = tricubic_interpolate(F, bd.HKL_MIN, *q, backend=backend)
        chunked = tricubic_interpolate(F, bd.HKL_MIN, *q, backend=backend, chunk_size=777)
        np.testing.assert_array_equal(whole, chunked)


def test_chunks_bound_the_working_set(bd, monkeypatch):
    """The eager path never hands more than chunk_size queries to one vectorised step."""
    from perflab.bragg import tricubic_torch

    sizes = []
    original = tricubic_torch.forward_chunk

    def spy(spec, G, h, k, l):
        sizes.append(h.numel())
        return original(spec, G, h, k, l)

    monkeypatch.setattr(tricubic_torch, "forward_chunk", spy)
    q = bd.mixed_queries(10_000)
    tricubic_interpolate(bd.random_grid(), bd.HKL_MIN, *q, backend="torch", chunk_size=1024)
    assert max(sizes) == 1024 and sum(sizes) == 10_000


def test_backends_agree_on_torch_tensors(bd):
    F = torch.from_numpy(bd.random_grid())
    q = torch.from_numpy(bd.mixed_queries(3_000)).reshape(3, 30, 100)
    a = tricubic_interpolate(F, bd.HKL_MIN, *q, backend="torch")
    b = tricubic_interpolate(F, bd.HKL_MIN, *q, backend="warp")
    assert isinstance(a, torch.Tensor) and a.shape == (30, 100)
    torch.testing.assert_close(a, b, rtol=1e-13, atol=0)
