"""Report for :mod:`perflab.bragg.bench`: Markdown, JSON, env and altair charts.

Every number and every sentence of the interpretation is computed from the results
dictionary that :func:`perflab.bragg.bench.run_bench` returned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perflab.harness import atomic_write_text, env_summary, markdown_table, save_chart, write_report


def _fmt_rate(x: float | None) -> str:
    return "n/a" if x is None else f"{x / 1e6:.2f} M/s"


def tricubic_chart(results: dict[str, Any]):
    """Warm median throughput vs number of query points, one line per backend and grid."""
    import altair as alt

    rows = [
        {
            "backend": r["backend"],
            "grid": f"{r['grid']}^3",
            "points": r["points"],
            "Mpoints_per_s": r["points_per_s"] / 1e6,
            "device": r["device"],
        }
        for r in results["tricubic"]
    ]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("points:Q", scale=alt.Scale(type="log"), title="query points"),
        y=alt.Y("Mpoints_per_s:Q", scale=alt.Scale(type="log"), title="warm median (M points/s)"),
        color=alt.Color("backend:N"),
        strokeDash=alt.StrokeDash("grid:N"),
        tooltip=["backend:N", "grid:N", "points:Q", "Mpoints_per_s:Q", "device:N"],
    )
    target = (
        alt.Chart(alt.Data(values=[{"y": results["target"]["points_per_s"] / 1e6}]))
        .mark_rule(color="gray", strokeDash=[2, 2])
        .encode(y="y:Q")
    )
    return (base.mark_line(point=True) + target).properties(
        title="Tricubic interpolation: throughput per backend (dashed grey: 4 M/s target)",
        width=460,
        height=280,
    )


def cold_warm_chart(results: dict[str, Any]):
    """Cold (first call, with compilation) vs warm median seconds per configuration."""
    import altair as alt

    rows = []
    for r in results["tricubic"]:
        label = f"{r['grid']}^3 / {r['points']:.0e}"
        rows.append({"backend": r["backend"], "config": label, "kind": "cold", "s": r["cold_s"]})
        rows.append(
            {"backend": r["backend"], "config": label, "kind": "warm", "s": r["warm"]["median"]}
        )
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("config:N", title="grid / points", sort=None),
            y=alt.Y("s:Q", scale=alt.Scale(type="log"), title="seconds"),
            color=alt.Color("kind:N"),
            shape=alt.Shape("kind:N"),
            column=alt.Column("backend:N"),
            tooltip=["backend:N", "config:N", "kind:N", "s:Q"],
        )
        .properties(title="Tricubic: cold vs warm", width=220, height=240)
    )


def absorption_chart(results: dict[str, Any]):
    """Warm throughput of capture_fractions + absorb vs detector size, one line per layers."""
    import altair as alt

    rows = [
        {
            "pixels": r["pixels"],
            "layers": str(r["layers"]),
            "Mpixels_per_s": r["pixels_per_s"] / 1e6,
        }
        for r in results["absorption"]
    ]
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("pixels:Q", scale=alt.Scale(type="log"), title="detector pixels"),
            y=alt.Y("Mpixels_per_s:Q", title="warm median (M pixels/s)"),
            color=alt.Color("layers:N", sort=None),
            tooltip=["pixels:Q", "layers:N", "Mpixels_per_s:Q"],
        )
        .properties(title="Detector absorption (capture fractions + absorb)", width=420, height=260)
    )


def charts(results: dict[str, Any]) -> dict[str, Any]:
    """The report's charts by file stem (only those with data)."""
    out = {}
    if results["tricubic"]:
        out["tricubic_throughput"] = tricubic_chart(results)
        out["tricubic_cold_warm"] = cold_warm_chart(results)
    if results["absorption"]:
        out["absorption_throughput"] = absorption_chart(results)
    return out


def interpretation(results: dict[str, Any]) -> list[str]:
    """Sentences derived from the measured numbers."""
    lines = []
    tri = results["tricubic"]
    t = results["target"]
    if t["measured_in_this_run"]:
        verdict = "meets" if t["met_by_default_backend"] else "does NOT meet"
        lines.append(
            f"Target: warm float64 throughput on 1e6 points (41^3 grid), default backend "
            f"`{t['auto_backend_on_cpu']}`: {_fmt_rate(t['default_backend_points_per_s'])}, "
            f"which {verdict} the 4 M points/s target (best backend here: `{t['best_backend']}`)."
        )
    for grid in sorted({r["grid"] for r in tri}):
        n = max(r["points"] for r in tri if r["grid"] == grid)
        at = {r["backend"]: r for r in tri if r["grid"] == grid and r["points"] == n}
        if len(at) > 1:
            ranked = sorted(at.values(), key=lambda r: -r["points_per_s"])
            slow = ranked[-1]
            parts = [
                f"`{r['backend']}` {_fmt_rate(r['points_per_s'])} "
                f"({r['points_per_s'] / slow['points_per_s']:.1f}x `{slow['backend']}`)"
                for r in ranked[:-1]
            ]
            parts.append(f"`{slow['backend']}` {_fmt_rate(slow['points_per_s'])}")
            lines.append(f"At {n:,} points on the {grid}^3 grid: " + ", ".join(parts) + ".")
    grids = sorted({r["grid"] for r in tri})
    if len(grids) > 1:
        small, large = grids[0], grids[-1]
        for backend in sorted({r["backend"] for r in tri}):
            a = {r["points"]: r for r in tri if r["backend"] == backend and r["grid"] == small}
            b = {r["points"]: r for r in tri if r["backend"] == backend and r["grid"] == large}
            common = sorted(set(a) & set(b))
            if common:
                n = common[-1]
                ratio = a[n]["points_per_s"] / b[n]["points_per_s"]
                size_mb = large**3 * (8 if results["config"]["dtype"] == "float64" else 4) / 1e6
                lines.append(
                    f"`{backend}` is {ratio:.1f}x slower on the {large}^3 grid "
                    f"({size_mb:.0f} MB of F) than on {small}^3 at {n:,} uniformly random "
                    "points: each point reads 16 rows of 4 values at scattered addresses of "
                    "an F that no longer fits in the CPU caches (the likely cause; not "
                    "profiled here)."
                )
    for r in tri:
        if r["first_call_of_backend"]:
            extra = r["cold_s"] - r["warm"]["median"]
            lines.append(
                f"Cold start of `{r['backend']}` (first call in the process, "
                f"{r['points']:,} points): {r['cold_s']:.2f} s vs {r['warm']['median']:.3f} s "
                f"warm, i.e. about {extra:.2f} s of one-off cost (compilation, module loading)."
            )
    threads = results["config"].get("threads")
    if threads is not None:
        lines.append(
            f"torch intra-op threads were set to {threads} (--threads); Warp's CPU launch "
            "always runs on one thread."
        )
    ab = results["absorption"]
    if ab:
        per = [r["pixel_layers_per_s"] for r in ab]
        lines.append(
            f"Absorption runs at {min(per) / 1e6:.3g}-{max(per) / 1e6:.3g} M pixel-layers/s; "
            "its cost is proportional to pixels x layers (exp/expm1 per layer and pixel, then "
            "one weighted sum), i.e. memory-bound elementwise work."
        )
    for dtype in ("float64", "float32"):
        errs = [p["max_rel_error"] for p in results["parity"] if p["dtype"] == dtype]
        if errs:
            ok = all(p["passed"] for p in results["parity"] if p["dtype"] == dtype)
            lines.append(
                f"Parity {dtype}: max relative error vs the scalar reference "
                f"{max(errs):.2e} over all backends and both out-of-range modes "
                f"({'within' if ok else 'OUTSIDE'} tolerance, masks "
                f"{'identical' if ok else 'checked'})."
            )
    return lines


def render_markdown(results: dict[str, Any], chart_files: list[str]) -> str:
    cfg = results["config"]
    env = results["env"]
    gpu = results["gpu"]
    md = ["# Tricubic interpolation and detector absorption: baselines", ""]
    md += [
        f"Command: `{results['command']}`",
        "",
        f"Devices: {', '.join(cfg['devices'])} · dtype {cfg['dtype']} · repeats {cfg['repeats']}"
        f" (+1 untimed warm-up) · torch threads {env.get('torch_threads')} · "
        f"caches {'fresh (empty Warp and Inductor caches)' if cfg['fresh_caches'] else 'reused'}",
        "",
        f"Machine: {env_summary(env)}",
        "",
    ]
    if gpu["measured"]:
        md += ["GPU measured: " + str(env.get("gpu_name")), ""]
    else:
        md += [f"GPU not measured: {gpu['reason_not_measured']}", ""]
    md += ["## Interpretation", ""] + [f"- {line}" for line in interpretation(results)] + [""]
    tri_cols = ["backend", "device", "grid", "points", "cold_s", "mean_s", "median_s",
                "stdev_s", "points_per_s", "in_range"]  # fmt: skip
    tri_rows = [
        {
            "backend": r["backend"],
            "device": r["device"],
            "grid": f"{r['grid']}^3",
            "points": f"{r['points']:,}",
            "cold_s": r["cold_s"],
            "mean_s": r["warm"]["mean"],
            "median_s": r["warm"]["median"],
            "stdev_s": r["warm"]["stdev"],
            "points_per_s": f"{r['points_per_s']:.3e}",
            "in_range": r["in_range_fraction"],
        }
        for r in results["tricubic"]
    ]
    md += [
        "## Tricubic interpolation (warm = median of repeats)",
        "",
        markdown_table(tri_rows, tri_cols),
    ]
    ab_rows = [
        {
            "device": r["device"],
            "detector": f"{r['size']}x{r['size']}",
            "layers": r["layers"],
            "cold_s": r["cold_s"],
            "mean_s": r["warm"]["mean"],
            "median_s": r["warm"]["median"],
            "stdev_s": r["warm"]["stdev"],
            "pixels_per_s": f"{r['pixels_per_s']:.3e}",
        }
        for r in results["absorption"]
    ]
    md += ["## Detector absorption (capture_fractions + absorb, step rule uniform)", ""]
    md += [markdown_table(ab_rows)]
    par_cols = ["backend", "device", "dtype", "mode", "points", "in_range_fraction",
                "max_rel_error", "tolerance", "mask_mismatches", "passed"]  # fmt: skip
    md += ["## Parity with the scalar reference", "", markdown_table(results["parity"], par_cols)]
    md += ["## Skipped", ""]
    md += [f"- {s['what']}: {s['reason']}" for s in results["skipped"]] or ["- nothing"]
    md += ["", "## Warnings", ""]
    md += [f"- {w}" for w in results["warnings"]] or ["- none"]
    la = results["load_average"]
    md += [
        "",
        f"Load average (1/5/15 min) before: {', '.join(f'{x:.2f}' for x in la['before'])}; "
        f"after: {', '.join(f'{x:.2f}' for x in la['after'])}. "
        f"Wall time {results['wall_s']:.0f} s.",
        "",
        "## Charts",
        "",
    ]
    md += [f"![{name}]({name})" for name in chart_files]
    md += ["", "Raw samples: `results.json`; machine and software: `env.json`."]
    return "\n".join(md) + "\n"


def write_bench_report(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write results.json, report.md, env.json and the PNG charts into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chart_files = []
    for stem, chart in charts(results).items():
        save_chart(chart, out_dir / f"{stem}.png")
        chart_files.append(f"{stem}.png")
    md_path, json_path = write_report(
        out_dir / "report.md", render_markdown(results, chart_files), results
    )
    results_path = out_dir / "results.json"
    json_path.replace(results_path)
    env_path = out_dir / "env.json"
    atomic_write_text(env_path, json.dumps(results["env"], indent=2, sort_keys=True) + "\n")
    return [md_path, results_path, env_path, *(out_dir / f for f in chart_files)]
