"""The tricubic/absorption baseline end to end: configuration from the command line, every
section run in order, the acceptance target derived from the measured rows.

:func:`run_bench` is what ``python -m perflab.bragg.bench`` and ``notebooks/tricubic_baseline.py``
call; :func:`planned_steps` is the exact number of progress events it emits (a bar's total).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
import torch

from perflab.bragg.bench import cases
from perflab.bragg.bench.cases import (
    DTYPES,
    SCHEMA,
    SINGLE_THREADED,
    BenchConfig,
    backends_to_run,
    smoke_config,
)
from perflab.bragg.bench.runner import (
    bench_absorption,
    bench_cloop,
    bench_cold_starts,
    bench_parity,
    bench_target_pairs,
    bench_tricubic,
    gpu_unavailable_reason,
    use_fresh_caches,
)
from perflab.bragg.tricubic import BACKENDS
from perflab.harness import env_snapshot
from perflab.harness.progress import add_output_flags

__all__ = ["parse_args", "planned_steps", "run_bench"]


def _target(results: dict[str, Any], cloop_reason: str | None) -> dict[str, Any]:
    """The acceptance figures: warm float64 throughput at 1e6 points on 41^3, one thread, for
    every backend, against the C loop measured in the same run (the target's source): from
    the paired rounds when they ran (:func:`~perflab.bragg.bench.runner.bench_target_pairs`;
    the ratio is the median of the per-round ratios), else from the rows of each section."""
    from perflab.bragg import resolve_backend

    target = cases.TARGET
    out: dict[str, Any] = dict(target)
    out["auto_backend_on_cpu"] = resolve_backend("auto", torch.device("cpu"), torch.float64)
    pairs = results.get("target_pairs")
    if pairs:
        n = pairs["points"]
        c = n / float(np.median(pairs["c_loop_s"]))
        match = {b: n / float(np.median(s)) for b, s in pairs["backend_s"].items()}
        ratio = dict(pairs["ratio_median"])
        how = f", in {pairs['rounds']} rounds alternating with each backend (median ratio)"
    else:
        match = {
            r["backend"]: r["points_per_s"]
            for r in results["tricubic"]
            if r["device"] == "cpu" and all(r[key] == target[key] for key in target)
        }
        c = match.pop("c_loop", None)
        ratio = {b: v / c for b, v in match.items()} if c else {}
        how = ", each in its own section"
    out["method"] = "paired rounds" if pairs else "section rows"
    out["source"] = (
        "the C loop (nanoBragg's polin3 structure, gcc -O, one thread) on the same inputs, "
        f"measured in this run{how}" if c is not None else f"not measured: {cloop_reason}"
    )  # fmt: skip
    out["points_per_s"] = c
    out["measured"] = match
    out["ratio_to_c_loop"] = ratio
    out["met_by"] = {b: r >= 1 for b, r in ratio.items()}
    out["measured_in_this_run"] = bool(match) and c is not None
    return out


def _gpu_section(cfg: BenchConfig, results: dict[str, Any]) -> dict[str, Any]:
    """GPU rows: measured ones, or every CUDA path recorded as not measured with the reason."""
    reason = gpu_unavailable_reason()
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
            reason = gpu_unavailable_reason()
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
        if info is not None and cases.target_in_config(cfg):
            target = cases.TARGET
            backends = [r["backend"] for r in results["tricubic"] if r["device"] == "cpu"
                        and r["backend"] != "c_loop"
                        and all(r[key] == target[key] for key in target)]  # fmt: skip
            results["target_pairs"] = bench_target_pairs(cfg, backends, progress)


def planned_steps(cfg: BenchConfig) -> int:
    """How many times :func:`run_bench` calls ``progress`` (once per case, as it starts) when
    nothing is skipped at run time (a cold start past its budget, no C compiler): the total of
    a progress bar."""
    cpu = torch.device("cpu")
    n = sum(len(backends_to_run(cfg, cpu, DTYPES[d])[0]) for d in cfg.dtypes) if cfg.cold else 0
    for name in cfg.devices:
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            continue
        for d in cfg.dtypes:
            backends = backends_to_run(cfg, device, DTYPES[d])[0]
            for threads in cfg.threads:
                runs = [b for b in backends
                        if not (b in SINGLE_THREADED and threads != min(cfg.threads))]  # fmt: skip
                n += len(runs) * len(cfg.grids) * len(cfg.points)
        n += len(cfg.dtypes) * len(cfg.threads) * len(cfg.sizes) * len(cfg.layers)
        n += 4 if cfg.parity_points > 0 else 0  # (float64, float32) x (nearest, default)
    if cfg.cloop:
        n += len(cfg.grids) * len(cfg.points) + (1 if cases.target_in_config(cfg) else 0)
    return n


def run_bench(cfg: BenchConfig, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every section of the benchmark and return the results dictionary."""
    progress = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    threads_before = torch.get_num_threads()
    start = time.time()
    load_before = os.getloadavg()
    cache_dir = use_fresh_caches() if cfg.fresh_caches else None
    results: dict[str, Any] = {
        "schema": SCHEMA, "command": cfg.command, "config": asdict(cfg), "cache_dir": cache_dir,
        "cold": [], "tricubic": [], "absorption": [], "parity": [], "skipped": [],
        "warnings": [], "cloop": None, "target_pairs": None,
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
    results["target"] = _target(results, cloop_reason)
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


PUBLISHED_DIR = "reports/tricubic_baseline"  # written only with --publish
SCRATCH_DIR = "build/tricubic_baseline"  # git-ignored: everyday runs


def parse_args(argv: list[str] | None = None, *, with_flags: bool = False):
    """The :class:`BenchConfig` of the command line (and, ``with_flags``, the parsed output
    flags: ``--quiet``, ``--json``, ``--progress-every``)."""
    cfg, a = _parse_args(argv)
    return (cfg, a) if with_flags else cfg


def _parse_args(argv: list[str] | None) -> tuple[BenchConfig, argparse.Namespace]:
    p = argparse.ArgumentParser(
        prog="python -m perflab.bragg.bench",
        description="Cold/warm baselines for tricubic interpolation and detector absorption.",
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
