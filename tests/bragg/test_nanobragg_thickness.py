"""nanoBragg's detector-thickness loop, transcribed from nanoBragg.c, against perflab's pipeline.

The reference below follows nanoBragg.c's pixel loop literally (layers outer, sub-pixels
inner; the capture fraction reset to 0 at each layer, 1 for a zero thickness, recomputed when
it is 0 or with -oversample_thick; ``I *= capture_fraction`` after each term with
-oversample_thick, ``test *= capture_fraction`` after the loop without it), and its option
handling (defaults, -detector_abs, -detector_thick, -detector_thicksteps, the step logic,
mu = 1/thick when unset, the sanity check). The per-term intensity stands in for
F_cell^2 F_latt^2: any smooth function of the sub-pixel position.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from perflab.bragg import (
    absorb,
    capture_fractions,
    detector_pixel_positions,
    detector_subpixel_positions,
    layer_positions,
    nanobragg_detector_settings,
    parallax,
)


def _term(pos):
    """Stand-in for one term's intensity at a position (works on arrays with a last axis 3)."""
    pos = np.asarray(pos)
    r = np.sqrt(np.sum(pos * pos, axis=-1))
    return (1.0 + 0.5 * np.sin(2e3 * pos[..., 1] + 3e3 * pos[..., 2])) / r**2


def c_parse(argv: list[str]):
    """nanoBragg.c's handling of the sensor options, literally: returns thick, steps, step, mu."""
    mu, thick, step, n, over_thick = -1.0, 0.0, -1.0, -1, False
    for i, a in enumerate(argv):
        if a == "-detector_abs":
            v = argv[i + 1]
            if "inf" in v or float(v) == 0.0:
                thick, mu = 0.0, 0.0
            else:
                mu = 1.0 / (float(v) * 1e-6)
        if a == "-detector_thick":
            thick = float(argv[i + 1]) * 1e-6
        if a in ("-detector_thicksteps", "-thicksteps"):
            n = int(argv[i + 1])
        if a == "-oversample_thick":
            over_thick = True
    if n <= 0:
        if thick < 0.0:
            if step <= 0.0:
                n, thick, step = 1, 0.0, 0.0
            else:
                thick, n = step, 2
        elif step <= 0.0:
            n, step = 2, thick / 2
        else:
            n = math.ceil(thick / step)
    elif thick < 0.0:
        if step <= 0.0:
            thick, step = 0.5e-6, 0.5e-6 / n
        else:
            thick, n = step, 2
    elif step <= 0.0:
        if n <= 1:
            n = 2
        step = thick / (n - 1)
    if thick > 0.0 and mu < 0.0:
        mu = 1.0 / thick
    if thick <= 0.0 or step <= 0.0 or n <= 0:
        n, thick, step = 1, 0.0, 0.0
    return thick, n, step, mu, over_thick


def c_pixel_loop(geom, shape, pixel_size, oversample, thick, steps, step, mu, over_thick):
    """nanoBragg.c's pixel loop restricted to what the sensor thickness touches."""
    pix0, fdet, sdet, odet = geom
    sub = pixel_size / oversample
    image = np.zeros(shape)
    for s in range(shape[0]):
        for f in range(shape[1]):
            intensity = 0.0
            capture = 0.0
            for t in range(steps):
                odist = t * step
                capture = 0.0
                if thick == 0.0:
                    capture = 1.0
                for sub_s in range(oversample):
                    for sub_f in range(oversample):
                        fd = sub * (f * oversample + sub_f) + sub / 2.0
                        sd = sub * (s * oversample + sub_s) + sub / 2.0
                        pos = fd * fdet + sd * sdet + odist * odet + pix0
                        diffracted = pos / math.sqrt(float(pos @ pos))
                        if capture == 0.0 or over_thick:
                            rho = float(diffracted @ odet)
                            capture = math.exp(-t * step * mu / rho) - math.exp(
                                -(t + 1) * step * mu / rho
                            )
                        intensity += float(_term(pos))
                        if over_thick:
                            intensity *= capture
            if not over_thick:
                intensity *= capture
            image[s, f] = intensity
    return image


def geometry(tilt_deg: float, distance=0.1, size=(5, 6), pixel=172e-6):
    """Beam along +x; detector normal tilted by ``tilt_deg`` about z, ``distance`` from the
    sample along the normal; pix0 so that the direct beam lands in the middle (the rays then
    meet the sensor about ``tilt_deg`` off its normal)."""
    a = math.radians(tilt_deg)
    odet = np.array([math.cos(a), math.sin(a), 0.0])
    fdet = np.array([0.0, 0.0, 1.0])
    sdet = np.cross(odet, fdet)
    beam_spot = np.array([distance / math.cos(a), 0.0, 0.0])
    pix0 = beam_spot - 0.5 * size[1] * pixel * fdet - 0.5 * size[0] * pixel * sdet
    return (pix0, fdet, sdet, odet), size, pixel


def perflab_image(geom, shape, pixel, settings, per_layer=True):
    """The image from perflab's pieces, as DetectorSettings says nanoBragg combines them."""
    pix0, fdet, sdet, odet = geom
    o = settings.oversample
    kw = settings.capture_kwargs()
    att = kw.pop("attenuation_length")
    subs = detector_subpixel_positions(pix0, fdet, sdet, shape, pixel, o)  # (s, f, o, o, 3)
    sub_layers = layer_positions(subs, odet, **kw)  # (layers, s, f, o, o, 3)
    terms = _term(sub_layers)  # (layers, s, f, o, o)
    if settings.absorb_mode == "running":
        cf = capture_fractions(parallax(sub_layers, odet), attenuation_length=att, **kw)
        order = (0, 3, 4, 1, 2)  # C order: layer, subS, subF
        n = terms.shape[0] * o * o
        return absorb(
            terms.transpose(order).reshape(n, *shape), cf.transpose(order).reshape(n, *shape),
            mode="running",
        )  # fmt: skip
    first = detector_pixel_positions(
        pix0, fdet, sdet, shape, pixel, oversample=o, subpixel=settings.capture_subpixel
    )
    if per_layer:
        rho = parallax(layer_positions(first, odet, **kw), odet)
    else:
        rho = parallax(first, odet)
    cf = capture_fractions(rho, attenuation_length=att, per_layer=per_layer, **kw)
    return absorb(terms.sum(axis=(-2, -1)), cf, mode=settings.absorb_mode)


def argv_of(thick=None, steps=None, abs_um=None, over_thick=False):
    argv = []
    if thick is not None:
        argv += ["-detector_thick", str(thick)]
    if steps is not None:
        argv += ["-detector_thicksteps", str(steps)]
    if abs_um is not None:
        argv += ["-detector_abs", str(abs_um)]
    if over_thick:
        argv += ["-oversample_thick"]
    return argv


CASES = [  # (thick um, thicksteps, detector_abs um)
    (320, 5, 234),
    (450, 10, 17),
    (320, None, None),  # no -thicksteps: 2 layers of thick/2; no -detector_abs: att = thick
    (100, 1, 50),  # -thicksteps 1 becomes 2 layers of thick/1
    (75, 3, None),
    (320, 5, "inf"),  # no absorption: thickness 0, capture 1
    (320, 4, 0),  # 0 means the same as inf
    (None, 5, 234),  # steps without a thickness: no absorption
    (None, None, None),  # nothing: no absorption
]


@pytest.mark.parametrize("tilt", [0.0, 30.0])
@pytest.mark.parametrize("oversample", [1, 2])
@pytest.mark.parametrize("over_thick", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_default_pipeline_reproduces_the_c_loop(case, over_thick, oversample, tilt):
    thick_um, steps, abs_um = case
    geom, shape, pixel = geometry(tilt)
    argv = argv_of(thick_um, steps, abs_um, over_thick)
    thick, n, step, mu, _ = c_parse(argv)
    if over_thick and thick == 0.0:
        with pytest.raises(ValueError, match="blank image"):
            nanobragg_detector_settings(
                detector_thick_um=thick_um, detector_thicksteps=steps, detector_abs_um=abs_um,
                oversample_thick=True, oversample=oversample,
            )  # fmt: skip
        # and indeed the C writes zeros there
        want = c_pixel_loop(geom, shape, pixel, oversample, thick, n, step, mu, over_thick)
        assert not want.any()
        return
    settings = nanobragg_detector_settings(
        detector_thick_um=thick_um, detector_thicksteps=steps, detector_abs_um=abs_um,
        oversample_thick=over_thick, oversample=oversample,
    )  # fmt: skip
    assert (settings.thickness, settings.steps) == (thick, n)
    assert settings.step == pytest.approx(step, rel=1e-15)
    assert settings.mu == pytest.approx(mu if thick > 0 else 0.0, rel=1e-15)
    want = c_pixel_loop(geom, shape, pixel, oversample, thick, n, step, mu, over_thick)
    got = perflab_image(geom, shape, pixel, settings)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "argv_kw, thick, steps, step, att",
    [
        ({"thick": 320}, 320e-6, 2, 160e-6, 320e-6),
        ({"thick": 320, "steps": 1}, 320e-6, 2, 320e-6, 320e-6),
        ({"thick": 320, "steps": 5, "abs_um": 234}, 320e-6, 5, 80e-6, 234e-6),
        ({"thick": 320, "steps": 5, "abs_um": "inf"}, 0.0, 1, 0.0, math.inf),
        ({"thick": 320, "abs_um": 0}, 0.0, 1, 0.0, math.inf),
        ({"steps": 5}, 0.0, 1, 0.0, math.inf),
        ({}, 0.0, 1, 0.0, math.inf),
    ],
)
def test_defaults_function_reproduces_each_case_of_the_c(argv_kw, thick, steps, step, att):
    c_thick, c_steps, c_step, c_mu, _ = c_parse(argv_of(**argv_kw))
    s = nanobragg_detector_settings(
        detector_thick_um=argv_kw.get("thick"),
        detector_thicksteps=argv_kw.get("steps"),
        detector_abs_um=argv_kw.get("abs_um"),
    )
    assert (s.thickness, s.steps) == (c_thick, c_steps) == pytest.approx((thick, steps))
    assert s.step == pytest.approx(c_step, rel=1e-15) and s.step == pytest.approx(step)
    assert s.attenuation_length == pytest.approx(att, rel=1e-15)
    if c_thick > 0:
        assert s.mu == pytest.approx(c_mu, rel=1e-15)
    assert s.absorb_mode == "last" and s.capture_subpixel == (0, 0)


def test_abs_inf_before_thick_is_refused_with_the_reason():
    # the C keeps the thickness with mu = 0: every capture is 0 (a blank image)
    thick, n, step, mu, _ = c_parse(["-detector_abs", "inf", "-detector_thick", "320"])
    assert thick > 0 and mu == 0.0
    geom, shape, pixel = geometry(0.0)
    assert not c_pixel_loop(geom, shape, pixel, 1, thick, n, step, mu, False).any()
    with pytest.raises(ValueError, match="before -detector_thick"):
        nanobragg_detector_settings(
            detector_thick_um=320, detector_abs_um="inf", abs_before_thick=True
        )


@pytest.mark.parametrize("bad", [{"detector_thick_um": -1}, {"detector_thicksteps": 2.5},
                                 {"detector_abs_um": "lots"}, {"detector_abs_um": -3},
                                 {"oversample": 0}])  # fmt: skip
def test_defaults_function_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        nanobragg_detector_settings(**bad)


@pytest.mark.parametrize(
    "thick_um, steps, abs_um, tilt, least",
    [(320, 5, None, 30.0, 0.002), (450, 10, 17, 30.0, 0.25)],
)
def test_one_parallax_per_pixel_is_not_nanobragg(thick_um, steps, abs_um, tilt, least):
    """The issue's cases: the front face's parallax for every layer (the old default) is off
    the C, by an amount that grows as the detector comes closer. Measured here at 10 mm,
    tilted 30 deg, 172 um pixels: 0.27 % (320 um, 5 steps, attenuation length = thickness)
    and 31 % (450 um, 17 um attenuation length, 10 steps); at 100 mm 0.024 % and 3.4 %. The
    per-layer default matches to 1e-12."""
    geom, shape, pixel = geometry(tilt, distance=0.01, size=(6, 7))
    s = nanobragg_detector_settings(
        detector_thick_um=thick_um, detector_thicksteps=steps, detector_abs_um=abs_um
    )
    want = c_pixel_loop(geom, shape, pixel, 1, s.thickness, s.steps, s.step, s.mu, False)
    front = perflab_image(geom, shape, pixel, s, per_layer=False)
    err = float(np.max(np.abs(front / want - 1)))
    assert err > least, err
    np.testing.assert_allclose(perflab_image(geom, shape, pixel, s), want, rtol=1e-12)


def test_sum_mode_weights_each_layer_by_its_own_capture():
    geom, shape, pixel = geometry(30.0)
    pix0, fdet, sdet, odet = geom
    pos = detector_pixel_positions(pix0, fdet, sdet, shape, pixel)
    layers = layer_positions(pos, odet, thickness=320e-6, steps=5)
    cf = capture_fractions(parallax(layers, odet), thickness=320e-6,
                           attenuation_length=234e-6, steps=5)  # fmt: skip
    terms = _term(layers)
    want = np.zeros(shape)
    for t in range(5):  # the physical model: layer t's signal times the fraction it absorbs
        rho = parallax(layers[t], odet)
        dz = 320e-6 / 4
        want += terms[t] * (np.exp(-t * dz / 234e-6 / rho) - np.exp(-(t + 1) * dz / 234e-6 / rho))
    np.testing.assert_allclose(absorb(terms, cf), want, rtol=1e-12)


@pytest.mark.parametrize("per_layer", [True, False])
def test_infinite_attenuation_length_captures_everything(per_layer):
    # it used to give zero capture in every layer (a blank image)
    geom, shape, pixel = geometry(30.0)
    pix0, fdet, sdet, odet = geom
    pos = detector_pixel_positions(pix0, fdet, sdet, shape, pixel)
    rho = parallax(layer_positions(pos, odet, thickness=320e-6, steps=5), odet)
    cf = capture_fractions(
        rho if per_layer else rho[0], thickness=320e-6, attenuation_length=math.inf, steps=5,
        per_layer=per_layer,
    )  # fmt: skip
    assert cf.shape == (1, *shape) and (cf == 1.0).all()
    intensity = _term(pos)
    np.testing.assert_array_equal(absorb(intensity, cf), intensity)
    np.testing.assert_array_equal(absorb(intensity, cf, mode="last"), intensity)
    t = torch.from_numpy(rho)
    assert bool((capture_fractions(t, thickness=1e-4, attenuation_length=float("inf"),
                                   steps=5) == 1).all())  # fmt: skip


def test_first_subpixel_positions_are_the_cs():
    geom, shape, pixel = geometry(30.0)
    pix0, fdet, sdet, _ = geom
    subs = detector_subpixel_positions(pix0, fdet, sdet, shape, pixel, 3)
    for sub in [(0, 0), (1, 2), (2, 0)]:
        one = detector_pixel_positions(pix0, fdet, sdet, shape, pixel, oversample=3, subpixel=sub)
        np.testing.assert_array_equal(one, subs[:, :, sub[0], sub[1]])
        s, f = 2, 4
        fd = pixel / 3 * (f * 3 + sub[1]) + pixel / 3 / 2
        sd = pixel / 3 * (s * 3 + sub[0]) + pixel / 3 / 2
        np.testing.assert_allclose(one[s, f], fd * fdet + sd * sdet + pix0, rtol=1e-15)
    with pytest.raises(ValueError, match="subpixel"):
        detector_pixel_positions(pix0, fdet, sdet, shape, pixel, oversample=2, subpixel=(2, 0))
    with pytest.raises(ValueError, match="oversample"):
        detector_subpixel_positions(pix0, fdet, sdet, shape, pixel, 0)
