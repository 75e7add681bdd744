"""atlas-small: about 1000 symplectic polytopes from every generator family, as a dashboard.

Build (script):    python notebooks/atlas_small.py [--resume] [--only FAMILY] [--workers N]
                   [--out DIR | --publish]   (--workers defaults to 2: the machine's two cores)
                   [--cluster local | --scheduler tcp://HOST:PORT]   (Dask: same bytes)
Smoke (seconds):   python notebooks/atlas_small.py -- --smoke [--out /tmp/x]
Dashboard:         marimo run notebooks/atlas_small.py

Flags (``perflab.harness.notebook_args``, typed; ``perflab.atlas.pipeline.atlas_flags``).
The dataset goes to the git-ignored ``build/datasets/atlas-small``, raw timings to
``build/benchmarks/atlas-small`` and the benchmark report to ``build/reports/``; with
``--publish`` to the committed ``artefacts/datasets/atlas-small``,
``artefacts/benchmarks/atlas-small`` and ``reports/``; with ``--out DIR`` everything goes
under DIR. As a script the build starts afresh unless ``--resume`` (``--only F`` alone
rebuilds family F), in a staging folder swapped in when complete: killed at any moment it
leaves the last good build as it was. Under ``marimo run`` (whatever the
flags) and plain ``marimo edit`` nothing is built or written: the dashboard opens the
published dataset (or the build in ``--out DIR``); ``marimo edit ... -- --out DIR`` builds
there. ``--smoke`` builds one polytope of each of three families (``atlas-small-smoke``,
never published). Controls: family, facet range and capacity method filters.
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
    args = notebook_args(**atlas_flags(workers=2))
    ds, source = notebook_open(
        "atlas-small",
        args,
        mo.app_meta().mode,
        lambda n: mo.status.progress_bar(total=n, title="Building atlas-small"),
    )
    mo.md(source)
    return (ds,)


@app.cell
def _(ds, views):
    df = views.frame(ds)
    return (df,)


@app.cell
def _(df, mo, views):
    family, facets, method, _view = views.filter_controls(mo, df)
    _view
    return facets, family, method


@app.cell
def _(df, facets, family, method, mo, views):
    shown = views.filter_rows(df, family.value, facets.value, method.value)
    table = mo.ui.table(shown, selection="single", page_size=12)
    mo.vstack([mo.md(views.summary_line("atlas-small", shown, df)), table])
    return shown, table


@app.cell
def _(mo, shown, views):
    # two wide charts: the second wraps below the first where the page is too narrow
    # (side by side they overflowed the medium-width page and clipped the scatter plot)
    mo.hstack(
        [views.systolic_histogram(shown), views.capacity_vs_volume(shown)],
        justify="start",
        wrap=True,
    )
    return


@app.cell
def _(df, mo, views):
    top = views.top_systolic(df, 10)
    mo.vstack(
        [
            views.systolic_by_family(df),
            mo.md("### Top systolic ratios"),
            mo.ui.table(top, selection=None),
        ]
    )
    return (top,)


@app.cell
def _(ds, mo, shown, table, top, views):
    pid = views.selected_id(table.value, shown if len(shown) else top, ds)
    mo.vstack(
        [
            mo.md(f"### Minimal-action cycle of `{pid}` (select a row in the table)"),
            views.cycle_chart(views.row_by_id(ds, pid)),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
