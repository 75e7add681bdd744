"""Detector absorption: capture fractions, sum rule, step rules, geometry, absorb modes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from perflab.bragg import (
    absorb,
    capture_fractions,
    detector_pixel_positions,
    layer_positions,
    layer_step,
    parallax,
)


def _rho(n=50, seed=0):
    return np.random.default_rng(seed).uniform(0.3, 1.0, (n, 2))


@pytest.mark.parametrize("rule", ["nanobragg", "uniform"])
@pytest.mark.parametrize("steps", [2, 3, 5, 10])
def test_sum_rule_telescopes(rule, steps):
    rho, thick, att = _rho(), 320e-6, 230e-6
    cf = capture_fractions(
        rho, thickness=thick, attenuation_length=att, steps=steps, step_rule=rule,
        per_layer=False,
    )  # fmt: skip
    assert cf.shape == (steps, *rho.shape)
    dz = thick / (steps - 1) if rule == "nanobragg" else thick / steps
    expected = 1.0 - np.exp(-steps * dz / att / rho)
    np.testing.assert_allclose(cf.sum(0), expected, rtol=1e-14)
    assert (cf > 0).all()


def test_matches_the_c_expression_per_layer():
    rho, thick, att, steps = _rho(), 100e-6, 50e-6, 4
    cf = capture_fractions(
        rho, thickness=thick, attenuation_length=att, steps=steps, per_layer=False
    )
    dz = thick / (steps - 1)
    for t in range(steps):
        c_expr = np.exp(-t * dz / att / rho) - np.exp(-(t + 1) * dz / att / rho)
        np.testing.assert_allclose(cf[t], c_expr, rtol=1e-12)


def test_step_rules():
    assert layer_step(300.0, 4, "nanobragg") == 100.0
    assert layer_step(300.0, 4, "uniform") == 75.0
    assert layer_step(300.0, 1, "uniform") == 300.0
    with pytest.raises(ValueError, match="steps >= 2"):
        layer_step(300.0, 1, "nanobragg")
    with pytest.raises(ValueError, match="step_rule"):
        layer_step(300.0, 4, "halves")
    with pytest.raises(ValueError, match="positive integer"):
        layer_step(300.0, 0, "uniform")


def test_zero_thickness_means_no_absorption():
    rho = _rho()
    cf = capture_fractions(rho, thickness=0.0, attenuation_length=1e-4, steps=5, per_layer=False)
    assert cf.shape == (1, *rho.shape) and (cf == 1.0).all()
    intensity = np.random.default_rng(2).random(rho.shape)
    np.testing.assert_array_equal(absorb(intensity, cf), intensity)
    np.testing.assert_array_equal(absorb(intensity, cf, mode="last"), intensity)


def test_bad_absorption_input():
    with pytest.raises(ValueError, match="parallax"):
        capture_fractions(
            np.array([0.5, -0.1]), thickness=1.0, attenuation_length=1.0, steps=2, per_layer=False
        )
    with pytest.raises(ValueError, match="parallax"):
        capture_fractions(
            np.array([np.nan]), thickness=1.0, attenuation_length=1.0, steps=2, per_layer=False
        )
    with pytest.raises(ValueError, match="parallax is the cosine"):
        capture_fractions(
            np.array([0.5, 1.5]), thickness=1.0, attenuation_length=1.0, steps=2, per_layer=False
        )
    # a cosine computed in float32 may exceed 1 by rounding: accepted
    rho32 = torch.tensor([1.0 + 2e-7, 0.3], dtype=torch.float32)
    assert capture_fractions(
        rho32, thickness=1.0, attenuation_length=1.0, steps=2, per_layer=False
    ).shape == (2, 2)
    with pytest.raises(ValueError, match="attenuation_length"):
        capture_fractions(
            np.array([0.5]), thickness=1.0, attenuation_length=0.0, steps=2, per_layer=False
        )
    with pytest.raises(ValueError, match="thickness"):
        capture_fractions(
            np.array([0.5]), thickness=-1.0, attenuation_length=1.0, steps=2, per_layer=False
        )
    cf = capture_fractions(
        np.ones((2, 3)), thickness=1.0, attenuation_length=1.0, steps=3, per_layer=False
    )
    with pytest.raises(ValueError, match="layers"):
        absorb(np.ones((2, 2, 3)), cf)
    with pytest.raises(ValueError, match="mode"):
        absorb(np.ones((2, 3)), cf, mode="first")
    with pytest.raises(ValueError, match="fits neither"):
        absorb(np.ones((1, 1, 2, 3)), cf)


def test_absorb_sum_and_last_modes():
    rng = np.random.default_rng(4)
    cf = capture_fractions(
        _rho(8), thickness=2e-4, attenuation_length=1e-4, steps=3, per_layer=False
    )
    layers = rng.random((3, 8, 2))
    np.testing.assert_allclose(absorb(layers, cf), (layers * cf).sum(0), rtol=1e-15)
    np.testing.assert_allclose(absorb(layers, cf, mode="last"), layers.sum(0) * cf[-1])
    one = rng.random((8, 2))
    np.testing.assert_allclose(absorb(one, cf), one * cf.sum(0), rtol=1e-15)
    np.testing.assert_allclose(absorb(one, cf, mode="last"), 3 * one * cf[-1], rtol=1e-15)


def test_geometry_parallax_and_layer_positions():
    # detector 0.1 m downstream along +x (MOSFLM-like), normal +x, 4x5 pixels of 1 mm
    pix0 = np.array([0.1, -0.0025, -0.002])
    fdet, sdet, odet = np.array([0, 0, 1.0]), np.array([0, 1.0, 0]), np.array([1.0, 0, 0])
    pos = detector_pixel_positions(pix0, fdet, sdet, (5, 4), 1e-3)
    assert pos.shape == (5, 4, 3)
    np.testing.assert_allclose(pos[0, 0], pix0 + 0.5e-3 * (fdet + sdet))
    np.testing.assert_allclose(pos[2, 1] - pos[2, 0], 1e-3 * fdet, atol=1e-15)
    rho = parallax(pos, odet)
    np.testing.assert_allclose(rho, 0.1 / np.linalg.norm(pos, axis=-1))
    assert rho.max() < 1.0  # no pixel sits exactly on the beam
    layers = layer_positions(pos, odet, thickness=3e-4, steps=4)
    assert layers.shape == (4, 5, 4, 3)
    np.testing.assert_allclose(layers[3] - layers[0], np.broadcast_to(3e-4 * odet, pos.shape))
    # deeper layers see the pixel at a slightly smaller angle: parallax grows with depth
    assert (parallax(layers[3], odet) > rho).all()


def test_on_axis_pixel_has_unit_parallax():
    rho = parallax(np.array([[0.2, 0.0, 0.0]]), np.array([2.0, 0.0, 0.0]))
    assert rho.tolist() == [1.0]


def test_gradients_through_capture_fractions():
    rho = torch.rand(6, dtype=torch.float64) * 0.5 + 0.4
    rho.requires_grad_()

    def fn(r):
        return capture_fractions(
            r, thickness=1e-4, attenuation_length=2e-4, steps=3, per_layer=False
        )

    assert torch.autograd.gradcheck(fn, (rho,))


@pytest.mark.parametrize("rule", ["nanobragg", "uniform"])
@pytest.mark.parametrize("steps", [1, 4])
def test_zero_thickness_is_one_layer_for_any_steps_and_rule(rule, steps):
    # thickness 0 with the default rule and steps=1 used to raise "needs steps >= 2", and
    # layer_positions gave `steps` layers where capture_fractions gave one, so absorb failed
    pos = detector_pixel_positions([0.1, -0.002, -0.002], [0, 0, 1.0], [0, 1.0, 0], (3, 4), 1e-3)
    odet = np.array([1.0, 0.0, 0.0])
    layers = layer_positions(pos, odet, thickness=0.0, steps=steps, step_rule=rule)
    cf = capture_fractions(
        parallax(pos, odet), thickness=0.0, attenuation_length=1e-4, steps=steps,
        step_rule=rule, per_layer=False,
    )  # fmt: skip
    assert layers.shape == (1, 3, 4, 3) and cf.shape == (1, 3, 4) and (cf == 1.0).all()
    np.testing.assert_array_equal(layers[0], pos)
    images = np.linalg.norm(layers, axis=-1)  # any per-layer image
    np.testing.assert_array_equal(absorb(images, cf), images[0])


def _nanobragg_loop(pix0, fdet, sdet, odet, shape, pixel_size, thick, att, steps):
    """A scalar transcription of nanoBragg.c's thickness loop (oversample 1, -oversample_thick):
    per layer, the pixel moves to depth Odet = t*dz, the ray is re-unitized, the parallax is
    recomputed, and that layer's intensity (here 1/|pos|^2) is weighted by its capture."""
    dz = thick / (steps - 1)
    image = np.zeros(shape)
    capture = np.zeros((steps, *shape))
    for s in range(shape[0]):
        for f in range(shape[1]):
            for t in range(steps):
                fd, sd, od = (f + 0.5) * pixel_size, (s + 0.5) * pixel_size, t * dz
                pos = fd * fdet + sd * sdet + od * odet + pix0
                airpath = float(np.sqrt(pos @ pos))
                rho = float((pos / airpath) @ odet)
                c = np.exp(-t * dz / att / rho) - np.exp(-(t + 1) * dz / att / rho)
                capture[t, s, f] = c
                image[s, f] += c / airpath**2
    return capture, image


def test_per_layer_parallax_reproduces_the_nanobragg_loop():
    # an oblique detector (normal tilted from the beam), so parallax changes with depth
    odet = np.array([np.cos(0.5), np.sin(0.5), 0.0])
    fdet = np.array([0.0, 0.0, 1.0])
    sdet = np.cross(odet, fdet)
    pix0 = 0.05 * odet - 0.004 * fdet - 0.003 * sdet
    shape, px, thick, att, steps = (6, 7), 1e-3, 4e-3, 1e-3, 5
    want_cf, want_image = _nanobragg_loop(pix0, fdet, sdet, odet, shape, px, thick, att, steps)

    pos = detector_pixel_positions(pix0, fdet, sdet, shape, px)
    layers = layer_positions(pos, odet, thickness=thick, steps=steps)
    rho_t = parallax(layers, odet)
    cf = capture_fractions(
        rho_t, thickness=thick, attenuation_length=att, steps=steps, per_layer=True
    )
    assert cf.shape == (steps, *shape)
    np.testing.assert_allclose(cf, want_cf, rtol=1e-12)
    intensity = 1.0 / np.sum(layers**2, axis=-1)
    np.testing.assert_allclose(absorb(intensity, cf), want_image, rtol=1e-12)
    # one parallax per pixel (the front face's) is close but not nanoBragg's number
    cf_front = capture_fractions(
        parallax(pos, odet), thickness=thick, attenuation_length=att, steps=steps,
        per_layer=False,
    )  # fmt: skip
    assert np.abs(cf_front - want_cf).max() > 1e-6
    # and per-layer with a parallax that is constant over layers is the per-pixel result
    same = capture_fractions(
        np.broadcast_to(parallax(pos, odet), (steps, *shape)),
        thickness=thick,
        attenuation_length=att,
        steps=steps,
        per_layer=True,
    )
    np.testing.assert_allclose(same, cf_front, rtol=1e-15)


def test_per_layer_parallax_shape_and_flag_are_checked():
    rho = _rho()
    with pytest.raises(ValueError, match=r"per_layer=True \(the default.*needs parallax of shape"):
        capture_fractions(rho, thickness=1e-4, attenuation_length=1e-4, steps=5, per_layer=True)
    with pytest.raises(ValueError, match=r"per_layer=True \(the default.*needs parallax of shape"):
        capture_fractions(0.5, thickness=1e-4, attenuation_length=1e-4, steps=2, per_layer=True)
    with pytest.raises(TypeError, match="per_layer"):
        capture_fractions(rho, thickness=1e-4, attenuation_length=1e-4, steps=5, per_layer=1)
    # zero thickness: one layer, as layer_positions gives
    cf = capture_fractions(
        rho[None], thickness=0.0, attenuation_length=1e-4, steps=5, per_layer=True
    )
    assert cf.shape == (1, *rho.shape) and (cf == 1.0).all()
    with pytest.raises(ValueError, match="1 layer"):
        capture_fractions(
            np.stack([rho] * 5), thickness=0.0, attenuation_length=1e-4, steps=5, per_layer=True
        )
