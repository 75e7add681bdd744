"""Benchmark report: combined metrics table, figures, acceptance numbers and takeaways.

Every number in the report is computed here from the measured rows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl

from perflab.harness import RunLog, atomic_write_text, markdown_table, save_chart
from perflab.soap.bench.runner import NO_GPU

#: the reference's time on golden_bench_2sp (shared/soap-golden/README.md: one core)
REFERENCE_BENCH_S = 5.0
ACCEPT_SYSTEM = "golden_bench_2sp"
SPEEDUP_VS_REFERENCE = 20.0
SPEEDUP_VS_NUMPY = 10.0
FLATNESS = 2.0

#: the combined table's columns and their types, in order
COLUMN_TYPES: dict[str, type] = {
    "run_id": str,
    "sweep": str,
    "family": str,
    "system": str,
    "backend": str,
    "backend_kind": str,
    "device": str,
    "dtype": str,
    "threads": int,
    "batch_size": int,
    "n_frames": int,
    "n_particles": int,
    "particles_per_frame": float,
    "n_species": int,
    "n_pairs": int,
    "pairs_per_particle": float,
    "status": str,
    "reason": str,
    "repeats": int,
    "warmup": int,
    "cold_s": float,
    "warm_median_s": float,
    "warm_iqr_s": float,
    "warm_min_s": float,
    "time_per_pair_s": float,
    "time_per_n2_s": float,
    "cpu_median_s": float,
    "cpu_per_pair_s": float,
    "peak_rss_delta_mb": float,
    "peak_cuda_mb": float,
    "load_1m": float,
    "omp_wait_policy": str,
}
COLUMNS = list(COLUMN_TYPES)
_POLARS = {str: pl.Utf8, int: pl.Int64, float: pl.Float64}


def read_rows(paths: list[Path]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for p in paths:
        rows.extend(RunLog.read(p))
    return rows


def metrics_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The combined table: one row per measured case, fixed columns and types."""
    data: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for r in rows:
        for c, kind in COLUMN_TYPES.items():
            v = r.get(c)
            if v is not None:
                v = kind(v)
                if kind is float and math.isnan(v):
                    v = None
            data[c].append(v)
    return pl.DataFrame(data, schema={c: _POLARS[k] for c, k in COLUMN_TYPES.items()})


def write_metrics_csv(df: pl.DataFrame, path: Path) -> Path:
    atomic_write_text(path, df.write_csv())
    return path


def _ok(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("status") == "ok")


def _median(df: pl.DataFrame, **eq: Any) -> float | None:
    sel = _ok(df)
    for k, v in eq.items():
        sel = sel.filter(pl.col(k) == v)
    if sel.height == 0:
        return None
    return float(sel["warm_median_s"].min())


def acceptance(df: pl.DataFrame) -> dict[str, Any]:
    """Speed acceptance on ``golden_bench_2sp`` (main sweep: the run's threads, default batch)."""
    main = df.filter((pl.col("sweep") == "main") & (pl.col("system") == ACCEPT_SYSTEM))
    out: dict[str, Any] = {"system": ACCEPT_SYSTEM, "reference_s": REFERENCE_BENCH_S}
    numpy_s = _median(main, backend="numpy")
    out["numpy_s"] = numpy_s
    for label in ("torch-cpu-float64", "torch-cpu-float32"):
        t = _median(main, backend=label)
        key = label.replace("-", "_")
        out[f"{key}_s"] = t
        out[f"{key}_vs_reference"] = REFERENCE_BENCH_S / t if t else None
        out[f"{key}_vs_numpy"] = numpy_s / t if (t and numpy_s) else None
    t64 = out["torch_cpu_float64_s"]
    # None (not False) where this run did not measure what a verdict needs
    out["pass_vs_reference"] = (
        None if not t64 else bool(REFERENCE_BENCH_S / t64 >= SPEEDUP_VS_REFERENCE)
    )
    out["pass_vs_numpy"] = (
        None if not (t64 and numpy_s) else bool(numpy_s / t64 >= SPEEDUP_VS_NUMPY)
    )
    return out


def verdict(passed: bool | None) -> str:
    """``met`` / ``NOT met`` / ``not measured in this run`` for an acceptance check."""
    if passed is None:
        return "not measured in this run"
    return "met" if passed else "NOT met"


def scaling(df: pl.DataFrame) -> dict[str, Any]:
    """Time per neighbour pair of the fluids (fixed density) per backend, and its spread."""
    fl = _ok(df).filter((pl.col("sweep") == "main") & (pl.col("family") == "fluid"))
    out: dict[str, Any] = {}
    for label in sorted(set(fl["backend"].to_list())):
        sel = fl.filter(pl.col("backend") == label).sort("n_particles")
        if sel.height < 2:
            continue
        tpp = sel["time_per_pair_s"].to_list()
        cpp = [c for c in sel["cpu_per_pair_s"].to_list() if c is not None]
        out[label] = {
            "n_particles": sel["n_particles"].to_list(),
            "time_per_pair_s": tpp,
            "cpu_per_pair_s": sel["cpu_per_pair_s"].to_list(),
            "pairs_per_particle": sel["pairs_per_particle"].to_list(),
            "spread": max(tpp) / min(tpp),
            "cpu_spread": max(cpp) / min(cpp) if len(cpp) >= 2 and min(cpp) > 0 else None,
            "flat_within_2x": max(tpp) / min(tpp) <= FLATNESS,
            "min_n": min(sel["n_particles"].to_list()),
            "max_n": max(sel["n_particles"].to_list()),
        }
    return out


def chart_by_system(df: pl.DataFrame) -> alt.Chart:
    data = _ok(df).filter(pl.col("sweep") == "main").sort("n_pairs")
    order = list(dict.fromkeys(data["system"].to_list()))
    return (
        alt.Chart(data.to_pandas())
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("system:N", sort=order, title="system (by number of pairs)"),
            xOffset=alt.XOffset("backend:N"),
            shape=alt.Shape("backend:N"),
            y=alt.Y("warm_median_s:Q", scale=alt.Scale(type="log"), title="warm median (s)"),
            color=alt.Color("backend:N"),
            tooltip=["system", "backend", "n_particles", "n_pairs", "warm_median_s", "cold_s"],
        )
        .properties(title="AniSOAP expansion wall time by system", width=560, height=300)
    )


def chart_vs_species(df: pl.DataFrame) -> alt.Chart:
    data = _ok(df).filter(pl.col("sweep") == "species")
    return (
        alt.Chart(data.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X("n_species:O", title="number of species (constant particle count)"),
            y=alt.Y("warm_median_s:Q", scale=alt.Scale(type="log"), title="warm median (s)"),
            color=alt.Color("backend:N"),
            tooltip=["system", "backend", "n_pairs", "warm_median_s"],
        )
        .properties(title="Wall time vs number of species (benzene-like rings)", width=420)
    )


def chart_time_per_pair(df: pl.DataFrame) -> alt.Chart:
    data = _ok(df).filter((pl.col("sweep") == "main") & (pl.col("family") == "fluid"))
    return (
        alt.Chart(data.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X("n_particles:Q", scale=alt.Scale(type="log"), title="particles"),
            y=alt.Y("time_per_pair_s:Q", scale=alt.Scale(type="log"), title="s per pair"),
            color="backend:N",
            tooltip=["n_particles", "n_pairs", "time_per_pair_s", "backend"],
        )
        .properties(title="Time per neighbour pair, fluids at fixed density", width=420)
    )


def chart_sweep(df: pl.DataFrame, sweep: str, x: str, title: str) -> alt.Chart:
    data = _ok(df).filter(pl.col("sweep") == sweep)
    return (
        alt.Chart(data.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:Q", scale=alt.Scale(type="log", base=2), title=x),
            y=alt.Y("warm_median_s:Q", title="warm median (s)"),
            color="backend:N",
            strokeDash="system:N",
            tooltip=["system", "backend", x, "warm_median_s"],
        )
        .properties(title=title, width=420)
    )


def save_figures(df: pl.DataFrame, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    figs: dict[str, Path] = {}
    sweeps = set(df["sweep"].to_list())
    figs["by_system"] = save_chart(chart_by_system(df), out_dir / "wall_time_by_system.png")
    if "species" in sweeps:
        figs["vs_species"] = save_chart(chart_vs_species(df), out_dir / "wall_time_vs_species.png")
    if _ok(df).filter(pl.col("family") == "fluid").height:
        figs["per_pair"] = save_chart(chart_time_per_pair(df), out_dir / "time_per_pair.png")
    if "threads" in sweeps:
        figs["threads"] = save_chart(
            chart_sweep(df, "threads", "threads", "Thread sweep (torch CPU)"),
            out_dir / "threads_sweep.png",
        )
    if "batch" in sweeps:
        figs["batch"] = save_chart(
            chart_sweep(df, "batch", "batch_size", "Batch-size sweep (torch CPU)"),
            out_dir / "batch_sweep.png",
        )
    return figs


def _fmt(x: float | None, spec: str = ".3g") -> str:
    return "n/a" if x is None else format(x, spec)


def _distinct(df: pl.DataFrame, column: str) -> str:
    values = sorted({"(unset)" if v in (None, "") else str(v) for v in df[column].to_list()})
    return ", ".join(values) or "n/a"


def _load_range(df: pl.DataFrame) -> str:
    loads = df["load_1m"].drop_nulls()
    if loads.len() == 0:
        return "n/a"
    return f"{loads.min():.1f} to {loads.max():.1f} (median {loads.median():.1f})"


def takeaways(df: pl.DataFrame, acc: dict[str, Any], scal: dict[str, Any]) -> list[str]:
    """Plain-language conclusions, each computed from the rows."""
    out = []
    if acc.get("torch_cpu_float64_s"):
        out.append(
            f"On `{ACCEPT_SYSTEM}` torch CPU float64 takes {_fmt(acc['torch_cpu_float64_s'])} s "
            f"(warm median): {_fmt(acc['torch_cpu_float64_vs_reference'])}x faster than the "
            f"reference's {REFERENCE_BENCH_S:g} s and {_fmt(acc['torch_cpu_float64_vs_numpy'])}x "
            f"faster than our numpy reference path ({_fmt(acc['numpy_s'])} s) in the same run."
        )
    if acc.get("torch_cpu_float32_s") and acc.get("torch_cpu_float64_s"):
        r = acc["torch_cpu_float64_s"] / acc["torch_cpu_float32_s"]
        out.append(f"float32 vs float64 on `{ACCEPT_SYSTEM}`: {_fmt(r)}x.")
    for label, s in scal.items():
        out.append(
            f"{label}: wall time per pair spreads {_fmt(s['spread'])}x from {s['min_n']} to "
            f"{s['max_n']} particles at fixed density "
            f"({'flat within 2x' if s['flat_within_2x'] else 'NOT flat within 2x'}); "
            f"CPU time per pair spreads {_fmt(s['cpu_spread'])}x."
        )
    sp = _ok(df).filter(pl.col("sweep") == "species")
    for label in sorted(set(sp["backend"].to_list())):
        sel = sp.filter(pl.col("backend") == label).sort("n_species")
        if sel.height >= 2:
            t = sel["warm_median_s"].to_list()
            out.append(
                f"species sweep, {label}: {sel['n_species'][0]} -> {sel['n_species'][-1]} "
                f"species changes wall time by {_fmt(t[-1] / t[0])}x at a constant particle count."
            )
    th = _ok(df).filter(pl.col("sweep") == "threads")
    for (system, label), sel in th.group_by(["system", "backend"], maintain_order=True):
        sel = sel.sort("threads")
        if sel.height >= 2:
            t = sel["warm_median_s"].to_list()
            out.append(
                f"threads, {label} on `{system}`: {sel['threads'][0]} -> {sel['threads'][-1]} "
                f"threads speeds up {_fmt(t[0] / t[-1])}x."
            )
    bt = _ok(df).filter(pl.col("sweep") == "batch")
    for label in sorted(set(bt["backend"].to_list())):
        sel = bt.filter(pl.col("backend") == label).sort("warm_median_s")
        if sel.height >= 2:
            worst = float(sel["warm_median_s"].max())
            out.append(
                f"batch sweep, {label}: best batch size {sel['batch_size'][0]} "
                f"({_fmt(sel['warm_median_s'][0])} s); the worst size is "
                f"{_fmt(worst / sel['warm_median_s'][0])}x slower; peak memory grows to "
                f"{_fmt(float(sel['peak_rss_delta_mb'].max()))} MiB."
            )
    skipped = df.filter(pl.col("status") == "skipped")
    if skipped.height:
        reasons = sorted(set(skipped["reason"].to_list()))
        out.append(f"{skipped.height} case(s) skipped: {'; '.join(reasons)}.")
    return out


def report_markdown(
    df: pl.DataFrame,
    *,
    env: dict[str, Any],
    commands: list[str],
    profiles: dict[str, dict[str, Any]],
    figures: dict[str, Path],
    preset: str,
    sweeps: list[str],
    smoke: bool,
) -> tuple[str, dict[str, Any]]:
    acc = acceptance(df)
    scal = scaling(df)
    lines = ["# AniSOAP benchmark report", ""]
    if smoke:
        lines += ["**SMOKE RUN** (tiny systems, few repeats): not for conclusions.", ""]
    lines += [
        f"Preset `{preset}`, sweeps: {', '.join(sweeps) or 'none'}; run `{df['run_id'][0]}`.",
        "Timed: one full `AniSOAP.expansion(frames)` call (validation, neighbour list, "
        "projection, orthonormalisation) with the golden hyperparameters (lmax 6, GTO, "
        "r_c 7, sigma 1.5). Warm median over repeats after a cold first call.",
        "",
        "## Hardware and software",
        "",
        f"- CPU: {env.get('cpu_model')} x {env.get('cpu_count')} cores, "
        f"memory {(env.get('memory_bytes') or 0) / 2**30:.1f} GiB, {env.get('platform')}",
        f"- GPU: {env.get('gpu_name') or NO_GPU}",
        f"- Python {env.get('python')}, "
        + ", ".join(f"{k} {v}" for k, v in (env.get("versions") or {}).items() if v),
        f"- torch threads (default): {env.get('torch_threads')}; OMP_WAIT_POLICY="
        f"{_distinct(df, 'omp_wait_policy')}; git {env.get('git_commit')}"
        f"{' (dirty)' if env.get('git_dirty') else ''}",
        "- torch CPU threads in the main cases: "
        + _distinct(
            df.filter((pl.col("sweep") == "main") & pl.col("backend").str.starts_with("torch-cpu")),
            "threads",
        ),
        "- The machine is shared with other jobs: timings are noisy (see the IQR column). "
        f"1-minute load average when the cases started: {_load_range(df)} "
        f"(on {env.get('cpu_count')} cores).",
        "",
        "## Commands",
        "",
        *[f"    {c}" for c in commands],
        "",
        "## Acceptance",
        "",
    ]
    acc_rows = [
        {
            "backend": "torch-cpu-float64",
            "warm_median_s": acc.get("torch_cpu_float64_s"),
            "vs_reference_5s": acc.get("torch_cpu_float64_vs_reference"),
            "vs_numpy_same_run": acc.get("torch_cpu_float64_vs_numpy"),
        },
        {
            "backend": "torch-cpu-float32",
            "warm_median_s": acc.get("torch_cpu_float32_s"),
            "vs_reference_5s": acc.get("torch_cpu_float32_vs_reference"),
            "vs_numpy_same_run": acc.get("torch_cpu_float32_vs_numpy"),
        },
        {"backend": "numpy", "warm_median_s": acc.get("numpy_s")},
    ]
    lines += [
        f"`{ACCEPT_SYSTEM}` (10 frames x 40 ellipsoids, 2 species): required >= "
        f"{SPEEDUP_VS_REFERENCE:g}x vs the reference's {REFERENCE_BENCH_S:g} s "
        f"(**{verdict(acc['pass_vs_reference'])}**) and >= {SPEEDUP_VS_NUMPY:g}x "
        f"vs numpy in the same run (**{verdict(acc['pass_vs_numpy'])}**).",
        "",
        markdown_table(acc_rows),
        "Scaling (time per neighbour pair, periodic fluids at fixed density; required flat "
        "within 2x from 10^2 to 10^4 particles):",
        "",
    ]
    scal_rows = []
    for label, s in scal.items():
        for n, t, c, ppp in zip(
            s["n_particles"],
            s["time_per_pair_s"],
            s["cpu_per_pair_s"],
            s["pairs_per_particle"],
            strict=True,
        ):
            scal_rows.append(
                {
                    "backend": label,
                    "n_particles": n,
                    "pairs_per_particle": ppp,
                    "wall_s_per_pair": t,
                    "cpu_s_per_pair": c,
                }
            )
        scal_rows.append(
            {
                "backend": label,
                "n_particles": "max/min",
                "wall_s_per_pair": s["spread"],
                "cpu_s_per_pair": s["cpu_spread"],
            }
        )
    lines += [markdown_table(scal_rows), "## Takeaways", ""]
    lines += [f"- {t}" for t in takeaways(df, acc, scal)]
    lines += ["", "## Figures", ""]
    lines += [f"![{k}]({p.name})" for k, p in figures.items()]
    lines += ["", "## All measurements", ""]
    show = [
        "sweep",
        "system",
        "backend",
        "threads",
        "batch_size",
        "n_particles",
        "n_pairs",
        "status",
        "cold_s",
        "warm_median_s",
        "warm_iqr_s",
        "time_per_pair_s",
        "time_per_n2_s",
        "cpu_median_s",
        "peak_rss_delta_mb",
        "load_1m",
        "reason",
    ]
    lines += [markdown_table(df.select(show).to_dicts(), show), "## Profiles", ""]
    for label, prof in profiles.items():
        lines += [
            f"### {label} on `{prof['system']}` (one warm call, {prof['total_s']:.3g} s profiled)",
            "",
            markdown_table(prof["rows"]),
        ]
    data = {
        "acceptance": acc,
        "scaling": scal,
        "profiles": profiles,
        "env": env,
        "commands": commands,
        "rows": df.to_dicts(),
    }
    return "\n".join(lines) + "\n", json.loads(json.dumps(data, default=str))
