"""Benchmark report: combined metrics table, figures, acceptance numbers and takeaways.

Every number in the report is computed here from the measured rows.
"""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl

from perflab.harness import RunLog, atomic_write_text, markdown_table, save_chart
from perflab.soap.bench.cases import ACCEPT_SYSTEM
from perflab.soap.bench.runner import NO_GPU

__all__ = [
    "COLUMNS",
    "COLUMN_TYPES",
    "FLATNESS",
    "ROW_DEFAULTS",
    "SHOWN_COLUMNS",
    "SPEEDUP_VS_NUMPY",
    "SPEEDUP_VS_REFERENCE",
    "THREADS_WITHIN",
    "TIMING_KEYS",
    "acceptance",
    "chart_by_system",
    "chart_sweep",
    "chart_threads",
    "chart_time_per_pair",
    "chart_vs_species",
    "combine_summaries",
    "filter_choices",
    "filter_metrics",
    "latest_run",
    "metrics_frame",
    "read_rows",
    "reference_by_system",
    "reference_reason",
    "report_markdown",
    "save_figures",
    "scaling",
    "species_curves",
    "takeaways",
    "thread_acceptance",
    "timings_frame",
    "verdict",
    "write_metrics_csv",
]

SPEEDUP_VS_REFERENCE = 20.0
SPEEDUP_VS_NUMPY = 10.0
FLATNESS = 2.0
#: the default thread choice must stay within this factor of one thread (same run)
THREADS_WITHIN = 1.5

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
    "what": str,
    "threads": str,
    "threads_used": int,
    "burners": int,
    "batch_size": int,
    "n_frames": int,
    "n_particles": int,
    "particles_per_frame": float,
    "n_species": int,
    "n_pairs": int,
    "n_features": int,
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
#: values of columns that rows of earlier runs lack (they timed the expansion, no burners)
ROW_DEFAULTS: dict[str, Any] = {"what": "expansion", "burners": 0}
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
            v = r.get(c, ROW_DEFAULTS.get(c))
            if v is not None:
                v = kind(v)
                if kind is float and math.isnan(v):
                    v = None
            data[c].append(v)
    return pl.DataFrame(data, schema={c: _POLARS[k] for c, k in COLUMN_TYPES.items()})


def write_metrics_csv(df: pl.DataFrame, path: Path) -> Path:
    atomic_write_text(path, df.write_csv())
    return path


TIMING_KEYS = ["run_id", "sweep", "system", "backend", "what", "threads", "burners", "batch_size"]


def timings_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """One row per timed warm call: the case's keys, ``repeat``, ``wall_s``, ``cpu_s``."""
    data: dict[str, list[Any]] = {k: [] for k in [*TIMING_KEYS, "repeat", "wall_s", "cpu_s"]}
    for r in rows:
        walls, cpus = r.get("warm_s") or [], r.get("cpu_s") or []
        for k, wall in enumerate(walls):
            for key in TIMING_KEYS:
                data[key].append(None if r.get(key) is None else str(r.get(key)))
            data["repeat"].append(k)
            data["wall_s"].append(float(wall))
            data["cpu_s"].append(float(cpus[k]) if k < len(cpus) else None)
    schema = {k: pl.Utf8 for k in TIMING_KEYS}
    schema.update(repeat=pl.Int64, wall_s=pl.Float64, cpu_s=pl.Float64)
    return pl.DataFrame(data, schema=schema)


def combine_summaries(out_dir: Path) -> pl.DataFrame:
    """Every ``summary_*.csv`` in ``out_dir`` (one per run), in run order, fixed schema."""
    schema = {c: _POLARS[k] for c, k in COLUMN_TYPES.items()}
    frames = [
        pl.read_csv(p, schema_overrides=schema).select(COLUMNS)
        for p in sorted(out_dir.glob("summary_*.csv"))
    ]
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames, how="vertical")


def _ok(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("status") == "ok")


def _median(df: pl.DataFrame, **eq: Any) -> float | None:
    sel = _ok(df)
    for k, v in eq.items():
        sel = sel.filter(pl.col(k) == v)
    if sel.height == 0:
        return None
    return float(sel["warm_median_s"].min())


def _cpu_median(df: pl.DataFrame, **eq: Any) -> float | None:
    sel = _ok(df)
    for k, v in eq.items():
        sel = sel.filter(pl.col(k) == v)
    values = sel["cpu_median_s"].drop_nulls()
    return float(values.min()) if values.len() else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if (a and b) else None


def reference_reason(df: pl.DataFrame) -> str | None:
    """Why the reference was not timed in this run (``None`` if it was, or was not planned)."""
    ref = df.filter(pl.col("backend") == "reference")
    if ref.height == 0 or _ok(ref).height:
        return None
    return str(ref["reason"][0])


def acceptance(df: pl.DataFrame) -> dict[str, Any]:
    """Speed on ``golden_bench_2sp`` (main sweep, expansion): against the reference package
    and our numpy path, both measured in this run (wall and CPU time)."""
    main = df.filter(
        (pl.col("sweep") == "main")
        & (pl.col("system") == ACCEPT_SYSTEM)
        & (pl.col("what") == "expansion")
    )
    ref_s, ref_cpu = _median(main, backend="reference"), _cpu_median(main, backend="reference")
    numpy_s = _median(main, backend="numpy")
    out: dict[str, Any] = {
        "system": ACCEPT_SYSTEM,
        "reference_s": ref_s,
        "reference_cpu_s": ref_cpu,
        "reference_status": reference_reason(main) or ("measured" if ref_s else "not run"),
        "numpy_s": numpy_s,
        "numpy_cpu_s": _cpu_median(main, backend="numpy"),
        "numpy_vs_reference": _ratio(ref_s, numpy_s),
    }
    for label in ("torch-cpu-float64", "torch-cpu-float32"):
        t = _median(main, backend=label)
        key = label.replace("-", "_")
        out[f"{key}_s"] = t
        out[f"{key}_cpu_s"] = _cpu_median(main, backend=label)
        out[f"{key}_vs_reference"] = _ratio(ref_s, t)
        out[f"{key}_vs_reference_cpu"] = _ratio(ref_cpu, _cpu_median(main, backend=label))
        out[f"{key}_vs_numpy"] = _ratio(numpy_s, t)
    r64 = out["torch_cpu_float64_vs_reference"]
    # None (not False) where this run did not measure what a verdict needs
    out["pass_vs_reference"] = None if r64 is None else bool(r64 >= SPEEDUP_VS_REFERENCE)
    n64 = out["torch_cpu_float64_vs_numpy"]
    out["pass_vs_numpy"] = None if n64 is None else bool(n64 >= SPEEDUP_VS_NUMPY)
    return out


def reference_by_system(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Per golden system of the main cases: the reference's median and each backend's
    speed-up over it (wall and CPU), all from this run."""
    main = df.filter((pl.col("sweep") == "main") & (pl.col("what") == "expansion"))
    out = []
    for system in main.filter(pl.col("backend") == "reference")["system"].unique(
        maintain_order=True
    ):
        sel = main.filter(pl.col("system") == system)
        ref, ref_cpu = _median(sel, backend="reference"), _cpu_median(sel, backend="reference")
        for label in sorted(set(_ok(sel)["backend"].to_list()) - {"reference"}):
            out.append(
                {
                    "system": system,
                    "backend": label,
                    "reference_s": ref,
                    "backend_s": _median(sel, backend=label),
                    "speedup_wall": _ratio(ref, _median(sel, backend=label)),
                    "speedup_cpu": _ratio(ref_cpu, _cpu_median(sel, backend=label)),
                }
            )
    return out


def thread_acceptance(df: pl.DataFrame) -> list[dict[str, Any]]:
    """The threads sweep: per dtype and number of CPU burners, the default ("auto") call's
    median against one thread and against torch's default thread count, same group."""
    th = _ok(df).filter(pl.col("sweep") == "threads")
    out = []
    for (system, backend, burners), sel in th.group_by(
        ["system", "backend", "burners"], maintain_order=True
    ):
        med = {r["threads"]: r["warm_median_s"] for r in sel.to_dicts()}
        used = {r["threads"]: r["threads_used"] for r in sel.to_dicts()}
        auto, one = med.get("auto"), med.get("1")
        many = [t for t in med if t not in ("auto", "1")]
        most = med[many[0]] if many else None
        ratio = _ratio(auto, one)
        out.append(
            {
                "system": system,
                "backend": backend,
                "burners": burners,
                "auto_threads_used": used.get("auto"),
                "auto_s": auto,
                "one_thread_s": one,
                "torch_default_threads": many[0] if many else None,
                "torch_default_s": most,
                "auto_vs_one": ratio,
                "torch_default_vs_one": _ratio(most, one),
                "within_1_5x": None if ratio is None else bool(ratio <= THREADS_WITHIN),
            }
        )
    return out


def species_curves(df: pl.DataFrame) -> list[dict[str, Any]]:
    """The species sweep: time / N^2 per backend and method at each species count, and its
    change from the fewest to the most species (constant N)."""
    sp = _ok(df).filter(pl.col("sweep") == "species")
    out = []
    for (backend, what), sel in sp.group_by(["backend", "what"], maintain_order=True):
        sel = sel.sort("n_species")
        if sel.height < 2:
            continue
        t = sel["time_per_n2_s"].to_list()
        row: dict[str, Any] = {
            "backend": backend,
            "what": what,
            "n_particles": int(sel["n_particles"][0]),
        }
        for k, v in zip(sel["n_species"].to_list(), t, strict=True):
            row[f"s_per_n2_{k}sp"] = v
        row["last_over_first"] = t[-1] / t[0]
        feats = sel["n_features"].to_list()
        if feats[0] and feats[-1]:
            row["features_last_over_first"] = feats[-1] / feats[0]
        out.append(row)
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
    data = _ok(df).filter((pl.col("sweep") == "main") & (pl.col("what") == "expansion"))
    data = data.sort("n_pairs")
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
    """time / N^2 against the number of species at constant N, one panel per method."""
    data = _ok(df).filter(pl.col("sweep") == "species")
    return (
        alt.Chart(data.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X("n_species:O", title="number of species (constant particle count N)"),
            y=alt.Y("time_per_n2_s:Q", scale=alt.Scale(type="log"), title="warm median / N^2 (s)"),
            color=alt.Color("backend:N"),
            tooltip=["system", "backend", "what", "n_particles", "n_pairs", "warm_median_s"],
        )
        .properties(width=320, height=260)
        .facet(column=alt.Column("what:N", title=None))
        .properties(title="N^2-normalised time vs number of species (benzene-like rings)")
    )


def chart_threads(df: pl.DataFrame) -> alt.Chart:
    """The threads sweep: median per thread setting, alone and beside CPU burners."""
    data = _ok(df).filter(pl.col("sweep") == "threads")
    return (
        alt.Chart(data.to_pandas())
        .mark_point(filled=True, size=120)
        .encode(
            x=alt.X("threads:N", title="threads (auto: per-call choice)"),
            y=alt.Y(
                "warm_median_s:Q",
                scale=alt.Scale(type="log", zero=False),
                title="warm median (s)",
            ),
            color="threads:N",
            tooltip=["system", "backend", "threads", "threads_used", "burners", "warm_median_s"],
        )
        .properties(width=160, height=220)
        .facet(column=alt.Column("burners:O", title="CPU burners beside"), row="backend:N")
        .properties(title="Default thread choice vs pinned threads (seed-size case)")
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
        figs["vs_species"] = save_chart(
            chart_vs_species(df), out_dir / "time_per_n2_vs_species.png"
        )
    if _ok(df).filter(pl.col("family") == "fluid").height:
        figs["per_pair"] = save_chart(chart_time_per_pair(df), out_dir / "time_per_pair.png")
    if "threads" in sweeps:
        figs["threads"] = save_chart(chart_threads(df), out_dir / "threads_sweep.png")
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


def _reference_takeaway(acc: dict[str, Any]) -> str:
    if acc.get("reference_s") is None:
        return (
            f"Reference package: {acc['reference_status']}; no speed-up against it is "
            "claimed in this run."
        )
    return (
        f"On `{ACCEPT_SYSTEM}` the reference (anisoap 0.1.1, pure-Python moments) takes "
        f"{_fmt(acc['reference_s'])} s wall / {_fmt(acc['reference_cpu_s'])} s CPU in this "
        f"run; torch CPU float64 {_fmt(acc['torch_cpu_float64_s'])} s: "
        f"{_fmt(acc['torch_cpu_float64_vs_reference'])}x faster (wall), "
        f"{_fmt(acc['torch_cpu_float64_vs_reference_cpu'])}x (CPU); our numpy path "
        f"{_fmt(acc['numpy_vs_reference'])}x."
    )


def takeaways(
    df: pl.DataFrame,
    acc: dict[str, Any],
    scal: dict[str, Any],
    threads: list[dict[str, Any]] | None = None,
    species: list[dict[str, Any]] | None = None,
) -> list[str]:
    """Plain-language conclusions, each computed from the rows."""
    out = []
    if acc.get("torch_cpu_float64_s") or acc.get("reference_s") is None:
        out.append(_reference_takeaway(acc))
    if acc.get("torch_cpu_float64_s"):
        out.append(
            f"torch CPU float64 is {_fmt(acc['torch_cpu_float64_vs_numpy'])}x faster than our "
            f"numpy path ({_fmt(acc['numpy_s'])} s) on `{ACCEPT_SYSTEM}` in the same run."
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
    for c in species or []:
        out.append(
            f"species sweep, {c['backend']} {c['what']}: from the fewest to the most species "
            f"at N = {c['n_particles']} time / N^2 changes by {_fmt(c['last_over_first'])}x"
            + (
                f" (features per frame {_fmt(c['features_last_over_first'])}x)."
                if c.get("features_last_over_first")
                else "."
            )
        )
    for t in threads or []:
        out.append(
            f"threads, {t['backend']} on `{t['system']}` with {t['burners']} CPU burners: "
            f"the default (auto, {t['auto_threads_used']} thread(s)) takes "
            f"{_fmt(t['auto_vs_one'])}x the one-thread time; torch's default "
            f"{t['torch_default_threads']} threads {_fmt(t['torch_default_vs_one'])}x."
        )
    out += _batch_takeaways(df)
    skipped = df.filter(pl.col("status") == "skipped")
    if skipped.height:
        reasons = sorted(set(skipped["reason"].to_list()))
        out.append(f"{skipped.height} case(s) skipped: {'; '.join(reasons)}.")
    return out


def _batch_takeaways(df: pl.DataFrame) -> list[str]:
    out = []
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
    return out


def _header(
    df: pl.DataFrame,
    env: dict[str, Any],
    commands: list[str],
    preset: str,
    sweeps: list[str],
    smoke: bool,
) -> list[str]:
    commit = env.get("git_commit") or "unknown (not a git checkout)"
    dirty = " with uncommitted changes" if env.get("git_dirty") else ""
    lines = ["# AniSOAP benchmark report", ""]
    if smoke:
        lines += ["**SMOKE RUN** (tiny systems, few repeats): not for conclusions.", ""]
    return lines + [
        f"Generated by perflab commit `{commit}`{dirty}; preset `{preset}`, sweeps: "
        f"{', '.join(sweeps) or 'none'}; run `{df['run_id'][0]}`.",
        "Timed: one full `AniSOAP.expansion(frames)` call (validation, neighbour list, "
        "projection, orthonormalisation) with the golden hyperparameters (lmax 6, GTO, "
        "r_c 7, sigma 1.5), or one `power_spectrum(frames)` call where the column `what` "
        "says so. Warm median over repeats after a cold first call; cases of one group "
        "are timed round-robin. The reference package is timed the same way in this run.",
        "",
        "## Hardware and software",
        "",
        f"- CPU: {env.get('cpu_model')} x {env.get('cpu_count')} cores, "
        f"memory {(env.get('memory_bytes') or 0) / 2**30:.1f} GiB, {env.get('platform')}",
        f"- GPU: {env.get('gpu_name') or NO_GPU}",
        f"- Python {env.get('python')}, "
        + ", ".join(f"{k} {v}" for k, v in (env.get("versions") or {}).items() if v),
        f"- torch threads (torch's default here): {env.get('torch_threads')}; "
        f"OMP_WAIT_POLICY={_distinct(df, 'omp_wait_policy')}",
        "- torch CPU threads in the main cases: "
        + _distinct(
            df.filter((pl.col("sweep") == "main") & pl.col("backend").str.starts_with("torch-cpu")),
            "threads",
        )
        + " (auto: the library's per-call choice, `perflab.soap.threads`)",
        "- The machine is shared with other jobs: timings are noisy (see the IQR column). "
        f"1-minute load average when the cases started: {_load_range(df)} "
        f"(on {env.get('cpu_count')} cores).",
        "",
        "## Commands",
        "",
        *[f"    {c}" for c in commands],
        "",
    ]


def _acceptance_lines(
    df: pl.DataFrame, acc: dict[str, Any], threads: list[dict[str, Any]]
) -> list[str]:
    rows = [
        {
            "backend": "reference (anisoap 0.1.1)",
            "warm_median_s": acc.get("reference_s") or acc["reference_status"],
            "cpu_median_s": acc.get("reference_cpu_s"),
        },
        {
            "backend": "numpy",
            "warm_median_s": acc.get("numpy_s"),
            "cpu_median_s": acc.get("numpy_cpu_s"),
            "vs_reference_wall": acc.get("numpy_vs_reference"),
        },
    ]
    for label in ("torch-cpu-float64", "torch-cpu-float32"):
        key = label.replace("-", "_")
        rows.append(
            {
                "backend": label,
                "warm_median_s": acc.get(f"{key}_s"),
                "cpu_median_s": acc.get(f"{key}_cpu_s"),
                "vs_reference_wall": acc.get(f"{key}_vs_reference"),
                "vs_reference_cpu": acc.get(f"{key}_vs_reference_cpu"),
                "vs_numpy": acc.get(f"{key}_vs_numpy"),
            }
        )
    lines = [
        "## Acceptance",
        "",
        f"`{ACCEPT_SYSTEM}` (10 frames x 40 ellipsoids, 2 species), every number measured in "
        f"this run: >= {SPEEDUP_VS_REFERENCE:g}x vs the reference "
        f"(**{verdict(acc['pass_vs_reference'])}**), >= {SPEEDUP_VS_NUMPY:g}x vs our numpy "
        f"path (**{verdict(acc['pass_vs_numpy'])}**).",
        "",
        markdown_table(
            rows,
            [
                "backend",
                "warm_median_s",
                "cpu_median_s",
                "vs_reference_wall",
                "vs_reference_cpu",
                "vs_numpy",
            ],
        ),
    ]
    by_system = reference_by_system(df)
    if by_system:
        lines += ["Reference timed in this run, per golden system:", "", markdown_table(by_system)]
    if threads:
        ok = [t["within_1_5x"] for t in threads]
        passed = None if None in ok else all(ok)
        lines += [
            f"Default thread choice within {THREADS_WITHIN:g}x of one thread, alone and beside "
            f"CPU burners (**{verdict(passed)}**):",
            "",
            markdown_table(threads),
        ]
    return lines


def _species_lines(species: list[dict[str, Any]]) -> list[str]:
    if not species:
        return []
    return [
        "## Species (constant N)",
        "",
        "Time / N^2 for 1 to 6 species at a constant particle count; the power spectrum's "
        "features grow as S^2 with the number of species S.",
        "",
        markdown_table(species, list(dict.fromkeys(k for c in species for k in c))),
    ]


def _profile_lines(profiles: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["## Profiles", ""]
    for label, prof in profiles.items():
        files = prof.get("files") or {}
        links = ", ".join(f"[{k}]({Path(v).parent.name}/{Path(v).name})" for k, v in files.items())
        lines += [
            f"### {label} on `{prof['system']}` (one warm call, {prof['total_s']:.3g} s "
            f"profiled){': ' + links if links else ''}",
            "",
        ]
        if "flame" in files:
            flame = Path(files["flame"])
            lines += [f"![{label} flame graph]({flame.parent.name}/{flame.name})", ""]
        lines += [markdown_table(prof["rows"])]
    return lines


def _scaling_rows(scal: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for label, s in scal.items():
        for n, t, c, ppp in zip(
            s["n_particles"],
            s["time_per_pair_s"],
            s["cpu_per_pair_s"],
            s["pairs_per_particle"],
            strict=True,
        ):
            rows.append(
                {
                    "backend": label,
                    "n_particles": n,
                    "pairs_per_particle": ppp,
                    "wall_s_per_pair": t,
                    "cpu_s_per_pair": c,
                }
            )
        rows.append(
            {
                "backend": label,
                "n_particles": "max/min",
                "wall_s_per_pair": s["spread"],
                "cpu_s_per_pair": s["cpu_spread"],
            }
        )
    return rows


SHOWN_COLUMNS = [
    "sweep",
    "system",
    "backend",
    "what",
    "threads",
    "threads_used",
    "burners",
    "batch_size",
    "n_particles",
    "n_species",
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
    files: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    acc = acceptance(df)
    scal = scaling(df)
    threads = thread_acceptance(df)
    species = species_curves(df)
    lines = _header(df, env, commands, preset, sweeps, smoke)
    lines += _acceptance_lines(df, acc, threads)
    lines += [
        "Scaling (time per neighbour pair, periodic fluids at fixed density; required flat "
        "within 2x from 10^2 to 10^4 particles):",
        "",
        markdown_table(_scaling_rows(scal)),
    ]
    lines += _species_lines(species)
    lines += ["## Takeaways", ""]
    lines += [f"- {t}" for t in takeaways(df, acc, scal, threads, species)]
    lines += ["", "## Files", ""]
    lines += [f"- `{k}`: {v}" for k, v in (files or {}).items()]
    lines += ["", "## Figures", ""]
    lines += [f"![{k}]({p.name})" for k, p in figures.items()]
    lines += ["", "## All measurements", ""]
    lines += [markdown_table(df.select(SHOWN_COLUMNS).to_dicts(), SHOWN_COLUMNS)]
    lines += _profile_lines(profiles)
    data = {
        "acceptance": acc,
        "threads": threads,
        "reference_by_system": reference_by_system(df),
        "species": species,
        "scaling": scal,
        "profiles": profiles,
        "env": env,
        "commands": commands,
        "files": files or {},
        "rows": df.to_dicts(),
    }
    return "\n".join(lines) + "\n", json.loads(json.dumps(data, default=str))


def latest_run(out_dir: Path) -> pl.DataFrame:
    """The rows of the newest run among the ``summary_*.csv`` in ``out_dir`` (what its
    ``report.md`` describes); raises ``FileNotFoundError`` when there is none."""
    df = combine_summaries(out_dir)
    if df.is_empty():
        raise FileNotFoundError(f"no summary_*.csv in {out_dir}: run the benchmark first")
    return df.filter(pl.col("run_id") == df["run_id"].max())


def filter_metrics(df: pl.DataFrame, **eq: str) -> pl.DataFrame:
    """Rows whose column ``k`` (as text) equals ``v`` for each ``k=v`` (``"all"``: any), for
    the dashboard's system/backend/dtype/species controls."""
    for k, v in eq.items():
        if v != "all":
            df = df.filter(pl.col(k).cast(pl.Utf8) == v)
    return df


def filter_choices(df: pl.DataFrame, column: str) -> list[str]:
    """``"all"`` and the distinct non-null values of ``column`` as text, sorted."""
    return ["all", *sorted({str(v) for v in df[column].to_list() if v is not None})]


_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+\.png)\)")


def inline_images(markdown: str, folder: Path) -> str:
    """``markdown`` with each ``![alt](file.png)`` whose file is in ``folder`` embedded as a
    ``data:`` URI: a report's images are relative to its folder, which a page served by
    ``marimo run`` cannot reach, so linked they show as broken images. Missing files are
    left as they are (and stay visibly broken)."""

    def embed(m: re.Match[str]) -> str:
        path = Path(folder) / m.group(2)
        if not path.is_file():
            return m.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"![{m.group(1)}](data:image/png;base64,{data})"

    return _IMAGE.sub(embed, markdown)
