"""atlas-tiny: one symplectic polytope from every generator family (the CI smoke atlas).

Build (script):    python notebooks/atlas_tiny.py [--resume] [--only FAMILY] [--out DIR]
                   [--workers N] [--cluster local | --scheduler tcp://HOST:PORT]   (Dask: same bytes)
                   (this is what ``make run`` runs)
Publish:           python notebooks/atlas_tiny.py --publish      (``make publish``)
Smoke (seconds):   python notebooks/atlas_tiny.py -- --smoke [--out /tmp/x]
Dashboard:         marimo run notebooks/atlas_tiny.py

Flags (``perflab.harness.notebook_args``, typed; ``perflab.atlas.pipeline.atlas_flags``):
``--smoke``, ``--out DIR``, ``--publish``, ``--resume``, ``--only F``, ``--workers N``.
The dataset goes to the git-ignored ``build/datasets/atlas-tiny``, raw timings to
``build/benchmarks/atlas-tiny`` and the benchmark report to ``build/reports/``; with
``--publish`` to the committed ``artefacts/datasets/atlas-tiny``,
``artefacts/benchmarks/atlas-tiny`` and ``reports/``; with ``--out DIR`` everything goes
under DIR. As a script the build starts afresh unless ``--resume``, in a staging folder
swapped in when complete (the last good build is never deleted first). Under ``marimo run`` (whatever the flags) and plain ``marimo edit`` nothing is
built or written: the dashboard opens the published dataset (or the build in ``--out DIR``);
``marimo edit ... -- --out DIR`` builds there. ``--smoke`` builds the first three families
only. Beyond the atlas-small views, this dashboard lists how far the exact capacity
algorithms agree on each row. Controls: family, facet range and capacity method filters.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo

    from perflab.atlas import views
    from perflab.atlas.pipeline import atlas_flags, notebook_open
    from perflab.harness import notebook_args

    return atlas_flags, mo, notebook_args, notebook_open, views


@app.cell
def _(atlas_flags, mo, notebook_args, notebook_open):
    # typed flags: --smoke, --out DIR, --publish and the atlas ones (one keyword per flag)
    args = notebook_args(**atlas_flags(workers=1))
    ds, source = notebook_open(
        "atlas-tiny",
        args,
        mo.app_meta().mode,
        lambda n: mo.status.progress_bar(total=n, title="atlas-tiny"),
    )
    mo.md(source)
    return (ds,)


@app.cell
def _(ds, views):
    df = views.frame(ds)
    return (df,)


@app.cell
def _(df, mo, views):
    pick, facets, method, _view = views.filter_controls(mo, df)
    _view
    return facets, method, pick


@app.cell
def _(df, facets, method, mo, pick, views):
    shown = views.filter_rows(df, pick.value, facets.value, method.value)
    rows = mo.ui.table(shown, selection="single")
    mo.vstack(
        [
            mo.md(views.summary_line("atlas-tiny", shown, df)),
            rows,
            mo.md("### Algorithm agreement"),
            views.agreement(shown),
        ]
    )
    return rows, shown


@app.cell
def _(df, mo, shown, views):
    mo.vstack(
        [
            mo.hstack(
                [views.systolic_histogram(shown), views.capacity_vs_volume(shown)],
                justify="start",
                wrap=True,  # wraps instead of clipping the second chart
            ),
            views.systolic_by_family(df),
            mo.md("### Top systolic ratios"),
            views.top_systolic(df, 5),
        ]
    )
    return


@app.cell
def _(df, ds, rows, views):
    hko = df.filter(df["family"] == "polygon_product")
    chosen = views.selected_id(rows.value, hko, ds)
    views.cycle_chart(views.row_by_id(ds, chosen))
    return


if __name__ == "__main__":
    app.run()
