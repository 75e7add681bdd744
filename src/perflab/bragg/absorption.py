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
    """Capture fraction per layer and pixel, shape ``(layers,) + pixels``.

    ``per_layer=True`` (default, nanoBragg's arithmetic): ``parallax`` has shape
    ``(layers,) + pixels`` (as ``parallax(layer_positions(...), odet)`` gives) and layer t
    uses its own rho_t. ``per_layer=False``: ``parallax`` has shape ``pixels``, one rho per
    pixel for every layer (not nanoBragg's number for a finite thickness).

    ``thickness == 0`` or ``attenuation_length == inf`` return ones of shape
    ``(1,) + pixels`` (no absorption, one layer, as nanoBragg); with ``per_layer=True`` the
    parallax may then have 1 or ``steps`` layers. Raises ``ValueError`` for parallax <= 0,
    > 1 or non-finite, a per-layer parallax whose leading axis is not the number of layers,
    a negative or non-finite thickness, a non-positive or NaN attenuation length, or bad
    steps/step_rule (steps is capped at ``perflab.bragg.geometry.MAX_STEPS``); each message
    names the parameter. ``TypeError`` for a non-bool ``per_layer``.
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

    ``layer_images_or_intensity`` is either per-layer images, shape ``(terms,) + pixels``
    (the intensity computed at each layer's shifted pixel position), or one intensity of
    shape ``pixels`` used for every term. ``capture_fraction`` has shape
    ``(terms,) + pixels`` (from :func:`capture_fractions`; a term is a layer, or for
    ``"running"`` one step of nanoBragg's loop, see below).

    ``mode="sum"``: ``sum_t c_t I_t``, each layer's signal weighted by the fraction that
    layer absorbs (the physical model).
    ``mode="last"``: ``c_{last} * sum_t I_t``: nanoBragg.c without ``-oversample_thick`` (its
    default): the contributions are accumulated over all layers and multiplied once, after
    the loop, by the capture fraction left over from the last layer (computed at the
    pixel's first sub-pixel, see :func:`perflab.bragg.detector_pixel_positions`).
    ``mode="running"``: ``acc = (acc + I_t) * c_t`` for t in order, from ``acc = 0``:
    nanoBragg.c with ``-oversample_thick``, which multiplies its running sum ``I`` by the
    current capture fraction after every term it adds (``I *= capture_fraction``). The C
    does this once per source, phi step and mosaic domain inside each sub-pixel of each
    layer, so pass its terms in that order (layers outer, then subS, subF) with each
    term's capture fraction.
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
