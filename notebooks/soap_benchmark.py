"""AniSOAP benchmark: the reference package, numpy and torch (CPU float64/float32, CUDA).

Run as a script:
    python notebooks/soap_benchmark.py -- --preset cpu --sweep species,threads,batch
    python notebooks/soap_benchmark.py -- --smoke --out /tmp/soap      (CI, seconds)
Edit:  marimo edit notebooks/soap_benchmark.py

Flags: ``--preset tiny|cpu|gpu`` (default cpu), ``--sweep species|threads|batch`` (comma
separated, or ``all``), ``--smoke`` (tiny preset + seconds-long sweeps), ``--out DIR``
(default ``reports/soap``), ``--threads N`` (pin torch's intra-op threads for the main torch
CPU cases; default: the library's per-call choice, ``perflab.soap.threads``). Raw rows go to
``artefacts/benchmarks/soap/`` (``DIR/raw`` when ``--out`` is given). The reference package
(anisoap 0.1.1, ``make reference``) is timed in the same run when installed; otherwise its
rows say "reference not installed". Writes ``timings_<run>.csv``, ``summary_<run>.csv``,
``combined_from_metrics.csv``, ``profiles/*.prof`` with flame graphs, figures and
``report.md``. The logic lives in ``perflab.soap.bench``.
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
    from perflab.harness import notebook_args
    from perflab.soap.bench.pipeline import options_from_flags

    # mo.cli_args() under marimo, PERFLAB_NOTEBOOK_ARGS under Jupyter (nbval)
    try:
        opts = options_from_flags(notebook_args())
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    preset, sweeps, smoke, threads = opts.preset, opts.sweeps, opts.smoke, opts.threads
    out_dir, raw_dir, command = opts.out_dir, opts.raw_dir, opts.command
    mo.md(
        f"**Preset** `{preset}` · sweeps {sweeps or 'none'} · "
        f"{'smoke' if smoke else 'full'} · report `{out_dir}` · raw rows `{raw_dir}`"
    )
    return command, out_dir, preset, raw_dir, smoke, sweeps, threads


@app.cell
def _(command, mo, out_dir, preset, raw_dir, smoke, sweeps, threads):
    from perflab.soap.bench import run_benchmark

    def progress(cases):
        return mo.status.progress_bar(cases, title="AniSOAP benchmark cases")

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
    print(f"wrote {result.report_path}, {result.csv_path} and {len(result.raw_paths)} raw files")
    return (result,)


@app.cell
def _(mo, result):
    from perflab.soap.bench.report import (
        chart_by_system,
        chart_threads,
        chart_time_per_pair,
        chart_vs_species,
    )

    df = result.metrics
    charts = [chart_by_system(df), chart_time_per_pair(df)]
    if "species" in set(df["sweep"].to_list()):
        charts.append(chart_vs_species(df))
    if "threads" in set(df["sweep"].to_list()):
        charts.append(chart_threads(df))
    mo.vstack(charts)
    return (df,)


@app.cell
def _(mo, result):
    mo.md(result.report_path.read_text())
    return


if __name__ == "__main__":
    app.run()
