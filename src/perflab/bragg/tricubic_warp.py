"""NVIDIA Warp kernel for the tricubic forward pass (CPU and CUDA, float32 and float64).

One thread per query does what nanoBragg's pixel loop does for one F lookup: the range
check, then either the 4x4x4 Lagrange interpolation contracted l, then k, then h, or the
nearest node / ``default_F``. Arithmetic is float64 for float32 storage too (the C code
computes in double); only the stored result is rounded to the storage dtype. Non-finite
queries raise a flag that the host turns into ``ValueError``. Warp compiles the kernel once
per dtype and device and caches the binary on disk (``warp.config.kernel_cache_dir``); the
first call of a process also pays module loading. On CPU a Warp launch runs on one thread.
"""

from __future__ import annotations

import functools
from typing import Any

import torch

from perflab.bragg.grid import GridSpec

__all__ = ["DEFAULT_CHUNK", "SUPPORTED_DTYPES", "available", "forward", "warp_module"]

SUPPORTED_DTYPES = (torch.float32, torch.float64)
DEFAULT_CHUNK = 1 << 22


def warp_module(*, init: bool = True):
    """The ``warp`` module, quiet; initialised (once per process) unless ``init=False``.

    Settings such as ``warp.config.kernel_cache_dir`` must be changed before the first
    initialisation, hence ``init=False``.
    """
    import warp as wp

    # keep Warp's start-up banner and per-module build messages out of our output
    wp.config.log_level = max(int(wp.config.log_level), 30)  # 30 = warp LOG_WARNING
    if init:
        _init_once()
    return wp


@functools.cache
def _init_once() -> None:
    import warp as wp

    wp.init()


def _warp():
    return warp_module(init=True)


def available(device: torch.device, dtype: torch.dtype) -> bool:
    """Whether this backend can run for tensors of ``dtype`` on ``device``."""
    if dtype not in SUPPORTED_DTYPES or device.type not in ("cpu", "cuda"):
        return False
    try:
        wp = _warp()
    except Exception:  # warp missing or broken: the caller reports the reason
        return False
    if device.type == "cuda":
        return wp.is_cuda_available()
    return True


@functools.cache
def _funcs():
    """The kernel's device functions: Lagrange weight, range test, nearest node, polin3."""
    wp = _warp()

    @wp.func
    def weight(t: Any, j: int):
        one = type(t)(1.0)
        two = type(t)(2.0)
        six = type(t)(6.0)
        if j == 0:
            return -t * (t - one) * (t - two) / six
        if j == 1:
            return (t + one) * (t - one) * (t - two) / two
        if j == 2:
            return -(t + one) * t * (t - two) / two
        return (t + one) * t * (t - one) / six

    @wp.func
    def inside(x: wp.float64, lo: int, n: int):
        return (x - wp.float64(lo) + wp.float64(3.0) <= wp.float64(n)) and (
            x - wp.float64(2.0) >= wp.float64(lo)
        )

    @wp.func
    def nearest_node(x: wp.float64, lo: int, n: int):
        # index of ceil(x - 0.5) on the axis, or -1 when it is off the grid
        x0 = wp.ceil(x - wp.float64(0.5))
        if x0 < wp.float64(lo) or x0 > wp.float64(lo + n - 1):
            return -1
        return int(x0) - lo

    @wp.func
    def polin3(F: wp.array(dtype=Any), xd: wp.float64, yd: wp.float64, zd: wp.float64, K: int,
               L: int, hmin: int, kmin: int, lmin: int):  # fmt: skip
        # arithmetic in float64 whatever the storage dtype, as nanoBragg (double)
        xf = wp.floor(xd)
        yf = wp.floor(yd)
        zf = wp.floor(zd)
        tx = xd - xf
        ty = yd - yf
        tz = zd - zf
        base = ((int(xf) - 1 - hmin) * K + (int(yf) - 1 - kmin)) * L + (int(zf) - 1 - lmin)
        wl0 = weight(tz, 0)
        wl1 = weight(tz, 1)
        wl2 = weight(tz, 2)
        wl3 = weight(tz, 3)
        acc = wp.float64(0.0)
        for a in range(4):
            acc_k = wp.float64(0.0)
            for b in range(4):
                o = base + (a * K + b) * L
                s = (
                    wp.float64(F[o]) * wl0
                    + wp.float64(F[o + 1]) * wl1
                    + wp.float64(F[o + 2]) * wl2
                    + wp.float64(F[o + 3]) * wl3
                )
                acc_k = acc_k + weight(ty, b) * s
            acc = acc + weight(tx, a) * acc_k
        return acc

    return inside, nearest_node, polin3


@functools.cache
def _kernels():
    """The forward kernel (one thread per query), overloaded for float32 and float64."""
    wp = _warp()
    inside, nearest_node, polin3 = _funcs()

    @wp.kernel
    def tricubic_forward(
        F: wp.array(dtype=Any),
        h: wp.array(dtype=Any),
        k: wp.array(dtype=Any),
        l: wp.array(dtype=Any),
        H: int,
        K: int,
        L: int,
        hmin: int,
        kmin: int,
        lmin: int,
        default_F: wp.float64,
        nearest: int,
        out: wp.array(dtype=Any),
        mask: wp.array(dtype=wp.uint8),
        bad: wp.array(dtype=wp.int32),
    ):
        i = wp.tid()
        x = h[i]
        xd = wp.float64(x)
        yd = wp.float64(k[i])
        zd = wp.float64(l[i])
        if not (wp.isfinite(xd) and wp.isfinite(yd) and wp.isfinite(zd)):
            bad[0] = 1
            out[i] = type(x)(default_F)
            mask[i] = wp.uint8(0)
            return
        if inside(xd, hmin, H) and inside(yd, kmin, K) and inside(zd, lmin, L):
            out[i] = type(x)(polin3(F, xd, yd, zd, K, L, hmin, kmin, lmin))
            mask[i] = wp.uint8(1)
            return
        mask[i] = wp.uint8(0)
        value = type(x)(default_F)
        if nearest != 0:
            ih = nearest_node(xd, hmin, H)
            ik = nearest_node(yd, kmin, K)
            il = nearest_node(zd, lmin, L)
            if ih >= 0 and ik >= 0 and il >= 0:
                value = F[(ih * K + ik) * L + il]
        out[i] = value

    # explicit overloads: both dtypes live in one module, compiled (and cached) together
    for scalar in (wp.float32, wp.float64):
        arr = wp.array(dtype=scalar)
        wp.overload(
            tricubic_forward,
            {"F": arr, "h": arr, "k": arr, "l": arr, "out": arr},
        )
    return tricubic_forward


def forward(spec: GridSpec, h, k, l, out, mask, *, chunk: int | None = None) -> None:
    """Fill ``out`` and ``mask`` (flat) with one Warp launch per chunk."""
    wp = _warp()
    kernel = _kernels()
    if spec.flat.numel() >= 2**31 - 1:
        raise ValueError("warp backend: F has more than 2**31 - 1 values (int32 indexing)")
    chunk = chunk or DEFAULT_CHUNK
    device = h.device
    wdevice = wp.device_from_torch(device)
    stream = wp.stream_from_torch(device) if device.type == "cuda" else None
    bad = torch.zeros(1, dtype=torch.int32, device=device)
    F_w = wp.from_torch(spec.flat)
    bad_w = wp.from_torch(bad)
    H, K, L = spec.shape
    for s in range(0, h.numel(), chunk):
        sl = slice(s, s + chunk)
        n = h[sl].numel()
        mask_u8 = torch.empty(n, dtype=torch.uint8, device=device)
        wp.launch(
            kernel,
            dim=n,
            inputs=[
                F_w,
                wp.from_torch(h[sl]),
                wp.from_torch(k[sl]),
                wp.from_torch(l[sl]),
                H,
                K,
                L,
                *spec.mins,
                wp.float64(spec.default_F),
                int(spec.nearest),
                wp.from_torch(out[sl]),
                wp.from_torch(mask_u8),
                bad_w,
            ],
            device=wdevice,
            stream=stream,
        )
        mask[sl] = mask_u8.bool()
    if h.numel() and int(bad.item()):
        raise ValueError(
            "h, k or l contains NaN or infinite Miller indices; "
            "no structure factor is defined there"
        )
