"""Benchmark systems: benzene-like rings, random ellipsoid fluids, and the golden inputs.

- :func:`benzene_like_frames`: coarse-grained "benzene" molecules, each a rigid ring of six
  oblate ellipsoids (the shape of a C-H group) on a hexagon, with random molecular positions
  and orientations in a periodic box. Species labels cycle around the ring with period
  ``n_species`` (1 to 6: at most one per ring site), so the particle count does not depend
  on the number of species.
- :func:`ellipsoid_fluid`: ``n`` ellipsoids with uniform random centres in a periodic cubic box
  of number density ``density``, random orientations and random semi-axes, so the number of
  neighbours per particle (and so the work per particle) is the same at every size.
- :func:`golden_frames`: the inputs stored in the golden ``.npz`` files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from perflab.soap.frames import Frame, frames_from_arrays

__all__ = [
    "GOLDEN_DENSITY",
    "RING_DIAMETERS",
    "RING_RADIUS",
    "benzene_like_frames",
    "default_golden_dir",
    "ellipsoid_fluid",
    "golden_frames",
    "ring_sites",
]

#: number density of the golden benchmark system (40 particles in a 12^3 box)
GOLDEN_DENSITY = 40 / 12.0**3
#: ring radius and the ellipsoid diameters (in-plane tangential, radial, normal) of a ring site
RING_RADIUS = 1.4
RING_DIAMETERS = (2.0, 2.6, 1.0)


def ring_sites() -> tuple[np.ndarray, np.ndarray]:
    """Body-frame positions (6, 3) and orientations (6, 3, 3) of the six ring ellipsoids:
    the third body axis along the ring normal, the second pointing radially outwards."""
    angles = np.arange(6) * np.pi / 3
    pos = RING_RADIUS * np.stack([np.cos(angles), np.sin(angles), np.zeros(6)], axis=1)
    radial = pos / RING_RADIUS
    normal = np.tile([0.0, 0.0, 1.0], (6, 1))
    tangent = np.cross(radial, normal)
    rot = np.stack([tangent, radial, normal], axis=2)  # columns = body axes in the lab frame
    return pos, rot


def benzene_like_frames(
    n_frames: int = 10,
    n_molecules: int = 8,
    n_species: int = 1,
    *,
    density: float = GOLDEN_DENSITY,
    seed: int = 0,
) -> list[Frame]:
    """Frames of ``n_molecules`` rigid 6-ellipsoid rings (``6 n_molecules`` particles each)."""
    if not 1 <= n_species <= 6:
        raise ValueError(f"n_species: must be 1 to 6, got {n_species}")
    rng = np.random.default_rng(seed)
    site_pos, site_rot = ring_sites()
    n = 6 * n_molecules
    box = (n / density) ** (1 / 3)
    species = np.tile(np.arange(6) % n_species + 1, n_molecules)
    frames = []
    for _ in range(n_frames):
        centres = rng.uniform(0, box, size=(n_molecules, 3))
        mol_rot = Rotation.random(n_molecules, random_state=rng).as_matrix()
        pos = centres[:, None, :] + np.einsum("mij,sj->msi", mol_rot, site_pos)
        rot = np.einsum("mij,sjk->msik", mol_rot, site_rot).reshape(n, 3, 3)
        quats = Rotation.from_matrix(rot).as_quat(scalar_first=True)
        diam = np.tile(RING_DIAMETERS, (n, 1))
        frames.append(Frame(pos.reshape(n, 3) % box, species, quats, diam, cell=np.eye(3) * box))
    return frames


def ellipsoid_fluid(
    n_particles: int,
    *,
    density: float = GOLDEN_DENSITY,
    n_species: int = 2,
    seed: int = 0,
) -> Frame:
    """One periodic frame of ``n_particles`` random ellipsoids at number ``density``."""
    if n_particles < 1:
        raise ValueError(f"n_particles: must be >= 1, got {n_particles}")
    rng = np.random.default_rng(seed)
    box = (n_particles / density) ** (1 / 3)
    return Frame(
        positions=rng.uniform(0, box, size=(n_particles, 3)),
        species=rng.integers(1, n_species + 1, size=n_particles),
        quaternions=Rotation.random(n_particles, random_state=rng).as_quat(scalar_first=True),
        diameters=rng.uniform(1.0, 3.0, size=(n_particles, 3)),
        cell=np.eye(3) * box,
    )


def default_golden_dir() -> Path:
    """Where the golden ``.npz`` files live: ``$PERFLAB_SOAP_GOLDEN`` or the repo's test data."""
    env = os.environ.get("PERFLAB_SOAP_GOLDEN")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "tests" / "soap" / "data"


def golden_frames(name: str, directory: str | os.PathLike[str] | None = None) -> list[Frame]:
    """Input frames stored in ``<directory>/<name>.npz`` (non-periodic, as in the reference)."""
    path = Path(directory or default_golden_dir()) / f"{name}.npz"
    if not path.exists():
        raise FileNotFoundError(f"golden file not found: {path}")
    with np.load(path) as data:
        return frames_from_arrays(
            data["positions"], data["numbers"], data["quaternions_wxyz"], data["diameters"]
        )
