"""From raw pair sums to the density expansion blocks: orthonormalisation and feature layout.

Blocks are keyed ``(center_species, l)`` with values of shape ``(samples, 2l+1, properties)``;
samples are the centres of that species in (frame, particle) order; properties are labelled
``(n, neighbour_species)`` with the neighbour species outer and ``n`` inner.

Layouts (``layout=``):

- ``"species_major"`` (default): the physically labelled layout. Column ``a * num_radial + n``
  holds the orthonormalised projection of the species-``a`` density onto radial function
  ``n``, for every species of the batch (or of the calculator's ``species=``), zero where a
  centre species has no neighbour of species ``a``, so that layouts agree across batches.
  The labels mean what they say, so this is the layout to fit models on.
- ``"reference"`` reproduces anisoap 0.1.1 number for number, for compatibility with models
  trained on it. Two properties of that package are copied:

  1. Per centre species ``z`` it keeps only the neighbour species that have at least one pair
     with a ``z`` centre somewhere in the batch (``contract_pairwise_feat`` skips the others),
     so blocks of different centre species may have different property counts, and the
     count depends on the batch (a dataset of single-species frames keeps one).
  2. Its values are stored ``n`` outer and neighbour species inner (column
     ``n * S_z + a`` for the ``S_z`` kept species) while they are labelled species outer, and
     its orthonormalisation (``orthonormalize_basis``) then applies the ``num_radial`` x
     ``num_radial`` transform to the columns that the labels assign to one species. With
     several kept species the values under a label ``(n, a)`` are therefore NOT the
     orthonormal projection onto ``(n, a)`` (the power spectrum built from them is still
     rotation and permutation invariant: every column is a linear combination of
     coefficients with the same ``l`` and ``m``). For one kept species both layouts coincide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perflab.soap.radial import RadialBasis
from perflab.soap.system import SystemBatch

__all__ = [
    "DEFAULT_LAYOUT",
    "LAYOUTS",
    "DensityExpansion",
    "assemble",
    "orthonormalized_columns",
    "paired_species",
    "property_labels",
]

LAYOUTS = ("species_major", "reference")
DEFAULT_LAYOUT = "species_major"


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


def paired_species(batch: SystemBatch) -> np.ndarray:
    """(S, S) booleans: ``[z, a]`` is true where some centre of species index ``z`` has a
    neighbour of species index ``a`` in the batch (self pairs count)."""
    n_species = len(batch.species_list)
    seen = np.zeros((n_species, n_species), dtype=bool)
    if len(batch.pairs):
        si = batch.species_index
        seen[si[batch.pairs.first], si[batch.pairs.second]] = True
    return seen


def assemble(
    raw: list[np.ndarray], batch: SystemBatch, basis: RadialBasis, layout: str = DEFAULT_LAYOUT
) -> DensityExpansion:
    """Split raw per-particle sums into orthonormalised ``(center_species, l)`` blocks.

    With ``layout="reference"`` each centre species keeps only the neighbour species it is
    paired with in the batch (see the module docstring); ``"species_major"`` keeps all.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout: must be one of {LAYOUTS}, got {layout!r}")
    blocks, samples, properties = {}, {}, {}
    paired = paired_species(batch)
    all_species = np.arange(len(batch.species_list))
    for z_idx, z in enumerate(batch.species_list):
        rows = np.nonzero(batch.species_index == z_idx)[0]
        if rows.size == 0:
            continue
        kept = all_species[paired[z_idx]] if layout == "reference" else all_species
        kept_labels = tuple(batch.species_list[a] for a in kept)
        rows_labels = np.stack([batch.frame_of[rows], batch.local_index[rows]], axis=1)
        for l, raw_l in enumerate(raw):
            key = (z, l)
            values = raw_l[rows][:, kept] if kept.size < all_species.size else raw_l[rows]
            blocks[key] = orthonormalized_columns(values, basis.transforms[l], layout)
            samples[key] = rows_labels.astype(np.int32)
            properties[key] = property_labels(kept_labels, basis.num_radial[l])
    return DensityExpansion(blocks, samples, properties, batch.species_list, layout)
