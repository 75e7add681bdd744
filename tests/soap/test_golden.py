"""Fidelity: our AniSOAP matches the reference package's golden outputs (anisoap 0.1.1).

These files hold the reference's default output, i.e. ``layout="reference"``.
float64: every coefficient block and the power spectrum within rtol 1e-6 / atol 1e-10.
float32: the tolerance of :func:`assert_float32_close` (normwise and elementwise).
"""

from __future__ import annotations

import numpy as np
import pytest

from perflab.soap import AniSOAP

#: float32, per block: max|got - ref| <= FLOAT32_NORMWISE * max|ref| ...
FLOAT32_NORMWISE = 1e-5
#: ... and elementwise |got - ref| <= FLOAT32_RTOL * |ref| + FLOAT32_FLOOR * max|ref|
FLOAT32_RTOL = 1e-4
FLOAT32_FLOOR = 2e-6


def assert_float32_close(got: np.ndarray, ref: np.ndarray, what: str) -> None:
    """The float32 tolerance stated in the README, normwise and elementwise (the relative
    error of small entries alone is not bounded: it reaches a few percent on entries near
    zero, hence the absolute floor scaled by the block's largest magnitude)."""
    got = got.astype(np.float64)
    scale = np.abs(ref).max()
    err = np.abs(got - ref)
    assert err.max() <= FLOAT32_NORMWISE * scale, f"{what}: normwise {err.max() / scale:.2e}"
    bound = FLOAT32_RTOL * np.abs(ref) + FLOAT32_FLOOR * scale
    worst = np.unravel_index(np.argmax(err - bound), err.shape)
    assert np.all(err <= bound), (
        f"{what}: elementwise error {err[worst]:.2e} > {bound[worst]:.2e} at {worst}"
    )


COEFF_FILES = ["golden_small_3sp", "golden_bench_2sp"]
FLOAT64 = [("numpy", "float64"), ("torch", "float64")]


def _golden_blocks(data):
    keys = sorted(
        (int(k.split("center")[1].split("_")[0]), int(k.rsplit("channel", 1)[1]))
        for k in data
        if k.startswith("coeffs_")
    )
    assert keys, "golden file has no coefficient blocks"
    return keys


@pytest.mark.parametrize("name", COEFF_FILES)
@pytest.mark.parametrize(("backend", "dtype"), FLOAT64)
def test_expansion_matches_golden_float64(golden, hypers, name, backend, dtype):
    data, frames = golden(name)
    exp = AniSOAP(**hypers, backend=backend, dtype=dtype, layout="reference").expand(frames)
    keys = _golden_blocks(data)
    assert sorted(exp.blocks) == keys
    for z, l in keys:
        suffix = f"types_center{z}_angular_channel{l}"
        ref = data[f"coeffs_{suffix}"]
        np.testing.assert_array_equal(exp.samples[(z, l)], data[f"samples_{suffix}"])
        np.testing.assert_array_equal(exp.properties[(z, l)], data[f"properties_{suffix}"])
        assert exp.blocks[(z, l)].shape == ref.shape
        assert exp.blocks[(z, l)].dtype == np.float64
        np.testing.assert_allclose(
            exp.blocks[(z, l)], ref, rtol=1e-6, atol=1e-10, err_msg=f"{name} block {(z, l)}"
        )


@pytest.mark.parametrize("name", COEFF_FILES)
def test_expansion_matches_golden_float32(golden, hypers, name):
    data, frames = golden(name)
    calc = AniSOAP(**hypers, backend="torch", dtype="float32", layout="reference")
    blocks = calc.expansion(frames)
    for z, l in _golden_blocks(data):
        ref = data[f"coeffs_types_center{z}_angular_channel{l}"]
        got = blocks[(z, l)]
        assert got.dtype == np.float32
        assert_float32_close(got, ref, f"{name} block {(z, l)}")


@pytest.mark.parametrize(("backend", "dtype"), FLOAT64 + [("torch", "float32")])
def test_power_spectrum_matches_golden(golden, hypers, backend, dtype):
    data, frames = golden("golden_small_1sp")
    ref = data["power_spectrum"]
    ps = AniSOAP(**hypers, backend=backend, dtype=dtype).power_spectrum(frames)
    assert ps.shape == ref.shape == (3, 44)
    assert ps.dtype == np.dtype(dtype)  # the calculation's dtype, also per centre
    assert AniSOAP(**hypers, backend=backend, dtype=dtype).power_spectrum(
        frames, per_center=True
    ).dtype == np.dtype(dtype)
    if dtype == "float64":
        np.testing.assert_allclose(ps, ref, rtol=1e-6, atol=1e-10)
    else:
        assert_float32_close(ps, ref, "power spectrum")


def test_golden_inputs_are_what_the_readme_says(golden):
    data, frames = golden("golden_bench_2sp")
    assert len(frames) == 10 and all(len(f) == 40 for f in frames)
    assert sorted(set(np.unique(data["numbers"]).tolist())) == [1, 2]
