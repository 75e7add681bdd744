"""Report for :mod:`perflab.bragg.bench`: Markdown, JSON, env and altair charts.

Every number and every sentence of the interpretation is computed from the results
dictionary that :func:`perflab.bragg.bench.run_bench` returned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perflab.harness import atomic_write_text, env_summary, markdown_table, save_chart, write_report

__all__ = [
    "absorption_chart",
    "charts",
    "choices",
    "cold_warm_chart",
    "filter_results",
    "interpretation",
    "render_markdown",
    "tricubic_chart",
    "write_bench_report",
]


def _fmt_rate(x: float | None) -> str:
    return "n/a" if x is None else f"{x / 1e6:.2f} M/s"


def tricubic_chart(results: dict[str, Any]):
    """Warm median throughput vs query points: colour backend, dash grid, one panel per
    dtype and thread count; the grey rule is the C loop at the target size."""
    import altair as alt

    rows = [
        {
            "backend": r["backend"],
            "grid": f"{r['grid']}^3",
            "points": r["points"],
            "Mpoints_per_s": r["points_per_s"] / 1e6,
            "run": f"{r['dtype']}, {r['threads']} thread(s)",
        }
        for r in results["tricubic"]
    ]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("points:Q", scale=alt.Scale(type="log"), title="query points"),
        y=alt.Y("Mpoints_per_s:Q", scale=alt.Scale(type="log"), title="warm median (M points/s)"),
        color=alt.Color("backend:N"),
        strokeDash=alt.StrokeDash("grid:N"),
        tooltip=["backend:N", "grid:N", "points:Q", "Mpoints_per_s:Q", "run:N"],
    )
    return (
        base.mark_line(point=True)
        .properties(width=300, height=220)
        .facet(facet=alt.Facet("run:N", title=None), columns=2)
        .properties(title="Tricubic interpolation: throughput per backend (c_loop: the target)")
    )


def cold_warm_chart(results: dict[str, Any]):
    """Cold (fresh process: imports, initialisation, compilation, first call) vs warm median
    seconds at the cold measurement's size, per backend and dtype."""
    import altair as alt

    rows = []
    for c in results["cold"]:
        if not c.get("finished"):
            continue
        warm = [
            r for r in results["tricubic"]
            if (r["backend"], r["dtype"], r["grid"], r["points"], r["threads"])
            == (c["backend"], c["dtype"], c["grid"], c["points"], c["threads"])
        ]  # fmt: skip
        label = f"{c['backend']} {c['dtype']}"
        rows.append({"run": label, "kind": "cold (fresh process)", "s": c["cold_s"]})
        if warm:
            rows.append({"run": label, "kind": "warm median", "s": warm[0]["warm"]["median"]})
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("run:N", title="backend, dtype", sort=None),
            y=alt.Y("s:Q", scale=alt.Scale(type="log"), title="seconds"),
            color=alt.Color("kind:N"),
            shape=alt.Shape("kind:N"),
            tooltip=["run:N", "kind:N", "s:Q"],
        )
        .properties(title="Tricubic: cold (fresh process) vs warm", width=420, height=240)
    )


def absorption_chart(results: dict[str, Any]):
    """Warm throughput of capture_fractions + absorb vs detector size, one line per layers."""
    import altair as alt

    rows = [
        {
            "pixels": r["pixels"],
            "layers": str(r["layers"]),
            "Mpixels_per_s": r["pixels_per_s"] / 1e6,
            "run": f"{r['dtype']}, {r['threads']} thread(s)",
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
            tooltip=["pixels:Q", "layers:N", "Mpixels_per_s:Q", "run:N"],
        )
        .properties(width=300, height=200)
        .facet(facet=alt.Facet("run:N", title=None), columns=2)
        .properties(
            title="Detector absorption, per-layer path (positions, parallax, capture, absorb)"
        )
    )


def charts(results: dict[str, Any]) -> dict[str, Any]:
    """The report's charts by file stem (only those with data)."""
    out = {}
    if results["tricubic"]:
        out["tricubic_throughput"] = tricubic_chart(results)
    if any(c.get("finished") for c in results["cold"]):
        out["tricubic_cold_warm"] = cold_warm_chart(results)
    if results["absorption"]:
        out["absorption_throughput"] = absorption_chart(results)
    return out


def _target_lines(results: dict[str, Any]) -> list[str]:
    t = results["target"]
    size = f"{t['points']:,} points on a {t['grid']}^3 grid, {t['dtype']}, {t['threads']} thread"
    if t["points_per_s"] is None:
        return [f"Target ({size}): {t['source']}."]
    lines = [f"Target ({size}): {_fmt_rate(t['points_per_s'])}, the source being {t['source']}."]
    ratios = (results.get("target_pairs") or {}).get("ratios", {})
    for backend, ratio in sorted(t["ratio_to_c_loop"].items(), key=lambda kv: -kv[1]):
        verdict = "meets" if ratio >= 1 else "does NOT meet"
        note = " (the default, `auto`)" if backend == t["auto_backend_on_cpu"] else ""
        spread = ""
        if backend in ratios:
            r = ratios[backend]
            spread = f" (rounds: {min(r):.2f}x to {max(r):.2f}x)"
        lines.append(
            f"`{backend}`{note}: {_fmt_rate(t['measured'][backend])} = {ratio:.2f}x the C "
            f"loop{spread}: {verdict} the target."
        )
    return lines


def _pairs_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per paired round: the C loop's seconds, then each backend's and its ratio."""
    pairs = results.get("target_pairs")
    if not pairs:
        return []
    rows = []
    for i, c in enumerate(pairs["c_loop_s"]):
        row: dict[str, Any] = {"round": i + 1, "c_loop_s": c}
        for b, secs in pairs["backend_s"].items():
            row[f"{b}_s"] = secs[i]
            row[f"{b}_ratio"] = f"{pairs['ratios'][b][i]:.2f}"
        rows.append(row)
    return rows


def _cold_lines(results: dict[str, Any]) -> list[str]:
    lines = []
    for c in results["cold"]:
        what = f"`{c['backend']}` {c['dtype']} ({c['points']:,} points, {c['grid']}^3)"
        if not c.get("finished"):
            lines.append(f"Cold start of {what} in a fresh process: not measured, {c['reason']}.")
            continue
        lines.append(
            f"Cold start of {what} in a fresh process with empty caches: {c['cold_s']:.2f} s "
            f"(imports {c['import_s']:.2f} s + first call {c['first_call_s']:.2f} s; the "
            f"second call took {c['second_call_s']:.3f} s)."
        )
    return lines


def _thread_lines(tri: list[dict[str, Any]]) -> list[str]:
    lines = []
    key = ("backend", "dtype", "grid", "points")
    one = {tuple(r[k] for k in key): r for r in tri if r["threads"] == 1}
    for r in tri:
        if r["threads"] == 2 and tuple(r[k] for k in key) in one:
            base = one[tuple(r[k] for k in key)]
            if r["points"] == max(x["points"] for x in tri) and r["grid"] == min(
                x["grid"] for x in tri
            ):
                lines.append(
                    f"`{r['backend']}` {r['dtype']} on 2 threads: "
                    f"{r['points_per_s'] / base['points_per_s']:.2f}x its 1-thread throughput "
                    f"({r['points']:,} points, {r['grid']}^3)."
                )
    return lines


def interpretation(results: dict[str, Any]) -> list[str]:
    """Sentences derived from the measured numbers."""
    tri = results["tricubic"]
    lines = _target_lines(results) + _cold_lines(results) + _thread_lines(tri)
    lines.append(
        "Warp's CPU launch and the C loop run on one thread whatever torch's thread setting: "
        "they have 1-thread rows only."
    )
    ab = results["absorption"]
    if ab:
        per = [r["pixel_layers_per_s"] for r in ab]
        lines.append(
            f"Absorption on the per-layer path (layer positions, a parallax per layer, capture "
            f"fractions, absorb) runs at {min(per) / 1e6:.3g}-{max(per) / 1e6:.3g} M "
            "pixel-layers/s over the sizes, dtypes and thread counts measured."
        )
    for dtype in ("float64", "float32"):
        errs = [p["max_rel_error"] for p in results["parity"] if p["dtype"] == dtype]
        if errs:
            ok = all(p["passed"] for p in results["parity"] if p["dtype"] == dtype)
            who = sorted({p["backend"] for p in results["parity"] if p["dtype"] == dtype})
            lines.append(
                f"Parity {dtype} ({', '.join(who)}): max relative error vs the scalar reference "
                f"{max(errs):.2e} ({'within' if ok else 'OUTSIDE'} tolerance)."
            )
    gpu = results["gpu"]
    if not gpu["measured"]:
        lines.append(f"GPU not measured: {gpu['reason_not_measured']}.")
    return lines


def _tri_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "backend": r["backend"], "device": r["device"], "dtype": r["dtype"],
            "threads": r["threads"], "grid": f"{r['grid']}^3", "points": f"{r['points']:,}",
            "first_in_process_s": r["cold_in_process_s"], "median_s": r["warm"]["median"],
            "stdev_s": r["warm"]["stdev"], "points_per_s": f"{r['points_per_s']:.3e}",
        }
        for r in results["tricubic"]
    ]  # fmt: skip


def _cold_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    keys = ("backend", "dtype", "grid", "points", "threads", "finished", "cold_s", "import_s",
            "first_call_s", "second_call_s", "process_s", "reason")  # fmt: skip
    return [{k: c.get(k, "") for k in keys} for c in results["cold"]]


def _ab_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "device": r["device"], "dtype": r["dtype"], "threads": r["threads"],
            "detector": f"{r['size']}x{r['size']}", "layers": r["layers"],
            "first_in_process_s": r["cold_in_process_s"], "median_s": r["warm"]["median"],
            "stdev_s": r["warm"]["stdev"], "pixels_per_s": f"{r['pixels_per_s']:.3e}",
        }
        for r in results["absorption"]
    ]  # fmt: skip


def render_markdown(results: dict[str, Any], chart_files: list[str]) -> str:
    cfg, env, gpu = results["config"], results["env"], results["gpu"]
    md = ["# Tricubic interpolation and detector absorption: baselines", ""]
    md += [
        f"Command: `{results['command']}`",
        "",
        f"Devices: {', '.join(cfg['devices'])} · dtypes {', '.join(cfg['dtypes'])} · torch "
        f"threads {', '.join(map(str, cfg['threads']))} · repeats {cfg['repeats']} (+1 untimed "
        f"warm-up) · caches {'fresh' if cfg['fresh_caches'] else 'reused'}",
        "",
        f"Machine: {env_summary(env)}",
        "",
    ]
    md += ["GPU measured: " + str(env.get("gpu_name"))] if gpu["measured"] else [
        f"GPU not measured: {gpu['reason_not_measured']}"]  # fmt: skip
    md += ["", "## Interpretation", ""] + [f"- {x}" for x in interpretation(results)] + [""]
    if results.get("cloop"):
        c = results["cloop"]
        md += [f"C baseline: `{c['source']}`, built with `{c['command']}` ({c['compiler']}).", ""]
    if _pairs_rows(results):
        md += ["## Target in paired rounds (C loop, then each backend, back to back)", ""]
        md += [markdown_table(_pairs_rows(results)), ""]
    md += ["## Cold starts (fresh process per backend and dtype, empty caches)", ""]
    md += [markdown_table(_cold_rows(results))] if results["cold"] else ["- not run (--no-cold)"]
    md += ["", "## Tricubic interpolation (warm = median of repeats)", ""]
    md += [markdown_table(_tri_rows(results))]
    md += ["## Detector absorption (per-layer path)", "", markdown_table(_ab_rows(results))]
    par_cols = ["backend", "device", "dtype", "mode", "points", "in_range_fraction",
                "max_rel_error", "tolerance", "mask_mismatches", "passed"]  # fmt: skip
    md += ["## Parity with the scalar reference", "", markdown_table(results["parity"], par_cols)]
    md += ["## GPU", ""]
    md += [f"- {g['what']}: not measured ({g['reason']})" for g in gpu["rows"]] or ["- measured"]
    md += ["", "## Skipped", ""]
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


def filter_results(
    results: dict[str, Any], *, backend: str = "all", dtype: str = "all", grid: str = "all"
) -> dict[str, Any]:
    """A copy of ``results`` keeping the tricubic rows of ``backend``/``dtype``/``grid``
    and the absorption and cold rows of ``dtype`` (``"all"``: no filter), for the
    dashboard's controls; :func:`charts` draws the copy."""

    def keep(r: dict[str, Any], **want: str) -> bool:
        return all(v == "all" or str(r.get(k)) == v for k, v in want.items())

    out = dict(results)
    out["tricubic"] = [
        r for r in results["tricubic"] if keep(r, backend=backend, dtype=dtype, grid=grid)
    ]
    out["absorption"] = [r for r in results["absorption"] if keep(r, dtype=dtype)]
    out["cold"] = [r for r in results["cold"] if keep(r, backend=backend, dtype=dtype)]
    return out


def choices(results: dict[str, Any], key: str, table: str = "tricubic") -> list[str]:
    """``"all"`` and the distinct values of ``key`` in ``results[table]`` (sorted)."""
    return ["all", *sorted({str(r[key]) for r in results[table]})]
