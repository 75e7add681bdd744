"""The benchmark report of an atlas build, computed from its raw timing logs.

Input: ``BENCH/timings.jsonl`` (one record per polytope x quantity x algorithm, see
:mod:`perflab.atlas.builder`) and ``BENCH/runs.jsonl`` (one record per build run). When a
row was computed more than once (a crash between its timing records and its journal entry,
or a ``--only`` rebuild) the latest record per (polytope, quantity, algorithm) counts.

Output: ``reports/<atlas>_benchmark.md`` + ``.json`` with, per generator family x quantity
x algorithm, the number of records, how many were ok / failed / timed out / not applicable,
and mean, p50, p90 and max seconds over the ok records (numpy's linear quantiles); the
slowest records; the build runs; and two altair charts saved as PNG.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from perflab.atlas.schema import Status
from perflab.harness import RunLog, markdown_table, save_chart, write_report

__all__ = [
    "RUNS",
    "TIMINGS",
    "benchmark_report",
    "capacity_by_facets",
    "latest_timings",
    "report_is_current",
    "slowest",
    "timing_table",
]

TIMINGS = "timings.jsonl"
RUNS = "runs.jsonl"


def _display(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it (no machine paths in
    committed reports), else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def latest_timings(
    bench_dir: str | os.PathLike[str], polytope_ids: set[str] | None = None
) -> list[dict[str, Any]]:
    """The latest record per (polytope, quantity, algorithm), in first-seen order.

    With ``polytope_ids``, records of other polytopes (e.g. of an abandoned build) are
    left out.
    """
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rec in RunLog.iter(Path(bench_dir) / TIMINGS):
        if polytope_ids is not None and rec["polytope_id"] not in polytope_ids:
            continue
        latest[(rec["polytope_id"], rec["quantity"], rec["algorithm"])] = rec
    return list(latest.values())


def timing_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (family, quantity, algorithm): counts by status and seconds statistics (ok only)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["family"], r["quantity"], r["algorithm"]), []).append(r)
    out = []
    for (family, quantity, algorithm), recs in sorted(groups.items()):
        ok = np.array([r["seconds"] for r in recs if r["status"] == "ok"], dtype=np.float64)
        row: dict[str, Any] = {
            "family": family,
            "quantity": quantity,
            "algorithm": algorithm,
            "count": len(recs),
            "ok": int(ok.size),
            "failures": sum(1 for r in recs if Status.is_error(r["status"])),
            "work_budget": sum(1 for r in recs if r["status"] == "work_budget"),
            "not_applicable": sum(1 for r in recs if r["status"] == "not_applicable"),
            "not_run": sum(1 for r in recs if r["status"] == "not_run"),
            "mean_s": None,
            "p50_s": None,
            "p90_s": None,
            "max_s": None,
            "total_s": float(sum(r["seconds"] for r in recs)),
        }
        if ok.size:
            p50, p90 = np.quantile(ok, [0.5, 0.9])
            row.update(
                mean_s=float(ok.mean()),
                p50_s=float(p50),
                p90_s=float(p90),
                max_s=float(ok.max()),
            )
        out.append(row)
    return out


def capacity_by_facets(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per capacity algorithm and number of facets: counts by outcome and the median and
    maximum seconds of the ``ok`` records (how each method's cost grows with the facets)."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in records:
        if r["quantity"] == "ehz_capacity" and r.get("num_facets") is not None:
            if r["status"] not in ("not_applicable", "not_run"):
                groups.setdefault((r["algorithm"], int(r["num_facets"])), []).append(r)
    out = []
    for (algorithm, facets), recs in sorted(groups.items()):
        ok = np.array([r["seconds"] for r in recs if r["status"] == "ok"], dtype=np.float64)
        out.append(
            {
                "algorithm": algorithm,
                "facets": facets,
                "count": len(recs),
                "ok": int(ok.size),
                "work_budget": sum(1 for r in recs if r["status"] == "work_budget"),
                "failures": sum(1 for r in recs if Status.is_error(r["status"])),
                "p50_s": float(np.median(ok)) if ok.size else None,
                "max_s": float(ok.max()) if ok.size else None,
            }
        )
    return out


def slowest(records: list[dict[str, Any]], k: int = 10) -> list[dict[str, Any]]:
    """The ``k`` records with the most seconds (any status; ties broken by id)."""
    keys = ("polytope_id", "family", "quantity", "algorithm", "status", "seconds", "num_facets")
    top = sorted(records, key=lambda r: (-r["seconds"], r["polytope_id"], r["algorithm"]))[:k]
    return [{c: r.get(c) for c in keys} for r in top]


def _step(rec: dict[str, Any]) -> str:
    """Chart label: the quantity, with the algorithm where there are several."""
    if rec["quantity"] == "ehz_capacity":
        return f"capacity:{rec['algorithm']}"
    return str(rec["quantity"])


def _charts(records: list[dict[str, Any]], atlas: str) -> dict[str, Any]:
    import altair as alt
    import polars as pl

    ok = [r for r in records if r["status"] == "ok"]
    if not ok:
        return {}
    df = pl.DataFrame(
        {
            "family": [r["family"] for r in ok],
            "step": [_step(r) for r in ok],
            "seconds": [max(r["seconds"], 1e-7) for r in ok],
            "num_facets": [r.get("num_facets") for r in ok],
        }
    )
    by_family = (
        alt.Chart(df)
        .mark_boxplot(extent="min-max")
        .encode(
            x=alt.X("seconds:Q", scale=alt.Scale(type="log"), title="seconds (log)"),
            y=alt.Y("family:N", title=None),
            color=alt.Color("family:N", legend=None),
        )
        .properties(width=260, height=260)
        .facet(facet=alt.Facet("step:N", title=None), columns=3)
        .properties(title=f"{atlas}: seconds per family, one panel per step")
    )
    cap = df.filter(pl.col("step").str.starts_with("capacity:"))
    by_facets = (
        alt.Chart(cap)
        .mark_point(filled=True, opacity=0.6)
        .encode(
            x=alt.X("num_facets:Q", title="facets"),
            y=alt.Y("seconds:Q", scale=alt.Scale(type="log"), title="seconds (log)"),
            color=alt.Color("step:N", title="algorithm"),
            tooltip=["family", "step", "num_facets", "seconds"],
        )
        .properties(title=f"{atlas}: capacity seconds vs facets", width=520, height=300)
    )
    return {"seconds_by_family": by_family, "capacity_vs_facets": by_facets}


#: The report figures that depend on the raw logs only (not on paths or charts).
_FIGURES = (
    "records",
    "polytopes",
    "table",
    "by_facets",
    "slowest",
    "runs",
    "last_full_build_wall_s",
)


def _report_data(
    atlas: str, bench_dir: Path, polytope_ids: set[str] | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The records the report is computed from, and the report's data (charts empty)."""
    records = latest_timings(bench_dir, polytope_ids)
    if not records:
        raise FileNotFoundError(f"{bench_dir / TIMINGS}: no timing records to report on")
    runs = RunLog.read(bench_dir / RUNS)
    full_runs = [r for r in runs if r.get("only") is None and r.get("rows_reused") == 0]
    data: dict[str, Any] = {
        "atlas": atlas,
        "source": _display(bench_dir / TIMINGS),
        "records": len(records),
        "polytopes": len({r["polytope_id"] for r in records}),
        "table": timing_table(records),
        "by_facets": capacity_by_facets(records),
        "slowest": slowest(records),
        "runs": runs,
        "last_full_build_wall_s": full_runs[-1]["wall_s"] if full_runs else None,
        "charts": {},
    }
    return records, data


def report_is_current(
    atlas: str,
    bench_dir: str | os.PathLike[str],
    reports_dir: str | os.PathLike[str],
    *,
    polytope_ids: set[str] | None = None,
) -> bool:
    """Whether ``<reports_dir>/<atlas>_benchmark.md`` + ``.json`` exist and hold the figures
    the raw logs in ``bench_dir`` give now (a build killed before its report, or a fresh
    build over an old one, leaves a report that does not)."""
    reports_dir = Path(reports_dir)
    md = reports_dir / f"{atlas}_benchmark.md"
    try:
        stored = json.loads((reports_dir / f"{atlas}_benchmark.json").read_text("utf-8"))
        _, data = _report_data(atlas, Path(bench_dir), polytope_ids)
    except (OSError, ValueError):  # no report, an unreadable one, or no/corrupt logs
        return False
    if not md.exists() or not isinstance(stored, dict):
        return False
    fresh = json.loads(json.dumps({k: data[k] for k in _FIGURES}))
    return all(stored.get(k) == v for k, v in fresh.items())


def benchmark_report(
    atlas: str,
    bench_dir: str | os.PathLike[str],
    reports_dir: str | os.PathLike[str],
    *,
    polytope_ids: set[str] | None = None,
    charts: bool = True,
) -> dict[str, Any]:
    """Write ``<reports_dir>/<atlas>_benchmark.md`` + ``.json`` (+ charts); return the data."""
    bench_dir, reports_dir = Path(bench_dir), Path(reports_dir)
    records, data = _report_data(atlas, bench_dir, polytope_ids)
    table, top, runs = data["table"], data["slowest"], data["runs"]
    chart_objs = _charts(records, atlas) if charts else {}
    for name, chart in chart_objs.items():
        path = reports_dir / f"{atlas}_benchmark_{name}.png"
        save_chart(chart, path)
        data["charts"][name] = path.name
    md = [
        f"# {atlas}: build benchmark",
        "",
        f"Computed by `perflab.atlas.report` from `{data['source']}` "
        f"({data['records']} records, {data['polytopes']} polytopes; the latest record per "
        "polytope x quantity x algorithm). Seconds are wall time on the build machine "
        "(shared, 2 cores: expect noise); mean/p50/p90/max are over `ok` records.",
        "",
        "## Per family x quantity x algorithm",
        "",
        markdown_table(
            table,
            [
                "family",
                "quantity",
                "algorithm",
                "count",
                "ok",
                "failures",
                "work_budget",
                "not_applicable",
                "not_run",
                "mean_s",
                "p50_s",
                "p90_s",
                "max_s",
            ],
        ),
        "## Capacity time against the number of facets",
        "",
        "Per algorithm and facet count (seconds of the `ok` records; `work_budget`: searches "
        "stopped by the plan's work budget, the same on every machine).",
        "",
        markdown_table(data["by_facets"]),
        "## Slowest paths",
        "",
        markdown_table(top),
        "## Build runs",
        "",
        markdown_table(
            [
                {k: r.get(k) for k in ("run_id", "only", "workers", "wall_s", "rows_computed")}
                | {
                    "rows_reused": r.get("rows_reused"),
                    "complete": r.get("complete"),
                    "load_avg_1m": (r.get("load_avg") or [None])[0],
                }
                for r in runs
            ]
        ),
    ]
    for name, fname in data["charts"].items():
        md += [f"![{name}]({fname})", ""]
    write_report(reports_dir / f"{atlas}_benchmark.md", "\n".join(md), data)
    return data
