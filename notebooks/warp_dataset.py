"""Warp kernel dataset: build (or resume) it, then look at it.

Run as a script:   python notebooks/warp_dataset.py -- --target-mb 200
                   python notebooks/warp_dataset.py -- --smoke --out /tmp/warp
Edit:              marimo edit notebooks/warp_dataset.py
Module CLI (same flags): python -m perflab.warpgen.build --target-mb 200

Flags: ``--target-mb`` (MB = 10^6 bytes per backend, default 200), ``--smoke`` (~0.6 MB,
every module validated), ``--out DIR`` (dataset in DIR/warp-kernels, stats in DIR; default the git-ignored
build/warp_dataset), ``--publish`` (the committed artefacts/datasets/warp-kernels and
reports/ instead), ``--seed``, ``--workers`` (0 = all cores),
``--shard-kernels``, ``--sample-rate`` (validated fraction, default 0.02).
Rerunning the same command resumes an interrupted build. Under ``marimo run`` (whatever the
flags) and plain ``marimo edit`` nothing is built or written: the dashboard shows the
published stats (reports/warp_dataset_stats.json) and sample kernels (or those of
``--out DIR``); ``marimo edit ... -- --out DIR`` builds there. Controls: category and variant
pickers and a kernel browser (Python beside its C++ and CUDA, with validation status).
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full")


@app.cell
def _():
    import marimo as mo

    return (mo,)


@app.cell
def _(mo):
    from pathlib import Path

    from perflab.harness import notebook_args
    from perflab.harness.nbargs import may_write
    from perflab.warpgen.build import NOTEBOOK_FLAGS, config_from_flags

    # typed flags (perflab.harness.notebook_args): those of the module CLI, checked (an
    # unknown flag is an error, not a silent full build)
    args = notebook_args(**NOTEBOOK_FLAGS)
    smoke = args.smoke
    writes = may_write(mo.app_meta().mode, args)
    cfg = config_from_flags(args, writes=writes)
    mo.md(
        f"**Mode**: {'smoke' if smoke else 'full'} · target {cfg.target_mb:g} MB per backend · "
        f"seed {cfg.seed} · {cfg.n_workers} workers · validation sample {cfg.sample_rate:.0%} · "
        f"dataset `{cfg.root}` · stats `{cfg.stats_path}`"
        if writes
        else f"**Published build**: stats `{cfg.stats_path}`, samples `{cfg.root}/samples` "
        f"(read-only under `marimo {mo.app_meta().mode}`: nothing is built or written)"
    )
    return Path, cfg, smoke, writes


@app.cell
def _(cfg, mo, writes):
    from perflab.warpgen.build import run_build
    from perflab.warpgen.stats import read_stats

    _steps = 100
    with mo.status.progress_bar(total=_steps, title="Building the Warp kernel dataset") as _bar:
        _done = [0]

        def _progress(p):
            frac = min(p["bytes"][b] for b in p["bytes"]) / p["target_bytes"]
            k = min(int(frac * _steps), _steps)
            if k > _done[0]:
                _bar.update(increment=k - _done[0], subtitle=f"shard {p['shard']}")
                _done[0] = k

        stats = run_build(cfg, _progress) if writes else read_stats(cfg.stats_path)
    print(
        "built:",
        {
            b: (stats["dataset"][b]["records"], stats["dataset"][b]["bytes"])
            for b in ("cpu", "cuda")
        },
        f"in {stats['throughput']['wall_s_total']:.1f} s",
    )
    return (stats,)


@app.cell
def _(mo, stats):
    import polars as pl

    _rows = []
    for _b in ("cpu", "cuda"):
        _d = stats["dataset"][_b]
        _v = _d["validation"]["checks"]
        _rows.append(
            {
                "backend": _b,
                "records": _d["records"],
                "MB": _d["bytes"] / 1e6,
                "shards": _d["shards"],
                "sampled": _d["validation"]["sampled"],
                "cpu_compiled": _v["cpu_compiled"]["rate"],
                "launched_finite": _v["outputs_finite"]["rate"],
                "ptx_compiled": _v["ptx_compiled"]["rate"],
            }
        )
    summary = pl.DataFrame(_rows)
    _b = stats["build"]
    _c = stats["dataset"]["corpus"]
    _sk, _bi = _c["skeletons"], _c["builtins"]
    mo.vstack(
        [
            mo.md(
                f"### Summary\n{_b['kernels_generated']} modules generated, "
                f"{_b['duplicates_dropped']['count']} duplicates and "
                f"{_b['skeleton_capped']['count']} repeated skeletons dropped, "
                f"{_b['generator_failures']['count']} rejected by warp; "
                f"{stats['throughput']['kernels_per_s'] or 0:.1f} modules/s.\n\n"
                f"Stored: {_c['modules']} modules, {_c['kernels']} kernels, "
                f"{_sk['distinct']} skeletons (repeat rate {_sk['repeat_rate']:.1%}, fewest "
                f"per category {_sk['min_per_category']}), "
                f"{_c['short_bodies']['rate']:.1%} kernel bodies under 5 statements, "
                f"{_bi['used_non_tile']}/{_bi['registry_non_tile']} non-tile and "
                f"{_bi['used_tile']}/{_bi['registry_tile']} tile builtins. "
                "MB = 10^6 bytes."
            ),
            summary,
        ]
    )
    return (pl,)


@app.cell
def _(pl, stats):
    import altair as alt

    _rows = [
        {"backend": b, "category": c, "records": v["records"], "MB": v["bytes"] / 1e6}
        for b in ("cpu", "cuda")
        for c, v in stats["dataset"][b]["categories"].items()
    ]
    category_chart = (
        alt.Chart(pl.DataFrame(_rows))
        .mark_bar()
        .encode(
            y=alt.Y("category:N", sort="-x", title=None),
            x=alt.X("MB:Q", title="MB on disk"),
            color=alt.Color("backend:N"),
            yOffset="backend:N",
            tooltip=["category", "backend", "records", "MB"],
        )
        .properties(title="Category mix (bytes per backend)", width=420, height=420)
    )
    category_chart
    return alt, category_chart


@app.cell
def _(alt, cfg, pl, smoke):
    from perflab.warpgen.stats import record_sizes
    from perflab.warpgen.storage import Layout

    # the shards are not committed (only samples): no size chart without a local build
    sizes = pl.DataFrame(
        record_sizes(Layout(cfg.root), None if smoke else 20_000),
        schema={"backend": pl.Utf8, "code_kb": pl.Float64},
    )
    # bin in polars: a chart of a few hundred bars, not one mark per kernel
    size_hist = (
        sizes.with_columns((pl.col("code_kb") // 1).alias("code_kb_bin"))
        .group_by(["backend", "code_kb_bin"])
        .len(name="kernels")
        .sort(["backend", "code_kb_bin"])
    )
    size_chart = (
        alt.Chart(size_hist)
        .mark_bar(opacity=0.6)
        .encode(
            x=alt.X("code_kb_bin:Q", title="generated code per kernel (KB, 1 KB bins)"),
            y=alt.Y("kernels:Q", stack=None, title="kernels"),
            color=alt.Color("backend:N"),
            tooltip=["backend", "code_kb_bin", "kernels"],
        )
        .properties(
            title="Size distribution of generated code"
            if len(sizes)
            else "Size distribution: no shards here (only the samples are committed)",
            width=420,
            height=260,
        )
    )
    size_chart
    return Layout, size_chart, sizes


@app.cell
def _(Layout, cfg, mo):
    from perflab.warpgen import views
    from perflab.warpgen.samples import read_samples

    cpu_samples = read_samples(Layout(cfg.root), "cpu")
    cuda_samples = {r["id"]: r for r in read_samples(Layout(cfg.root), "cuda")}
    category, variant, _view = views.filter_controls(
        mo, cpu_samples, "Kernel browser (validation sample)"
    )
    _view
    return category, cpu_samples, cuda_samples, variant, views


@app.cell
def _(category, cpu_samples, mo, variant, views):
    matching, picker, _view = views.kernel_picker(mo, cpu_samples, category.value, variant.value)
    _view
    return matching, picker


@app.cell
def _(cuda_samples, matching, mo, picker, views):
    views.kernel_browser(mo, views.picked(matching, picker.value), cuda_samples.get(picker.value))
    return


@app.cell
def _(alt, pl, stats):
    _per = stats["dataset"]["corpus"]["skeletons"]["per_category"]
    skeleton_chart = (
        alt.Chart(pl.DataFrame([{"category": c, "skeletons": n} for c, n in _per.items()]))
        .mark_bar()
        .encode(
            y=alt.Y("category:N", sort="-x", title=None),
            x=alt.X("skeletons:Q", title="distinct skeletons (names and literals abstracted)"),
            tooltip=["category", "skeletons"],
        )
        .properties(title="Structural variety per category", width=420, height=420)
    )
    skeleton_chart
    return (skeleton_chart,)


@app.cell
def _(category_chart, cfg, size_chart, skeleton_chart, writes):
    from perflab.harness import save_chart

    if writes:
        _dir = cfg.stats_path.parent
        save_chart(category_chart, _dir / "warp_dataset_categories.png")
        save_chart(size_chart, _dir / "warp_dataset_sizes.png")
        save_chart(skeleton_chart, _dir / "warp_dataset_skeletons.png")
        print(f"charts -> {_dir}")
    return


if __name__ == "__main__":
    app.run()
