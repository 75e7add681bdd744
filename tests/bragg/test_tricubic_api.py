"""Inputs and outputs of tricubic_interpolate: kinds, shapes, dtypes, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from perflab.bragg import resolve_backend, tricubic_interpolate


def test_numpy_in_numpy_out_and_shapes(bd):
    F = bd.random_grid()
    q = bd.mixed_queries(60).reshape(3, 3, 4, 5)
    v, mask = tricubic_interpolate(F, bd.HKL_MIN, *q, return_mask=True)
    assert isinstance(v, np.ndarray) and v.shape == (3, 4, 5) and v.dtype == np.float64
    assert mask.dtype == bool and mask.shape == (3, 4, 5)
    scalar = tricubic_interpolate(F, bd.HKL_MIN, 0.25, 0.5, 0.75)
    assert isinstance(scalar, np.ndarray) and scalar.shape == ()


def test_broadcasting_and_mixed_dtypes(bd):
    F = torch.from_numpy(bd.random_grid())
    h = torch.linspace(-1, 1, 5, dtype=torch.float32)[:, None]
    k = torch.tensor(0.5, dtype=torch.float32)
    l = torch.linspace(-1, 2, 4, dtype=torch.float32)[None, :]
    v = tricubic_interpolate(F, bd.HKL_MIN, h, k, l)
    assert v.shape == (5, 4) and v.dtype == torch.float32  # queries' dtype
    full = tricubic_interpolate(F, bd.HKL_MIN, h.expand(5, 4), k.expand(5, 4), l.expand(5, 4))
    assert torch.equal(v, full)


def test_float16_runs_on_the_torch_backend(bd):
    F = torch.from_numpy(bd.random_grid())
    q = torch.from_numpy(bd.mixed_queries(100))
    assert resolve_backend("auto", torch.device("cpu"), torch.float16) == "torch"
    v = tricubic_interpolate(F.half(), bd.HKL_MIN, *q.half())
    ref = tricubic_interpolate(F, bd.HKL_MIN, *q.half().double())
    assert v.dtype == torch.float16
    torch.testing.assert_close(v.double(), ref, rtol=2e-2, atol=0.2)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"out_of_range": "skip"}, ValueError, "out_of_range"),
        ({"backend": "cuda-magic"}, ValueError, "backend"),
        ({"chunk_size": 0}, ValueError, "chunk_size"),
        ({"hkl_min": (0, 0)}, ValueError, "hkl_min"),
        ({"hkl_min": (0, 0.5, 0)}, ValueError, "integers"),
        # Warp's 32-bit indices used to wrap these around and return another node's F
        ({"hkl_min": (2**40, 0, 0)}, ValueError, "32-bit"),
        ({"hkl_min": (0, 2**31 - 3, 0)}, ValueError, "32-bit"),
        ({"hkl_min": (0, 0, -(2**31) - 1)}, ValueError, "32-bit"),
        ({"F": np.zeros((4, 4))}, ValueError, "3-D"),
        ({"F": np.zeros((0, 4, 4))}, ValueError, "empty"),
        ({"F": np.zeros((5, 5, 5), dtype=np.int64)}, TypeError, "floating"),
        ({"h": np.array([1, 2])}, TypeError, "floating"),
        ({"h": np.array([np.nan, 0.0])}, ValueError, "NaN"),
        ({"l": np.array([0.0, np.inf])}, ValueError, "NaN or infinite"),
        ({"k": np.array([0.0, 1.0, 2.0])}, ValueError, "broadcast"),
    ],
)
@pytest.mark.parametrize("backend", ["torch", "warp"])
def test_bad_input_raises_clear_errors(kwargs, exc, match, backend):
    args = {
        "F": np.ones((6, 6, 6)),
        "hkl_min": (0, 0, 0),
        "h": np.array([2.5, 3.0]),
        "k": np.array([2.5, 3.0]),
        "l": np.array([2.5, 3.0]),
        "backend": backend,
    }
    args.update(kwargs)
    F, hkl_min, h, k, l = (args.pop(n) for n in ("F", "hkl_min", "h", "k", "l"))
    with pytest.raises(exc, match=match):
        tricubic_interpolate(F, hkl_min, h, k, l, **args)


def test_explicit_backend_that_cannot_run_is_an_error():
    with pytest.raises(ValueError, match="does not support"):
        resolve_backend("warp", torch.device("cpu"), torch.float16)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="does not support"):
            resolve_backend("warp", torch.device("cuda"), torch.float64)


def test_auto_backend_is_warp_on_cpu_float64():
    assert resolve_backend("auto", torch.device("cpu"), torch.float64) == "warp"


def test_auto_never_picks_compile():
    # its first compilation takes minutes on a loaded 2-core machine (see the module doc)
    from perflab.bragg import resolve_backend

    for dtype in (torch.float16, torch.float32, torch.float64):
        assert resolve_backend("auto", torch.device("cpu"), dtype) in ("warp", "torch")
