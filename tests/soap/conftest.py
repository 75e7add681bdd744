"""Shared fixtures of the AniSOAP tests: the golden inputs and outputs copied into the repo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from perflab.soap.frames import frames_from_arrays

DATA = Path(__file__).resolve().parent / "data"
HYPERS = dict(max_angular=6, radial_basis="gto", cutoff_radius=7.0, radial_gaussian_width=1.5)


def _load(name: str) -> tuple[dict[str, np.ndarray], list]:
    with np.load(DATA / f"{name}.npz") as npz:
        data = {k: npz[k] for k in npz.files}
    frames = frames_from_arrays(
        data["positions"], data["numbers"], data["quaternions_wxyz"], data["diameters"]
    )
    return data, frames


@pytest.fixture(scope="session")
def golden():
    cache: dict[str, tuple[dict[str, np.ndarray], list]] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = _load(name)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def hypers():
    return dict(HYPERS)
