"""The reference package anisoap 0.1.1, when installed: same-run timings and golden data.

``anisoap`` is optional (``make reference``; see :mod:`perflab.soap.reference.install`). It
is run through its pure-Python moment path (``rust_moments=False``); the import of its
missing Rust extension is satisfied by :mod:`perflab.soap.reference.rust_stand_in`, which is
placed in ``sys.modules`` only while anisoap is first imported, and only when no real
extension is importable.

```python
from perflab.soap.reference import reference_status, ReferenceCalculator
ok, why = reference_status()          # (False, "reference not installed: ...") without it
ref = ReferenceCalculator(max_angular=6, radial_basis="gto", cutoff_radius=7.0,
                          radial_gaussian_width=1.5)
blocks = ref.expand(frames)           # ReferenceExpansion: blocks, samples, properties
```
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from perflab.soap.frames import Frame, as_frames
from perflab.soap.reference import rust_stand_in

__all__ = [
    "NOT_INSTALLED",
    "REFERENCE_VERSION",
    "ReferenceCalculator",
    "ReferenceExpansion",
    "ReferenceUnavailable",
    "reference_status",
]

NOT_INSTALLED = "reference not installed"
REFERENCE_VERSION = "0.1.1"


class ReferenceUnavailable(RuntimeError):
    """anisoap is not installed (or not the expected release)."""


def _import_anisoap() -> Any:
    """``anisoap.representations`` (raises ImportError or ReferenceUnavailable)."""
    if importlib.util.find_spec("anisoap") is None:
        raise ReferenceUnavailable(f"{NOT_INSTALLED}: no module 'anisoap' (make reference)")
    name = rust_stand_in.MODULE_NAME
    stand_in = name not in sys.modules and importlib.util.find_spec(name) is None
    if stand_in:
        sys.modules[name] = rust_stand_in
    try:
        reps = importlib.import_module("anisoap.representations")
    finally:
        if stand_in:
            sys.modules.pop(name, None)
    from importlib.metadata import version

    found = version("anisoap")
    if found != REFERENCE_VERSION:
        raise ReferenceUnavailable(f"anisoap {found} installed, expected {REFERENCE_VERSION}")
    return reps


def reference_status() -> tuple[bool, str]:
    """``(True, "anisoap 0.1.1 ...")`` when the reference can run, else ``(False, reason)``."""
    try:
        _import_anisoap()
    except (ImportError, ReferenceUnavailable) as exc:
        msg = str(exc)
        return False, msg if msg.startswith(NOT_INSTALLED) else f"{NOT_INSTALLED}: {msg}"
    return True, f"anisoap {REFERENCE_VERSION} (pure-Python moments, rust_moments=False)"


@dataclass
class ReferenceExpansion:
    """The reference's coefficients: ``blocks[(z, l)]`` (samples, 2l+1, properties),
    ``samples[(z, l)]`` rows ``(frame, particle)``, ``properties[(z, l)]`` rows
    ``(n, neighbour_species)``, as anisoap labels them."""

    blocks: dict[tuple[int, int], np.ndarray]
    samples: dict[tuple[int, int], np.ndarray]
    properties: dict[tuple[int, int], np.ndarray]


def _labels(labels: Any, names: list[str]) -> np.ndarray:
    return np.stack([np.asarray(labels[n]) for n in names], axis=1).astype(np.int32)


class ReferenceCalculator:
    """anisoap's ``EllipsoidalDensityProjection`` with this project's hyperparameter names.

    Frames are converted with :meth:`Frame.to_ase` (quaternions in ``c_q``, scalar first;
    diameters in ``c_diameter[1..3]``; periodic frames keep their cell).
    """

    def __init__(
        self,
        max_angular: int,
        radial_basis: str,
        cutoff_radius: float,
        radial_gaussian_width: float | None = None,
        *,
        max_radial: int | list[int] | None = None,
        orthonormalize: bool = True,
    ) -> None:
        reps = _import_anisoap()
        with warnings.catch_warnings():
            # "In quaternion mode, quaternions are assumed to be in (w,x,y,z) format."
            warnings.simplefilter("ignore", UserWarning)
            self.projection = reps.EllipsoidalDensityProjection(
                max_angular=max_angular,
                radial_basis_name=radial_basis,
                cutoff_radius=float(cutoff_radius),
                radial_gaussian_width=(
                    None if radial_gaussian_width is None else float(radial_gaussian_width)
                ),
                max_radial=max_radial,
                rotation_key="c_q",
            )
        self.orthonormalize = bool(orthonormalize)

    @staticmethod
    def atoms(frames: Any) -> list[Any]:
        """ase.Atoms of ``frames`` with the reference's array names."""
        return [f.to_ase() for f in as_frames(frames)]

    def transform(self, atoms: list[Any]) -> Any:
        """The reference's TensorMap of coefficients (what a benchmark times)."""
        return self.projection.transform(atoms, normalize=self.orthonormalize, rust_moments=False)

    def expand(self, frames: list[Frame] | Any) -> ReferenceExpansion:
        tmap = self.transform(self.atoms(frames))
        out = ReferenceExpansion({}, {}, {})
        for key, block in tmap.items():
            k = (int(key["types_center"]), int(key["angular_channel"]))
            out.blocks[k] = np.array(block.values)
            out.samples[k] = _labels(block.samples, ["type", "center"])
            out.properties[k] = _labels(block.properties, ["n", "neighbor_types"])
        return out

    def power_spectrum_per_center(self, frames: list[Frame] | Any) -> dict[int, np.ndarray]:
        """``{center_species: (centres, features)}``: the reference's
        ``power_spectrum(mean_over_samples=False)`` blocks (one per centre species)."""
        tmap = self.projection.power_spectrum(
            self.atoms(frames), mean_over_samples=False, rust_moments=False
        )
        out = {}
        for key, block in tmap.items():
            values = np.array(block.values)
            out[int(key["types_center"])] = values.reshape(values.shape[0], -1)
        return out
