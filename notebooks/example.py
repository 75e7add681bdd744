"""The pattern every perflab notebook follows (a tiny, real example).

Run as a script:   python notebooks/example.py -- --smoke --out /tmp/example
Edit:              marimo edit notebooks/example.py
Serve read-only:   marimo run notebooks/example.py

It times ``numpy.sort`` on growing arrays with the shared harness, shows a chart, and
writes a Markdown + JSON report. Flags: ``--smoke`` (seconds), ``--out DIR``.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo

    return (mo,)


@app.cell
def _(mo):
    from pathlib import Path

    from perflab.harness import notebook_args

    # mo.cli_args() under marimo; PERFLAB_NOTEBOOK_ARGS under Jupyter (mo.cli_args() raises
    # there). A flag without a value comes back as "", so test membership, not truthiness.
    args = notebook_args()
    smoke = "smoke" in args
    out_dir = Path(args.get("out") or "reports/example")
    sizes = [1_000, 10_000] if smoke else [1_000, 10_000, 100_000, 1_000_000]
    repeats = 3 if smoke else 7
    mo.md(f"**Mode**: {'smoke' if smoke else 'full'} · sizes {sizes} · output `{out_dir}`")
    return Path, out_dir, repeats, sizes, smoke


@app.cell
def _(mo, repeats, sizes):
    import numpy as np

    from perflab.harness import measure

    rng = np.random.default_rng(0)
    rows = []
    for n in mo.status.progress_bar(sizes, title="Timing numpy.sort"):
        x = rng.random(n)
        m = measure(lambda x=x: np.sort(x), repeats=repeats, warmup=1)
        s = m.warm_stats
        rows.append(
            {
                "n": n,
                "cold_s": m.cold,
                "median_s": s.median,
                "iqr_s": s.iqr,
                "elements_per_s": n / s.median,
            }
        )
    return (rows,)


@app.cell
def _(rows):
    import altair as alt
    import polars as pl

    df = pl.DataFrame(rows)
    chart = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("n:Q", scale=alt.Scale(type="log"), title="array length"),
            y=alt.Y("median_s:Q", scale=alt.Scale(type="log"), title="warm median (s)"),
            tooltip=["n", "median_s", "cold_s"],
        )
        .properties(title="numpy.sort, warm median", width=420, height=260)
    )
    chart
    return chart, df


@app.cell
def _(chart, df, out_dir, rows):
    from perflab.harness import env_snapshot, markdown_table, save_chart, write_report

    out_dir.mkdir(parents=True, exist_ok=True)
    save_chart(chart, out_dir / "sort.png")
    md, js = write_report(
        out_dir / "report.md",
        "# numpy.sort timing\n\n" + markdown_table(rows),
        {"rows": rows, "env": env_snapshot()},
    )
    print(f"wrote {md} and {js}")
    df
    return


if __name__ == "__main__":
    app.run()
