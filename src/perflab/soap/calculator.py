"""The public calculator: ``AniSOAP(...).expansion(frames)`` and ``.power_spectrum(frames)``.

Hyperparameters follow the reference's ``EllipsoidalDensityProjection`` (anisoap 0.1.1):
``max_angular``, ``radial_basis`` (its ``radial_basis_name``: ``"gto"`` or ``"monomial"``),
``cutoff_radius``, ``radial_gaussian_width`` (GTO only), ``max_radial`` (``None``: ``(lmax-l)//2
+ 1`` functions per ``l``), ``orthonormalize`` (its ``normalize``). Self pairs are included and
no centre contribution is subtracted, as in the reference's defaults.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

from perflab.soap.expansion import DEFAULT_LAYOUT, LAYOUTS, DensityExpansion, assemble
from perflab.soap.frames import MAX_SPECIES_LABEL, as_frames
from perflab.soap.power_spectrum import power_spectrum as _power_spectrum
from perflab.soap.projection import raw_coefficients_numpy
from perflab.soap.radial import HyperparameterError, RadialBasis
from perflab.soap.system import SystemBatch, make_batch
from perflab.soap.threads import check_threads, torch_threads

__all__ = [
    "BACKENDS",
    "MAX_ANGULAR_LIMIT",
    "AniSOAP",
    "ReferenceLayoutWarning",
]

BACKENDS = ("numpy", "torch")


def _frames_in_this_module() -> int:
    """How many innermost stack frames (this function's caller outwards) are in this file."""
    frame, count = sys._getframe(1), 0
    while frame is not None and frame.f_code.co_filename == __file__:
        count += 1
        frame = frame.f_back
    return count


class ReferenceLayoutWarning(UserWarning):
    """``layout="reference"`` used with several species (see :class:`AniSOAP`)."""


#: the highest angular channel accepted (solid harmonics are built exactly up to here)
MAX_ANGULAR_LIMIT = 12


def _species_labels(species: Any) -> tuple[int, ...]:
    """The calculator's ``species=``: distinct labels that a :class:`Frame` accepts."""
    if isinstance(species, str | bytes) or not hasattr(species, "__iter__"):
        raise HyperparameterError(f"species: must be a list of ints, got {species!r}")
    labels = list(species)
    if not labels:
        raise HyperparameterError("species: need at least one label (or None)")
    for s in labels:
        if isinstance(s, bool) or not isinstance(s, int | np.integer):
            raise HyperparameterError(f"species: labels must be ints, got {s!r}")
        if not 0 <= s <= MAX_SPECIES_LABEL:
            raise HyperparameterError(
                f"species: labels must be in [0, {MAX_SPECIES_LABEL}], got {s}"
            )
    if len(set(labels)) != len(labels):
        raise HyperparameterError(f"species: labels must be distinct, got {labels}")
    return tuple(int(s) for s in labels)


class AniSOAP:
    """AniSOAP descriptors of ellipsoid frames (Lin et al., J. Chem. Phys. 2024).

    ``backend="numpy"`` is the per-pair reference path; ``backend="torch"`` the vectorised
    one, with ``device`` (``"cpu"``/``"cuda"``), ``dtype`` (``"float64"``/``"float32"``) and
    ``batch_size`` (pairs per batch). ``species`` fixes the species labels of the feature
    layout (default: those present in each call).

    ``layout="species_major"`` (default) labels every column by what it holds;
    ``layout="reference"`` reproduces anisoap 0.1.1 number for number, including its mixing
    of neighbour species and its dropping of species without pairs (see
    :mod:`perflab.soap.expansion`), and warns once per calculator when used with several
    species. ``threads`` (torch backend): torch intra-op threads for each call, ``"auto"``
    (default, see :func:`perflab.soap.threads.auto_threads`) or a positive int; the
    caller's ``torch.get_num_threads()`` is restored after every call.

    Parameters
    ----------
    max_angular : int
        Largest angular channel l, 0 <= l <= ``MAX_ANGULAR_LIMIT``.
    radial_basis : str
        ``"gto"`` or ``"monomial"`` (:data:`perflab.soap.radial.RADIAL_BASES`).
    cutoff_radius : float
        Neighbour cutoff (same length unit as positions and diameters), > 0.
    radial_gaussian_width : float, optional
        Width of the GTO radial basis (required for ``"gto"``).
    max_radial : int or list of int, optional
        Radial functions per l (default from the basis).
    orthonormalize, backend, device, dtype, batch_size, species, layout, threads
        As described above.

    Raises
    ------
    HyperparameterError
        A hyperparameter out of range or of the wrong type; the message names it.

    References
    ----------
    A. Lin, K. K. Huguenin-Dumittan, Y.-C. Cho, J. Nigam, R. K. Cersonsky, "Expanding
    density-correlation machine learning representations for anisotropic coarse-grained
    particles", J. Chem. Phys. 161 (2024).

    Examples
    --------
    Three identical ellipsoids of one species; the numpy reference path and the torch
    path agree to rounding:

    >>> import numpy as np
    >>> from perflab.soap import AniSOAP, Frame
    >>> f = Frame(positions=[[0, 0, 0], [1.5, 0, 0], [0, 1.5, 0]], species=[1, 1, 1],
    ...           quaternions=[[1, 0, 0, 0]] * 3, diameters=[[1, 1, 2]] * 3)
    >>> ref = AniSOAP(max_angular=2, cutoff_radius=4.0, radial_gaussian_width=1.0,
    ...               backend="numpy")
    >>> ps = ref.power_spectrum([f])
    >>> ps.shape
    (1, 6)
    >>> fast = AniSOAP(max_angular=2, cutoff_radius=4.0, radial_gaussian_width=1.0)
    >>> bool(np.allclose(fast.power_spectrum([f]), ps, rtol=1e-10, atol=0))
    True
    """

    def __init__(
        self,
        max_angular: int = 6,
        radial_basis: str = "gto",
        cutoff_radius: float = 7.0,
        radial_gaussian_width: float | None = None,
        *,
        max_radial: int | list[int] | None = None,
        orthonormalize: bool = True,
        backend: str = "torch",
        device: str | None = None,
        dtype: str = "float64",
        batch_size: int | None = None,
        species: list[int] | None = None,
        layout: str = DEFAULT_LAYOUT,
        threads: int | str = "auto",
    ) -> None:
        if isinstance(max_angular, bool) or not isinstance(max_angular, int | np.integer):
            raise HyperparameterError(f"max_angular: must be an int, got {max_angular!r}")
        if not 0 <= max_angular <= MAX_ANGULAR_LIMIT:
            raise HyperparameterError(
                f"max_angular: must be in [0, {MAX_ANGULAR_LIMIT}], got {max_angular}"
            )
        try:
            cutoff = float(cutoff_radius)
        except (TypeError, ValueError) as exc:
            raise HyperparameterError(
                f"cutoff_radius: must be a number, got {cutoff_radius!r}"
            ) from exc
        if not np.isfinite(cutoff) or cutoff <= 0:
            raise HyperparameterError(f"cutoff_radius: must be positive, got {cutoff_radius!r}")
        if backend not in BACKENDS:
            raise HyperparameterError(f"backend: must be one of {BACKENDS}, got {backend!r}")
        if not isinstance(orthonormalize, bool | np.bool_):
            raise HyperparameterError(
                f"orthonormalize: must be True or False, got {orthonormalize!r}"
            )
        if layout not in LAYOUTS:
            raise HyperparameterError(f"layout: must be one of {LAYOUTS}, got {layout!r}")
        if backend == "numpy":
            if dtype != "float64":
                raise HyperparameterError("dtype: the numpy backend computes in float64 only")
            if device not in (None, "cpu"):
                raise HyperparameterError("device: the numpy backend runs on the CPU only")
        self.basis = RadialBasis.create(
            radial_basis,
            int(max_angular),
            cutoff,
            radial_gaussian_width,
            max_radial=max_radial,
            orthonormalize=bool(orthonormalize),
        )
        self.max_angular = int(max_angular)
        self.cutoff_radius = cutoff
        self.backend = backend
        self.layout = layout
        self.threads = check_threads(threads)
        self._warned_reference = False
        self.species = None if species is None else _species_labels(species)
        self.device = device or "cpu"
        self.dtype = dtype
        if backend == "torch":
            from perflab.soap import torch_backend

            torch_backend.resolve_dtype(dtype)
            torch_backend.resolve_device(self.device)
            self.batch_size = torch_backend.DEFAULT_BATCH_SIZE if batch_size is None else batch_size
            if (
                isinstance(self.batch_size, bool)
                or not isinstance(self.batch_size, int)
                or self.batch_size < 1
            ):
                raise HyperparameterError(f"batch_size: must be a positive int, got {batch_size!r}")
        else:
            self.batch_size = None

    def hypers(self) -> dict[str, Any]:
        return {
            "max_angular": self.max_angular,
            "radial_basis": self.basis.name,
            "cutoff_radius": self.cutoff_radius,
            "radial_gaussian_width": self.basis.radial_gaussian_width,
            "num_radial": list(self.basis.num_radial),
            "orthonormalize": self.basis.orthonormalize,
            "backend": self.backend,
            "device": self.device,
            "dtype": self.dtype,
            "batch_size": self.batch_size,
            "layout": self.layout,
            "threads": self.threads,
        }

    def prepare(self, frames: Any) -> SystemBatch:
        """Validate frames and build their neighbour list (the non-backend part of a call)."""
        return make_batch(as_frames(frames), self.cutoff_radius, self.species)

    def raw(self, batch: SystemBatch) -> list[np.ndarray]:
        """Un-orthonormalised per-(centre, neighbour species) sums from the chosen backend."""
        if self.backend == "numpy":
            return raw_coefficients_numpy(batch, self.basis)
        from perflab.soap.torch_backend import raw_coefficients_torch

        with torch_threads(self.threads, len(batch.pairs)):
            return raw_coefficients_torch(
                batch, self.basis, device=self.device, dtype=self.dtype, batch_size=self.batch_size
            )

    def _assemble(self, batch: SystemBatch) -> DensityExpansion:
        if self.layout == "reference" and len(batch.species_list) > 1:
            self._warn_reference(batch.species_list)
        return assemble(self.raw(batch), batch, self.basis, self.layout)

    def _warn_reference(self, species: tuple[int, ...]) -> None:
        if self._warned_reference:
            return
        self._warned_reference = True
        warnings.warn(
            f"layout='reference' with several species {list(species)}: the columns follow "
            "anisoap 0.1.1, whose values under a label (n, neighbour_species) mix neighbour "
            "species and whose neighbour species depend on the batch; use "
            "layout='species_major' unless you need the reference's numbers",
            ReferenceLayoutWarning,
            stacklevel=_frames_in_this_module() + 1,  # the caller's line
        )

    def expand(self, frames: Any) -> DensityExpansion:
        """Density expansion coefficients with sample and property labels."""
        return self._assemble(self.prepare(frames))

    def expansion(self, frames: Any) -> dict[tuple[int, int], np.ndarray]:
        """``{(center_species, l): (samples, 2l+1, properties)}`` (see :meth:`expand`)."""
        return self.expand(frames).blocks

    def power_spectrum(self, frames: Any, *, per_center: bool = False) -> np.ndarray:
        """(frames, features): per frame, the mean over centres (per centre species slot);
        ``per_center=True`` gives one row per particle instead (see
        :func:`perflab.soap.power_spectrum.power_spectrum`).

        Parameters
        ----------
        frames : Frame or sequence of Frame
            The configurations (:func:`perflab.soap.frames.as_frames` accepts one or many).
        per_center : bool
            One row per particle instead of one per frame.

        Returns
        -------
        numpy.ndarray
            float64 (frames or particles, features): the rotation-invariant l-channel
            contractions of the density expansion.

        Raises
        ------
        FrameError
            An invalid frame; the message names the field.

        Examples
        --------
        >>> from perflab.soap import AniSOAP, Frame
        >>> f = Frame(positions=[[0, 0, 0], [2, 0, 0]], species=[1, 1],
        ...           quaternions=[[1, 0, 0, 0]] * 2, diameters=[[1, 1, 1]] * 2)
        >>> calc = AniSOAP(max_angular=1, cutoff_radius=3.0, radial_gaussian_width=1.0,
        ...                backend="numpy")
        >>> calc.power_spectrum([f], per_center=True).shape[0]
        2
        """
        batch = self.prepare(frames)
        exp = self._assemble(batch)
        return _power_spectrum(exp, batch.n_frames, self.max_angular, per_center=per_center)
