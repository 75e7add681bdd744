"""Moments of trivariate Gaussians, and the monomial index tables they are stored on.

For a normalised Gaussian ``N(x; a, Sigma)`` the moments ``M[n] = E[x^n0 y^n1 z^n2]`` obey
(Stein's lemma, ``E[x_k f(x)] = a_k E[f] + sum_j Sigma_kj E[d f / d x_j]``)::

    M[n + e_k] = a_k M[n] + sum_j Sigma_kj n_j M[n - e_j],      M[0] = 1.

This is the recurrence of the AniSOAP paper (Lin et al., J. Chem. Phys. 2024, appendix),
written here on normalised moments: the reference's unnormalised moments differ by the
Gaussian's integral, which :mod:`perflab.soap.radial` folds into one weight per pair.

Monomials up to total degree ``D`` are stored flat, ordered by degree, then by decreasing
``n0``, then decreasing ``n1`` (the reference's lexicographic order inside a degree).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = [
    "RecurrencePlan",
    "gaussian_moments",
    "monomial_index",
    "monomials",
    "recurrence_plan",
    "recurrence_steps",
]


@lru_cache(maxsize=32)
def monomials(max_degree: int) -> tuple[tuple[int, int, int], ...]:
    """All exponents ``(n0, n1, n2)`` with ``n0 + n1 + n2 <= max_degree`` in storage order."""
    out = []
    for deg in range(max_degree + 1):
        for n0 in range(deg, -1, -1):
            for n1 in range(deg - n0, -1, -1):
                out.append((n0, n1, deg - n0 - n1))
    return tuple(out)


@lru_cache(maxsize=32)
def monomial_index(max_degree: int) -> dict[tuple[int, int, int], int]:
    """Map exponent triple -> flat position in :func:`monomials`."""
    return {t: i for i, t in enumerate(monomials(max_degree))}


@lru_cache(maxsize=32)
def recurrence_steps(
    max_degree: int,
) -> tuple[tuple[int, int, int, tuple[tuple[int, int, int], ...]], ...]:
    """One step per monomial ``t`` (in storage order, after the constant):
    ``(t_pos, k, parent_pos, ((j, n_j, lower_pos), ...))`` where ``k`` is the first axis with
    ``t_k > 0``, ``parent = t - e_k`` and each ``lower = parent - e_j`` has ``n_j = parent_j > 0``.
    """
    index = monomial_index(max_degree)
    steps = []
    for t_pos, t in enumerate(monomials(max_degree)[1:], start=1):
        k = next(axis for axis in range(3) if t[axis] > 0)
        parent = list(t)
        parent[k] -= 1
        lowers = []
        for j in range(3):
            if parent[j] > 0:
                lower = list(parent)
                lower[j] -= 1
                lowers.append((j, parent[j], index[tuple(lower)]))
        steps.append((t_pos, k, index[tuple(parent)], tuple(lowers)))
    return tuple(steps)


def gaussian_moments(mean: np.ndarray, cov: np.ndarray, max_degree: int) -> np.ndarray:
    """All moments ``E[x^n]`` (flat, :func:`monomials` order) of ``N(mean, cov)``, one Gaussian.

    The clear, per-Gaussian form of the recurrence (:func:`recurrence_steps`):
    ``M[t] = a_k M[t - e_k] + sum_j Sigma_kj (t - e_k)_j M[t - e_k - e_j]``.
    """
    a = [float(v) for v in mean]
    sigma = np.asarray(cov, dtype=np.float64).tolist()
    steps = recurrence_steps(max_degree)
    out = [0.0] * (len(steps) + 1)
    out[0] = 1.0
    for t_pos, k, parent, lowers in steps:
        value = a[k] * out[parent]
        for j, n_j, lower in lowers:
            value += sigma[k][j] * n_j * out[lower]
        out[t_pos] = value
    return np.array(out)


@dataclass(frozen=True)
class RecurrencePlan:
    """Index tables that evaluate the recurrence for many Gaussians at once, degree by degree.

    For the targets of degree ``d`` (flat slice ``slices[d]``): ``axis`` is the axis ``k``
    stepped along, ``parent`` the flat index of ``t - e_k``, ``lower[j]`` the flat index of
    ``t - e_k - e_j`` (or ``n_monomials``, a zero column, when absent) and ``count[j]`` the
    exponent ``(t - e_k)_j`` multiplying it.
    """

    max_degree: int
    n_monomials: int
    slices: tuple[slice, ...]
    axis: np.ndarray
    parent: np.ndarray
    lower: np.ndarray  # (3, n_monomials)
    count: np.ndarray  # (3, n_monomials)


@lru_cache(maxsize=32)
def recurrence_plan(max_degree: int) -> RecurrencePlan:
    mono = monomials(max_degree)
    index = monomial_index(max_degree)
    n = len(mono)
    axis = np.zeros(n, dtype=np.int64)
    parent = np.zeros(n, dtype=np.int64)
    lower = np.full((3, n), n, dtype=np.int64)
    count = np.zeros((3, n), dtype=np.int64)
    for t_pos, t in enumerate(mono[1:], start=1):
        k = next(a for a in range(3) if t[a] > 0)
        p = list(t)
        p[k] -= 1
        axis[t_pos] = k
        parent[t_pos] = index[tuple(p)]
        for j in range(3):
            if p[j] > 0:
                q = list(p)
                q[j] -= 1
                lower[j, t_pos] = index[tuple(q)]
                count[j, t_pos] = p[j]
    slices = []
    start = 0
    for deg in range(max_degree + 1):
        size = (deg + 1) * (deg + 2) // 2
        slices.append(slice(start, start + size))
        start += size
    return RecurrencePlan(max_degree, n, tuple(slices), axis, parent, lower, count)
