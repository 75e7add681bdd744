"""The reference package as a benchmark backend: the same calls as :class:`AniSOAP`.

Timed: anisoap's ``transform`` (``normalize=True``, ``rust_moments=False``) on ase.Atoms
built once per frame list, i.e. neighbour list, per-pair moments, contraction and
orthonormalisation, the same work as ``AniSOAP.expansion`` (our call also validates its
frames); ``power_spectrum`` times the reference's ``power_spectrum(mean_over_samples=False)``.
Pairs are counted by our neighbour list (the same cutoff and self pairs).
"""

from __future__ import annotations

from typing import Any

from perflab.soap.calculator import AniSOAP
from perflab.soap.frames import Frame

__all__ = [
    "ReferenceRunner",
]


class ReferenceRunner:
    """``expansion`` / ``power_spectrum`` / ``prepare`` on the reference package."""

    batch_size = None

    def __init__(self, hypers: dict[str, Any]) -> None:
        from perflab.soap.reference import ReferenceCalculator

        self.ref = ReferenceCalculator(**hypers)
        self._ours = AniSOAP(**hypers, backend="numpy")
        self._atoms: tuple[int, list[Any]] | None = None

    def _atoms_of(self, frames: list[Frame]) -> list[Any]:
        if self._atoms is None or self._atoms[0] != id(frames):
            self._atoms = (id(frames), self.ref.atoms(frames))
        return self._atoms[1]

    def prepare(self, frames: list[Frame]) -> Any:
        return self._ours.prepare(frames)

    def expansion(self, frames: list[Frame]) -> Any:
        return self.ref.transform(self._atoms_of(frames))

    def power_spectrum(self, frames: list[Frame]) -> Any:
        return self.ref.projection.power_spectrum(
            self._atoms_of(frames), mean_over_samples=False, rust_moments=False
        )
