"""Detector geometry for sensor-thickness absorption: pixel positions, layers, parallax.

nanoBragg (J. Holton, nanoBragg.c) places pixel (s, f) of a flat detector at
``pix0 + F fdet + S sdet + O odet`` with F, S the distances of the pixel centre along the
fast and slow axes and O the depth inside the sensor. Layer t of the sensor sits at depth
``O = t * dz`` (the detector distance is to the front face). The parallax factor of a pixel
is ``rho = <unit(position), odet>``, the cosine between the diffracted ray and the detector
normal; the ray's path through a layer of depth dz is dz / rho.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch

from perflab.bragg.arrays import array_context, as_float_tensor

__all__ = [
    "MAX_STEPS",
    "STEP_RULES",
    "as_real",
    "detector_pixel_positions",
    "detector_subpixel_positions",
    "layer_count",
    "layer_positions",
    "layer_step",
    "parallax",
]

STEP_RULES = ("nanobragg", "uniform")
#: Most sensor layers accepted (nanoBragg runs use a handful; the per-layer arrays grow as
#: steps x pixels, and 10^7 layers took 19 s of allocation for three pixels)
MAX_STEPS = 10_000


def as_real(value: Any, name: str) -> float:
    """``float(value)``, or ``ValueError`` naming the parameter."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None


def _check_steps(steps: Any) -> int:
    """``steps`` as an int in 1..MAX_STEPS, or ``ValueError`` naming it."""
    whole = (
        not isinstance(steps, bool)
        and isinstance(steps, numbers.Real)
        and math.isfinite(steps)
        and int(steps) == steps
    )
    if not whole or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if steps > MAX_STEPS:
        raise ValueError(f"steps must be at most MAX_STEPS = {MAX_STEPS}, got {steps!r}")
    return int(steps)


def layer_step(thickness: float, steps: int, step_rule: str = "nanobragg") -> float:
    """Depth between sensor layers.

    Parameters
    ----------
    thickness : float, sensor thickness (m), finite and >= 0.
    steps : int, number of layers, 1..:data:`MAX_STEPS`.
    step_rule : {"nanobragg", "uniform"}
        ``"nanobragg"``: ``thickness / (steps - 1)`` (nanoBragg with thickness and steps
        given; the last layer starts at ``thickness``; needs steps >= 2, where nanoBragg
        raises 1 to 2). ``"uniform"``: ``thickness / steps`` (layers tile the sensor).

    Returns
    -------
    float
        0 for zero thickness, whatever ``steps`` (nanoBragg then uses one layer).

    Raises
    ------
    ValueError
        A bad thickness, steps or rule (the message names it).

    References
    ----------
    J. Holton, nanoBragg.c (``detector_thickstep``).

    Examples
    --------
    >>> layer_step(320e-6, 5), layer_step(320e-6, 4, "uniform"), layer_step(0.0, 3)
    (8e-05, 8e-05, 0.0)
    """
    if step_rule not in STEP_RULES:
        raise ValueError(f"step_rule must be one of {STEP_RULES}, got {step_rule!r}")
    steps = _check_steps(steps)
    thickness = as_real(thickness, "thickness")
    if not thickness >= 0.0 or thickness == float("inf"):
        raise ValueError(f"thickness must be finite and >= 0, got {thickness!r}")
    if thickness == 0.0:
        return 0.0  # no sensor depth: one layer at the front face, whatever the rule
    if step_rule == "nanobragg":
        if steps < 2:
            raise ValueError(
                "step_rule='nanobragg' divides by (steps - 1) and needs steps >= 2 "
                "(nanoBragg itself raises 1 to 2); use step_rule='uniform' for one layer"
            )
        return thickness / (steps - 1)
    return thickness / steps


def layer_count(thickness: float, steps: int) -> int:
    """The number of sensor layers: ``steps``, or 1 for zero thickness (nanoBragg then uses a
    single layer at the front face, whatever ``steps`` says)."""
    return 1 if as_real(thickness, "thickness") == 0.0 else _check_steps(steps)


def _check_oversample(oversample: int) -> int:
    if isinstance(oversample, bool) or int(oversample) != oversample or oversample < 1:
        raise ValueError(f"oversample must be a positive integer, got {oversample!r}")
    return int(oversample)


def _detector_axes(pix0: Any, fdet: Any, sdet: Any, shape: tuple[int, int]):
    ctx = array_context(pix0, fdet, sdet)
    p0, f, s = (
        as_float_tensor(v, n, ctx) for v, n in ((pix0, "pix0"), (fdet, "fdet"), (sdet, "sdet"))
    )
    for name, v in (("pix0", p0), ("fdet", f), ("sdet", s)):
        if v.shape != (3,):
            raise ValueError(f"{name} must be a 3-vector, got shape {tuple(v.shape)}")
    ns, nf = (int(x) for x in shape)
    if ns < 1 or nf < 1:
        raise ValueError(f"detector shape must be positive, got {shape!r}")
    dtype = torch.promote_types(torch.promote_types(p0.dtype, f.dtype), s.dtype)
    return ctx, p0.to(dtype), f.to(dtype), s.to(dtype), ns, nf


def detector_pixel_positions(
    pix0: Any,
    fdet: Any,
    sdet: Any,
    shape: tuple[int, int],
    pixel_size: float,
    *,
    oversample: int = 1,
    subpixel: tuple[int, int] | None = None,
):
    """Pixel positions, shape ``(slow, fast, 3)``.

    By default the pixel centres, ``pix0 + (f + 1/2) p fdet + (s + 1/2) p sdet``. With
    ``subpixel=(subS, subF)`` and ``oversample=o``, that sub-pixel's centre in every pixel,
    as nanoBragg.c computes it: ``Fdet = (p/o) (f o + subF) + (p/o)/2`` (likewise Sdet).

    Parameters
    ----------
    pix0, fdet, sdet : 3-vectors
        Position of pixel (0, 0)'s corner, fast and slow unit axes (m).
    shape : (slow, fast), positive.
    pixel_size : float, p (m).
    oversample : int, sub-pixels per pixel edge (>= 1).
    subpixel : (subS, subF) in [0, oversample), optional.
        nanoBragg without ``-oversample_thick`` takes each layer's capture fraction at
        ``(0, 0)``; :func:`detector_subpixel_positions` gives all of them.

    Returns
    -------
    tensor or ndarray, shape ``(slow, fast, 3)``

    Raises
    ------
    ValueError
        Vectors not of length 3, a non-positive shape, a bad oversample or sub-pixel.

    References
    ----------
    J. Holton, nanoBragg.c (pixel and sub-pixel loops).

    Examples
    --------
    >>> import numpy as np
    >>> pos = detector_pixel_positions(np.array([0.1, -1e-4, -1e-4]), np.array([0.0, 0.0, 1.0]),
    ...                                np.array([0.0, 1.0, 0.0]), (2, 2), 1e-4)
    >>> pos.shape, pos[0, 0].tolist()
    ((2, 2, 3), [0.1, -5e-05, -5e-05])
    """
    ctx, p0, f, s, ns, nf = _detector_axes(pix0, fdet, sdet, shape)
    o = _check_oversample(oversample)
    if subpixel is None:
        sub_s = sub_f = None
    else:
        sub_s, sub_f = (int(v) for v in subpixel)
        if not (0 <= sub_s < o and 0 <= sub_f < o):
            raise ValueError(f"subpixel {subpixel!r} must lie in [0, {o}) on both axes")
    dtype, dev = p0.dtype, ctx.device
    if sub_s is None:
        fs = (torch.arange(nf, dtype=dtype, device=dev) + 0.5) * pixel_size
        ss = (torch.arange(ns, dtype=dtype, device=dev) + 0.5) * pixel_size
    else:
        sub = pixel_size / o
        fs = sub * (torch.arange(nf, dtype=dtype, device=dev) * o + sub_f) + sub / 2.0
        ss = sub * (torch.arange(ns, dtype=dtype, device=dev) * o + sub_s) + sub / 2.0
    pos = p0 + ss[:, None, None] * s + fs[None, :, None] * f
    return ctx.out(pos)


def detector_subpixel_positions(
    pix0: Any, fdet: Any, sdet: Any, shape: tuple[int, int], pixel_size: float, oversample: int
):
    """Every sub-pixel centre, shape ``(slow, fast, o, o, 3)`` indexed ``[s, f, subS, subF]``.

    nanoBragg.c's loop order inside a pixel: subS outer, subF inner.

    Parameters
    ----------
    pix0, fdet, sdet, shape, pixel_size : as :func:`detector_pixel_positions`.
    oversample : int, o (>= 1).

    Returns
    -------
    tensor or ndarray, shape ``(slow, fast, o, o, 3)``

    Raises
    ------
    ValueError
        As :func:`detector_pixel_positions`.

    References
    ----------
    J. Holton, nanoBragg.c (sub-pixel loop).

    Examples
    --------
    >>> import numpy as np
    >>> sub = detector_subpixel_positions(np.zeros(3), np.array([0.0, 0.0, 1.0]),
    ...                                   np.array([0.0, 1.0, 0.0]), (1, 1), 1e-4, 2)
    >>> sub.shape, sub[0, 0, 0, :, 2].round(9).tolist()
    ((1, 1, 2, 2, 3), [2.5e-05, 7.5e-05])
    """
    ctx, p0, f, s, ns, nf = _detector_axes(pix0, fdet, sdet, shape)
    o = _check_oversample(oversample)
    sub = pixel_size / o
    a = torch.arange(o, dtype=p0.dtype, device=ctx.device)
    fs = sub * (torch.arange(nf, dtype=p0.dtype, device=ctx.device)[:, None] * o + a) + sub / 2
    ss = sub * (torch.arange(ns, dtype=p0.dtype, device=ctx.device)[:, None] * o + a) + sub / 2
    pos = p0 + ss[:, None, :, None, None] * s + fs[None, :, None, :, None] * f
    return ctx.out(pos)


def layer_positions(positions: Any, normal: Any, *, thickness: float, steps: int,
                    step_rule: str = "nanobragg"):  # fmt: skip
    """Positions shifted into each sensor layer: ``positions + t dz normal`` for each layer t.

    Parameters
    ----------
    positions : tensor or ndarray, trailing axis of 3 (m).
    normal : 3-vector, the detector normal (odet).
    thickness, steps, step_rule : as :func:`layer_step`.

    Returns
    -------
    tensor or ndarray, shape ``(layers,) + positions.shape``
        One layer (the front face) for zero thickness, as nanoBragg and as
        :func:`perflab.bragg.capture_fractions`, so the shapes agree for ``absorb``.

    Raises
    ------
    ValueError
        Bad shapes, thickness, steps or rule.

    References
    ----------
    J. Holton, nanoBragg.c (``Odet = thick_tic * detector_thickstep``).

    Examples
    --------
    >>> import numpy as np
    >>> lp = layer_positions(np.array([[0.1, 0.0, 0.0]]), np.array([1.0, 0.0, 0.0]),
    ...                      thickness=300e-6, steps=4)
    >>> lp.shape, lp[:, 0, 0].round(6).tolist()
    ((4, 1, 3), [0.1, 0.1001, 0.1002, 0.1003])
    """
    ctx = array_context(positions, normal)
    pos = as_float_tensor(positions, "positions", ctx)
    n = as_float_tensor(normal, "normal", ctx).to(pos.dtype)
    if pos.shape[-1:] != (3,) or n.shape != (3,):
        raise ValueError("positions must have a trailing axis of 3 and normal must be a 3-vector")
    dz = layer_step(thickness, steps, step_rule)
    t = torch.arange(layer_count(thickness, steps), dtype=pos.dtype, device=pos.device) * dz
    shifted = pos.unsqueeze(0) + t.view(-1, *([1] * pos.ndim)) * n
    return ctx.out(shifted)


def parallax(positions: Any, normal: Any):
    """Parallax factor ``rho = <positions / |positions|, unit(normal)>`` over the trailing axis.

    Parameters
    ----------
    positions : tensor or ndarray, trailing axis of 3 (m, from the sample).
    normal : 3-vector, the detector normal.

    Returns
    -------
    tensor or ndarray, ``positions.shape[:-1]``: the cosine between ray and normal.

    Raises
    ------
    ValueError
        Bad shapes, or a position at the sample (zero length).

    References
    ----------
    J. Holton, nanoBragg.c (``parallax = dot_product(diffracted, odet)``).

    Examples
    --------
    >>> import numpy as np
    >>> rho = parallax(np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]), np.array([2.0, 0.0, 0.0]))
    >>> rho.round(6).tolist()
    [1.0, 0.707107]
    """
    ctx = array_context(positions, normal)
    pos = as_float_tensor(positions, "positions", ctx)
    n = as_float_tensor(normal, "normal", ctx).to(pos.dtype)
    if pos.shape[-1:] != (3,) or n.shape != (3,):
        raise ValueError("positions must have a trailing axis of 3 and normal must be a 3-vector")
    norm = torch.linalg.vector_norm(pos, dim=-1)
    if bool((norm == 0).any()):
        raise ValueError("a pixel position coincides with the sample (zero length)")
    rho = (pos @ (n / torch.linalg.vector_norm(n))) / norm
    return ctx.out(rho)
