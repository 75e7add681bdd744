"""atlas-tiny: one symplectic polytope from every generator family (the CI smoke atlas).

Build (script):    python notebooks/atlas_tiny.py [--resume] [--only FAMILY] [--out DIR]
                   (this is what ``make run`` runs)
Smoke (seconds):   python notebooks/atlas_tiny.py -- --smoke --out /tmp/x
Dashboard:         marimo run notebooks/atlas_tiny.py

Without ``--out`` the dataset goes to ``artefacts/datasets/atlas-tiny``, raw timings to
``artefacts/benchmarks/atlas-tiny`` and the benchmark report to ``reports/``; with
``--out DIR`` everything goes under DIR. As a script the build starts afresh unless
``--resume``; under ``marimo run``/``marimo edit`` it resumes (opens on the committed build).
``--smoke`` builds the first three families only. Beyond the atlas-small views, this
dashboard lists how far the exact capacity algorithms agree on each row.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo

    from perflab.atlas import load, views
    from perflab.atlas.pipeline import describe, notebook_build, notebook_options
    from perflab.harness import notebook_args

    return describe, load, mo, notebook_args, notebook_build, notebook_options, views


@app.cell
def _(describe, mo, notebook_args, notebook_build, notebook_options):
    opts = notebook_options("atlas-tiny", notebook_args(), mo.app_meta().mode)
    result = notebook_build(opts, lambda n: mo.status.progress_bar(total=n, title="atlas-tiny"))
    mo.md(describe(result, opts.paths))
    return opts, result


@app.cell
def _(load, opts, result, views):
    ds = load(opts.paths.dataset, allow_incomplete=not result.complete)
    df = views.frame(ds)
    return df, ds


@app.cell
def _(df, mo):
    families = ["all", *df["family"].to_list()]
    pick = mo.ui.dropdown(families, value="all", label="family")
    pick
    return (pick,)


@app.cell
def _(df, mo, pick, views):
    rows = mo.ui.table(views.filter_family(df, pick.value), selection="single")
    mo.vstack([rows, mo.md("### Algorithm agreement"), views.agreement(df)])
    return (rows,)


@app.cell
def _(df, mo, views):
    mo.vstack(
        [
            mo.hstack([views.systolic_by_family(df), views.capacity_vs_volume(df)]),
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
