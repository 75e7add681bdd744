"""Input frames of ellipsoidal particles, with validation.

A frame holds, for ``N`` particles:

- ``positions`` (N, 3): centres, in length units;
- ``species`` (N,): integer type labels (atomic numbers in the reference, any ints >= 0 here);
- ``quaternions`` (N, 4): unit quaternions, **scalar first** ``(w, x, y, z)``, rotating the body
  frame of each ellipsoid into the lab frame;
- ``diameters`` (N, 3): full lengths of the ellipsoid along its three body axes (the Gaussian
  density of a particle has standard deviations ``diameters / 2`` along those axes);
- ``cell`` (3, 3) or ``None``: lattice vectors as rows; ``None`` means not periodic.

These are the input conventions of the reference package (``anisoap`` 0.1.1, where they are
read from ``ase.Atoms`` arrays ``c_q`` and ``c_diameter[1..3]``). Every problem with the input
raises :class:`FrameError` (a ``ValueError``) whose message names the offending field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "MAX_SPECIES_LABEL",
    "QUATERNION_NORM_TOL",
    "Frame",
    "FrameError",
    "as_frame",
    "as_frames",
    "frames_from_arrays",
    "quaternion_to_matrix",
]

#: how far a quaternion's norm may be from 1 before it is rejected
QUATERNION_NORM_TOL = 1e-6
#: species labels are stored as int32 in the sample and property labels
MAX_SPECIES_LABEL = np.iinfo(np.int32).max


class FrameError(ValueError):
    """Invalid input frame; the message names the offending field."""


def _as_float_array(value: Any, field: str, shape_tail: tuple[int, ...], n: int | None):
    if value is None:
        raise FrameError(f"{field}: missing (got None)")
    try:
        arr = np.array(value, dtype=np.float64)  # a copy: later edits by the caller can't leak
    except (TypeError, ValueError) as exc:
        raise FrameError(f"{field}: cannot be converted to a float array ({exc})") from exc
    expected = ((n if n is not None else -1),) + shape_tail
    if arr.ndim != len(expected) or arr.shape[1:] != shape_tail:
        rows = "N" if n is None else str(n)
        want = f"({rows}, " + ", ".join(map(str, shape_tail)) + ")" if shape_tail else f"({rows},)"
        raise FrameError(f"{field}: expected shape {want}, got {arr.shape}")
    if n is not None and arr.shape[0] != n:
        what = "" if field == "cell" else " (one per particle)"
        raise FrameError(f"{field}: expected {n} rows{what}, got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise FrameError(f"{field}: contains {bad} NaN or infinite value(s)")
    return arr


@dataclass(frozen=True, eq=False)
class Frame:
    """One configuration of ellipsoids (validated on construction; arrays are copied)."""

    positions: np.ndarray
    species: np.ndarray
    quaternions: np.ndarray
    diameters: np.ndarray
    cell: np.ndarray | None = None

    def __post_init__(self) -> None:
        pos = _as_float_array(self.positions, "positions", (3,), None)
        n = pos.shape[0]
        if n == 0:
            raise FrameError("positions: a frame needs at least one particle")
        if self.species is None:
            raise FrameError("species: missing (got None)")
        sp = np.asarray(self.species)
        if sp.shape != (n,):
            raise FrameError(f"species: expected shape ({n},), got {sp.shape}")
        if sp.dtype.kind == "f":
            if not np.all(np.isfinite(sp)) or not np.all(sp == np.round(sp)):
                raise FrameError("species: must be integers")
        elif sp.dtype.kind not in "iu":
            raise FrameError(f"species: must be integers, got dtype {sp.dtype}")
        if np.any(sp < 0):
            raise FrameError("species: must be non-negative integers")
        if np.any(sp > MAX_SPECIES_LABEL):  # checked before the cast, which could wrap
            raise FrameError(
                f"species: labels must be at most {MAX_SPECIES_LABEL} (int32), got {sp.max()}"
            )
        sp = sp.astype(np.int64)  # a copy
        quat = _as_float_array(self.quaternions, "quaternions", (4,), n)
        norms = np.linalg.norm(quat, axis=1)
        off = np.abs(norms - 1.0)
        if np.any(off > QUATERNION_NORM_TOL):
            k = int(np.argmax(off))
            raise FrameError(
                f"quaternions: must be unit quaternions (w, x, y, z); particle {k} has norm "
                f"{norms[k]:.6g}"
            )
        diam = _as_float_array(self.diameters, "diameters", (3,), n)
        if np.any(diam <= 0):
            k = int(np.argmin(diam.min(axis=1)))
            raise FrameError(
                f"diameters: must be strictly positive; particle {k} has {diam[k].tolist()}"
            )
        cell = None
        if self.cell is not None:
            cell = _as_float_array(self.cell, "cell", (3,), 3)
            if abs(np.linalg.det(cell)) < 1e-12:
                raise FrameError("cell: lattice vectors are degenerate (zero volume)")
        object.__setattr__(self, "positions", pos)
        object.__setattr__(self, "species", sp)
        object.__setattr__(self, "quaternions", quat)
        object.__setattr__(self, "diameters", diam)
        object.__setattr__(self, "cell", cell)

    def __len__(self) -> int:
        return int(self.positions.shape[0])

    @property
    def periodic(self) -> bool:
        return self.cell is not None

    @property
    def semi_axes(self) -> np.ndarray:
        """Half the diameters: the standard deviations of each particle's Gaussian density."""
        return self.diameters / 2.0

    def rotation_matrices(self) -> np.ndarray:
        """Rotation matrices (N, 3, 3) of the unit quaternions (body frame -> lab frame)."""
        return quaternion_to_matrix(self.quaternions)

    @classmethod
    def from_ase(
        cls,
        atoms: Any,
        *,
        quaternion_key: str = "c_q",
        diameter_keys: tuple[str, str, str] = ("c_diameter[1]", "c_diameter[2]", "c_diameter[3]"),
    ) -> Frame:
        """Build a frame from an ``ase.Atoms`` carrying the reference's per-particle arrays.

        Quaternions (scalar first) are read from ``atoms.arrays[quaternion_key]`` and the three
        diameters from ``diameter_keys`` (or their names without brackets, ``c_diameter1``...,
        which is what ``ase.io.read`` makes of those extended XYZ columns). The cell is used
        only where ``atoms.pbc`` is all true;
        a non-periodic ``Atoms`` gives ``cell=None``; partial periodicity is rejected.
        """
        arrays = atoms.arrays
        if quaternion_key not in arrays:
            raise FrameError(
                f"quaternions: ase.Atoms has no array {quaternion_key!r} (missing orientations)"
            )
        columns = []
        for key in diameter_keys:
            # ase.io's extended XYZ reader drops the brackets of a column name
            # ("c_diameter[1]" is read back as "c_diameter1"): accept both spellings
            names = list(dict.fromkeys([key, _ase_read_name(key)]))
            found = [name for name in names if name in arrays]
            if not found:
                raise FrameError(
                    "diameters: ase.Atoms has no array " + " or ".join(repr(name) for name in names)
                )
            if len(found) > 1 and not np.array_equal(arrays[found[0]], arrays[found[1]]):
                raise FrameError(
                    f"diameters: ase.Atoms has both {found[0]!r} and {found[1]!r} and they differ"
                )
            columns.append(np.asarray(arrays[found[0]], dtype=np.float64))
        diam = np.stack(columns, axis=1)
        pbc = np.asarray(atoms.pbc, dtype=bool)
        if pbc.any() and not pbc.all():
            raise FrameError(f"cell: partial periodicity {pbc.tolist()} is not supported")
        cell = np.asarray(atoms.cell[:], dtype=np.float64) if pbc.all() else None
        return cls(
            positions=atoms.get_positions(),
            species=atoms.numbers,
            quaternions=arrays[quaternion_key],
            diameters=diam,
            cell=cell,
        )

    def to_ase(self, *, quaternion_key: str = "c_q") -> Any:
        """This frame as an ``ase.Atoms`` with the reference's array names."""
        import ase

        cell = self.cell if self.cell is not None else np.zeros((3, 3))
        atoms = ase.Atoms(
            numbers=self.species, positions=self.positions, cell=cell, pbc=self.periodic
        )
        atoms.arrays[quaternion_key] = np.array(self.quaternions)
        for k in range(3):
            atoms.arrays[f"c_diameter[{k + 1}]"] = np.array(self.diameters[:, k])
        return atoms


def _ase_read_name(key: str) -> str:
    """The name ``ase.io.read`` gives an extended XYZ column ``key``: brackets dropped."""
    return key.replace("[", "").replace("]", "")


def as_frame(obj: Any) -> Frame:
    """A :class:`Frame` from a ``Frame`` or an ``ase.Atoms``; anything else is rejected."""
    if isinstance(obj, Frame):
        return obj
    if hasattr(obj, "arrays") and hasattr(obj, "get_positions"):
        return Frame.from_ase(obj)
    raise FrameError(f"frames: expected perflab.soap.Frame or ase.Atoms, got {type(obj).__name__}")


def as_frames(frames: Any) -> list[Frame]:
    """Validate a frame or a sequence of frames into a non-empty list of :class:`Frame`."""
    if isinstance(frames, Frame) or hasattr(frames, "get_positions"):
        frames = [frames]
    if isinstance(frames, str | bytes | Mapping):
        raise FrameError(
            "frames: expected a Frame, an ase.Atoms or a sequence of them, got "
            f"{type(frames).__name__}"
        )
    try:
        items = list(frames)
    except TypeError as exc:
        raise FrameError(
            f"frames: expected a sequence of frames, got {type(frames).__name__}"
        ) from exc
    if not items:
        raise FrameError("frames: need at least one frame")
    return [as_frame(f) for f in items]


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of unit quaternions ``q = (w, x, y, z)`` (scalar first).

    ``R = (w^2 - v.v) I + 2 v v^T + 2 w [v]_x``, the standard active rotation.
    """
    q = np.asarray(q, dtype=np.float64)
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    r = np.empty(q.shape[:-1] + (3, 3))
    r[..., 0, 0] = 1 - 2 * (y * y + z * z)
    r[..., 0, 1] = 2 * (x * y - z * w)
    r[..., 0, 2] = 2 * (x * z + y * w)
    r[..., 1, 0] = 2 * (x * y + z * w)
    r[..., 1, 1] = 1 - 2 * (x * x + z * z)
    r[..., 1, 2] = 2 * (y * z - x * w)
    r[..., 2, 0] = 2 * (x * z - y * w)
    r[..., 2, 1] = 2 * (y * z + x * w)
    r[..., 2, 2] = 1 - 2 * (x * x + y * y)
    return r


def frames_from_arrays(
    positions: np.ndarray,
    species: np.ndarray,
    quaternions: np.ndarray,
    diameters: np.ndarray,
    cell: np.ndarray | None = None,
) -> list[Frame]:
    """Frames from stacked arrays (frames, particles, ...), e.g. the golden ``.npz`` inputs."""
    positions = np.asarray(positions)
    if positions.ndim != 3:
        raise FrameError(f"positions: expected (frames, particles, 3), got {positions.shape}")
    return [
        Frame(positions[f], np.asarray(species)[f], quaternions[f], diameters[f], cell)
        for f in range(positions.shape[0])
    ]
