"""atlas-small: about 1000 symplectic polytopes from every generator family, as a dashboard.

Build (script):    python notebooks/atlas_small.py [--resume] [--only FAMILY] [--workers N]
                   [--out DIR]      (--workers defaults to 2: the machine's two cores)
Smoke (seconds):   python notebooks/atlas_small.py -- --smoke --out /tmp/x
Dashboard:         marimo run notebooks/atlas_small.py

Without ``--out`` the dataset goes to ``artefacts/datasets/atlas-small``, raw timings to
``artefacts/benchmarks/atlas-small`` and the benchmark report to ``reports/``; with
``--out DIR`` everything goes under DIR. As a script the build starts afresh unless
``--resume`` (``--only F`` alone rebuilds family F); under ``marimo run``/``marimo edit`` it
always resumes, so the dashboard opens on the committed build without recomputing it.
``--smoke`` builds one polytope of each of three families (into a temporary folder when
``--out`` is not given).
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
    opts = notebook_options("atlas-small", notebook_args(), mo.app_meta().mode, default_workers=2)
    result = notebook_build(
        opts, lambda n: mo.status.progress_bar(total=n, title=f"Building {opts.plan.atlas}")
    )
    mo.md(describe(result, opts.paths))
    return opts, result


@app.cell
def _(load, opts, result, views):
    ds = load(opts.paths.dataset, allow_incomplete=not result.complete)
    df = views.frame(ds)
    return df, ds


@app.cell
def _(df, mo):
    family = mo.ui.dropdown(
        ["all", *sorted(set(df["family"].to_list()))], value="all", label="family"
    )
    family
    return (family,)


@app.cell
def _(df, family, mo, views):
    table = mo.ui.table(views.filter_family(df, family.value), selection="single", page_size=12)
    table
    return (table,)


@app.cell
def _(df, family, mo, views):
    mo.hstack(
        [
            views.systolic_by_family(df),
            views.capacity_vs_volume(views.filter_family(df, family.value)),
        ]
    )
    return


@app.cell
def _(df, mo, views):
    top = views.top_systolic(df, 10)
    mo.vstack([mo.md("### Top systolic ratios"), mo.ui.table(top, selection=None)])
    return (top,)


@app.cell
def _(ds, mo, table, top, views):
    pid = views.selected_id(table.value, top, ds)
    mo.vstack(
        [
            mo.md(f"### Minimal-action cycle of `{pid}` (select a row in the table)"),
            views.cycle_chart(views.row_by_id(ds, pid)),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
