"""Detector absorption over sensor-thickness layers (nanoBragg's capture fractions).

For a pixel with parallax rho (see :mod:`perflab.bragg.geometry`), attenuation coefficient
mu = 1 / attenuation_length and layer depth dz, layer t = 0..steps-1 absorbs the fraction

    c_t = exp(-t dz mu / rho) - exp(-(t+1) dz mu / rho)

of the photons (Beer-Lambert over the slanted path dz / rho; nanoBragg.c, pixel loop). It is
evaluated here as ``exp(-t a) * (-expm1(-a))`` with a = dz mu / rho: the same number without
the cancellation of two nearly equal exponentials. With one rho per pixel the sum over
layers telescopes to ``1 - exp(-steps dz mu / rho)``. Zero thickness means no absorption:
nanoBragg then uses a single layer with c = 1.

nanoBragg recomputes rho in every layer, from the layer's own shifted pixel position
(``Odet = t * dz``): layer t uses rho_t, so c_t = exp(-t dz mu / rho_t) - exp(-(t+1) dz mu /
rho_t) and the sum no longer telescopes exactly. ``per_layer=True`` takes that per-layer
parallax, ``parallax(layer_positions(...), odet)``, and gives nanoBragg's numbers exactly.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from perflab.bragg.arrays import array_context, as_float_tensor
from perflab.bragg.geometry import as_real, layer_count, layer_step

ABSORB_MODES = ("sum", "last")


def capture_fractions(
    parallax: Any,
    *,
    thickness: float,
    attenuation_length: float,
    steps: int,
    step_rule: str = "nanobragg",
    per_layer: bool = False,
):
    """Capture fraction per layer and pixel, shape ``(steps,) + pixels``.

    ``per_layer=False``: ``parallax`` has shape ``pixels``, one rho per pixel used for every
    layer. ``per_layer=True``: ``parallax`` has shape ``(steps,) + pixels`` (for zero
    thickness ``(1,) + pixels``, as :func:`perflab.bragg.layer_positions` gives) and layer t
    uses its own rho_t, as nanoBragg.c does. ``thickness == 0`` returns ones of shape
    ``(1,) + pixels`` (no absorption, one layer, as nanoBragg). Raises ``ValueError`` for
    parallax <= 0, > 1 or non-finite, a per-layer parallax whose leading axis is not the
    number of layers, a negative or non-finite thickness, a non-positive attenuation length,
    or bad steps/step_rule (steps is capped at ``perflab.bragg.geometry.MAX_STEPS``); each
    message names the parameter.
    """
    if not isinstance(per_layer, bool):
        raise TypeError(f"per_layer must be True or False, got {per_layer!r}")
    ctx = array_context(parallax)
    rho = as_float_tensor(parallax, "parallax", ctx)
    dz = layer_step(thickness, steps, step_rule)  # validates thickness, steps, rule
    layers = layer_count(thickness, steps)
    if per_layer:
        if rho.ndim < 1 or rho.shape[0] != layers:
            raise ValueError(
                f"per_layer=True needs parallax of shape (layers, *pixels) with {layers} "
                f"layer(s) (thickness {thickness!r}, steps {steps!r}), got shape "
                f"{tuple(rho.shape)}"
            )
    att = as_real(attenuation_length, "attenuation_length")
    if not att > 0.0 or math.isnan(att):
        raise ValueError(
            f"attenuation_length must be > 0 (inf allowed), got {attenuation_length!r}"
        )
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
    pixels = tuple(rho.shape[1:]) if per_layer else tuple(rho.shape)
    if float(thickness) == 0.0:
        return ctx.out(torch.ones((layers, *pixels), dtype=rho.dtype, device=rho.device))
    a = (dz / att) / rho  # shape pixels, or (steps,) + pixels per layer
    t = torch.arange(layers, dtype=rho.dtype, device=rho.device).view(-1, *([1] * len(pixels)))
    cf = torch.exp(-t * a) * (-torch.expm1(-a))
    return ctx.out(cf)


def absorb(layer_images_or_intensity: Any, capture_fraction: Any, mode: str = "sum"):
    """Combine intensities with per-layer capture fractions into a detector image.

    ``layer_images_or_intensity`` is either per-layer images, shape ``(steps,) + pixels``
    (the intensity computed at each layer's shifted pixel position), or one intensity of
    shape ``pixels`` used for every layer. ``capture_fraction`` has shape
    ``(steps,) + pixels`` (from :func:`capture_fractions`).

    ``mode="sum"``: ``sum_t c_t I_t`` (nanoBragg with ``-oversample_thick``: each layer's
    contribution is weighted by its own capture fraction).
    ``mode="last"``: ``c_{steps-1} * sum_t I_t`` (nanoBragg without ``-oversample_thick``:
    the layer contributions are accumulated and multiplied once, after the loop, by the
    capture fraction left over from the last layer).
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
        total = img.sum(0) if mode == "last" else None
    elif img.ndim == cf.ndim - 1:
        total = img * steps if mode == "last" else None
        img = img.unsqueeze(0)
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
        return ctx.out(total * cf[-1])
    return ctx.out((img * cf).sum(0))
