"""AniSOAP benchmark: the reference package, numpy and torch (CPU float64/float32, CUDA).

Run as a script:
    python notebooks/soap_benchmark.py -- --preset cpu --sweep species,threads,batch
    python notebooks/soap_benchmark.py -- --smoke --out /tmp/soap      (CI, seconds)
Edit:  marimo edit notebooks/soap_benchmark.py

Flags: ``--preset tiny|cpu|gpu`` (default cpu), ``--sweep species|threads|batch`` (comma
separated, or ``all``), ``--smoke`` (tiny preset + seconds-long sweeps), ``--out DIR``
(default the git-ignored ``build/soap``; ``--publish``: the committed ``reports/soap``, raw
rows in ``artefacts/benchmarks/soap``), ``--threads N`` (pin torch's intra-op threads for the main torch
CPU cases; default: the library's per-call choice, ``perflab.soap.threads``). Raw rows go to
``DIR/raw`` (``artefacts/benchmarks/soap/`` with ``--publish``). The reference package
(anisoap 0.1.1, ``make reference``) is timed in the same run when installed; otherwise its
rows say "reference not installed". Writes ``timings_<run>.csv``, ``summary_<run>.csv``,
``combined_from_metrics.csv``, ``profiles/*.prof`` with flame graphs, figures and
``report.md``. The logic lives in ``perflab.soap.bench``. Under ``marimo run`` (whatever the
flags) and plain ``marimo edit`` nothing is measured or written: the dashboard shows the
newest recorded run in ``--out DIR`` (default the published reports/soap);
``marimo edit ... -- --out DIR`` measures and writes there. Controls: system, backend,
dtype and species-count filters.
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
    from perflab.soap.bench.pipeline import PUBLISHED_DIR, options_from_flags

    # typed flags (perflab.harness.notebook_args), interpreted with the module CLI's rules
    args = notebook_args(preset=str, sweep=str, threads=int)
    try:
        opts = options_from_flags(args.raw)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    preset, sweeps, smoke, threads = opts.preset, opts.sweeps, opts.smoke, opts.threads
    writes = may_write(mo.app_meta().mode, args)
    # read-only: the newest recorded run of --out DIR, else the published reports/soap
    out_dir = opts.out_dir if writes else Path(args.out or PUBLISHED_DIR)
    raw_dir, command = opts.raw_dir, opts.command
    mo.md(
        f"**Preset** `{preset}` · sweeps {sweeps or 'none'} · "
        f"{'smoke' if smoke else 'full'} · report `{out_dir}` · raw rows `{raw_dir}`"
        if writes
        else f"**Recorded runs** in `{out_dir}` (read-only under `marimo "
        f"{mo.app_meta().mode}`: nothing is measured or written)"
    )
    return command, out_dir, preset, raw_dir, smoke, sweeps, threads, writes


@app.cell
def _(command, mo, out_dir, preset, raw_dir, smoke, sweeps, threads, writes):
    from perflab.soap.bench import run_benchmark
    from perflab.soap.bench.report import latest_run

    def progress(cases):
        return mo.status.progress_bar(cases, title="AniSOAP benchmark cases")

    if writes:
        result = run_benchmark(
            preset=preset,
            sweeps=sweeps,
            smoke=smoke,
            out_dir=out_dir,
            raw_dir=raw_dir,
            commands=[command],
            progress=progress,
            threads=threads,
        )
        print(f"wrote {result.report_path}, {result.csv_path} and {len(result.raw_paths)} raw")
        df, report_path = result.metrics, result.report_path
    else:
        df, report_path = latest_run(out_dir), out_dir / "report.md"
    return df, report_path


@app.cell
def _(df, mo):
    from perflab.soap.bench.report import filter_choices

    system = mo.ui.dropdown(filter_choices(df, "system"), value="all", label="system")
    backend = mo.ui.dropdown(filter_choices(df, "backend"), value="all", label="backend")
    dtype = mo.ui.dropdown(filter_choices(df, "dtype"), value="all", label="dtype")
    species = mo.ui.dropdown(filter_choices(df, "n_species"), value="all", label="species")
    mo.hstack([system, backend, dtype, species], justify="start")
    return backend, dtype, species, system


@app.cell
def _(backend, df, dtype, mo, species, system):
    from perflab.soap.bench.report import (
        chart_by_system,
        chart_threads,
        chart_time_per_pair,
        chart_vs_species,
        filter_metrics,
    )

    shown = filter_metrics(
        df, system=system.value, backend=backend.value, dtype=dtype.value, n_species=species.value
    )
    charts = [chart_by_system(shown), chart_time_per_pair(shown)]
    if "species" in set(shown["sweep"].to_list()):
        charts.append(chart_vs_species(shown))
    if "threads" in set(shown["sweep"].to_list()):
        charts.append(chart_threads(shown))
    _cols = ["sweep", "system", "backend", "dtype", "n_species", "n_particles", "status"]
    mo.vstack(
        [
            mo.md(
                f"{len(shown)} of {len(df)} measured cases of run `{df['run_id'][0]}` · "
                f"system {system.value} · backend {backend.value} · dtype {dtype.value} · "
                f"species {species.value}"
            ),
            *charts,
            shown.select([*_cols, "warm_median_s", "time_per_pair_s"]),
        ]
    )
    return


@app.cell
def _(mo, report_path):
    from perflab.soap.bench.report import inline_images

    # the report's charts and flame graphs are files beside it: embedded, or they are broken
    mo.md(inline_images(report_path.read_text(), report_path.parent))
    return


if __name__ == "__main__":
    app.run()
