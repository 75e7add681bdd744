"""Cold/warm baselines for tricubic interpolation and detector absorption.

    python -m perflab.bragg.bench --sizes 1024 2048 --repeats 5 --device cpu --dtype float64

Tricubic: ``--points`` query points (default 1e5, 1e6, 1e7) on ``--grids`` cubic F grids
(default 41^3 and 201^3), one row per backend. Absorption: ``--sizes`` detector edges (N x N
pixels) with ``--layers`` sensor layers: capture fractions from the parallax of a real
detector geometry, then ``absorb`` of per-layer images. Every configuration records the cold
sample (first call of that configuration in this process, including any compilation) and
``--repeats`` warm samples after one untimed warm-up call. A parity section measures the
fast backends against the scalar reference. Writes ``results.json``, ``report.md``,
``env.json`` and PNG charts to ``--out`` (default ``reports/tricubic_baseline``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from perflab.bragg.tricubic import BACKENDS
from perflab.harness import env_snapshot, measure

SCHEMA = "perflab.bragg.bench/1"
TARGET = {"points": 1_000_000, "grid": 41, "dtype": "float64", "points_per_s": 4.0e6}
DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass
class BenchConfig:
    """What to measure (all sizes are explicit so a report can be re-run exactly)."""

    sizes: list[int] = field(default_factory=lambda: [1024, 2048])
    points: list[int] = field(default_factory=lambda: [100_000, 1_000_000, 10_000_000])
    grids: list[int] = field(default_factory=lambda: [41, 201])
    layers: list[int] = field(default_factory=lambda: [1, 3, 5, 10])
    backends: list[str] = field(default_factory=lambda: ["warp", "torch", "compile"])
    devices: list[str] = field(default_factory=lambda: ["cpu"])
    dtype: str = "float64"
    repeats: int = 5
    parity_points: int = 100_000
    fresh_caches: bool = True
    threads: int | None = None
    seed: int = 0
    out: str = "reports/tricubic_baseline"
    command: str = ""


def smoke_config(out: str) -> BenchConfig:
    """A configuration that runs in seconds (CI); compile is left out (it compiles for minutes)."""
    return BenchConfig(
        sizes=[64],
        points=[2_000, 20_000],
        grids=[21],
        layers=[1, 3],
        backends=["warp", "torch"],
        repeats=2,
        parity_points=1_000,
        fresh_caches=False,
        out=out,
    )


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _gpu_unavailable_reason() -> str | None:
    if torch.cuda.is_available():
        return None
    build = torch.version.cuda
    return "torch.cuda.is_available() is False" + (
        f" (torch {torch.__version__} is a CPU-only build)" if build is None else ""
    )


def _use_fresh_caches() -> str:
    """Point Warp's kernel cache and Inductor's cache at an empty folder (honest cold runs)."""
    root = tempfile.mkdtemp(prefix="perflab-bragg-cold-")
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(root, "inductor")
    from perflab.bragg import tricubic_warp

    wp = tricubic_warp.warp_module(init=False)
    wp.config.kernel_cache_dir = os.path.join(root, "warp")
    return root


def _queries(n: int, grid: int, hmin: int, dtype, device, rng) -> list[torch.Tensor]:
    # uniform over [min + 1, max - 1]: mostly inside nanoBragg's interpolation range, with a
    # band near the edges that exercises the per-point out-of-range path
    lo, hi = hmin + 1.0, hmin + grid - 2.0
    return [torch.from_numpy(rng.uniform(lo, hi, n)).to(device=device, dtype=dtype) for _ in "hkl"]


def _backends_to_run(cfg: BenchConfig, device: torch.device, dtype: torch.dtype):
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


def bench_tricubic(cfg: BenchConfig, device: torch.device, progress: Callable[[str], None]):
    """Rows of cold/warm timings, one per (grid, points, backend)."""
    from perflab.bragg import tricubic_interpolate

    dtype = DTYPES[cfg.dtype]
    rows = []
    backends, skipped = _backends_to_run(cfg, device, dtype)
    seen_backends: set[str] = set()
    rng = np.random.default_rng(cfg.seed)
    for grid in cfg.grids:
        hmin = -(grid // 2)
        F = torch.from_numpy(rng.uniform(10.0, 1000.0, (grid,) * 3)).to(device, dtype)
        for n in cfg.points:
            h, k, l = _queries(n, grid, hmin, dtype, device, rng)
            inside = None
            for backend in backends:
                progress(f"tricubic {backend} grid {grid}^3, {n:,} points on {device}")

                def call(backend=backend, h=h, k=k, l=l, F=F, hmin=hmin):
                    out = tricubic_interpolate(
                        F, (hmin,) * 3, h, k, l, backend=backend, return_mask=True
                    )
                    _sync(device)
                    return out

                first = backend not in seen_backends
                seen_backends.add(backend)
                m = measure(call, repeats=cfg.repeats, warmup=1)
                if inside is None:
                    inside = float(m.result[1].float().mean())
                s = m.warm_stats
                rows.append(
                    {
                        "kernel": "tricubic",
                        "backend": backend,
                        "device": str(device),
                        "dtype": cfg.dtype,
                        "grid": grid,
                        "points": n,
                        "in_range_fraction": inside,
                        "first_call_of_backend": first,
                        "cold_s": m.cold,
                        "warm_s": m.warm,
                        "warm": s.to_dict(),
                        "points_per_s": n / s.median,
                        "cold_points_per_s": n / m.cold,
                    }
                )
                del m
    return rows, skipped


def _detector(size: int, device, dtype):
    """A 0.1 m-distance detector, 100 um pixels, beam through its centre (MOSFLM-like axes)."""
    from perflab.bragg import detector_pixel_positions, parallax

    pixel = 1e-4
    half = size * pixel / 2
    pix0 = torch.tensor([0.1, -half, -half], dtype=dtype, device=device)
    fdet = torch.tensor([0.0, 0.0, 1.0], dtype=dtype, device=device)
    sdet = torch.tensor([0.0, 1.0, 0.0], dtype=dtype, device=device)
    odet = torch.tensor([1.0, 0.0, 0.0], dtype=dtype, device=device)
    pos = detector_pixel_positions(pix0, fdet, sdet, (size, size), pixel)
    return parallax(pos, odet)


def bench_absorption(cfg: BenchConfig, device: torch.device, progress: Callable[[str], None]):
    """Rows of cold/warm timings of capture_fractions + absorb, one per (size, layers)."""
    from perflab.bragg import absorb, capture_fractions

    dtype = DTYPES[cfg.dtype]
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    rows = []
    for size in cfg.sizes:
        rho = _detector(size, device, dtype)
        for steps in cfg.layers:
            progress(f"absorption {size}x{size}, {steps} layers on {device}")
            images = torch.rand((steps, size, size), generator=gen, dtype=dtype, device=device)

            def call(rho=rho, images=images, steps=steps):
                cf = capture_fractions(
                    rho, thickness=320e-6, attenuation_length=234e-6, steps=steps,
                    step_rule="uniform",
                )  # fmt: skip
                out = absorb(images, cf, mode="sum")
                _sync(device)
                return out

            m = measure(call, repeats=cfg.repeats, warmup=1)
            s = m.warm_stats
            rows.append(
                {
                    "kernel": "absorption",
                    "device": str(device),
                    "dtype": cfg.dtype,
                    "size": size,
                    "pixels": size * size,
                    "layers": steps,
                    "step_rule": "uniform",
                    "cold_s": m.cold,
                    "warm_s": m.warm,
                    "warm": s.to_dict(),
                    "pixels_per_s": size * size / s.median,
                    "pixel_layers_per_s": size * size * steps / s.median,
                }
            )
            del m, images
    return rows


def bench_parity(cfg: BenchConfig, device: torch.device, progress: Callable[[str], None]):
    """Max relative error of each backend against the scalar reference, both modes/dtypes."""
    from perflab.bragg import tricubic_interpolate, tricubic_reference

    rng = np.random.default_rng(cfg.seed + 1)
    shape, mins = (15, 16, 17), (-7, -8, -8)
    F = rng.uniform(10.0, 1000.0, shape)
    n = cfg.parity_points
    inside = rng.random(n) < 0.5
    q = np.empty((3, n))
    for a in range(3):
        lo, hi = mins[a], mins[a] + shape[a] - 1
        q[a] = np.where(inside, rng.uniform(lo + 2, hi - 2, n), rng.uniform(lo - 3, hi + 3, n))
    rows = []
    for dtype_name, tol in (("float64", 1e-12), ("float32", 1e-5)):
        dtype = DTYPES[dtype_name]
        Fd = torch.from_numpy(F).to(device, dtype)
        qd = torch.from_numpy(q).to(device, dtype)
        q_ref = qd.double().cpu().numpy()  # the points as the backend sees them
        for mode in ("nearest", "default"):
            progress(f"parity {dtype_name} {mode} ({n:,} points, scalar reference)")
            ref, ref_mask = tricubic_reference(
                Fd.double().cpu().numpy(), mins, *q_ref, default_F=1.5, out_of_range=mode
            )
            for backend in _backends_to_run(cfg, device, dtype)[0]:
                v, mask = tricubic_interpolate(
                    Fd, mins, *qd, default_F=1.5, out_of_range=mode, return_mask=True,
                    backend=backend,
                )  # fmt: skip
                v = v.double().cpu().numpy()
                err = float(np.max(np.abs(v - ref) / np.abs(ref)))
                rows.append(
                    {
                        "backend": backend,
                        "device": str(device),
                        "dtype": dtype_name,
                        "mode": mode,
                        "points": n,
                        "in_range_fraction": float(ref_mask.mean()),
                        "mask_mismatches": int((mask.cpu().numpy() != ref_mask).sum()),
                        "max_rel_error": err,
                        "tolerance": tol,
                        "passed": bool(err <= tol and (mask.cpu().numpy() == ref_mask).all()),
                    }
                )
    return rows


def _target(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The acceptance figure: warm float64 throughput at 1e6 points on 41^3 with 'auto'."""
    from perflab.bragg import resolve_backend

    out = dict(TARGET)
    auto = resolve_backend("auto", torch.device("cpu"), torch.float64)
    out["auto_backend_on_cpu"] = auto
    match = [
        r
        for r in rows
        if r["device"] == "cpu"
        and r["dtype"] == TARGET["dtype"]
        and r["grid"] == TARGET["grid"]
        and r["points"] == TARGET["points"]
    ]
    out["measured"] = {r["backend"]: r["points_per_s"] for r in match}
    best = max(match, key=lambda r: r["points_per_s"], default=None)
    default_row = next((r for r in match if r["backend"] == auto), None)
    out["default_backend_points_per_s"] = default_row["points_per_s"] if default_row else None
    out["best_backend"] = best["backend"] if best else None
    out["met_by_default_backend"] = (
        default_row is not None and default_row["points_per_s"] >= TARGET["points_per_s"]
    )
    out["measured_in_this_run"] = bool(match)
    return out


def run_bench(cfg: BenchConfig, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every section of the benchmark and return the results dictionary."""
    progress = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    if cfg.threads is not None:
        torch.set_num_threads(cfg.threads)
    start = time.time()
    load_before = os.getloadavg()
    cache_dir = _use_fresh_caches() if cfg.fresh_caches else None
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "command": cfg.command,
        "config": asdict(cfg),
        "cache_dir": cache_dir,
        "tricubic": [],
        "absorption": [],
        "parity": [],
        "skipped": [],
        "warnings": [],
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in cfg.devices:
            device = torch.device(name)
            if device.type == "cuda" and not torch.cuda.is_available():
                reason = _gpu_unavailable_reason()
                results["skipped"].append({"what": f"all sections on {name}", "reason": reason})
                continue
            rows, skipped = bench_tricubic(cfg, device, progress)
            results["tricubic"] += rows
            results["skipped"] += skipped
            results["absorption"] += bench_absorption(cfg, device, progress)
            if cfg.parity_points > 0:
                results["parity"] += bench_parity(cfg, device, progress)
    results["warnings"] += sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    load_after = os.getloadavg()
    results["load_average"] = {"before": list(load_before), "after": list(load_after)}
    ncpu = os.cpu_count() or 1
    if max(load_before[0], load_after[0]) > ncpu:
        results["warnings"].append(
            f"machine busy: 1-minute load average {load_before[0]:.1f} before and "
            f"{load_after[0]:.1f} after on {ncpu} CPUs; timings include contention"
        )
    gpu_reason = _gpu_unavailable_reason()
    results["gpu"] = {
        "measured": any(r["device"].startswith("cuda") for r in results["tricubic"]),
        "reason_not_measured": gpu_reason
        if gpu_reason
        else ("not requested (pass --device cuda)" if "cuda" not in cfg.devices else None),
    }
    results["target"] = _target(results["tricubic"])
    results["wall_s"] = time.time() - start
    results["env"] = env_snapshot()
    return results


def parse_args(argv: list[str] | None = None) -> BenchConfig:
    p = argparse.ArgumentParser(
        prog="python -m perflab.bragg.bench", description=__doc__.split("\n")[0]
    )
    p.add_argument(
        "--sizes", type=int, nargs="+", default=[1024, 2048], help="detector edges (pixels)"
    )
    p.add_argument(
        "--points", type=float, nargs="+", default=[1e5, 1e6, 1e7], help="tricubic queries"
    )
    p.add_argument("--grids", type=int, nargs="+", default=[41, 201], help="F grid edges")
    p.add_argument("--layers", type=int, nargs="+", default=[1, 3, 5, 10], help="sensor layers")
    p.add_argument("--backends", nargs="+", choices=BACKENDS, default=["warp", "torch", "compile"])
    p.add_argument("--device", nargs="+", default=["cpu"], help="cpu and/or cuda")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="float64")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--parity-points", type=int, default=100_000)
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    p.add_argument("--reuse-caches", action="store_true", help="keep warm Warp/Inductor caches")
    p.add_argument("--out", default="reports/tricubic_baseline")
    p.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    a = p.parse_args(argv)
    command = "python -m perflab.bragg.bench " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    if a.smoke:
        cfg = smoke_config(a.out)
        cfg.command = command
        return cfg
    for name in ("sizes", "points", "grids", "layers"):
        if any(v < 1 for v in getattr(a, name)):
            p.error(f"--{name} values must be positive")
    if any(g < 5 for g in a.grids):
        p.error("--grids must be >= 5 (smaller grids have no interpolation range)")
    if a.repeats < 1:
        p.error("--repeats must be >= 1")
    if a.threads is not None and a.threads < 1:
        p.error("--threads must be >= 1")
    return BenchConfig(
        sizes=a.sizes,
        points=[int(v) for v in a.points],
        grids=a.grids,
        layers=a.layers,
        backends=a.backends,
        devices=a.device,
        dtype=a.dtype,
        repeats=a.repeats,
        parity_points=a.parity_points,
        fresh_caches=not a.reuse_caches,
        threads=a.threads,
        out=a.out,
        command=command,
    )


def main(argv: list[str] | None = None) -> int:
    from perflab.bragg.bench_report import write_bench_report

    cfg = parse_args(argv)
    results = run_bench(cfg)
    paths = write_bench_report(results, Path(cfg.out))
    for p in paths:
        print(p)
    return 0 if all(r["passed"] for r in results["parity"]) else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
