"""Radial bases of AniSOAP and their Lowdin orthonormalisation.

Basis function of angular channel ``l`` and radial index ``n`` (Lin et al., J. Chem. Phys.
2024, AniSOAP):

- ``"gto"``:      ``phi_{nl}(r) = r^{l+2n} exp(-r^2 / (2 sigma^2))``  (``sigma`` = radial width)
- ``"monomial"``: ``phi_{nl}(r) = r^{l+2n}``  (square-integrated up to the cutoff only)

Both are used as ``r^{2n} R_lm(x)`` with ``R_lm`` a real solid harmonic, so the projection of
a Gaussian density reduces to Gaussian moments (see :mod:`perflab.soap.moments`).

Orthonormalisation (the reference's ``normalize=True``): each coefficient of order
``k = l + 2n`` is first multiplied by ``N_k = 1/sqrt(<phi_k|phi_k>)`` and then, per ``l``, the
vector over ``n`` is multiplied by ``S^{-1/2}`` where ``S`` is the overlap of the normalised
functions ``{phi_k}``:

- GTO:       ``<phi_a|phi_b> = 1/2 sigma^{a+b+3} Gamma((a+b)/2 + 3/2)``
- monomial:  ``<phi_a|phi_b> = r_c^{a+b+3} / (a+b+3)``
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln

__all__ = [
    "RADIAL_BASES",
    "HyperparameterError",
    "RadialBasis",
    "default_num_radial",
    "gaussian_product_parameters",
    "gto_square_norm",
    "inverse_sqrt_spd",
    "monomial_square_norm",
    "resolve_num_radial",
]

RADIAL_BASES = ("gto", "monomial")


class HyperparameterError(ValueError):
    """Invalid calculator hyperparameter; the message names it."""


def default_num_radial(max_angular: int) -> list[int]:
    """The reference's default number of radial functions per l: ``(lmax - l) // 2 + 1``."""
    return [(max_angular - l) // 2 + 1 for l in range(max_angular + 1)]


def resolve_num_radial(max_angular: int, max_radial: int | list[int] | None) -> list[int]:
    """Radial functions per ``l``: ``None`` -> default; int ``n`` -> ``n+1`` for every l;
    list -> ``max_radial[l] + 1`` (as the reference's ``max_radial``)."""
    if max_radial is None:
        return default_num_radial(max_angular)
    if isinstance(max_radial, bool):
        raise HyperparameterError("max_radial: must be None, an int or a list of ints")
    if isinstance(max_radial, int | np.integer):
        if max_radial < 0:
            raise HyperparameterError(f"max_radial: must be >= 0, got {max_radial}")
        return [int(max_radial) + 1] * (max_angular + 1)
    if isinstance(max_radial, str | bytes) or not hasattr(max_radial, "__iter__"):
        raise HyperparameterError(
            f"max_radial: must be None, an int or a list of ints, got {max_radial!r}"
        )
    values = list(max_radial)
    if len(values) != max_angular + 1:
        raise HyperparameterError(
            f"max_radial: a list needs max_angular + 1 = {max_angular + 1} entries, "
            f"got {len(values)}"
        )
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
            raise HyperparameterError(f"max_radial: entries must be ints >= 0, got {v!r}")
        out.append(int(v) + 1)
    return out


def gto_square_norm(k: np.ndarray | float, sigma: float) -> np.ndarray:
    """``int_0^inf r^2 (r^k e^{-r^2/2s^2})^2 dr = 1/2 s^{2k+3} Gamma(k + 3/2)`` (k may be real)."""
    k = np.asarray(k, dtype=np.float64)
    return 0.5 * np.exp((2 * k + 3) * np.log(sigma) + gammaln(k + 1.5))


def monomial_square_norm(k: np.ndarray | float, cutoff: float) -> np.ndarray:
    """``int_0^{r_c} r^2 (r^k)^2 dr = r_c^{2k+3} / (2k+3)``."""
    k = np.asarray(k, dtype=np.float64)
    return cutoff ** (2 * k + 3) / (2 * k + 3)


def inverse_sqrt_spd(matrix: np.ndarray, *, rcond: float = 0.0) -> np.ndarray:
    """``S^{-1/2}`` of a symmetric positive definite matrix by eigendecomposition.

    Raises :class:`HyperparameterError` if an eigenvalue is ``<= rcond`` (the basis is
    numerically linearly dependent), instead of silently dropping directions.
    """
    if not np.allclose(matrix, matrix.T, rtol=1e-12, atol=1e-14):
        raise HyperparameterError("radial overlap matrix is not symmetric")
    evals, evecs = np.linalg.eigh(matrix)
    if evals.min() <= rcond:
        raise HyperparameterError(
            f"radial basis: overlap matrix is singular (smallest eigenvalue {evals.min():.3g});"
            " reduce max_radial or max_angular"
        )
    return (evecs / np.sqrt(evals)) @ evecs.T


@dataclass(frozen=True)
class RadialBasis:
    """Radial basis hyperparameters and the per-l orthonormalisation matrices.

    ``transforms[l]`` is the (num_radial[l], num_radial[l]) matrix ``diag(N) @ S^{-1/2}`` that
    maps raw projections (row vector over n) onto the orthonormal basis; the identity when
    ``orthonormalize`` is false.
    """

    name: str
    max_angular: int
    cutoff_radius: float
    radial_gaussian_width: float | None
    num_radial: tuple[int, ...]
    orthonormalize: bool = True
    transforms: tuple[np.ndarray, ...] = field(default=(), repr=False)

    @classmethod
    def create(
        cls,
        name: str,
        max_angular: int,
        cutoff_radius: float,
        radial_gaussian_width: float | None,
        max_radial: int | list[int] | None = None,
        orthonormalize: bool = True,
    ) -> RadialBasis:
        if name not in RADIAL_BASES:
            raise HyperparameterError(f"radial_basis: must be one of {RADIAL_BASES}, got {name!r}")
        if name == "gto":
            if radial_gaussian_width is None:
                raise HyperparameterError("radial_gaussian_width: required for the 'gto' basis")
            if isinstance(radial_gaussian_width, bool) or not isinstance(
                radial_gaussian_width, int | float | np.integer | np.floating
            ):
                raise HyperparameterError(
                    f"radial_gaussian_width: must be a number, got {radial_gaussian_width!r}"
                )
            if not np.isfinite(radial_gaussian_width) or radial_gaussian_width <= 0:
                raise HyperparameterError(
                    f"radial_gaussian_width: must be a positive number, got {radial_gaussian_width}"
                )
        elif radial_gaussian_width is not None:
            raise HyperparameterError(
                "radial_gaussian_width: only used by the 'gto' basis; pass None for 'monomial'"
            )
        num_radial = tuple(resolve_num_radial(max_angular, max_radial))
        transforms = []
        for l, nn in enumerate(num_radial):
            k = l + 2 * np.arange(nn)
            if not orthonormalize:
                transforms.append(np.eye(nn))
                continue
            ksum = (k[:, None] + k[None, :]) / 2.0
            if name == "gto":
                norm = gto_square_norm(k, radial_gaussian_width)
                overlap = gto_square_norm(ksum, radial_gaussian_width)
            else:
                norm = monomial_square_norm(k, cutoff_radius)
                overlap = monomial_square_norm(ksum, cutoff_radius)
            prefactor = 1.0 / np.sqrt(norm)
            overlap = overlap * prefactor[:, None] * prefactor[None, :]
            transforms.append(prefactor[:, None] * inverse_sqrt_spd(overlap))
        return cls(
            name=name,
            max_angular=max_angular,
            cutoff_radius=float(cutoff_radius),
            radial_gaussian_width=None
            if radial_gaussian_width is None
            else float(radial_gaussian_width),
            num_radial=num_radial,
            orthonormalize=orthonormalize,
            transforms=tuple(transforms),
        )

    @property
    def max_degree(self) -> int:
        """Highest monomial degree needed: ``max_l (l + 2 (num_radial[l] - 1))``."""
        return max(l + 2 * (nn - 1) for l, nn in enumerate(self.num_radial))


def gaussian_product_parameters(
    rotations: np.ndarray, semi_axes: np.ndarray, basis: RadialBasis
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-particle matrices turning a neighbour's density into one Gaussian moment problem.

    A neighbour ``j`` at ``r`` has density ``rho(x) = N(x; r, C_j)`` with
    ``C_j = R_j diag(s_j^2) R_j^T``. For the GTO basis the radial Gaussian
    ``exp(-|x|^2 / 2 sigma^2)`` multiplies it; the product is
    ``w(r) N(x; K_j r, Sigma_j)`` with

    - ``Sigma_j = R_j diag(s^2 sigma^2 / (s^2 + sigma^2)) R_j^T`` (covariance),
    - ``K_j = R_j diag(sigma^2 / (s^2 + sigma^2)) R_j^T`` (mean = ``K_j r``),
    - ``w(r) = g_j exp(-r^T K_j r / (2 sigma^2))``, ``g_j = prod_k (1 + s_k^2 / sigma^2)^{-1/2}``.

    For the monomial basis ``Sigma_j = C_j``, ``K_j = I``, ``w = 1``.
    Returns ``(Sigma, K, g)`` with shapes (N, 3, 3), (N, 3, 3), (N,).
    """
    s2 = semi_axes**2
    n = semi_axes.shape[0]
    if basis.name == "gto":
        sig2 = basis.radial_gaussian_width**2
        cov_diag = s2 * sig2 / (s2 + sig2)
        k_diag = sig2 / (s2 + sig2)
        g = np.prod(1.0 / np.sqrt(1.0 + s2 / sig2), axis=1)
    else:
        cov_diag = s2
        k_diag = np.ones_like(s2)
        g = np.ones(n)
    sigma = np.einsum("nik,nk,njk->nij", rotations, cov_diag, rotations)
    kmat = np.einsum("nik,nk,njk->nij", rotations, k_diag, rotations)
    return sigma, kmat, g
