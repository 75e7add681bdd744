"""Golden cases computed by the reference package (anisoap 0.1.1), stored as small ``.npz``.

``python -m perflab.soap.reference.golden tests/soap/data`` (needs ``make reference``)
writes one ``golden_case_<name>.npz`` per case of :data:`CASES`. Every input is drawn from a
fixed seed, so the same command writes the same inputs. Each file holds:

- the inputs: ``positions`` (frames, particles, 3), ``numbers``, ``quaternions_wxyz``,
  ``diameters``, ``cell`` (3, 3; all zero when not periodic) and the hyperparameters
  (``hypers_json``);
- ``ref_*``: the reference's ``transform`` (normalize=True): the ``"reference"`` layout;
- ``sm_*``: the species-major layout, computed by the reference's own code: its
  un-normalised coefficients (``normalize=False``, values n-major) permuted so that values
  match their species-major labels, then its own ``orthonormalize_basis``;
- ``ps_ref_*`` / ``ps_sm_*`` (cases with ``power_spectrum=True``): per-centre power spectrum
  blocks of both layouts, the reference's ``cg_combine(lcut=0)`` of its coefficients (the
  reference layout is its ``power_spectrum(mean_over_samples=False)``).

Block arrays are named ``<prefix>values_<z>_<l>``, ``<prefix>samples_<z>_<l>`` (frame,
particle) and ``<prefix>properties_<z>_<l>`` (n, neighbour species).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from perflab.soap.frames import Frame

__all__ = [
    "CASES",
    "GTO",
    "GoldenCase",
    "case_frames",
    "compute_case",
    "species_major_tensormap",
    "write_golden",
]

GTO = dict(radial_basis="gto", cutoff_radius=7.0, radial_gaussian_width=1.5)


@dataclass(frozen=True)
class GoldenCase:
    name: str
    hypers: dict[str, Any]
    n_frames: int
    n_particles: int
    n_species: int
    seed: int
    box: float = 12.0
    periodic: bool = False
    segregated: bool = False  # each species in its own far-away cluster
    power_spectrum: bool = False
    notes: str = field(default="", compare=False)


CASES = [
    GoldenCase(
        "periodic_small_cell",
        dict(max_angular=4, **GTO),
        n_frames=2,
        n_particles=5,
        n_species=2,
        seed=11,
        box=4.5,
        periodic=True,
        notes="cubic cell of side 4.5 < cutoff 7: many periodic images of each neighbour",
    ),
    GoldenCase(
        "monomial",
        dict(max_angular=4, radial_basis="monomial", cutoff_radius=5.0),
        n_frames=2,
        n_particles=8,
        n_species=2,
        seed=12,
        box=8.0,
    ),
    GoldenCase(
        "lmax8", dict(max_angular=8, **GTO), n_frames=1, n_particles=8, n_species=2, seed=13
    ),
    GoldenCase(
        "power_spectrum_3sp",
        dict(max_angular=4, **GTO),
        n_frames=2,
        n_particles=9,
        n_species=3,
        seed=14,
        box=7.0,
        power_spectrum=True,
    ),
    GoldenCase(
        "segregated",
        dict(max_angular=4, **GTO),
        n_frames=2,
        n_particles=8,
        n_species=2,
        seed=15,
        segregated=True,
        power_spectrum=True,
        notes="species 1 and 2 in clusters 60 apart: no (1, 2) or (2, 1) pair in the batch",
    ),
]


def case_frames(case: GoldenCase) -> list[Frame]:
    """The inputs of ``case``, drawn from its seed."""
    rng = np.random.default_rng(case.seed)
    n = case.n_particles
    species = np.arange(n) % case.n_species + 1
    frames = []
    for _ in range(case.n_frames):
        pos = rng.uniform(0.0, case.box, size=(n, 3))
        if case.segregated:
            pos = rng.uniform(0.0, 4.0, size=(n, 3)) + 60.0 * (species[:, None] - 1)
        quat = Rotation.random(n, random_state=rng).as_quat(scalar_first=True)
        diam = rng.uniform(1.0, 3.0, size=(n, 3))
        cell = np.eye(3) * case.box if case.periodic else None
        frames.append(Frame(pos, species, quat, diam, cell))
    return frames


def _store_blocks(out: dict[str, np.ndarray], prefix: str, tmap: Any, sample_names: list[str]):
    for key, block in tmap.items():
        z, l = int(key["types_center"]), int(key["angular_channel"])
        out[f"{prefix}values_{z}_{l}"] = np.array(block.values)
        out[f"{prefix}samples_{z}_{l}"] = np.stack(
            [np.asarray(block.samples[s]) for s in sample_names], axis=1
        ).astype(np.int32)
        out[f"{prefix}properties_{z}_{l}"] = np.stack(
            [np.asarray(block.properties[s]) for s in ("n", "neighbor_types")], axis=1
        ).astype(np.int32)


def species_major_tensormap(ref: Any, atoms: list[Any]) -> Any:
    """The reference's coefficients with values permuted to match their species-major labels,
    then orthonormalised by the reference's own ``orthonormalize_basis``."""
    proj = ref.projection
    tmap = proj.transform(atoms, normalize=False, rust_moments=False)
    for _, block in tmap.items():
        props = np.asarray(block.properties["neighbor_types"])
        n_kept = len(np.unique(props))
        nn = block.values.shape[2] // n_kept
        # stored column n * n_kept + a holds (n, a); the label of column a * nn + n is (n, a)
        perm = np.array([n * n_kept + a for a in range(n_kept) for n in range(nn)])
        block.values[:] = np.array(block.values)[:, :, perm]
    return proj.radial_basis.orthonormalize_basis(tmap)


def _power_spectrum_blocks(tmap: Any, max_angular: int) -> Any:
    from anisoap.utils.metatensor_utils import ClebschGordanReal, cg_combine, standardize_keys

    nu1 = standardize_keys(tmap)
    return cg_combine(
        nu1,
        nu1,
        clebsch_gordan=ClebschGordanReal(max_angular),
        lcut=0,
        other_keys_match=["types_center"],
    )


def _store_power_spectrum(out: dict[str, np.ndarray], prefix: str, nu2: Any) -> None:
    for key, block in nu2.items():
        z = int(key["types_center"])
        values = np.array(block.values)
        out[f"{prefix}values_{z}"] = values.reshape(values.shape[0], -1)
        out[f"{prefix}samples_{z}"] = np.stack(
            [np.asarray(block.samples[s]) for s in ("type", "center")], axis=1
        ).astype(np.int32)


def compute_case(case: GoldenCase) -> dict[str, np.ndarray]:
    """Inputs and reference outputs of one case (needs anisoap)."""
    from perflab.soap.reference import ReferenceCalculator

    frames = case_frames(case)
    ref = ReferenceCalculator(**case.hypers)
    atoms = ref.atoms(frames)
    out: dict[str, np.ndarray] = {
        "positions": np.stack([f.positions for f in frames]),
        "numbers": np.stack([f.species for f in frames]).astype(np.int32),
        "quaternions_wxyz": np.stack([f.quaternions for f in frames]),
        "diameters": np.stack([f.diameters for f in frames]),
        "cell": np.eye(3) * case.box if case.periodic else np.zeros((3, 3)),
        "hypers_json": np.array(json.dumps(case.hypers)),
    }
    ref_map = ref.transform(atoms)
    _store_blocks(out, "ref_", ref_map, ["type", "center"])
    sm_map = species_major_tensormap(ref, atoms)
    _store_blocks(out, "sm_", sm_map, ["type", "center"])
    if case.power_spectrum:
        lmax = case.hypers["max_angular"]
        ps_ref = ref.projection.power_spectrum(atoms, mean_over_samples=False, rust_moments=False)
        _store_power_spectrum(out, "ps_ref_", ps_ref)
        _store_power_spectrum(out, "ps_sm_", _power_spectrum_blocks(sm_map, lmax))
    return out


def write_golden(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in CASES:
        path = directory / f"golden_case_{case.name}.npz"
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **compute_case(case))
        tmp.replace(path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/soap/data")
    for p in write_golden(target):
        print(f"wrote {p} ({p.stat().st_size} bytes)")
