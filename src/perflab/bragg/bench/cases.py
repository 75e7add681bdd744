"""What the tricubic/absorption baseline measures: its configuration and its inputs.

The configuration (:class:`BenchConfig`, :func:`smoke_config`), the acceptance target's size
(:data:`TARGET`), and the inputs every backend and the C loop see (:func:`inputs`,
:func:`parity_inputs`, :func:`detector`), built from the seed alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

__all__ = [
    "DTYPES",
    "SCHEMA",
    "SINGLE_THREADED",
    "TARGET",
    "BenchConfig",
    "backends_to_run",
    "detector",
    "inputs",
    "parity_inputs",
    "smoke_config",
    "target_in_config",
]

SCHEMA = "perflab.bragg.bench/3"


TARGET = {"points": 1_000_000, "grid": 41, "dtype": "float64", "threads": 1}


DTYPES = {"float32": torch.float32, "float64": torch.float64}


#: backends whose CPU work runs on one thread whatever torch's setting
SINGLE_THREADED = ("warp",)


@dataclass
class BenchConfig:
    """What to measure (all sizes are explicit so a report can be re-run exactly)."""

    sizes: list[int] = field(default_factory=lambda: [1024, 2048])
    points: list[int] = field(default_factory=lambda: [100_000, 1_000_000])
    grids: list[int] = field(default_factory=lambda: [41, 201])
    layers: list[int] = field(default_factory=lambda: [1, 3, 5, 10])
    backends: list[str] = field(default_factory=lambda: ["warp", "torch", "compile"])
    devices: list[str] = field(default_factory=lambda: ["cpu"])
    dtypes: list[str] = field(default_factory=lambda: ["float32", "float64"])
    threads: list[int] = field(default_factory=lambda: [1, 2])
    repeats: int = 5
    parity_points: int = 100_000
    fresh_caches: bool = True
    cold: bool = True
    cold_budget_s: float = 240.0
    cloop: bool = True
    seed: int = 0
    out: str = "reports/tricubic_baseline"
    command: str = ""


def smoke_config(out: str) -> BenchConfig:
    """A configuration that runs in seconds (CI); compile is left out (it compiles for minutes)
    and only eager torch is started cold."""
    return BenchConfig(
        sizes=[64],
        points=[2_000, 20_000],
        grids=[21],
        layers=[1, 3],
        backends=["warp", "torch"],
        threads=[1],
        repeats=2,
        parity_points=1_000,
        fresh_caches=False,
        cold=False,
        out=out,
    )


def target_in_config(cfg: BenchConfig) -> bool:
    """Whether the run measures the target's size (:data:`TARGET`) on the CPU."""
    return (
        "cpu" in cfg.devices
        and TARGET["grid"] in cfg.grids
        and TARGET["points"] in cfg.points
        and TARGET["dtype"] in cfg.dtypes
        and TARGET["threads"] in cfg.threads
    )


def inputs(grid: int, n: int, seed: int):
    """The benchmark's F grid and queries (float64 numpy), the same for every backend."""
    rng = np.random.default_rng([seed, grid, n])
    hmin = -(grid // 2)
    F = rng.uniform(10.0, 1000.0, (grid,) * 3)
    q = np.stack([rng.uniform(hmin + 1.0, hmin + grid - 2.0, n) for _ in "hkl"])
    return F, hmin, q


def backends_to_run(cfg: BenchConfig, device: torch.device, dtype: torch.dtype):
    """The backends that run on ``device`` with ``dtype``, by the name of what actually runs.

    ``"auto"`` is recorded under the backend it resolves to (so the rows, the target and the
    charts name the code that was timed), and a backend named twice runs once. Returns the
    names and the skipped entries (a backend that cannot run here, with the reason).
    """
    from perflab.bragg import resolve_backend

    names, skipped = [], []
    for backend in cfg.backends:
        try:
            name = resolve_backend(backend, device, dtype)
        except ValueError as exc:
            skipped.append({"what": f"tricubic {backend} on {device}", "reason": str(exc)})
            continue
        if name not in names:
            names.append(name)
    return names, skipped


def detector(size: int, device, dtype):
    """A 0.1 m-distance detector, 100 um pixels, beam through its centre (MOSFLM-like axes):
    pixel centres and the detector normal."""
    from perflab.bragg import detector_pixel_positions

    pixel = 1e-4
    half = size * pixel / 2
    pix0 = torch.tensor([0.1, -half, -half], dtype=dtype, device=device)
    fdet = torch.tensor([0.0, 0.0, 1.0], dtype=dtype, device=device)
    sdet = torch.tensor([0.0, 1.0, 0.0], dtype=dtype, device=device)
    odet = torch.tensor([1.0, 0.0, 0.0], dtype=dtype, device=device)
    return detector_pixel_positions(pix0, fdet, sdet, (size, size), pixel), odet


def parity_inputs(cfg: BenchConfig):
    rng = np.random.default_rng(cfg.seed + 1)
    shape, mins = (15, 16, 17), (-7, -8, -8)
    F = rng.uniform(10.0, 1000.0, shape)
    n = cfg.parity_points
    inside = rng.random(n) < 0.5
    q = np.empty((3, n))
    for a in range(3):
        lo, hi = mins[a], mins[a] + shape[a] - 1
        q[a] = np.where(inside, rng.uniform(lo + 2, hi - 2, n), rng.uniform(lo - 3, hi + 3, n))
    return F, mins, q
