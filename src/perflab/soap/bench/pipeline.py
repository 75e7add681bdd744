"""One benchmark run end to end: cases -> raw JSON lines -> CSVs, profiles, figures, report.

Files in the output directory (the seed's file map):

- ``timings_<run_id>.csv``: one row per timed warm call (wall and CPU seconds);
- ``summary_<run_id>.csv``: one row per case (medians, IQR, per-pair and per-N^2 times);
- ``combined_from_metrics.csv``: every ``summary_*.csv`` in the directory, concatenated
  (all runs kept there), rewritten after each run;
- ``profiles/<system>_<backend>.prof`` and ``..._flame.png`` per profiled case;
- ``report.md`` / ``report.json`` and the figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from perflab.harness import RunLog, env_snapshot, write_report
from perflab.soap.bench.cases import (
    ACCEPT_SYSTEM,
    NUMPY,
    PRESETS,
    REFERENCE,
    SWEEPS,
    TORCH32,
    TORCH64,
    Case,
    golden,
    preset_cases,
    sweep_cases,
)
from perflab.soap.bench.profiling import profile_backend
from perflab.soap.bench.report import (
    combine_summaries,
    metrics_frame,
    report_markdown,
    save_figures,
    timings_frame,
    write_metrics_csv,
)
from perflab.soap.bench.runner import build_system, run_cases
from perflab.soap.reference import reference_status

__all__ = [
    "BenchOptions",
    "BenchmarkResult",
    "options_from_flags",
    "plan_cases",
    "run_benchmark",
    "run_profiles",
]


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


@dataclass(frozen=True)
class BenchOptions:
    """What a run's flags asked for (:func:`options_from_flags`)."""

    preset: str
    sweeps: list[str]
    smoke: bool
    threads: int | None
    out_dir: Path
    raw_dir: Path
    command: str


PUBLISHED_DIR = "reports/soap"


def options_from_flags(
    args: Mapping[str, Any], *, prog: str = "python notebooks/soap_benchmark.py --"
) -> BenchOptions:
    """Interpret the flags shared by the notebook (``mo.cli_args()``) and
    ``python -m perflab.soap.bench``: ``--preset``, ``--sweep``, ``--smoke``, ``--out``,
    ``--threads``, ``--publish`` (a flag without a value arrives as ``""``). Bad values raise
    :class:`ValueError` naming the flag. ``command`` is the run's command line under ``prog``.
    Where a run writes: ``--out DIR`` (raw rows in ``DIR/raw``); with ``--publish`` the
    committed ``reports/soap`` (raw rows in ``artefacts/benchmarks/soap``); otherwise the
    git-ignored ``build/soap`` (raw rows in ``build/soap/raw``).
    """
    smoke = "smoke" in args
    preset = "tiny" if smoke else (args.get("preset") or "cpu")
    if preset not in PRESETS:
        raise ValueError(f"--preset must be one of {PRESETS}, got {preset!r}")
    sweep_arg = str(args.get("sweep") or ("all" if smoke else ""))
    sweeps = list(SWEEPS) if sweep_arg == "all" else [s for s in sweep_arg.split(",") if s]
    bad = [s for s in sweeps if s not in SWEEPS]
    if bad:
        raise ValueError(f"--sweep must be among {SWEEPS} (comma separated) or 'all', got {bad}")
    threads = None
    if "threads" in args:
        value = args.get("threads")
        if not str(value).isdigit() or int(value) < 1:
            raise ValueError(f"--threads must be a positive integer, got {value!r}")
        threads = int(value)
    publish = "publish" in args and args["publish"] is not False
    if publish and args.get("out"):
        raise ValueError("--publish writes the committed reports/soap: give no --out")
    if publish and smoke:
        raise ValueError("--smoke runs are never published: drop --publish")
    if publish:
        out_dir, raw_dir = Path(PUBLISHED_DIR), Path("artefacts/benchmarks/soap")
    else:
        out_dir = Path(args.get("out") or "build/soap")
        raw_dir = out_dir / "raw"
    flags = [f"--preset {preset}"] + ([f"--sweep {','.join(sweeps)}"] if sweeps else [])
    flags += [f"--threads {threads}"] if threads else []
    flags += ["--smoke"] if smoke else []
    command = f"{prog} " + " ".join(flags)
    return BenchOptions(preset, sweeps, smoke, threads, out_dir, raw_dir, command)


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
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> BenchmarkResult:
    """Run the cases of ``preset`` and ``sweeps``, then write the CSVs, profiles, figures
    and report. ``progress`` wraps each part's list of case groups (e.g. a progress bar);
    ``on_row(row)`` sees each row as it is measured."""
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
            rows += run_cases(
                cases, log, run_id=run_id, golden_dir=golden_dir, progress=progress, on_row=on_row
            )
        raw_paths.append(path)
    profiles = run_profiles(
        golden("golden_small_1sp" if smoke else ACCEPT_SYSTEM), out_dir, golden_dir
    )
    df = metrics_frame(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = write_metrics_csv(df, out_dir / f"summary_{run_id}.csv")
    timings = write_metrics_csv(timings_frame(rows), out_dir / f"timings_{run_id}.csv")
    csv_path = write_metrics_csv(combine_summaries(out_dir), out_dir / "combined_from_metrics.csv")
    figures = save_figures(df, out_dir)
    files = {
        "timings": timings.name,
        "summary": summary.name,
        "combined": f"{csv_path.name} (every summary_*.csv in this directory)",
        "raw rows": ", ".join(str(p) for p in raw_paths),
    }
    md, data = report_markdown(
        df,
        env=env,
        commands=commands,
        profiles=profiles,
        figures=figures,
        preset=preset,
        sweeps=sweeps,
        smoke=smoke,
        files=files,
    )
    data["raw_files"] = [str(p) for p in raw_paths]
    report_path, _ = write_report(out_dir / "report.md", md, data)
    return BenchmarkResult(run_id, rows, df, raw_paths, csv_path, report_path, figures, profiles)


def run_profiles(system: Any, out_dir: Path, golden_dir: str | None) -> dict[str, dict[str, Any]]:
    """One profiled warm expansion per backend (the reference too when installed), with a
    ``.prof`` file and a flame graph each under ``out_dir/profiles``."""
    frames = build_system(system, golden_dir)
    backends = [NUMPY, TORCH64, TORCH32] + ([REFERENCE] if reference_status()[0] else [])
    profiles = {}
    for b in backends:
        prof = profile_backend(
            b, frames, out_dir=out_dir / "profiles", stem=f"{system.name}_{b.label}"
        )
        profiles[b.label] = {"system": system.name, **prof}
    return profiles
