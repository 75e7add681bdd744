"""One benchmark run end to end: cases -> raw JSON lines -> combined CSV, figures, report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from perflab.harness import RunLog, env_snapshot, write_report
from perflab.soap.bench.cases import (
    NUMPY,
    TORCH32,
    TORCH64,
    Case,
    golden,
    preset_cases,
    sweep_cases,
)
from perflab.soap.bench.profiling import profile_backend
from perflab.soap.bench.report import (
    metrics_frame,
    report_markdown,
    save_figures,
    write_metrics_csv,
)
from perflab.soap.bench.runner import build_system, run_cases


@dataclass
class BenchmarkResult:
    run_id: str
    rows: list[dict[str, Any]]
    metrics: pl.DataFrame
    raw_paths: list[Path]
    csv_path: Path
    report_path: Path
    figures: dict[str, Path]
    profiles: dict[str, dict[str, Any]]


def plan_cases(
    preset: str, sweeps: list[str], smoke: bool, *, threads: int | None = None
) -> dict[str, list[Case]]:
    """Cases grouped by part ("main" and each sweep); ``threads``: see :func:`preset_cases`."""
    parts = {"main": preset_cases(preset, threads=threads)}
    for s in sweeps:
        parts[s] = sweep_cases(s, smoke=smoke)
    return parts


def run_benchmark(
    *,
    preset: str,
    sweeps: list[str],
    smoke: bool,
    out_dir: Path,
    raw_dir: Path,
    commands: list[str],
    golden_dir: str | None = None,
    progress: Callable[[list[list[Case]]], Iterable[list[Case]]] | None = None,
    threads: int | None = None,
) -> BenchmarkResult:
    run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"_{preset}"
    if smoke:
        run_id += "_smoke"
    env = env_snapshot()
    parts = plan_cases(preset, sweeps, smoke, threads=threads)
    rows: list[dict[str, Any]] = []
    raw_paths = []
    for part, cases in parts.items():
        path = raw_dir / f"{run_id}_{part}.jsonl"
        with RunLog(path) as log:
            rows += run_cases(cases, log, run_id=run_id, golden_dir=golden_dir, progress=progress)
        raw_paths.append(path)
    profile_system = golden("golden_small_1sp" if smoke else "golden_bench_2sp")
    frames = build_system(profile_system, golden_dir)
    profiles = {}
    for b in (NUMPY, TORCH64, TORCH32):
        total, prof_rows = profile_backend(b, frames)
        profiles[b.label] = {"system": profile_system.name, "total_s": total, "rows": prof_rows}
    df = metrics_frame(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = write_metrics_csv(df, out_dir / "combined_metrics.csv")
    figures = save_figures(df, out_dir)
    md, data = report_markdown(
        df,
        env=env,
        commands=commands,
        profiles=profiles,
        figures=figures,
        preset=preset,
        sweeps=sweeps,
        smoke=smoke,
    )
    data["raw_files"] = [str(p) for p in raw_paths]
    report_path, _ = write_report(out_dir / "report.md", md, data)
    return BenchmarkResult(run_id, rows, df, raw_paths, csv_path, report_path, figures, profiles)
