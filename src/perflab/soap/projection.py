"""Ellipsoidal density projection: the numpy reference path, written for clarity.

For a centre ``i`` the density of neighbours of species ``a`` is a sum of Gaussians, one per
neighbour ``j`` (Lin et al., J. Chem. Phys. 2024, eqs. 3-8)::

    <a n l m | rho_i> = sum_{j in a, |r_ij| < r_c} int phi_nl(|x|) Y_lm(x/|x|) N(x; r_ij, C_j) dx

with ``C_j = R_j diag(s_j^2) R_j^T`` (``s_j`` = semi-axes). ``phi_nl Y_lm`` is a polynomial
(:mod:`perflab.soap.solid_harmonics`) times, for the GTO basis, a Gaussian that merges with
``N(x; r_ij, C_j)`` into one weighted Gaussian (:func:`gaussian_product_parameters`); the
integral is then a linear combination of that Gaussian's moments
(:mod:`perflab.soap.moments`). The orthonormalisation of :mod:`perflab.soap.radial` is applied
after the sum over neighbours.

This module evaluates the sum one pair at a time, exactly as the formula reads. The torch
backend (:mod:`perflab.soap.torch_backend`) computes the same numbers vectorised over pairs.
"""

from __future__ import annotations

import numpy as np

from perflab.soap.moments import gaussian_moments
from perflab.soap.radial import RadialBasis, gaussian_product_parameters
from perflab.soap.solid_harmonics import projection_matrix
from perflab.soap.system import SystemBatch

__all__ = [
    "projection_matrices",
    "raw_coefficients_numpy",
]


def projection_matrices(basis: RadialBasis) -> list[np.ndarray]:
    """``W[l]`` of shape (2l+1, num_radial[l], n_monomials): moments -> raw coefficients."""
    return [projection_matrix(l, nn, basis.max_degree) for l, nn in enumerate(basis.num_radial)]


def raw_coefficients_numpy(batch: SystemBatch, basis: RadialBasis) -> list[np.ndarray]:
    """Un-orthonormalised coefficients, one array per ``l`` of shape
    (n_particles, n_species, 2l+1, num_radial[l]), summed over neighbours pair by pair."""
    n_species = len(batch.species_list)
    sigma, kmat, g = gaussian_product_parameters(batch.rotations, batch.semi_axes, basis)
    width2 = basis.radial_gaussian_width**2 if basis.name == "gto" else None
    max_degree = basis.max_degree
    w_mats = projection_matrices(basis)
    w_all = np.concatenate([w.reshape(-1, w.shape[-1]) for w in w_mats])  # all l stacked
    raw = np.zeros((batch.n_particles, n_species, w_all.shape[0]))
    pairs = batch.pairs
    for p in range(len(pairs)):
        i, j, r = pairs.first[p], pairs.second[p], pairs.vectors[p]
        mean = kmat[j] @ r
        weight = g[j] * (np.exp(-(r @ mean) / (2.0 * width2)) if width2 is not None else 1.0)
        moments = gaussian_moments(mean, sigma[j], max_degree)
        raw[i, batch.species_index[j]] += weight * (w_all @ moments)
    out, start = [], 0
    for w in w_mats:
        size = w.shape[0] * w.shape[1]
        out.append(raw[:, :, start : start + size].reshape(raw.shape[:2] + w.shape[:2]))
        start += size
    return out
