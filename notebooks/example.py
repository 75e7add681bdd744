"""The pattern every perflab notebook follows (a tiny, real example).

Run as a script:   python notebooks/example.py -- --smoke --out /tmp/example
Edit:              marimo edit notebooks/example.py
Serve read-only:   marimo run notebooks/example.py

It times ``numpy.sort`` on growing arrays with the shared harness, shows a chart (the
"largest array" control picks how far it goes), and writes a Markdown + JSON report: as a
script (into the git-ignored ``build/example/``, or ``--out DIR``), or under ``marimo edit``
with ``--out DIR``; under ``marimo run`` it writes nothing
(``perflab.harness.nbargs.may_write``). Flags (``perflab.harness.notebook_args``, typed):
``--smoke`` (seconds), ``--out DIR``.
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
    from perflab.harness.nbargs import may_write

    # typed flags (perflab.harness.notebook_args): --smoke, --out DIR (--publish: nothing
    # to publish here); a notebook's own flag is one keyword, e.g. notebook_args(n=int)
    args = notebook_args()
    smoke = args.smoke
    out_dir = args.destination("example", None)  # --out DIR, else build/example (ignored)
    sizes = [1_000, 10_000] if smoke else [1_000, 10_000, 100_000, 1_000_000]
    repeats = 3 if smoke else 7
    writes = may_write(mo.app_meta().mode, args)
    where = f"output `{out_dir}`" if writes else "read-only: writes nothing"
    mo.md(f"**Mode**: {'smoke' if smoke else 'full'} · sizes {sizes} · {where}")
    return Path, out_dir, repeats, sizes, smoke, writes


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
def _(mo, sizes):
    largest = mo.ui.dropdown([str(n) for n in sizes], value=str(sizes[-1]), label="largest array")
    largest
    return (largest,)


@app.cell
def _(largest, mo, rows):
    import altair as alt
    import polars as pl

    def sort_chart(frame):
        return (
            alt.Chart(frame)
            .mark_line(point=True)
            .encode(
                x=alt.X("n:Q", scale=alt.Scale(type="log"), title="array length"),
                y=alt.Y("median_s:Q", scale=alt.Scale(type="log"), title="warm median (s)"),
                tooltip=["n", "median_s", "cold_s"],
            )
            .properties(title="numpy.sort, warm median", width=420, height=260)
        )

    df = pl.DataFrame(rows)
    chart = sort_chart(df)
    shown = df.filter(pl.col("n") <= int(largest.value))
    mo.vstack([mo.md(f"{len(shown)} sizes, up to {largest.value} elements"), sort_chart(shown)])
    return chart, df


@app.cell
def _(chart, df, out_dir, rows, writes):
    from perflab.harness import env_snapshot, markdown_table, save_chart, write_report

    if writes:
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
