"""Cold/warm baselines for tricubic interpolation and detector absorption, with their sources.

    python -m perflab.bragg.bench --sizes 1024 2048 --repeats 5

Tricubic: ``--points`` query points on ``--grids`` cubic F grids, one row per backend, dtype
(``--dtypes``, float32 and float64) and torch thread count (``--threads``, 1 and 2; Warp's
CPU launch and the C loop run on one thread whatever the setting, so they get one row).
Warm: ``--repeats`` samples after one untimed warm-up call in this process. Cold: each
backend and dtype in a fresh process with empty Warp and Inductor caches (imports,
initialisation, compilation and the first call; :mod:`perflab.bragg.bench_cold`), bounded by
``--cold-budget``. The target is the C loop (nanoBragg's polin3 structure, compiled here
with gcc; :mod:`perflab.bragg.bench_cloop`) on the same inputs, measured in the same run.
Absorption: ``--sizes`` detector edges with ``--layers`` sensor layers on the per-layer path
(layer positions, a parallax per layer, capture fractions, ``absorb``). A parity section
measures every backend and the C loop against the scalar reference. GPU rows are recorded as
not measured, with the reason, when CUDA is absent (the GPU check is
``python -m perflab.bragg.gpu_check``). Writes ``results.json``, ``report.md``, ``env.json``
and PNG charts to ``--out`` (default the git-ignored ``build/tricubic_baseline``;
``--publish``: the committed ``reports/tricubic_baseline``).
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
from perflab.harness import SampleStats, env_snapshot, measure
from perflab.harness.progress import add_output_flags, emit_result, reporter_from_args

SCHEMA = "perflab.bragg.bench/2"
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


PUBLISHED_DIR = "reports/tricubic_baseline"  # written only with --publish
SCRATCH_DIR = "build/tricubic_baseline"  # git-ignored: everyday runs


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


def _inputs(grid: int, n: int, seed: int):
    """The benchmark's F grid and queries (float64 numpy), the same for every backend."""
    rng = np.random.default_rng([seed, grid, n])
    hmin = -(grid // 2)
    F = rng.uniform(10.0, 1000.0, (grid,) * 3)
    q = np.stack([rng.uniform(hmin + 1.0, hmin + grid - 2.0, n) for _ in "hkl"])
    return F, hmin, q


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


def _rate_row(base: dict[str, Any], m, n: int) -> dict[str, Any]:
    s = m.warm_stats
    return {**base, "cold_in_process_s": m.cold, "warm_s": m.warm, "warm": s.to_dict(),
            "points_per_s": n / s.median}  # fmt: skip


def _unfinished_cold(cold: list[dict[str, Any]], dtype_name: str):
    """Backends whose fresh-process cold start ran past its budget for this dtype: their warm
    rows would spend the same unbounded compilation again, so they are skipped."""
    return {c["backend"]: c["reason"] for c in cold
            if c["dtype"] == dtype_name and not c.get("finished")}  # fmt: skip


def bench_tricubic(cfg: BenchConfig, device: torch.device, progress: Callable[[str], None],
                   cold: list[dict[str, Any]] | None = None):  # fmt: skip
    """Warm rows, one per (dtype, threads, grid, points, backend)."""
    from perflab.bragg import tricubic_interpolate

    rows, skipped = [], []
    for dtype_name in cfg.dtypes:
        dtype = DTYPES[dtype_name]
        backends, skip = _backends_to_run(cfg, device, dtype)
        skipped += skip
        for backend, reason in _unfinished_cold(cold or [], dtype_name).items():
            if backend in backends and device.type == "cpu":
                backends.remove(backend)
                skipped.append({"what": f"tricubic {backend} {dtype_name} warm rows on {device}",
                                "reason": f"its cold start {reason}"})  # fmt: skip
        for threads in cfg.threads:
            torch.set_num_threads(threads)
            for grid in cfg.grids:
                for n in cfg.points:
                    F, hmin, q = _inputs(grid, n, cfg.seed)
                    Ft = torch.from_numpy(F).to(device, dtype)
                    h, k, l = torch.from_numpy(q).to(device, dtype)
                    for backend in backends:
                        if backend in SINGLE_THREADED and threads != min(cfg.threads):
                            continue
                        progress(f"tricubic {backend} {dtype_name} {threads} thr, grid "
                                 f"{grid}^3, {n:,} points on {device}")  # fmt: skip

                        def call(backend=backend, h=h, k=k, l=l, Ft=Ft, hmin=hmin):
                            out = tricubic_interpolate(
                                Ft, (hmin,) * 3, h, k, l, backend=backend, return_mask=True
                            )
                            _sync(device)
                            return out

                        m = measure(call, repeats=cfg.repeats, warmup=1)
                        base = {"kernel": "tricubic", "backend": backend, "device": str(device),
                                "dtype": dtype_name, "grid": grid, "points": n,
                                "threads": 1 if backend in SINGLE_THREADED else threads,
                                "in_range_fraction": float(m.result[1].float().mean())}  # fmt: skip
                        rows.append(_rate_row(base, m, n))
                        del m
    return rows, skipped


def quick_tricubic_rows(dtype: str = "float64", points: int = 20_000, grid: int = 21):
    """One small warm tricubic measurement now, in this process (eager torch on the CPU,
    one thread, 3 repeats): the dashboard's "run a quick measurement" button. Writes nothing
    (warp and compile are left out: they write kernel caches); rows are those of
    :func:`bench_tricubic` with the backend named ``"torch (now)"``. torch's thread count is
    restored afterwards."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    cfg = BenchConfig(
        points=[points],
        grids=[grid],
        backends=["torch"],
        dtypes=[dtype],
        threads=[1],
        repeats=3,
        cold=False,
        cloop=False,
        fresh_caches=False,
    )
    before = torch.get_num_threads()
    try:
        rows, _ = bench_tricubic(cfg, torch.device("cpu"), lambda _msg: None)
    finally:
        torch.set_num_threads(before)
    return [{**r, "backend": "torch (now)"} for r in rows]


def bench_cloop(cfg: BenchConfig, progress: Callable[[str], None]):
    """The C loop (gcc, one thread, float64) on the same inputs: rows, build info, skips."""
    from perflab.bragg import bench_cloop

    try:
        build = bench_cloop.build()
    except bench_cloop.CLoopUnavailable as exc:
        return [], None, [{"what": "C baseline loop", "reason": str(exc)}]
    rows = []
    for grid in cfg.grids:
        for n in cfg.points:
            progress(f"C loop, grid {grid}^3, {n:,} points")
            F, hmin, q = _inputs(grid, n, cfg.seed)
            seconds, values = bench_cloop.run(build, F, (hmin,) * 3, *q, repeats=cfg.repeats + 1)
            s = SampleStats.from_samples(seconds[1:])
            rows.append({"kernel": "tricubic", "backend": "c_loop", "device": "cpu",
                         "dtype": "float64", "grid": grid, "points": n, "threads": 1,
                         "cold_in_process_s": seconds[0], "warm_s": seconds[1:],
                         "warm": s.to_dict(), "points_per_s": n / s.median})  # fmt: skip
    shown = ["gcc", *bench_cloop.CFLAGS, "-o", "TMP/polin3_loop",
             "src/perflab/bragg/cloop/polin3_loop.c", "-lm"]  # fmt: skip
    info = {"command": " ".join(shown), "compiler": build.compiler,
            "source": "src/perflab/bragg/cloop/polin3_loop.c"}  # fmt: skip
    return rows, info, []


def bench_cold_starts(cfg: BenchConfig, cache_root: str | None, progress):
    """Fresh-process cold rows, one per (backend, dtype) on CPU at the target's size."""
    from perflab.bragg.bench_cold import cold_start

    rows = []
    for dtype_name in cfg.dtypes:
        backends, _ = _backends_to_run(cfg, torch.device("cpu"), DTYPES[dtype_name])
        for backend in backends:
            progress(f"cold start of {backend} ({dtype_name}) in a fresh process")
            cache = None
            if cache_root is not None:
                cache = os.path.join(cache_root, f"cold-{backend}-{dtype_name}")
            rows.append(cold_start(
                backend, dtype_name, grid=min(cfg.grids), points=min(cfg.points),
                threads=min(cfg.threads), budget_s=cfg.cold_budget_s, cache_dir=cache,
                seed=cfg.seed,
            ))  # fmt: skip
    return rows


def _detector(size: int, device, dtype):
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


def absorption_call(pos, odet, images, steps: int, device):
    """The per-layer path: layer positions, a parallax per layer, capture fractions (the
    per-layer default), absorb (sum)."""
    from perflab.bragg import absorb, capture_fractions, layer_positions, parallax

    sensor = {"thickness": 320e-6, "steps": steps,
              "step_rule": "nanobragg" if steps > 1 else "uniform"}  # fmt: skip

    def call():
        rho = parallax(layer_positions(pos, odet, **sensor), odet)
        out = absorb(images, capture_fractions(rho, attenuation_length=234e-6, **sensor))
        _sync(device)
        return out

    return call


def bench_absorption(cfg: BenchConfig, device: torch.device, progress: Callable[[str], None]):
    """Warm rows of the per-layer absorption path, one per (dtype, threads, size, layers)."""
    rows = []
    for dtype_name in cfg.dtypes:
        dtype = DTYPES[dtype_name]
        gen = torch.Generator(device=device).manual_seed(cfg.seed)
        for threads in cfg.threads:
            torch.set_num_threads(threads)
            for size in cfg.sizes:
                pos, odet = _detector(size, device, dtype)
                for steps in cfg.layers:
                    progress(f"absorption {dtype_name} {threads} thr {size}x{size}, "
                             f"{steps} layers on {device}")  # fmt: skip
                    images = torch.rand((steps, size, size), generator=gen, dtype=dtype,
                                        device=device)  # fmt: skip
                    m = measure(absorption_call(pos, odet, images, steps, device),
                                repeats=cfg.repeats, warmup=1)  # fmt: skip
                    s = m.warm_stats
                    rows.append({"kernel": "absorption", "device": str(device),
                                 "dtype": dtype_name, "threads": threads, "size": size,
                                 "pixels": size * size, "layers": steps, "path": "per_layer",
                                 "cold_in_process_s": m.cold, "warm_s": m.warm,
                                 "warm": s.to_dict(), "pixels_per_s": size * size / s.median,
                                 "pixel_layers_per_s": size * size * steps / s.median})  # fmt: skip
                    del m, images
    return rows


def _parity_inputs(cfg: BenchConfig):
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


def _parity_row(backend, device, dtype_name, mode, v, mask, ref, ref_mask, tol):
    err = float(np.max(np.abs(v - ref) / np.abs(ref)))
    mism = int((mask != ref_mask).sum()) if mask is not None else None
    return {"backend": backend, "device": str(device), "dtype": dtype_name, "mode": mode,
            "points": len(ref), "in_range_fraction": float(ref_mask.mean()),
            "mask_mismatches": mism, "max_rel_error": err, "tolerance": tol,
            "passed": bool(err <= tol and not mism)}  # fmt: skip


def bench_parity(cfg: BenchConfig, device: torch.device, progress: Callable[[str], None]):
    """Max relative error of each backend (and the C loop) against the scalar reference."""
    from perflab.bragg import bench_cloop, tricubic_interpolate, tricubic_reference

    F, mins, q = _parity_inputs(cfg)
    rows = []
    for dtype_name, tol in (("float64", 1e-12), ("float32", 1e-5)):
        dtype = DTYPES[dtype_name]
        Fd = torch.from_numpy(F).to(device, dtype)
        qd = torch.from_numpy(q).to(device, dtype)
        q_ref = qd.double().cpu().numpy()  # the points as the backend sees them
        for mode in ("nearest", "default"):
            progress(f"parity {dtype_name} {mode} ({len(q[0]):,} points, scalar reference)")
            ref, ref_mask = tricubic_reference(
                Fd.double().cpu().numpy(), mins, *q_ref, default_F=1.5, out_of_range=mode
            )
            for backend in _backends_to_run(cfg, device, dtype)[0]:
                v, mask = tricubic_interpolate(
                    Fd, mins, *qd, default_F=1.5, out_of_range=mode, return_mask=True,
                    backend=backend,
                )  # fmt: skip
                rows.append(_parity_row(backend, device, dtype_name, mode,
                                        v.double().cpu().numpy(), mask.cpu().numpy(), ref,
                                        ref_mask, tol))  # fmt: skip
            if cfg.cloop and dtype_name == "float64" and mode == "nearest":
                try:
                    _, v = bench_cloop.run(bench_cloop.build(), F, mins, *q, repeats=1,
                                           default_F=1.5)  # fmt: skip
                except bench_cloop.CLoopUnavailable:
                    continue
                rows.append(_parity_row("c_loop", "cpu", dtype_name, mode, v, None, ref,
                                        ref_mask, tol))  # fmt: skip
    return rows


def _target(rows: list[dict[str, Any]], cloop_reason: str | None) -> dict[str, Any]:
    """The acceptance figures: warm float64 throughput at 1e6 points on 41^3, one thread, for
    every backend, against the C loop measured in the same run (the target's source)."""
    from perflab.bragg import resolve_backend

    out: dict[str, Any] = dict(TARGET)
    auto = resolve_backend("auto", torch.device("cpu"), torch.float64)
    out["auto_backend_on_cpu"] = auto
    match = {
        r["backend"]: r["points_per_s"]
        for r in rows
        if r["device"] == "cpu" and all(r[key] == TARGET[key] for key in TARGET)
    }
    c = match.pop("c_loop", None)
    out["source"] = (
        "the C loop (nanoBragg's polin3 structure, gcc -O, one thread) on the same inputs, "
        "measured in this run" if c is not None else f"not measured: {cloop_reason}"
    )  # fmt: skip
    out["points_per_s"] = c
    out["measured"] = match
    out["ratio_to_c_loop"] = {b: v / c for b, v in match.items()} if c else {}
    out["met_by"] = {b: v >= c for b, v in match.items()} if c else {}
    out["measured_in_this_run"] = bool(match) and c is not None
    return out


def _gpu_section(cfg: BenchConfig, results: dict[str, Any]) -> dict[str, Any]:
    """GPU rows: measured ones, or every CUDA path recorded as not measured with the reason."""
    reason = _gpu_unavailable_reason()
    measured = any(r["device"].startswith("cuda") for r in results["tricubic"])
    if reason is None and "cuda" not in cfg.devices:
        reason = "not requested (pass --device cuda, or run python -m perflab.bragg.gpu_check)"
    paths = ["tricubic warp (CUDA)", "tricubic torch (CUDA)", "tricubic compile (CUDA)",
             "absorption per-layer path (torch, CUDA)"]  # fmt: skip
    rows = [] if measured else [{"what": p, "measured": False, "reason": reason} for p in paths]
    return {"measured": measured, "reason_not_measured": None if measured else reason,
            "rows": rows}  # fmt: skip


def _sections(cfg: BenchConfig, results: dict[str, Any], progress) -> None:
    for name in cfg.devices:
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            reason = _gpu_unavailable_reason()
            results["skipped"].append({"what": f"all sections on {name}", "reason": reason})
            continue
        rows, skipped = bench_tricubic(cfg, device, progress, results["cold"])
        results["tricubic"] += rows
        results["skipped"] += skipped
        results["absorption"] += bench_absorption(cfg, device, progress)
        if cfg.parity_points > 0:
            results["parity"] += bench_parity(cfg, device, progress)
    if cfg.cloop:
        rows, info, skipped = bench_cloop(cfg, progress)
        results["tricubic"] += rows
        results["cloop"] = info
        results["skipped"] += skipped


def planned_steps(cfg: BenchConfig) -> int:
    """How many times :func:`run_bench` calls ``progress`` (once per case, as it starts) when
    nothing is skipped at run time (a cold start past its budget, no C compiler): the total of
    a progress bar."""
    cpu = torch.device("cpu")
    n = sum(len(_backends_to_run(cfg, cpu, DTYPES[d])[0]) for d in cfg.dtypes) if cfg.cold else 0
    for name in cfg.devices:
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            continue
        for d in cfg.dtypes:
            backends = _backends_to_run(cfg, device, DTYPES[d])[0]
            for threads in cfg.threads:
                runs = [b for b in backends
                        if not (b in SINGLE_THREADED and threads != min(cfg.threads))]  # fmt: skip
                n += len(runs) * len(cfg.grids) * len(cfg.points)
        n += len(cfg.dtypes) * len(cfg.threads) * len(cfg.sizes) * len(cfg.layers)
        n += 4 if cfg.parity_points > 0 else 0  # (float64, float32) x (nearest, default)
    return n + (len(cfg.grids) * len(cfg.points) if cfg.cloop else 0)


def run_bench(cfg: BenchConfig, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every section of the benchmark and return the results dictionary."""
    progress = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    threads_before = torch.get_num_threads()
    start = time.time()
    load_before = os.getloadavg()
    cache_dir = _use_fresh_caches() if cfg.fresh_caches else None
    results: dict[str, Any] = {
        "schema": SCHEMA, "command": cfg.command, "config": asdict(cfg), "cache_dir": cache_dir,
        "cold": [], "tricubic": [], "absorption": [], "parity": [], "skipped": [],
        "warnings": [], "cloop": None,
    }  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if cfg.cold:
            results["cold"] = bench_cold_starts(cfg, cache_dir, progress)
        try:
            _sections(cfg, results, progress)
        finally:
            torch.set_num_threads(threads_before)
    results["warnings"] += sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    load_after = os.getloadavg()
    results["load_average"] = {"before": list(load_before), "after": list(load_after)}
    ncpu = os.cpu_count() or 1
    if max(load_before[0], load_after[0]) > ncpu:
        results["warnings"].append(
            f"machine busy: 1-minute load average {load_before[0]:.1f} before and "
            f"{load_after[0]:.1f} after on {ncpu} CPUs; timings include contention"
        )
    results["gpu"] = _gpu_section(cfg, results)
    cloop_reason = next((s["reason"] for s in results["skipped"] if "C baseline" in s["what"]),
                        "the C loop was not requested (--no-cloop)")  # fmt: skip
    results["target"] = _target(results["tricubic"], cloop_reason)
    results["wall_s"] = time.time() - start
    results["env"] = env_snapshot()
    return results


def _positive(p: argparse.ArgumentParser, a: argparse.Namespace) -> None:
    for name in ("sizes", "points", "grids", "layers", "threads"):
        if any(v < 1 for v in getattr(a, name)):
            p.error(f"--{name} values must be positive")
    if any(g < 5 for g in a.grids):
        p.error("--grids must be >= 5 (smaller grids have no interpolation range)")
    if a.repeats < 1:
        p.error("--repeats must be >= 1")
    if a.cold_budget <= 0:
        p.error("--cold-budget must be > 0 seconds")


def parse_args(argv: list[str] | None = None, *, with_flags: bool = False):
    """The :class:`BenchConfig` of the command line (and, ``with_flags``, the parsed output
    flags: ``--quiet``, ``--json``, ``--progress-every``)."""
    cfg, a = _parse_args(argv)
    return (cfg, a) if with_flags else cfg


def _parse_args(argv: list[str] | None) -> tuple[BenchConfig, argparse.Namespace]:
    p = argparse.ArgumentParser(
        prog="python -m perflab.bragg.bench", description=__doc__.split("\n")[0]
    )
    p.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048],
                   help="detector edges (pixels)")  # fmt: skip
    p.add_argument("--points", type=float, nargs="+", default=[1e5, 1e6], help="queries")
    p.add_argument("--grids", type=int, nargs="+", default=[41, 201], help="F grid edges")
    p.add_argument("--layers", type=int, nargs="+", default=[1, 3, 5, 10], help="sensor layers")
    p.add_argument("--backends", nargs="+", choices=BACKENDS, default=["warp", "torch", "compile"])
    p.add_argument("--device", nargs="+", default=["cpu"], help="cpu and/or cuda")
    p.add_argument("--dtypes", nargs="+", choices=sorted(DTYPES), default=["float32", "float64"])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch threads")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--parity-points", type=int, default=100_000)
    p.add_argument("--cold-budget", type=float, default=240.0,
                   help="seconds a fresh-process cold start may take")  # fmt: skip
    p.add_argument("--no-cold", action="store_true", help="skip the fresh-process cold starts")
    p.add_argument("--no-cloop", action="store_true", help="skip the C baseline loop")
    p.add_argument("--reuse-caches", action="store_true", help="keep warm Warp/Inductor caches")
    p.add_argument("--out", default=None, help="report folder (default build/tricubic_baseline)")
    p.add_argument(
        "--publish", action="store_true", help="write the committed reports/tricubic_baseline"
    )
    p.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    add_output_flags(p)
    a = p.parse_args(argv)
    if a.publish and (a.out or a.smoke):
        p.error("--publish writes the committed reports/tricubic_baseline: no --out, no --smoke")
    a.out = PUBLISHED_DIR if a.publish else (a.out or SCRATCH_DIR)
    command = "python -m perflab.bragg.bench " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    if a.smoke:
        cfg = smoke_config(a.out)
        cfg.command = command
        return cfg, a
    _positive(p, a)
    return BenchConfig(
        sizes=a.sizes, points=[int(v) for v in a.points], grids=a.grids, layers=a.layers,
        backends=a.backends, devices=a.device, dtypes=a.dtypes, threads=a.threads,
        repeats=a.repeats, parity_points=a.parity_points, fresh_caches=not a.reuse_caches,
        cold=not a.no_cold, cold_budget_s=a.cold_budget, cloop=not a.no_cloop, out=a.out,
        command=command,
    ), a  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark with its progress on stderr (cases done/total, the case running),
    write the report, then a short summary on stdout (``--json``: the results on stdout)."""
    from perflab.bragg.bench_report import write_bench_report

    cfg, args = parse_args(argv, with_flags=True)
    reporter = reporter_from_args(args, "bragg bench", planned_steps(cfg), unit="cases")
    started = [0]

    def progress(msg: str) -> None:  # called as a case starts: the one before it is done
        reporter.update(started[0], now=msg)
        started[0] += 1

    try:
        results = run_bench(cfg, progress)
        reporter.update(started[0], now=f"writing the report to {cfg.out}")
        paths = write_bench_report(results, Path(cfg.out))
    finally:
        reporter.close()
    emit_result(args, summary(cfg, results, paths, started[0]), results)
    return 0 if all(r["passed"] for r in results["parity"]) else 1


def summary(cfg: BenchConfig, results: dict[str, Any], paths: list[Path], cases: int) -> str:
    """A few lines for a person: what was measured, where, how long, what failed or was
    skipped, how to rerun."""
    parity = results["parity"]
    failed = [p for p in parity if not p["passed"]]
    target = results["target"]
    lines = [
        f"bragg bench: {cases} cases in {results['wall_s']:.1f} s "
        f"({len(results['tricubic'])} tricubic rows, {len(results['absorption'])} absorption "
        f"rows, {len(results['cold'])} cold starts)",
        f"  report    {paths[0]} (+ {len(paths) - 1} files in {cfg.out})",
        f"  parity    {len(parity) - len(failed)}/{len(parity)} passed"
        + "".join(f"; FAILED {p['backend']} {p['dtype']} {p['mode']}" for p in failed),
    ]
    if target.get("measured_in_this_run"):
        ratios = ", ".join(f"{b} {r:.2f}x" for b, r in target["ratio_to_c_loop"].items())
        lines.append(f"  target    warm throughput against the C loop: {ratios}")
    for sk in results["skipped"][:3]:
        lines.append(f"  skipped   {sk['what']}: {sk['reason']}")
    if len(results["skipped"]) > 3:
        lines.append(f"  skipped   ... {len(results['skipped']) - 3} more (report)")
    if results["warnings"]:
        lines.append(f"  warnings  {len(results['warnings'])} (report): {results['warnings'][0]}")
    lines.append(f"  rerun     {cfg.command}")
    return "\n".join(lines)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
