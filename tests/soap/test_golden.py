"""Fidelity: our AniSOAP matches the reference package's golden outputs (anisoap 0.1.1).

float64: every coefficient block and the power spectrum within rtol 1e-6 / atol 1e-10.
float32: every block within 1e-4 of its largest magnitude (normwise relative error).
"""

from __future__ import annotations

import numpy as np
import pytest

from perflab.soap import AniSOAP

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
    exp = AniSOAP(**hypers, backend=backend, dtype=dtype).expand(frames)
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
    blocks = AniSOAP(**hypers, backend="torch", dtype="float32").expansion(frames)
    for z, l in _golden_blocks(data):
        ref = data[f"coeffs_types_center{z}_angular_channel{l}"]
        got = blocks[(z, l)]
        assert got.dtype == np.float32
        err = np.abs(got.astype(np.float64) - ref).max() / np.abs(ref).max()
        assert err < 1e-4, f"{name} block {(z, l)}: relative error {err:.2e}"


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
        assert np.abs(ps - ref).max() / np.abs(ref).max() < 1e-4


def test_golden_inputs_are_what_the_readme_says(golden):
    data, frames = golden("golden_bench_2sp")
    assert len(frames) == 10 and all(len(f) == 40 for f in frames)
    assert sorted(set(np.unique(data["numbers"]).tolist())) == [1, 2]
