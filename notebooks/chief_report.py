"""The chief scientist's report on the Warp kernel dataset (reports/chief_report.md).

Run as a script:   python notebooks/chief_report.py
                   python notebooks/chief_report.py -- --smoke --out /tmp/report
Edit:              marimo edit notebooks/chief_report.py

Reads the build's stats (``--stats``, default reports/warp_dataset_stats.json) and sample
kernels (``--samples``, default artefacts/datasets/warp-kernels/samples); every number in the
report comes from the stats file. It also summarises every other report under ``reports/``.
Writes ``<out>/chief_report.md`` (``--out DIR``; default the git-ignored build/chief_report;
``--publish``: the committed reports/chief_report.md). ``--smoke`` does the same (it
only reads files); if no stats file exists yet it first builds a smoke dataset under ``--out``.
Under ``marimo run`` (whatever the flags) and plain ``marimo edit`` it builds and writes
nothing: it shows the report rendered in memory. Controls: category and variant pickers and a
kernel browser over the sample kernels (Python beside its C++ and CUDA, with validation).
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

    # typed flags (perflab.harness.notebook_args): --smoke, --out DIR, --publish and these
    args = notebook_args(stats=Path, samples=Path, reports=Path)
    writes = may_write(mo.app_meta().mode, args)
    smoke = args.smoke
    # --out DIR; --publish: the committed reports/; else build/chief_report (git-ignored)
    out_dir = args.destination("chief_report", "reports")
    stats_path = args.stats or Path("reports/warp_dataset_stats.json")
    samples_dir = args.samples or Path("artefacts/datasets/warp-kernels/samples")
    reports_dir = args.reports or Path("reports")
    _out = f"**output** `{out_dir}`" if writes else "read-only: writes nothing"
    mo.md(f"**Stats** `{stats_path}` · **samples** `{samples_dir}` · {_out}")
    return Path, out_dir, reports_dir, samples_dir, smoke, stats_path, writes


@app.cell
def _(out_dir, samples_dir, smoke, stats_path, writes):
    from perflab.warpgen.build import config_from_args, run_build

    if not stats_path.exists():
        if not smoke or not writes:
            raise FileNotFoundError(
                f"{stats_path} does not exist: build the dataset first "
                "(python notebooks/warp_dataset.py -- --target-mb 200)"
            )
        _cfg = config_from_args(smoke=True, out=out_dir)
        run_build(_cfg)
        stats_file, samples_folder = _cfg.stats_path, _cfg.root / "samples"
    else:
        stats_file, samples_folder = stats_path, samples_dir
    return samples_folder, stats_file


@app.cell
def _(out_dir, reports_dir, samples_folder, stats_file, writes):
    from perflab.harness import atomic_write_text
    from perflab.warpgen.report import pick_example, render_chief_report, summarise_reports
    from perflab.warpgen.samples import read_samples_dir
    from perflab.warpgen.stats import read_stats

    stats = read_stats(stats_file)
    example = pick_example(*read_samples_dir(samples_folder))
    others = summarise_reports(
        reports_dir, {"chief_report.md", "chief_report.json", stats_file.name}
    )
    report = render_chief_report(stats, example, others, stats_path=str(stats_file))
    if writes:
        out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out_dir / "chief_report.md", report)
        print(f"wrote {out_dir / 'chief_report.md'} ({len(report.split())} words)")
    return (report,)


@app.cell
def _(mo, samples_folder):
    from perflab.warpgen import views
    from perflab.warpgen.samples import read_samples_dir as _read

    cpu_samples, _cuda = _read(samples_folder)
    cuda_by_id = {r["id"]: r for r in _cuda}
    category, variant, _view = views.filter_controls(
        mo, cpu_samples, "Kernel browser (sample kernels)"
    )
    _view
    return category, cpu_samples, cuda_by_id, variant, views


@app.cell
def _(category, cpu_samples, mo, variant, views):
    matching, picker, _view = views.kernel_picker(mo, cpu_samples, category.value, variant.value)
    _view
    return matching, picker


@app.cell
def _(cuda_by_id, matching, mo, picker, views):
    views.kernel_browser(mo, views.picked(matching, picker.value), cuda_by_id.get(picker.value))
    return


@app.cell
def _(mo, report):
    mo.md(report)
    return


if __name__ == "__main__":
    app.run()
