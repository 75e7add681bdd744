"""Golden cases from anisoap 0.1.1, in both layouts (``perflab.soap.reference.golden``).

Cases: a periodic cell smaller than the cutoff, the monomial basis, max_angular 8, a
three-species power spectrum, and segregated species (no pair between the two species
anywhere in the batch, where the reference drops the missing species' columns).

- ``layout="reference"``: every block (values, samples, properties) equals the reference's
  ``transform`` within rtol 1e-6 (float64); the per-centre power spectrum equals its
  ``power_spectrum(mean_over_samples=False)``.
- ``layout="species_major"``: the reference's own un-normalised coefficients, permuted so
  that values match their labels and orthonormalised by its own code; columns of neighbour
  species the reference dropped must be exactly zero here.
- float32: the tolerance of :func:`test_golden.assert_float32_close`.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from perflab.soap import AniSOAP
from perflab.soap.calculator import ReferenceLayoutWarning
from perflab.soap.frames import frames_from_arrays
from perflab.soap.reference import reference_status
from perflab.soap.reference.golden import CASES, case_frames, compute_case
from perflab.soap.reference.install import ReferenceInstallError, patch_pyproject

from .conftest import DATA
from .test_golden import assert_float32_close

pytestmark = pytest.mark.smoke

NAMES = [c.name for c in CASES]
PS_NAMES = [c.name for c in CASES if c.power_spectrum]
CALCS = [("numpy", "float64"), ("torch", "float64"), ("torch", "float32")]
LAYOUT_PREFIX = {"reference": "ref_", "species_major": "sm_"}


def load_case(name: str):
    with np.load(DATA / f"golden_case_{name}.npz") as npz:
        data = {k: npz[k] for k in npz.files}
    cell = data["cell"] if data["cell"].any() else None
    frames = frames_from_arrays(
        data["positions"], data["numbers"], data["quaternions_wxyz"], data["diameters"], cell
    )
    return data, frames, json.loads(str(data["hypers_json"]))


def golden_blocks(data, prefix):
    keys = [k[len(prefix) + 7 :] for k in data if k.startswith(prefix + "values_")]
    out = {}
    for k in keys:
        z, l = (int(x) for x in k.split("_"))
        out[(z, l)] = tuple(
            data[f"{prefix}{what}_{k}"] for what in ("values", "samples", "properties")
        )
    assert out, f"no {prefix} blocks"
    return out


def calculator(hypers, backend, dtype, layout):
    return AniSOAP(**hypers, backend=backend, dtype=dtype, layout=layout)


def compute(calc, frames, method, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReferenceLayoutWarning)
        return getattr(calc, method)(frames, **kwargs)


def check_values(got, ref, dtype, what):
    assert got.dtype == np.dtype(dtype), what
    if dtype == "float64":
        np.testing.assert_allclose(
            got, ref, rtol=1e-6, atol=1e-12 * np.abs(ref).max(), err_msg=what
        )
    else:
        assert_float32_close(got, ref, what)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("backend", "dtype"), CALCS)
@pytest.mark.parametrize("layout", ["reference", "species_major"])
def test_expansion_matches_reference(name, backend, dtype, layout):
    data, frames, hypers = load_case(name)
    exp = compute(calculator(hypers, backend, dtype, layout), frames, "expand")
    gold = golden_blocks(data, LAYOUT_PREFIX[layout])
    assert sorted(exp.blocks) == sorted(gold)
    for key, (ref, samples, props) in gold.items():
        what = f"{name} {layout} {backend}-{dtype} block {key}"
        np.testing.assert_array_equal(exp.samples[key], samples, err_msg=what)
        got, got_props = exp.blocks[key], exp.properties[key]
        if layout == "reference":
            np.testing.assert_array_equal(got_props, props, err_msg=what)
        else:  # every species has its columns; those the reference dropped are zero
            kept = np.array([any((p == q).all() for q in props) for p in got_props])
            np.testing.assert_array_equal(got_props[kept], props, err_msg=what)
            assert np.all(got[:, :, ~kept] == 0), what
            got = got[:, :, kept]
        check_values(got, ref, dtype, what)


def test_segregated_case_drops_columns_in_reference_layout_only():
    data, frames, hypers = load_case("segregated")
    ref = compute(calculator(hypers, "torch", "float64", "reference"), frames, "expand")
    sm = compute(calculator(hypers, "torch", "float64", "species_major"), frames, "expand")
    for key in ref.blocks:
        assert set(ref.properties[key][:, 1]) == {key[0]}  # only its own species
        assert set(sm.properties[key][:, 1]) == {1, 2}
        # one neighbour species left: the two layouts hold the same numbers
        own = sm.properties[key][:, 1] == key[0]
        np.testing.assert_allclose(ref.blocks[key], sm.blocks[key][:, :, own], rtol=1e-12)


def feature_index(props_by_l, kept_by_l):
    """Columns of our power spectrum slot (l outer, then p, then q) that the golden one holds."""
    cols, start = [], 0
    for props, kept in zip(props_by_l, kept_by_l, strict=True):
        p_count = len(props)
        idx = np.flatnonzero(kept)
        cols.append(start + (idx[:, None] * p_count + idx[None, :]).ravel())
        start += p_count**2
    return np.concatenate(cols)


@pytest.mark.parametrize("name", PS_NAMES)
@pytest.mark.parametrize(("backend", "dtype"), CALCS)
@pytest.mark.parametrize("layout", ["reference", "species_major"])
def test_power_spectrum_matches_reference(name, backend, dtype, layout):
    data, frames, hypers = load_case(name)
    calc = calculator(hypers, backend, dtype, layout)
    exp = compute(calc, frames, "expand")
    ps = compute(calc, frames, "power_spectrum", per_center=True)
    prefix = "ps_" + LAYOUT_PREFIX[layout]
    gold_props = golden_blocks(data, LAYOUT_PREFIX[layout])
    row, col = 0, 0
    for z in exp.species:
        ref = data[f"{prefix}values_{z}"]
        np.testing.assert_array_equal(exp.samples[(z, 0)], data[f"{prefix}samples_{z}"])
        props = [exp.properties[(z, l)] for l in range(hypers["max_angular"] + 1)]
        width = sum(len(p) ** 2 for p in props)
        got = ps[row : row + len(ref), col : col + width]
        assert np.all(ps[row : row + len(ref), :col] == 0)
        assert np.all(ps[row : row + len(ref), col + width :] == 0)
        kept = [
            np.array([any((p == q).all() for q in gold_props[(z, l)][2]) for p in pr])
            for l, pr in enumerate(props)
        ]
        cols = feature_index(props, kept)
        assert np.all(np.delete(got, cols, axis=1) == 0)
        check_values(got[:, cols], ref, dtype, f"{name} {layout} {backend}-{dtype} ps {z}")
        row, col = row + len(ref), col + width
    assert row == ps.shape[0] and col == ps.shape[1]


@pytest.mark.parametrize("case", CASES, ids=NAMES)
def test_stored_inputs_are_the_seeded_draws(case):
    """The fixtures' inputs are what case_frames draws from the case's seed (so the
    generator regenerates the same inputs)."""
    data, frames, hypers = load_case(case.name)
    assert hypers == case.hypers
    drawn = case_frames(case)
    assert len(drawn) == len(frames) == case.n_frames
    for a, b in zip(drawn, frames, strict=True):
        np.testing.assert_array_equal(a.positions, b.positions)
        np.testing.assert_array_equal(a.quaternions, b.quaternions)
        np.testing.assert_array_equal(a.diameters, b.diameters)
        np.testing.assert_array_equal(a.species, b.species)
        assert (a.cell is None) == (b.cell is None) == (not case.periodic)


def test_install_patch_removes_only_the_rust_extension():
    text = (
        '[build-system]\nrequires = ["setuptools", "setuptools-rust"]\n'
        '[tool.setuptools.packages]\nfind = { where = ["."] }\n\n'
        '[[tool.setuptools-rust.ext-modules]]\ntarget = "anisoap_rust_lib"\n'
    )
    out = patch_pyproject(text)
    assert "setuptools-rust" not in out and "anisoap_rust_lib" not in out
    assert 'include = ["anisoap*"]' in out
    with pytest.raises(ReferenceInstallError, match="setuptools-rust"):
        patch_pyproject("[project]\nname = 'x'\n")


def test_generator_reproduces_the_fixture_with_the_reference_installed():
    """With anisoap installed (make reference), the generator writes the stored numbers
    again (else skipped with the reason)."""
    ok, why = reference_status()
    if not ok:
        pytest.skip(why)
    case = next(c for c in CASES if c.name == "segregated")
    fresh = compute_case(case)
    data, _, _ = load_case(case.name)
    assert sorted(fresh) == sorted(data)
    for key, value in fresh.items():
        if value.dtype.kind in "fc":
            np.testing.assert_allclose(value, data[key], rtol=1e-12, atol=0, err_msg=key)
        else:
            np.testing.assert_array_equal(value, data[key], err_msg=key)
