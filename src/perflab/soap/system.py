"""A batch of frames flattened into particle arrays, shared by both backends."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perflab.soap.frames import Frame
from perflab.soap.neighbours import PairList, build_pairs

__all__ = [
    "SystemBatch",
    "make_batch",
]


@dataclass(frozen=True)
class SystemBatch:
    """Particles of several frames, concatenated (``N`` particles in all).

    ``species_list`` is the sorted list of species labels; ``species_index[p]`` the position of
    particle ``p``'s label in it. ``frame_of[p]`` and ``local_index[p]`` locate the particle.
    """

    n_frames: int
    species_list: tuple[int, ...]
    species_index: np.ndarray  # (N,)
    frame_of: np.ndarray  # (N,)
    local_index: np.ndarray  # (N,)
    rotations: np.ndarray  # (N, 3, 3)
    semi_axes: np.ndarray  # (N, 3)
    pairs: PairList

    @property
    def n_particles(self) -> int:
        return int(self.species_index.shape[0])


def make_batch(
    frames: list[Frame], cutoff: float, species: tuple[int, ...] | None = None
) -> SystemBatch:
    """Flatten ``frames`` and build their neighbour pairs.

    ``species`` fixes the list of species labels (so feature layouts agree across batches);
    ``None`` uses the sorted labels present in ``frames``. A label in the frames but not in
    ``species`` is an error.
    """
    all_species = np.concatenate([f.species for f in frames])
    present = tuple(int(s) for s in np.unique(all_species))
    if species is None:
        species_list = present
    else:
        species_list = tuple(sorted(int(s) for s in species))
        missing = sorted(set(present) - set(species_list))
        if missing:
            raise ValueError(
                f"species: frames contain labels {missing} not in the calculator's species "
                f"{list(species_list)}"
            )
    lookup = {s: k for k, s in enumerate(species_list)}
    species_index = np.array([lookup[int(s)] for s in all_species], dtype=np.int64)
    frame_of = np.concatenate([np.full(len(f), k, dtype=np.int64) for k, f in enumerate(frames)])
    local_index = np.concatenate([np.arange(len(f), dtype=np.int64) for f in frames])
    rotations = np.concatenate([f.rotation_matrices() for f in frames])
    semi_axes = np.concatenate([f.semi_axes for f in frames])
    return SystemBatch(
        n_frames=len(frames),
        species_list=species_list,
        species_index=species_index,
        frame_of=frame_of,
        local_index=local_index,
        rotations=rotations,
        semi_axes=semi_axes,
        pairs=build_pairs(frames, cutoff),
    )
