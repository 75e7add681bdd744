"""Detector absorption over sensor-thickness layers (nanoBragg's capture fractions).

For a pixel with parallax rho (see :mod:`perflab.bragg.geometry`), attenuation coefficient
mu = 1 / attenuation_length and layer depth dz, layer t = 0..steps-1 absorbs the fraction

    c_t = exp(-t dz mu / rho_t) - exp(-(t+1) dz mu / rho_t)

of the photons (Beer-Lambert over the slanted path dz / rho_t; nanoBragg.c, pixel loop). It
is evaluated as ``exp(-t a) * (-expm1(-a))`` with a = dz mu / rho_t: the same number without
the cancellation of two nearly equal exponentials.

nanoBragg recomputes rho in every layer, from the layer's own shifted pixel position
(``Odet = t * dz``), so the default here is one parallax per layer:
``capture_fractions(parallax(layer_positions(...), odet), ...)``. ``per_layer=False`` takes
one rho per pixel for every layer (the sum then telescopes to ``1 - exp(-steps dz mu /
rho)``); it is not nanoBragg's number (off by about 1 % for a 320 um sensor tilted 30 deg,
by tens of % for thick, strongly absorbing sensors; see tests/bragg/test_absorption.py).

Zero thickness, and an infinite attenuation length (nanoBragg's ``-detector_abs inf``, which
sets the thickness to 0), mean no absorption: one layer with c = 1.
:func:`perflab.bragg.nanobragg_detector_settings` turns nanoBragg's command-line values into
these arguments.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from perflab.bragg.arrays import array_context, as_float_tensor
from perflab.bragg.geometry import as_real, layer_count, layer_step

__all__ = ["ABSORB_MODES", "absorb", "capture_fractions"]

ABSORB_MODES = ("sum", "last", "running")


def _check_parallax(rho: torch.Tensor) -> None:
    tiny = torch.finfo(rho.dtype).tiny  # subnormal cosines: dz / rho loses every digit
    if not bool(torch.isfinite(rho).all()) or bool((rho < tiny).any()):
        raise ValueError(
            f"parallax must be finite and >= {tiny:.3g} (the smallest normal number of its "
            "dtype): the ray must enter the sensor face"
        )
    # a cosine: above 1 only by rounding (a few ulps of the dtype)
    if rho.numel() and float(rho.detach().max()) > 1.0 + 8 * torch.finfo(rho.dtype).eps:
        raise ValueError(
            f"parallax is the cosine between the ray and the detector normal, so at most 1; "
            f"got {float(rho.detach().max())!r}"
        )


def capture_fractions(
    parallax: Any,
    *,
    thickness: float,
    attenuation_length: float,
    steps: int,
    step_rule: str = "nanobragg",
    per_layer: bool = True,
):
    """Capture fraction per layer and pixel: ``c_t = exp(-t a) (1 - exp(-a))``, a = dz mu / rho_t.

    Parameters
    ----------
    parallax : tensor or ndarray
        ``per_layer=True`` (default, nanoBragg's arithmetic): shape ``(layers,) + pixels``, one
        rho per layer (``parallax(layer_positions(...), odet)``). ``per_layer=False``: shape
        ``pixels``, one rho per pixel for every layer (not nanoBragg's number).
    thickness : float, sensor thickness (m); 0 means no absorption.
    attenuation_length : float, 1 / mu (m); ``inf`` means no absorption.
    steps : int, number of layers (at most :data:`perflab.bragg.geometry.MAX_STEPS`).
    step_rule : {"nanobragg", "uniform"}, see :func:`perflab.bragg.layer_step`.
    per_layer : bool, whether ``parallax`` holds one rho per layer.

    Returns
    -------
    tensor or ndarray, shape ``(layers,) + pixels``
        Ones of shape ``(1,) + pixels`` without absorption (as nanoBragg: one layer).

    Raises
    ------
    ValueError
        Parallax <= 0, > 1 or non-finite; a per-layer parallax whose leading axis is not the
        number of layers; bad thickness, attenuation length, steps or step rule (named).
    TypeError
        A non-bool ``per_layer``.

    References
    ----------
    J. Holton, nanoBragg.c (pixel loop, detector thickness); Beer-Lambert absorption.

    Examples
    --------
    >>> import numpy as np
    >>> capture_fractions(np.ones((2, 1)), thickness=100e-6, attenuation_length=100e-6,
    ...                   steps=2, step_rule="uniform").round(6).tolist()
    [[0.393469], [0.238651]]
    >>> capture_fractions(np.ones((1, 1)), thickness=100e-6, attenuation_length=np.inf,
    ...                   steps=2).tolist()
    [[1.0]]
    """
    if not isinstance(per_layer, bool):
        raise TypeError(f"per_layer must be True or False, got {per_layer!r}")
    ctx = array_context(parallax)
    rho = as_float_tensor(parallax, "parallax", ctx)
    dz = layer_step(thickness, steps, step_rule)  # validates thickness, steps, rule
    att = as_real(attenuation_length, "attenuation_length")
    if not att > 0.0 or math.isnan(att):
        raise ValueError(
            f"attenuation_length must be > 0 (inf allowed), got {attenuation_length!r}"
        )
    absorbs = float(thickness) > 0.0 and not math.isinf(att)
    layers = layer_count(thickness, steps) if absorbs else 1
    if per_layer:
        allowed = {layers} if absorbs else {1, layer_count(thickness, steps)}
        if rho.ndim < 1 or rho.shape[0] not in allowed:
            raise ValueError(
                f"per_layer=True (the default, nanoBragg's per-layer parallax) needs parallax "
                f"of shape (layers, *pixels) with {layers} layer(s) (thickness {thickness!r}, "
                f"steps {steps!r}), got shape {tuple(rho.shape)}; pass "
                "parallax(layer_positions(...), normal), or per_layer=False for one parallax "
                "per pixel (not nanoBragg)"
            )
    _check_parallax(rho)
    pixels = tuple(rho.shape[1:]) if per_layer else tuple(rho.shape)
    if not absorbs:
        return ctx.out(torch.ones((1, *pixels), dtype=rho.dtype, device=rho.device))
    a = (dz / att) / rho  # shape pixels, or (steps,) + pixels per layer
    t = torch.arange(layers, dtype=rho.dtype, device=rho.device).view(-1, *([1] * len(pixels)))
    cf = torch.exp(-t * a) * (-torch.expm1(-a))
    return ctx.out(cf)


def absorb(layer_images_or_intensity: Any, capture_fraction: Any, mode: str = "sum"):
    """Combine intensities with per-layer capture fractions into a detector image.

    ``mode="sum"``: ``sum_t c_t I_t`` (the physical model). ``mode="last"``:
    ``c_{last} * sum_t I_t``, nanoBragg.c without ``-oversample_thick`` (its default: the
    sum over all layers is multiplied once, after the loop, by the last layer's capture,
    computed at the pixel's first sub-pixel). ``mode="running"``: ``acc = (acc + I_t) c_t``
    in order from 0, nanoBragg.c with ``-oversample_thick`` (``I *= capture_fraction`` after
    every term: pass its terms layers outer, then subS, subF, each with its capture).

    Parameters
    ----------
    layer_images_or_intensity : tensor or ndarray
        Per-term images, shape ``(terms,) + pixels``, or one intensity of shape ``pixels``
        used for every term.
    capture_fraction : tensor or ndarray, shape ``(terms,) + pixels``
        From :func:`capture_fractions` (a term is a layer, or one step of the C's loop).
    mode : {"sum", "last", "running"}

    Returns
    -------
    tensor or ndarray, shape ``pixels``

    Raises
    ------
    ValueError
        Unknown mode, no leading layer axis, or shapes that do not match.

    References
    ----------
    J. Holton, nanoBragg.c (pixel loop, ``-oversample_thick``).

    Examples
    --------
    >>> import numpy as np
    >>> images, cf = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.5, 0.5], [0.25, 0.25]])
    >>> absorb(images, cf).tolist(), absorb(images, cf, mode="last").tolist()
    ([1.25, 2.0], [1.0, 1.5])
    >>> absorb(images, cf, mode="running").tolist()
    [0.875, 1.25]
    """
    if mode not in ABSORB_MODES:
        raise ValueError(f"mode must be one of {ABSORB_MODES}, got {mode!r}")
    ctx = array_context(layer_images_or_intensity, capture_fraction)
    img = as_float_tensor(layer_images_or_intensity, "layer_images_or_intensity", ctx)
    cf = as_float_tensor(capture_fraction, "capture_fraction", ctx)
    if cf.ndim < 1:
        raise ValueError("capture_fraction must have a leading layer axis")
    steps, pixels = cf.shape[0], tuple(cf.shape[1:])
    if img.ndim == cf.ndim:
        if img.shape[0] != steps:
            raise ValueError(
                f"layer images have {img.shape[0]} layers but capture_fraction has {steps}"
            )
    elif img.ndim == cf.ndim - 1:
        img = img.unsqueeze(0).expand(steps, *img.shape)
    else:
        raise ValueError(
            f"intensity shape {tuple(img.shape)} fits neither pixels {pixels} nor "
            f"(layers, pixels) {(steps, *pixels)}"
        )
    try:
        torch.broadcast_shapes(tuple(img.shape[1:]), pixels)
    except RuntimeError as exc:
        raise ValueError(
            f"intensity pixels {tuple(img.shape[1:])} do not match capture_fraction {pixels}"
        ) from exc
    if mode == "last":
        return ctx.out(img.sum(0) * cf[-1])
    if mode == "running":
        shape = torch.broadcast_shapes(tuple(img.shape[1:]), pixels)
        dtype = torch.promote_types(img.dtype, cf.dtype)
        acc = torch.zeros(shape, dtype=dtype, device=cf.device)
        for t in range(steps):
            acc = (acc + img[t]) * cf[t]
        return ctx.out(acc)
    return ctx.out((img * cf).sum(0))
