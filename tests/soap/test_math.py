"""Building blocks: Gaussian moments, solid harmonics, radial orthonormalisation, and the
agreement of the two backends across hyperparameters and layouts."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation
from scipy.special import factorial2, sph_harm_y

from perflab.soap import AniSOAP, Frame
from perflab.soap.moments import gaussian_moments, monomials, recurrence_plan
from perflab.soap.radial import RadialBasis, gto_square_norm
from perflab.soap.solid_harmonics import projection_matrix, real_solid_harmonic
from perflab.soap.torch_backend import _make_plan, batched_moments


def central_1d(n: int, var: float) -> float:
    return 0.0 if n % 2 else float(factorial2(n - 1, exact=True)) * var ** (n / 2) if n else 1.0


def test_moments_of_a_diagonal_gaussian_factorise():
    mean = np.array([0.3, -1.2, 2.0])
    var = np.array([0.5, 1.7, 0.9])
    got = gaussian_moments(mean, np.diag(var), 6)

    def moment_1d(n, mu, v):  # E[(mu + s)^n] by the binomial theorem on central moments
        from math import comb

        return sum(comb(n, k) * mu ** (n - k) * central_1d(k, v) for k in range(n + 1))

    for pos, (a, b, c) in enumerate(monomials(6)):
        want = moment_1d(a, mean[0], var[0]) * moment_1d(b, mean[1], var[1])
        want *= moment_1d(c, mean[2], var[2])
        assert got[pos] == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_moments_of_a_rotated_gaussian_match_monte_carlo():
    rng = np.random.default_rng(0)
    rot = Rotation.random(random_state=1).as_matrix()
    cov = rot @ np.diag([0.2, 0.6, 1.1]) @ rot.T
    mean = np.array([0.4, 0.1, -0.3])
    x = rng.multivariate_normal(mean, cov, size=400_000)
    got = gaussian_moments(mean, cov, 4)
    for pos, (a, b, c) in enumerate(monomials(4)):
        mc = np.mean(x[:, 0] ** a * x[:, 1] ** b * x[:, 2] ** c)
        assert abs(got[pos] - mc) < 0.02 * max(1.0, abs(mc))


def test_batched_moments_equal_the_per_gaussian_recurrence():
    rng = np.random.default_rng(2)
    basis = RadialBasis.create("gto", 6, 7.0, 1.5)
    plan = _make_plan(basis, torch.device("cpu"), torch.float64)
    means = rng.normal(size=(5, 3))
    covs = []
    for k in range(5):
        r = Rotation.random(random_state=k).as_matrix()
        covs.append(r @ np.diag(rng.uniform(0.1, 2, 3)) @ r.T)
    covs = np.array(covs)
    got = batched_moments(
        torch.as_tensor(means.T.copy()), torch.as_tensor(covs.reshape(5, 9).T.copy()), plan
    ).numpy()
    for k in range(5):
        want = gaussian_moments(means[k], covs[k], basis.max_degree)
        np.testing.assert_allclose(got[:, k], want, rtol=1e-12, atol=1e-12)
    assert recurrence_plan(basis.max_degree).n_monomials == len(monomials(basis.max_degree))


@pytest.mark.parametrize("l", range(7))
def test_solid_harmonics_match_scipy_real_spherical_harmonics(l):
    rng = np.random.default_rng(l)
    x = rng.normal(size=(20, 3))
    r = np.linalg.norm(x, axis=1)
    theta, phi = np.arccos(x[:, 2] / r), np.arctan2(x[:, 1], x[:, 0])
    w = projection_matrix(l, 1, l)[:, 0, :]  # r^l Y_lm on monomials of degree <= l
    mono = np.array(monomials(l))
    basis_vals = np.prod(x[:, None, :] ** mono[None, :, :], axis=2)
    ours = basis_vals @ w.T / r[:, None] ** l  # Y_lm(x/r), m = -l..l
    for m in range(-l, l + 1):
        # real harmonics without the Condon-Shortley phase, as the reference uses
        y = sph_harm_y(l, abs(m), theta, phi) * (-1) ** abs(m)
        want = y.real if m == 0 else np.sqrt(2) * (y.real if m > 0 else y.imag)
        np.testing.assert_allclose(ours[:, l + m], want, rtol=1e-10, atol=1e-12)
    assert real_solid_harmonic(1, 0) == (((0, 0, 1), 1.0),)


@pytest.mark.parametrize("name", ["gto", "monomial"])
def test_orthonormalisation_makes_the_radial_basis_orthonormal(name):
    basis = RadialBasis.create(name, 6, 5.0, 1.3 if name == "gto" else None)
    for l, t in enumerate(basis.transforms):
        k = l + 2 * np.arange(basis.num_radial[l])
        ks = (k[:, None] + k[None, :]) / 2
        if name == "gto":
            overlap = gto_square_norm(ks, 1.3)
        else:
            overlap = 5.0 ** (2 * ks + 3) / (2 * ks + 3)
        np.testing.assert_allclose(t.T @ overlap @ t, np.eye(len(k)), atol=1e-9)


def small_frames():
    rng = np.random.default_rng(11)
    out = []
    for _ in range(2):
        n = 9
        out.append(
            Frame(
                rng.uniform(0, 6, (n, 3)),
                rng.integers(1, 4, n),
                Rotation.random(n, random_state=rng).as_quat(scalar_first=True),
                rng.uniform(0.5, 3, (n, 3)),
            )
        )
    return out


@pytest.mark.parametrize(
    "hypers",
    [
        dict(max_angular=3, radial_basis="monomial", cutoff_radius=4.0),
        dict(
            max_angular=4,
            radial_basis="gto",
            cutoff_radius=5.0,
            radial_gaussian_width=1.0,
            max_radial=2,
            orthonormalize=False,
        ),
        dict(
            max_angular=2,
            radial_basis="gto",
            cutoff_radius=5.0,
            radial_gaussian_width=2.0,
            max_radial=[3, 1, 0],
            layout="species_major",
        ),
        dict(max_angular=0, radial_basis="gto", cutoff_radius=3.0, radial_gaussian_width=1.0),
    ],
)
def test_torch_equals_numpy_across_hyperparameters(hypers):
    frames = small_frames()
    a = AniSOAP(**hypers, backend="numpy").expand(frames)
    b = AniSOAP(**hypers, backend="torch", batch_size=7).expand(frames)
    assert a.blocks.keys() == b.blocks.keys()
    for key in a.blocks:
        np.testing.assert_allclose(b.blocks[key], a.blocks[key], rtol=1e-10, atol=1e-13)
        np.testing.assert_array_equal(b.properties[key], a.properties[key])


def test_species_major_layout_separates_neighbour_species():
    frames = small_frames()[:1]
    f = frames[0]
    hyp = dict(max_angular=3, radial_basis="gto", cutoff_radius=5.0, radial_gaussian_width=1.0)
    calc = AniSOAP(**hyp, species=[1, 2, 3], layout="species_major")
    full = calc.expand([f])
    # drop every species-3 particle: the (n, a) columns of species 1 and 2 must not change
    keep = f.species != 3
    g = Frame(f.positions[keep], f.species[keep], f.quaternions[keep], f.diameters[keep])
    part = calc.expand([g])
    for (z, l), block in part.blocks.items():
        cols = part.properties[(z, l)][:, 1] != 3
        rows = np.isin(full.samples[(z, l)][:, 1], np.nonzero(keep)[0])
        np.testing.assert_allclose(
            block[:, :, cols], full.blocks[(z, l)][rows][:, :, cols], rtol=1e-10, atol=1e-13
        )
        assert np.all(block[:, :, ~cols] == 0)
    # the reference layout coincides with it for a single species
    one = Frame(f.positions, np.ones(len(f), dtype=int), f.quaternions, f.diameters)
    ref = AniSOAP(**hyp).expansion([one])
    phys = AniSOAP(**hyp, layout="species_major").expansion([one])
    for key in ref:
        np.testing.assert_array_equal(ref[key], phys[key])


def test_power_spectrum_layout_per_center_and_mean():
    frames = small_frames()
    calc = AniSOAP(max_angular=2, radial_basis="gto", cutoff_radius=5.0, radial_gaussian_width=1.0)
    ps = calc.power_spectrum(frames)
    pc = calc.power_spectrum(frames, per_center=True)
    exp = calc.expand(frames)
    n_feat = ps.shape[1] // 3
    assert ps.shape == (2, 3 * n_feat) and pc.shape == (18, 3 * n_feat)
    row = 0
    for s, z in enumerate(exp.species):
        frame_of = exp.samples[(z, 0)][:, 0]
        block = pc[row : row + len(frame_of)]
        row += len(frame_of)
        for fr in range(2):
            sel = frame_of == fr
            want = block[sel, s * n_feat : (s + 1) * n_feat].mean(axis=0) if sel.any() else 0.0
            np.testing.assert_allclose(ps[fr, s * n_feat : (s + 1) * n_feat], want, rtol=1e-12)
