"""Default layout, the reference-layout warning, per-call torch threads, the reference adapter."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import torch

from perflab.soap import AniSOAP, Frame, torch_backend
from perflab.soap.calculator import ReferenceLayoutWarning
from perflab.soap.radial import HyperparameterError
from perflab.soap.reference import NOT_INSTALLED, reference_status, rust_stand_in
from perflab.soap.threads import (
    AUTO_MAX_THREADS,
    AUTO_MIN_PAIRS,
    auto_threads,
    idle_cores,
    torch_threads,
)

from .test_golden_cases import load_case

HYP = dict(max_angular=2, radial_basis="gto", cutoff_radius=5.0, radial_gaussian_width=1.0)


def test_default_layout_is_species_major():
    assert AniSOAP(**HYP).layout == "species_major"
    _, frames, hypers = load_case("segregated")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default layout never warns
        exp = AniSOAP(**hypers).expand(frames)
    assert exp.layout == "species_major"
    assert all(set(p[:, 1]) == {1, 2} for p in exp.properties.values())


def test_reference_layout_warns_once_with_several_species():
    _, frames, hypers = load_case("segregated")
    calc = AniSOAP(**hypers, layout="reference")
    with pytest.warns(ReferenceLayoutWarning, match="species_major") as record:
        calc.expand(frames)
        calc.power_spectrum(frames)
    assert len(record) == 1
    assert record[0].filename == __file__  # points at the caller
    with pytest.warns(ReferenceLayoutWarning) as again:
        AniSOAP(**hypers, layout="reference").expansion(frames)
    assert again[0].filename == __file__
    one = [Frame(f.positions, np.ones_like(f.species), f.quaternions, f.diameters) for f in frames]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AniSOAP(**hypers, layout="reference").expand(one)  # one species: no warning


def test_threads_auto_uses_one_thread_below_the_threshold():
    assert auto_threads(AUTO_MIN_PAIRS - 1, 8, idle=8) == 1
    assert auto_threads(AUTO_MIN_PAIRS, 2, idle=8) == 2
    assert auto_threads(AUTO_MIN_PAIRS, 8, idle=1) == 1  # busy machine: one thread
    assert auto_threads(AUTO_MIN_PAIRS, 1, idle=8) == 1  # never more than the caller's
    assert auto_threads(10 * AUTO_MIN_PAIRS, 64, idle=64) == AUTO_MAX_THREADS
    assert 1 <= idle_cores() <= (os.cpu_count() or 1)


@pytest.mark.parametrize("threads", ["auto", 1, 2])
def test_call_uses_its_threads_and_restores_the_callers(threads, monkeypatch):
    _, frames, hypers = load_case("lmax8")  # a few dozen pairs: "auto" means one thread
    seen = []
    original = torch_backend.raw_coefficients_torch

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(torch_backend, "raw_coefficients_torch", spy)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(3)
        AniSOAP(**hypers, threads=threads).expansion(frames)
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)
    assert seen == [1 if threads == "auto" else threads]


def test_threads_restored_when_the_call_raises():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="boom"), torch_threads(1, 10):
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -1, 1.5, "two", True])
def test_bad_threads_rejected(bad):
    with pytest.raises(HyperparameterError, match="threads"):
        AniSOAP(**HYP, threads=bad)


def test_threads_do_not_change_the_numbers():
    _, frames, hypers = load_case("power_spectrum_3sp")
    a = AniSOAP(**hypers, threads=1).expansion(frames)
    b = AniSOAP(**hypers, threads=2).expansion(frames)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-13, atol=1e-15)


def test_rust_stand_in_refuses_to_compute():
    with pytest.raises(NotImplementedError, match="rust_moments=False"):
        rust_stand_in.compute_moments(np.eye(3), np.zeros(3), 2)


def test_reference_status_names_why():
    ok, why = reference_status()
    assert isinstance(ok, bool)
    if not ok:
        assert why.startswith(NOT_INSTALLED)


def test_reference_package_matches_live():
    """With anisoap installed: the live reference equals our reference layout (else skip)."""
    ok, why = reference_status()
    if not ok:
        pytest.skip(why)
    from perflab.soap.reference import ReferenceCalculator

    _, frames, hypers = load_case("segregated")
    ref = ReferenceCalculator(**hypers).expand(frames)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReferenceLayoutWarning)
        ours = AniSOAP(**hypers, layout="reference").expand(frames)
    assert sorted(ref.blocks) == sorted(ours.blocks)
    for key in ref.blocks:
        np.testing.assert_array_equal(ref.properties[key], ours.properties[key])
        np.testing.assert_allclose(ours.blocks[key], ref.blocks[key], rtol=1e-6, atol=1e-14)


def test_seed_size_case_runs_on_one_thread_by_default(golden, hypers, monkeypatch):
    """The issue's regression: on golden_bench_2sp the default call used torch's two threads
    (1.43 s against 0.037 s with one on a busy machine); "auto" must pick one thread."""
    _, frames = golden("golden_bench_2sp")
    seen = []
    original = torch_backend.raw_coefficients_torch

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(torch_backend, "raw_coefficients_torch", spy)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        AniSOAP(**hypers).expansion(frames)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert seen == [1]
