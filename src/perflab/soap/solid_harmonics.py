"""Real solid harmonics times powers of ``r^2``, as coefficients on Cartesian monomials.

The AniSOAP projection of a density ``rho`` onto ``(n, l, m)`` is
``<nlm|rho> = int r^{2n} r^l Y_lm(x/r) rho(x) dx`` (times the radial Gaussian for the GTO
basis). ``r^{2n} r^l Y_lm`` is a polynomial, so the projection is a linear combination of the
moments of ``rho``. This module gives those polynomial coefficients.

Real regular solid harmonics (Racah normalised, ``R_lm = sqrt(4 pi / (2l+1)) r^l Y_lm``,
no Condon-Shortley phase; components ordered ``m = -l..l``):

- ``Pi_l^m(z, r^2) = sqrt((l-m)!/(l+m)!) sum_k (-1)^k 2^{-l} C(l,k) C(2l-2k,l)
  (l-2k)!/(l-2k-m)! r^{2k} z^{l-2k-m}``,
- ``A_m + i B_m = (x + i y)^m``,
- ``R_l0 = Pi_l^0``, ``R_lm = sqrt(2) Pi_l^m A_m`` (m > 0), ``R_l,-m = sqrt(2) Pi_l^m B_m``.

Polynomials are dicts ``{(n0, n1, n2): coefficient}``.
"""

from __future__ import annotations

from functools import lru_cache
from math import comb, factorial, pi, sqrt

import numpy as np

from perflab.soap.moments import monomial_index

__all__ = [
    "Poly",
    "poly_add",
    "poly_mul",
    "projection_matrix",
    "r2_power",
    "real_solid_harmonic",
]

Poly = dict[tuple[int, int, int], float]


def poly_mul(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for ea, ca in a.items():
        for eb, cb in b.items():
            e = (ea[0] + eb[0], ea[1] + eb[1], ea[2] + eb[2])
            out[e] = out.get(e, 0.0) + ca * cb
    return out


def poly_add(a: Poly, b: Poly, scale: float = 1.0) -> Poly:
    out = dict(a)
    for e, c in b.items():
        out[e] = out.get(e, 0.0) + scale * c
    return out


def r2_power(k: int) -> Poly:
    """``(x^2 + y^2 + z^2)^k`` by the multinomial theorem."""
    out: Poly = {}
    for i in range(k + 1):
        for j in range(k - i + 1):
            out[(2 * i, 2 * j, 2 * (k - i - j))] = float(
                factorial(k) // (factorial(i) * factorial(j) * factorial(k - i - j))
            )
    return out


def _xy_power(m: int) -> tuple[Poly, Poly]:
    """Real and imaginary parts of ``(x + i y)^m``."""
    re: Poly = {}
    im: Poly = {}
    for p in range(m + 1):  # C(m, p) x^{m-p} (i y)^p
        c = float(comb(m, p))
        e = (m - p, p, 0)
        if p % 4 == 0:
            re[e] = c
        elif p % 4 == 1:
            im[e] = c
        elif p % 4 == 2:
            re[e] = -c
        else:
            im[e] = -c
    return re, im


def _pi_lm(l: int, m: int) -> Poly:
    out: Poly = {}
    norm = sqrt(factorial(l - m) / factorial(l + m))
    for k in range((l - m) // 2 + 1):
        c = (
            (-1) ** k
            * comb(l, k)
            * comb(2 * l - 2 * k, l)
            * factorial(l - 2 * k)
            / factorial(l - 2 * k - m)
            / 2**l
        )
        term = poly_mul(r2_power(k), {(0, 0, l - 2 * k - m): 1.0})
        out = poly_add(out, term, norm * c)
    return out


@lru_cache(maxsize=64)
def real_solid_harmonic(l: int, m: int) -> tuple[tuple[tuple[int, int, int], float], ...]:
    """``R_lm`` (Racah normalised) as sorted ``((exponents), coefficient)`` pairs."""
    if abs(m) > l:
        raise ValueError(f"|m| must be <= l, got l={l}, m={m}")
    pi_part = _pi_lm(l, abs(m))
    if m == 0:
        poly = pi_part
    else:
        re, im = _xy_power(abs(m))
        poly = poly_mul(pi_part, re if m > 0 else im)
        poly = {e: sqrt(2.0) * c for e, c in poly.items()}
    return tuple(sorted((e, c) for e, c in poly.items() if c != 0.0))


@lru_cache(maxsize=256)
def _projection_matrix_cached(l: int, num_radial: int, max_degree: int) -> np.ndarray:
    out = _build_projection_matrix(l, num_radial, max_degree)
    out.setflags(write=False)
    return out


def projection_matrix(l: int, num_radial: int, max_degree: int) -> np.ndarray:
    """Coefficients ``W[m, n, i]`` of ``r^{2n} r^l Y_lm`` on the flat monomials of degree
    ``<= max_degree``: ``<nlm|rho> = sum_i W[m, n, i] E_rho[x^{mono_i}]`` (cached, read-only).
    """
    return _projection_matrix_cached(int(l), int(num_radial), int(max_degree))


def _build_projection_matrix(l: int, num_radial: int, max_degree: int) -> np.ndarray:
    """Build :func:`projection_matrix`; ``r^l Y_lm = R_lm / sqrt(4 pi / (2l + 1))``."""
    index = monomial_index(max_degree)
    out = np.zeros((2 * l + 1, num_radial, len(index)))
    scale = 1.0 / sqrt(4 * pi / (2 * l + 1))
    for m in range(-l, l + 1):
        rlm = dict(real_solid_harmonic(l, m))
        for n in range(num_radial):
            for e, c in poly_mul(rlm, r2_power(n)).items():
                out[l + m, n, index[e]] += scale * c
    return out
