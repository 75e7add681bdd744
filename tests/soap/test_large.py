"""Larger periodic systems (deep tier): the backends and precisions still agree."""

from __future__ import annotations

import numpy as np
import pytest

from perflab.soap import AniSOAP
from perflab.soap.bench.cases import HYPERS
from perflab.soap.systems import benzene_like_frames, ellipsoid_fluid


@pytest.mark.deep
def test_numpy_and_torch_agree_on_a_periodic_fluid():
    frames = [ellipsoid_fluid(300, seed=3)]
    a = AniSOAP(**HYPERS, backend="numpy").expansion(frames)
    b = AniSOAP(**HYPERS, backend="torch", batch_size=1000).expansion(frames)
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-9, atol=1e-12 * np.abs(a[key]).max())


@pytest.mark.deep
@pytest.mark.parametrize("n", [3000, 10000])
def test_float32_tracks_float64_on_large_fluids(n):
    frames = [ellipsoid_fluid(n, seed=4)]
    a = AniSOAP(**HYPERS, backend="torch").power_spectrum(frames)
    b = AniSOAP(**HYPERS, backend="torch", dtype="float32", batch_size=4096).power_spectrum(frames)
    assert np.abs(b - a).max() <= 1e-4 * np.abs(a).max()


@pytest.mark.deep
def test_benzene_species_power_spectrum_shapes():
    for k in (1, 2, 3, 4):
        frames = benzene_like_frames(n_frames=3, n_molecules=4, n_species=k)
        ps = AniSOAP(**HYPERS, backend="torch").power_spectrum(frames)
        assert ps.shape[0] == 3 and np.all(np.isfinite(ps))
        assert ps.shape[1] % k == 0
