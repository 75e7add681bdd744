"""The AniSOAP power spectrum: rotation-invariant products of expansion coefficients.

For a centre with coefficients ``c[l][m, p]`` (``p`` runs over the block's properties) the
invariants are the ``L = 0`` Clebsch-Gordan couplings of two copies of the density::

    P[l, p, q] = sum_m CG(l m, l m | 0 0) c[l][m, p] c[l][m, q]
               = (-1)^l / sqrt(2l + 1) * sum_m c[l][m, p] c[l][m, q]

(the real-harmonic Clebsch-Gordan coefficient coupling ``l x l -> 0`` is diagonal in ``m``).
Features are ordered as the reference's ``cg_combine(..., lcut=0)``: ``l`` outer, then ``p``,
then ``q`` (all ordered pairs, so ``sum_l P_l^2`` features per centre species).
"""

from __future__ import annotations

import numpy as np

from perflab.soap.expansion import DensityExpansion

__all__ = [
    "coupling_l0",
    "per_center_invariants",
    "power_spectrum",
    "slot_sizes",
]


def coupling_l0(l: int) -> float:
    """Real Clebsch-Gordan coefficient ``<l m; l m | 0 0>`` (the same for every ``m``)."""
    return (-1.0) ** l / np.sqrt(2 * l + 1)


def per_center_invariants(blocks_by_l: list[np.ndarray]) -> np.ndarray:
    """(rows, features) invariants of one centre species from its blocks ``[(rows, 2l+1, P_l)]``."""
    parts = []
    for l, c in enumerate(blocks_by_l):
        prod = np.einsum("rmp,rmq->rpq", c, c) * coupling_l0(l)
        parts.append(prod.reshape(c.shape[0], -1))
    return np.concatenate(parts, axis=1)


def slot_sizes(expansion: DensityExpansion, max_angular: int) -> list[int]:
    """Features per centre species slot, ``F_z = sum_l P_{z,l}^2`` (in ``expansion.species``
    order). In the species-major layout every slot has the same size, also for a centre
    species absent from the batch (zeros); in the reference layout a centre species keeps
    only the neighbour species it is paired with, so sizes may differ, and an absent centre
    species has an empty slot (the reference has no block for it)."""
    sizes = {
        z: sum(expansion.blocks[(z, l)].shape[2] ** 2 for l in range(max_angular + 1))
        for z in expansion.species
        if (z, 0) in expansion.blocks
    }
    if expansion.layout == "species_major":
        full = max(sizes.values(), default=0)
        return [full for _ in expansion.species]
    return [sizes.get(z, 0) for z in expansion.species]


def power_spectrum(
    expansion: DensityExpansion, n_frames: int, max_angular: int, *, per_center: bool = False
) -> np.ndarray:
    """Power spectrum of a batch.

    The feature vector has one slot of ``F_z = sum_l P_l^2`` features per centre species
    ``z`` (in ``expansion.species`` order, sizes from :func:`slot_sizes`). With
    ``per_center=False`` row ``f`` is, in each slot, the mean over frame ``f``'s centres of
    that species (zeros if the frame has none): for one species this is the reference's
    ``power_spectrum(mean_over_samples=True)``. With ``per_center=True`` there is one row per
    particle, ordered by species then ``(frame, particle)`` as the expansion's samples, with
    the other species' slots zero; the sample labels are ``expansion.samples[(z, 0)]``.

    The result has the dtype of the coefficients (float32 for a float32 calculation); means
    are accumulated in float64 and rounded once.
    """
    species = expansion.species
    dtype = np.result_type(*expansion.blocks.values()) if expansion.blocks else np.float64
    sizes = slot_sizes(expansion, max_angular)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    total = int(starts[-1])
    rows = []
    out = np.zeros((n_frames, total))
    for s, z in enumerate(species):
        if (z, 0) not in expansion.blocks:
            continue
        lo, hi = starts[s], starts[s + 1]
        inv = per_center_invariants([expansion.blocks[(z, l)] for l in range(max_angular + 1)])
        if per_center:
            full = np.zeros((inv.shape[0], total))
            full[:, lo:hi] = inv
            rows.append(full)
            continue
        frame_of = expansion.samples[(z, 0)][:, 0]
        sums = np.zeros((n_frames, hi - lo))
        np.add.at(sums, frame_of, inv)
        counts = np.bincount(frame_of, minlength=n_frames)
        has = counts > 0
        out[has, lo:hi] = sums[has] / counts[has, None]
    if per_center:
        out = np.concatenate(rows, axis=0)
    return out.astype(dtype, copy=False)
