"""Full neighbour lists with self pairs, from ``vesin`` (cell lists in C++, O(N)).

AniSOAP sums over every neighbour ``j`` of a centre ``i`` with ``|r_ij| < r_c``, including
``j = i`` itself (the reference's ``self_pairs=True``) and, in periodic frames, periodic images
of any particle (including of ``i``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from vesin import NeighborList

from perflab.soap.frames import Frame

__all__ = [
    "PairList",
    "build_pairs",
    "frame_pairs",
]


@dataclass(frozen=True)
class PairList:
    """Pairs of one or more frames: centre ``first``, neighbour ``second`` (global particle
    indices over the concatenated frames) and the vector ``r = x_second - x_first (+ shift)``."""

    first: np.ndarray  # (P,) int64
    second: np.ndarray  # (P,) int64
    vectors: np.ndarray  # (P, 3) float64

    def __len__(self) -> int:
        return int(self.first.shape[0])


def frame_pairs(
    frame: Frame, cutoff: float, calculator: NeighborList | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(i, j, r_ij)`` of one frame: all pairs closer than ``cutoff``, self pairs included.

    ``calculator`` (a ``vesin.NeighborList`` for this cutoff) may be reused across frames.
    """
    box = frame.cell if frame.cell is not None else np.zeros((3, 3))
    nl = calculator or NeighborList(cutoff=float(cutoff), full_list=True)
    i, j, d = nl.compute(
        points=frame.positions, box=box, periodic=frame.periodic, quantities="ijD", copy=True
    )
    n = len(frame)
    self_idx = np.arange(n)
    i = np.concatenate([self_idx, i]).astype(np.int64)
    j = np.concatenate([self_idx, j]).astype(np.int64)
    d = np.concatenate([np.zeros((n, 3)), d])
    order = np.lexsort((j, i))
    return i[order], j[order], d[order]


def build_pairs(frames: list[Frame], cutoff: float) -> PairList:
    """Concatenated pair list of ``frames`` with global particle indices."""
    firsts, seconds, vecs = [], [], []
    offset = 0
    nl = NeighborList(cutoff=float(cutoff), full_list=True)
    for frame in frames:
        i, j, d = frame_pairs(frame, cutoff, nl)
        firsts.append(i + offset)
        seconds.append(j + offset)
        vecs.append(d)
        offset += len(frame)
    return PairList(np.concatenate(firsts), np.concatenate(seconds), np.concatenate(vecs))
