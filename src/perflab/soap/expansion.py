"""From raw pair sums to the density expansion blocks: orthonormalisation and feature layout.

Blocks are keyed ``(center_species, l)`` with values of shape ``(samples, 2l+1, properties)``;
samples are the centres of that species in (frame, particle) order; properties are labelled
``(n, neighbour_species)`` with the neighbour species outer and ``n`` inner.

Layouts (``layout=``):

- ``"reference"`` (default) reproduces anisoap 0.1.1 number for number. Its
  ``contract_pairwise_feat`` stores values with ``n`` outer and the neighbour species inner
  (column ``n * n_species + a``) while labelling them species-outer, and its orthonormalisation
  then mixes the columns that the labels assign to one species. For one species both orders
  coincide. With several species, the values under a label ``(n, a)`` are therefore NOT the
  orthonormal projection onto ``(n, a)``. We keep this layout by default because the golden
  outputs (and models trained on the reference) depend on it; the power spectrum built from it
  is still rotation and permutation invariant (every column is a linear combination of
  coefficients with the same ``l`` and ``m``).
  One more difference from the reference, in a corner case: the reference keeps only the
  neighbour species that have at least one pair with that centre species somewhere in the
  batch; here every species of the batch (or of the calculator's ``species=``) gets its
  columns, zero where there are no such pairs, so that layouts agree across batches.
- ``"species_major"``: the physically labelled layout: column ``a * num_radial + n`` holds the
  orthonormalised projection of the species-``a`` density onto radial function ``n``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perflab.soap.radial import RadialBasis
from perflab.soap.system import SystemBatch

LAYOUTS = ("reference", "species_major")


@dataclass
class DensityExpansion:
    """Density expansion coefficients with their labels.

    ``blocks[(z, l)]``: (samples, 2l+1, properties) values; ``samples[(z, l)]``: (samples, 2)
    rows ``(frame, particle)``; ``properties[(z, l)]``: (properties, 2) rows
    ``(n, neighbour_species)``.
    """

    blocks: dict[tuple[int, int], np.ndarray]
    samples: dict[tuple[int, int], np.ndarray]
    properties: dict[tuple[int, int], np.ndarray]
    species: tuple[int, ...]
    layout: str


def orthonormalized_columns(raw_l: np.ndarray, transform: np.ndarray, layout: str) -> np.ndarray:
    """Values (rows, 2l+1, n_species * num_radial) of one ``l`` from raw sums
    (rows, n_species, 2l+1, num_radial), in the requested ``layout``."""
    rows, n_species, n_m, nn = raw_l.shape
    transform = transform.astype(raw_l.dtype, copy=False)
    # (the transform is applied as one 2-D product over runs of num_radial columns)
    if layout == "species_major":
        values = raw_l.transpose(0, 2, 1, 3).reshape(-1, nn) @ transform  # along n, per species
        return values.reshape(rows, n_m, n_species * nn)
    if layout == "reference":
        # n outer, species inner (column n * n_species + a) ...
        values = raw_l.transpose(0, 2, 3, 1).reshape(-1, nn)
        # ... then the transform is applied to consecutive runs of num_radial columns
        return (values @ transform).reshape(rows, n_m, n_species * nn)
    raise ValueError(f"layout: must be one of {LAYOUTS}, got {layout!r}")


def property_labels(species: tuple[int, ...], num_radial: int) -> np.ndarray:
    """``(n, neighbour_species)`` rows, neighbour species outer."""
    return np.array([(n, a) for a in species for n in range(num_radial)], dtype=np.int32)


def assemble(
    raw: list[np.ndarray], batch: SystemBatch, basis: RadialBasis, layout: str = "reference"
) -> DensityExpansion:
    """Split raw per-particle sums into orthonormalised ``(center_species, l)`` blocks."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout: must be one of {LAYOUTS}, got {layout!r}")
    blocks, samples, properties = {}, {}, {}
    for z_idx, z in enumerate(batch.species_list):
        rows = np.nonzero(batch.species_index == z_idx)[0]
        if rows.size == 0:
            continue
        rows_labels = np.stack([batch.frame_of[rows], batch.local_index[rows]], axis=1)
        for l, raw_l in enumerate(raw):
            key = (z, l)
            blocks[key] = orthonormalized_columns(raw_l[rows], basis.transforms[l], layout)
            samples[key] = rows_labels.astype(np.int32)
            properties[key] = property_labels(batch.species_list, basis.num_radial[l])
    return DensityExpansion(blocks, samples, properties, batch.species_list, layout)
