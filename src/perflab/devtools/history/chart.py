"""Charts of the benchmark history (altair): one panel per domain, readable at a glance.

:func:`history_records` flattens one machine's rows into plot-ready dicts; :func:`history_chart`
draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from perflab.devtools.history.store import HistoryError, HistoryRow, latest_machine

__all__ = ["benchmark_domain", "history_chart", "history_records"]


def benchmark_domain(fullname: str, group: str = "") -> str:
    """The domain a benchmark measures: ``benchmarks/<domain>/...`` in its pytest node id,
    else the part of its group before ``:``, else ``"other"``.

    Examples
    --------
    >>> benchmark_domain("benchmarks/soap/test_bench_soap.py::test_x[3]")
    'soap'
    >>> benchmark_domain("test_y", "atlas:build")
    'atlas'
    """
    parts = fullname.split("::", 1)[0].split("/")
    if len(parts) >= 3 and parts[0] == "benchmarks":
        return parts[1]
    return group.split(":", 1)[0] or "other"


def history_records(
    history: Sequence[HistoryRow],
    machine: str | None = None,
    groups: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Plot-ready rows of one machine (default: the latest): one per benchmark per run.

    ``groups`` keeps only benchmarks of those pytest-benchmark groups (None: all).

    ``benchmark`` is the test name with its parameters (``test_x[n=10]``), ``domain`` the
    domain it measures (:func:`benchmark_domain`), ``commit`` the short commit id (``+`` when
    the tree was dirty), times in milliseconds.
    """
    machine = machine or latest_machine(history)
    out = []
    for r in history:
        if r.machine_id != machine or (groups is not None and r.group not in groups):
            continue
        out.append(
            {
                "benchmark": r.name,
                "domain": benchmark_domain(r.fullname, r.group),
                "group": r.group,
                "timestamp": r.timestamp,
                "commit": r.git_commit[:8] + ("+" if r.git_dirty else ""),
                "median_ms": r.median_s * 1e3,
                "q1_ms": r.q1_s * 1e3,
                "q3_ms": r.q3_s * 1e3,
                "rounds": r.rounds,
                "run_id": r.run_id,
            }
        )
    return out


def history_chart(
    history: Sequence[HistoryRow],
    machine: str | None = None,
    *,
    groups: Sequence[str] | None = None,
    width: int = 560,
    columns: int = 2,
) -> Any:
    """Altair chart: one panel per domain, the median of each benchmark over runs (log
    scale, the panel's own y range) with its IQR band (q1..q3).

    A panel holds only its domain's benchmarks, so dozens of benchmarks stay readable;
    there is no legend (a hover tooltip names the benchmark, its group, commit and
    times), and clicking a line highlights that benchmark. ``width`` is the whole chart's
    width, shared by ``columns`` panels per row. Raises :class:`HistoryError` when the
    machine has no rows.
    """
    import altair as alt

    recs = history_records(history, machine, groups)
    if not recs:
        raise HistoryError(
            f"no benchmark history for machine {machine or '(latest)'} in groups {groups}"
        )
    n_domains = len({r["domain"] for r in recs})
    columns = max(1, min(columns, n_domains))
    panel_w = max(220, (width - 40 * (columns - 1)) // columns)
    pick = alt.selection_point(fields=["benchmark"], on="click", clear="dblclick")
    base = alt.Chart().encode(
        x=alt.X(
            "timestamp:T",
            title="run (UTC)",
            axis=alt.Axis(format="%d %b %H:%M", labelAngle=-30, tickCount=4),
        ),
        color=alt.Color("benchmark:N", legend=None),
    )
    band = base.mark_area().encode(
        y=alt.Y("q1_ms:Q", scale=alt.Scale(type="log"), title="median per call (ms)"),
        y2="q3_ms:Q",
        opacity=alt.condition(pick, alt.value(0.2), alt.value(0.03)),
    )
    line = (
        base.mark_line(point=True)
        .encode(
            y=alt.Y("median_ms:Q", scale=alt.Scale(type="log")),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
            tooltip=[
                "benchmark:N",
                "group:N",
                "commit:N",
                "timestamp:T",
                alt.Tooltip("median_ms:Q", format=".4g"),
                alt.Tooltip("q1_ms:Q", format=".4g"),
                alt.Tooltip("q3_ms:Q", format=".4g"),
                "rounds:Q",
            ],
        )
        .add_params(pick)
    )
    title = f"Benchmark history, machine {machine or latest_machine(history)}"
    return (
        alt.layer(band, line, data=alt.Data(values=recs))
        .properties(width=panel_w, height=200)
        .facet(
            facet=alt.Facet("domain:N", title=None, header=alt.Header(labelFontSize=13)),
            columns=columns,
        )
        .resolve_scale(y="independent", color="independent")
        .properties(title=title + " (one panel per domain; band: IQR; click a line)")
    )
