"""Profile targets of the bragg kernels (``python -m perflab.devtools.profile bragg.X``).

Each entry of :data:`PROFILE_TARGETS` maps a name to a zero-argument *factory*: calling it
builds the inputs from a fixed seed (set-up, never profiled) and returns the zero-argument
callable that is profiled (see :mod:`perflab.devtools.profile`). The same workloads as
``benchmarks/bragg/`` and :mod:`perflab.bragg.bench`: tricubic interpolation of a random
41^3 structure-factor grid at 1e5 and 1e6 query points (float64, CPU, ``backend="auto"``:
Warp where it runs, else eager torch), and detector absorption (capture fractions from the
parallax of each layer of a 512 x 512 detector, 5 layers, then ``absorb``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perflab.harness.workloads import Factory  # the factory convention, one definition

__all__ = [
    "GRID",
    "PROFILE_TARGETS",
    "Factory",
    "absorption_512",
    "absorption_call",
    "tricubic_1e5",
    "tricubic_1e6",
    "tricubic_call",
]


GRID = 41


def tricubic_call(points: int, backend: str = "auto") -> Callable[[], Any]:
    """tricubic_interpolate of a random 41^3 float64 grid at ``points`` random points."""
    import numpy as np
    import torch

    from perflab.bragg import tricubic_interpolate

    rng = np.random.default_rng(0)
    hmin = -(GRID // 2)
    F = torch.from_numpy(rng.uniform(10.0, 1000.0, (GRID,) * 3))
    # uniform over [min + 1, max - 1]: mostly interpolated, a band on the out-of-range path
    h, k, l = (torch.from_numpy(rng.uniform(hmin + 1.0, hmin + GRID - 2.0, points)) for _ in "hkl")
    return lambda: tricubic_interpolate(F, (hmin,) * 3, h, k, l, backend=backend)


def tricubic_1e5() -> Callable[[], Any]:
    """tricubic_interpolate of a 41^3 float64 grid at 100 000 points (backend auto)."""
    return tricubic_call(100_000)


def tricubic_1e6() -> Callable[[], Any]:
    """tricubic_interpolate of a 41^3 float64 grid at 1 000 000 points (backend auto)."""
    return tricubic_call(1_000_000)


def absorption_call(size: int, layers: int) -> Callable[[], Any]:
    """The per-layer absorption path on a ``size`` x ``size`` detector with ``layers`` layers.

    What nanoBragg does per pixel: pixel positions shifted into each layer, a parallax per
    layer, capture fractions (``per_layer=True``, the default) and ``absorb`` of per-layer
    images. The geometry is real (0.1 m away, 100 um pixels, beam through the centre, 320 um
    sensor, 234 um attenuation length, nanoBragg's step rule); the per-layer images are
    uniform random (float64, seed 0). Pixel centres are computed outside the timed call.
    """
    import torch

    from perflab.bragg import (
        absorb,
        capture_fractions,
        detector_pixel_positions,
        layer_positions,
        parallax,
    )

    pixel, dtype = 1e-4, torch.float64
    half = size * pixel / 2
    pos = detector_pixel_positions(
        torch.tensor([0.1, -half, -half], dtype=dtype),
        torch.tensor([0.0, 0.0, 1.0], dtype=dtype),
        torch.tensor([0.0, 1.0, 0.0], dtype=dtype),
        (size, size),
        pixel,
    )
    odet = torch.tensor([1.0, 0.0, 0.0], dtype=dtype)
    gen = torch.Generator().manual_seed(0)
    images = torch.rand((layers, size, size), generator=gen, dtype=dtype)
    rule = "nanobragg" if layers > 1 else "uniform"
    sensor = {"thickness": 320e-6, "steps": layers, "step_rule": rule}

    def run() -> Any:
        rho = parallax(layer_positions(pos, odet, **sensor), odet)
        cf = capture_fractions(rho, attenuation_length=234e-6, **sensor)
        return absorb(images, cf, mode="sum")

    return run


def absorption_512() -> Callable[[], Any]:
    """Per-layer parallax, capture fractions and absorb: 512 x 512 detector, 5 layers (float64)."""
    return absorption_call(512, 5)


PROFILE_TARGETS: dict[str, Factory] = {
    "tricubic_1e5": tricubic_1e5,
    "tricubic_1e6": tricubic_1e6,
    "absorption_512": absorption_512,
}
