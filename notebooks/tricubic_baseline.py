"""Tricubic interpolation and detector absorption baselines (nanoBragg semantics).

Run as a script:   python notebooks/tricubic_baseline.py -- --smoke --out /tmp/tricubic
Full baseline:     python notebooks/tricubic_baseline.py            (writes build/tricubic_baseline)
Publish it:        python notebooks/tricubic_baseline.py --publish  (writes reports/tricubic_baseline)
Edit / serve:      marimo edit|run notebooks/tricubic_baseline.py

It runs the same harness as ``python -m perflab.bragg.bench`` (perflab.bragg.bench.run_bench),
shows throughput per backend, cold vs warm and absorption charts, and writes the report.
Under ``marimo run`` (whatever the flags) and plain ``marimo edit`` it measures and writes
nothing: it shows the recorded ``results.json`` of ``--out DIR`` (default the published
reports/tricubic_baseline); ``marimo edit ... -- --out DIR`` measures and writes there.
Controls: backend, dtype and grid filters over the results, and a "run a quick measurement
now" button (eager torch, a 21^3 grid, 20,000 points, in this process, nothing written)
whose row joins the chart as backend "torch (now)".
Flags (``perflab.harness.notebook_args``, typed): ``--smoke`` (seconds), ``--out DIR``,
``--publish``, ``--repeats N``, ``--device cpu,cuda``,
``--dtypes float32,float64``, ``--threads 1,2``.
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

    from perflab.bragg.bench import BenchConfig, planned_steps, smoke_config
    from perflab.harness import notebook_args
    from perflab.harness.nbargs import may_write

    # typed flags (perflab.harness.notebook_args): --smoke, --out DIR, --publish and these
    args = notebook_args(repeats=int, device=list[str], dtypes=list[str], threads=list[int])
    smoke = args.smoke
    writes = may_write(mo.app_meta().mode, args)
    published = Path("reports/tricubic_baseline")
    # writes: --out DIR, --publish the committed folder, else build/tricubic_baseline;
    # read-only: the recorded results of --out DIR, else the published ones
    out_dir = args.destination("tricubic_baseline", published) if writes else args.out or published
    cfg = smoke_config(str(out_dir)) if smoke else BenchConfig(out=str(out_dir))
    if args.repeats:
        cfg.repeats = args.repeats
    if args.device:
        cfg.devices = args.device
    if args.dtypes:
        cfg.dtypes = args.dtypes
    if args.threads:
        cfg.threads = args.threads
    cfg.command = "python notebooks/tricubic_baseline.py " + " ".join(
        f"--{k} {v}".strip() for k, v in args.raw.items() if k
    )
    n_steps = planned_steps(cfg)  # the progress events run_bench sends (the CLI's total)
    mo.md(
        f"**Mode**: {'smoke' if smoke else 'full'} · points {cfg.points} · grids {cfg.grids} · "
        f"detectors {cfg.sizes} · layers {cfg.layers} · backends {cfg.backends} · "
        f"dtypes {cfg.dtypes} · threads {cfg.threads} · output `{out_dir}`"
        if writes
        else f"**Recorded results** `{out_dir / 'results.json'}` (read-only under "
        f"`marimo {mo.app_meta().mode}`: nothing is measured or written)"
    )
    return cfg, n_steps, out_dir, writes


@app.cell
def _(cfg, mo, n_steps, out_dir, writes):
    import json

    from perflab.bragg.bench import run_bench

    if writes:
        with mo.status.progress_bar(total=n_steps, title="Benchmarking bragg kernels") as bar:
            results = run_bench(cfg, progress=lambda msg: bar.update(subtitle=msg))
    else:
        results = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    return (results,)


@app.cell
def _(mo, results):
    from perflab.bragg.bench.report import choices

    backend = mo.ui.dropdown(choices(results, "backend"), value="all", label="backend")
    dtype = mo.ui.dropdown(choices(results, "dtype"), value="all", label="dtype")
    grid = mo.ui.dropdown(choices(results, "grid"), value="all", label="grid")
    quick = mo.ui.run_button(label="run a quick measurement now")
    mo.hstack([backend, dtype, grid, quick], justify="start")
    return backend, dtype, grid, quick


@app.cell
def _(mo, quick):
    from perflab.bragg.bench import quick_tricubic_rows

    quick_rows = []
    if quick.value:
        with mo.status.spinner(title="Measuring tricubic (torch, 20,000 points) ..."):
            quick_rows = quick_tricubic_rows()
    return (quick_rows,)


@app.cell
def _(backend, dtype, grid, mo, quick_rows, results):
    from perflab.bragg.bench.report import charts, filter_results, interpretation

    _all = {**results, "tricubic": results["tricubic"] + quick_rows}
    shown = filter_results(_all, backend=backend.value, dtype=dtype.value, grid=grid.value)
    figures = charts(shown)
    gpu = results["gpu"]
    gpu_line = (
        "GPU measured" if gpu["measured"] else f"GPU not measured: {gpu['reason_not_measured']}"
    )
    mo.vstack(
        [
            mo.md("\n".join(f"- {line}" for line in interpretation(results))),
            mo.md(gpu_line),
            mo.md(
                f"{len(shown['tricubic'])} of {len(_all['tricubic'])} tricubic rows shown · "
                f"backend {backend.value} · dtype {dtype.value} · grid {grid.value} · "
                f"{len(quick_rows)} quick measurement(s) now: "
                + ", ".join(f"{r['points_per_s'] / 1e6:.2f} M points/s" for r in quick_rows)
            ),
            *figures.values(),
        ]
    )
    return


@app.cell
def _(out_dir, results, writes):
    from perflab.bragg.bench.report import write_bench_report

    if writes:
        written = write_bench_report(results, out_dir)
        print("wrote " + ", ".join(str(p) for p in written))
    return


if __name__ == "__main__":
    app.run()
