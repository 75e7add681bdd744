"""The measurements of the tricubic/absorption baseline, one function per section.

Warm tricubic rows (:func:`bench_tricubic`), the C loop's rows (:func:`bench_cloop`),
fresh-process cold starts (:func:`bench_cold_starts`), the per-layer absorption path
(:func:`bench_absorption`), parity with the scalar reference (:func:`bench_parity`) and the
acceptance comparison in paired rounds (:func:`bench_target_pairs`). Each returns plain
rows (dicts) that :mod:`perflab.bragg.bench.report` renders.
"""

from __future__ import annotations

import functools
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from perflab.bragg.bench import cases
from perflab.bragg.bench.cases import (
    DTYPES,
    SINGLE_THREADED,
    BenchConfig,
    backends_to_run,
    detector,
    inputs,
    parity_inputs,
)
from perflab.harness import SampleStats, measure

__all__ = [
    "absorption_call",
    "bench_absorption",
    "bench_cloop",
    "bench_cold_starts",
    "bench_parity",
    "bench_target_pairs",
    "bench_tricubic",
    "gpu_unavailable_reason",
    "quick_tricubic_rows",
    "sync",
    "use_fresh_caches",
]


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def gpu_unavailable_reason() -> str | None:
    if torch.cuda.is_available():
        return None
    build = torch.version.cuda
    return "torch.cuda.is_available() is False" + (
        f" (torch {torch.__version__} is a CPU-only build)" if build is None else ""
    )


def use_fresh_caches() -> str:
    """Point Warp's kernel cache and Inductor's cache at an empty folder (honest cold runs)."""
    root = tempfile.mkdtemp(prefix="perflab-bragg-cold-")
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(root, "inductor")
    from perflab.bragg import tricubic_warp

    wp = tricubic_warp.warp_module(init=False)
    wp.config.kernel_cache_dir = os.path.join(root, "warp")
    return root


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
        backends, skip = backends_to_run(cfg, device, dtype)
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
                    F, hmin, q = inputs(grid, n, cfg.seed)
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
                            sync(device)
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
    from perflab.bragg.bench import cloop as bench_cloop

    try:
        build = bench_cloop.build()
    except bench_cloop.CLoopUnavailable as exc:
        return [], None, [{"what": "C baseline loop", "reason": str(exc)}]
    rows = []
    for grid in cfg.grids:
        for n in cfg.points:
            progress(f"C loop, grid {grid}^3, {n:,} points")
            F, hmin, q = inputs(grid, n, cfg.seed)
            seconds, values = bench_cloop.run(build, F, (hmin,) * 3, *q, repeats=cfg.repeats + 1)
            s = SampleStats.from_samples(seconds[1:])
            rows.append({"kernel": "tricubic", "backend": "c_loop", "device": "cpu",
                         "dtype": "float64", "grid": grid, "points": n, "threads": 1,
                         "cold_in_process_s": seconds[0], "warm_s": seconds[1:],
                         "warm": s.to_dict(), "points_per_s": n / s.median})  # fmt: skip
    shown = ["gcc", *bench_cloop.CFLAGS, "-o", "TMP/polin3_loop",
             "src/perflab/bragg/bench/csrc/polin3_loop.c", "-lm"]  # fmt: skip
    info = {"command": " ".join(shown), "compiler": build.compiler,
            "source": "src/perflab/bragg/bench/csrc/polin3_loop.c"}  # fmt: skip
    return rows, info, []


def bench_cold_starts(cfg: BenchConfig, cache_root: str | None, progress):
    """Fresh-process cold rows, one per (backend, dtype) on CPU at the target's size."""
    from perflab.bragg.bench.cold import cold_start

    rows = []
    for dtype_name in cfg.dtypes:
        backends, _ = backends_to_run(cfg, torch.device("cpu"), DTYPES[dtype_name])
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


def absorption_call(pos, odet, images, steps: int, device):
    """The per-layer path: layer positions, a parallax per layer, capture fractions (the
    per-layer default), absorb (sum)."""
    from perflab.bragg import absorb, capture_fractions, layer_positions, parallax

    sensor = {"thickness": 320e-6, "steps": steps,
              "step_rule": "nanobragg" if steps > 1 else "uniform"}  # fmt: skip

    def call():
        rho = parallax(layer_positions(pos, odet, **sensor), odet)
        out = absorb(images, capture_fractions(rho, attenuation_length=234e-6, **sensor))
        sync(device)
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
                pos, odet = detector(size, device, dtype)
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


def _parity_row(backend, device, dtype_name, mode, v, mask, ref, ref_mask, tol):
    err = float(np.max(np.abs(v - ref) / np.abs(ref)))
    mism = int((mask != ref_mask).sum()) if mask is not None else None
    return {"backend": backend, "device": str(device), "dtype": dtype_name, "mode": mode,
            "points": len(ref), "in_range_fraction": float(ref_mask.mean()),
            "mask_mismatches": mism, "max_rel_error": err, "tolerance": tol,
            "passed": bool(err <= tol and not mism)}  # fmt: skip


def bench_parity(cfg: BenchConfig, device: torch.device, progress: Callable[[str], None]):
    """Max relative error of each backend (and the C loop) against the scalar reference."""
    from perflab.bragg import tricubic_interpolate, tricubic_reference
    from perflab.bragg.bench import cloop as bench_cloop

    F, mins, q = parity_inputs(cfg)
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
            for backend in backends_to_run(cfg, device, dtype)[0]:
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


def bench_target_pairs(cfg: BenchConfig, backends: list[str], progress: Callable[[str], None]):
    """The acceptance comparison in paired rounds, at the target's size (:data:`cases.TARGET`).

    Each of ``cfg.repeats`` rounds times one pass of the C loop over the points (its second
    pass in the C program: the first one also faults in the output pages), then one call of
    each backend, back to back, after one untimed warm-up call per backend. A round's ratio is
    the C loop's seconds over the backend's. The load of a shared machine changes between the
    sections of a run (the C loop's own rows come last); within a round both sides see the
    same load, so the median of the per-round ratios is what the target is judged by.
    Returns the seconds of every round and the ratios (raises
    :class:`~perflab.bragg.bench.cloop.CLoopUnavailable` without gcc).
    """
    from perflab.bragg import tricubic_interpolate
    from perflab.bragg.bench import cloop as bench_cloop

    t = cases.TARGET
    progress(f"target: C loop and {', '.join(backends)}, {cfg.repeats} alternating rounds")
    build = bench_cloop.build()
    F, hmin, q = inputs(t["grid"], t["points"], cfg.seed)
    Ft = torch.from_numpy(F).to(DTYPES[t["dtype"]])
    h, k, l = torch.from_numpy(q).to(DTYPES[t["dtype"]])
    calls = {b: functools.partial(tricubic_interpolate, Ft, (hmin,) * 3, h, k, l, backend=b,
                                  return_mask=True) for b in backends}  # fmt: skip
    before = torch.get_num_threads()
    torch.set_num_threads(t["threads"])
    c_s: list[float] = []
    b_s: dict[str, list[float]] = {b: [] for b in backends}
    try:
        for call in calls.values():
            call()
        for _ in range(cfg.repeats):
            c_s.append(bench_cloop.run(build, F, (hmin,) * 3, *q, repeats=2)[0][-1])
            for b, call in calls.items():
                start = time.perf_counter()
                call()
                b_s[b].append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(before)
    ratios = {b: [c / x for c, x in zip(c_s, s, strict=True)] for b, s in b_s.items()}
    medians = {b: float(np.median(r)) for b, r in ratios.items()}
    return {"points": t["points"], "rounds": cfg.repeats, "c_loop_s": c_s, "backend_s": b_s,
            "ratios": ratios, "ratio_median": medians}  # fmt: skip
