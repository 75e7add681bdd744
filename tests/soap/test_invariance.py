"""Symmetries of the descriptor: rotation, permutation, translation and periodic images,
and the sphere limit (equal semi-axes: orientations no longer matter)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from perflab.soap import AniSOAP, Frame

SMALL = dict(max_angular=4, radial_basis="gto", cutoff_radius=5.0, radial_gaussian_width=1.2)


def random_frame(rng, n=10, n_species=2, box=8.0, sphere=False, cell=None):
    pos = rng.uniform(0, box, size=(n, 3))
    species = rng.integers(1, n_species + 1, size=n)
    species[:n_species] = np.arange(1, n_species + 1)
    quats = Rotation.random(n, random_state=rng).as_quat(scalar_first=True)
    if sphere:
        diam = np.repeat(rng.uniform(1.0, 3.0, size=(n, 1)), 3, axis=1)
    else:
        diam = rng.uniform(0.8, 3.5, size=(n, 3))
    return Frame(pos, species, quats, diam, cell=cell)


def rotate(frame: Frame, rot: Rotation) -> Frame:
    quats = (rot * Rotation.from_quat(frame.quaternions, scalar_first=True)).as_quat(
        scalar_first=True
    )
    return Frame(rot.apply(frame.positions), frame.species, quats, frame.diameters)


@pytest.mark.parametrize(("backend", "dtype"), [("numpy", "float64"), ("torch", "float64")])
def test_power_spectrum_rotation_invariant(backend, dtype):
    rng = np.random.default_rng(1)
    frames = [random_frame(rng) for _ in range(2)]
    calc = AniSOAP(**SMALL, backend=backend, dtype=dtype)
    ps = calc.power_spectrum(frames)
    for seed in range(3):
        rot = Rotation.random(random_state=seed)
        ps_rot = calc.power_spectrum([rotate(f, rot) for f in frames])
        np.testing.assert_allclose(ps_rot, ps, rtol=1e-9, atol=1e-12 * np.abs(ps).max())
    # the coefficients themselves are NOT invariant (they rotate): the test can fail
    c = calc.expansion(frames)[(1, 1)]
    c_rot = calc.expansion([rotate(f, Rotation.random(random_state=7)) for f in frames])[(1, 1)]
    assert np.abs(c - c_rot).max() > 1e-3 * np.abs(c).max()


def test_rotating_only_orientations_changes_the_descriptor():
    rng = np.random.default_rng(2)
    f = random_frame(rng)
    rot = Rotation.random(random_state=3)
    quats = (rot * Rotation.from_quat(f.quaternions, scalar_first=True)).as_quat(scalar_first=True)
    g = Frame(f.positions, f.species, quats, f.diameters)
    calc = AniSOAP(**SMALL, backend="torch")
    a, b = calc.power_spectrum([f]), calc.power_spectrum([g])
    assert np.abs(a - b).max() > 1e-4 * np.abs(a).max()


def test_power_spectrum_rotation_invariant_float32():
    rng = np.random.default_rng(4)
    frames = [random_frame(rng)]
    calc = AniSOAP(**SMALL, backend="torch", dtype="float32")
    ps = calc.power_spectrum(frames)
    ps_rot = calc.power_spectrum([rotate(frames[0], Rotation.random(random_state=5))])
    assert np.abs(ps_rot - ps).max() < 1e-4 * np.abs(ps).max()


def test_permutation_invariance_and_equivariance():
    rng = np.random.default_rng(6)
    f = random_frame(rng, n=12, n_species=3)
    perm = rng.permutation(len(f))
    g = Frame(f.positions[perm], f.species[perm], f.quaternions[perm], f.diameters[perm])
    calc = AniSOAP(**SMALL, backend="torch")
    np.testing.assert_allclose(calc.power_spectrum([g]), calc.power_spectrum([f]), rtol=1e-10)
    # per-centre rows move with their particles
    ef, eg = calc.expand([f]), calc.expand([g])
    for key, block in ef.blocks.items():
        by_particle_f = dict(zip(ef.samples[key][:, 1].tolist(), block, strict=True))
        for row, idx in zip(eg.blocks[key], eg.samples[key][:, 1], strict=True):
            np.testing.assert_allclose(row, by_particle_f[int(perm[idx])], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_sphere_limit_orientation_does_not_matter(backend):
    rng = np.random.default_rng(8)
    f = random_frame(rng, sphere=True)
    ident = np.tile([1.0, 0.0, 0.0, 0.0], (len(f), 1))
    g = Frame(f.positions, f.species, ident, f.diameters)
    calc = AniSOAP(**SMALL, backend=backend)
    ef, eg = calc.expansion([f]), calc.expansion([g])
    for key in ef:
        np.testing.assert_allclose(ef[key], eg[key], rtol=1e-9, atol=1e-13)
    # and the same frame with ellipsoids does depend on orientation
    h = Frame(f.positions, f.species, f.quaternions, f.diameters * [1.0, 1.5, 0.6])
    k = Frame(f.positions, f.species, ident, h.diameters)
    assert np.abs(calc.expansion([h])[(1, 0)] - calc.expansion([k])[(1, 0)]).max() > 1e-6


def test_translation_invariance():
    rng = np.random.default_rng(9)
    f = random_frame(rng)
    g = Frame(f.positions + [3.0, -1.0, 100.0], f.species, f.quaternions, f.diameters)
    calc = AniSOAP(**SMALL, backend="torch")
    for key, block in calc.expansion([f]).items():
        np.testing.assert_allclose(calc.expansion([g])[key], block, rtol=1e-9, atol=1e-13)


def test_periodic_supercell_has_the_same_mean_power_spectrum():
    rng = np.random.default_rng(10)
    box = 6.0
    cell = np.diag([box, box, box])
    f = random_frame(rng, n=8, box=box, cell=cell)
    shift = np.array([box, 0.0, 0.0])
    g = Frame(
        np.concatenate([f.positions, f.positions + shift]),
        np.concatenate([f.species, f.species]),
        np.concatenate([f.quaternions, f.quaternions]),
        np.concatenate([f.diameters, f.diameters]),
        cell=np.diag([2 * box, box, box]),
    )
    calc = AniSOAP(**SMALL, backend="torch")
    np.testing.assert_allclose(calc.power_spectrum([g]), calc.power_spectrum([f]), rtol=1e-9)
    # periodic images matter: the same particles without the cell differ
    h = Frame(f.positions, f.species, f.quaternions, f.diameters)
    assert np.abs(calc.power_spectrum([h]) - calc.power_spectrum([f])).max() > 1e-6
