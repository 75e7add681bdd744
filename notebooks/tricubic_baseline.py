"""Tricubic interpolation and detector absorption baselines (nanoBragg semantics).

Run as a script:   python notebooks/tricubic_baseline.py -- --smoke --out /tmp/tricubic
Full baseline:     python notebooks/tricubic_baseline.py            (writes reports/tricubic_baseline)
Edit / serve:      marimo edit|run notebooks/tricubic_baseline.py

It runs the same harness as ``python -m perflab.bragg.bench`` (perflab.bragg.bench.run_bench),
shows throughput per backend, cold vs warm and absorption charts, and writes the report.
Flags: ``--smoke`` (seconds), ``--out DIR``, ``--repeats N``, ``--device cpu,cuda``,
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

    # mo.cli_args() under marimo, PERFLAB_NOTEBOOK_ARGS under Jupyter (nbval)
    args = notebook_args()
    smoke = "smoke" in args
    out_dir = Path(args.get("out") or "reports/tricubic_baseline")
    cfg = smoke_config(str(out_dir)) if smoke else BenchConfig(out=str(out_dir))
    if args.get("repeats"):
        cfg.repeats = int(args["repeats"])
    if args.get("device"):
        cfg.devices = [d for d in str(args["device"]).split(",") if d]
    if args.get("dtypes"):
        cfg.dtypes = [d for d in str(args["dtypes"]).split(",") if d]
    if args.get("threads"):
        cfg.threads = [int(t) for t in str(args["threads"]).split(",") if t]
    cfg.command = "python notebooks/tricubic_baseline.py " + " ".join(
        f"--{k} {v}".strip() for k, v in args.items() if k
    )
    n_steps = planned_steps(cfg)  # the progress events run_bench sends (the CLI's total)
    mo.md(
        f"**Mode**: {'smoke' if smoke else 'full'} · points {cfg.points} · grids {cfg.grids} · "
        f"detectors {cfg.sizes} · layers {cfg.layers} · backends {cfg.backends} · "
        f"dtypes {cfg.dtypes} · threads {cfg.threads} · output `{out_dir}`"
    )
    return cfg, n_steps, out_dir


@app.cell
def _(cfg, mo, n_steps):
    from perflab.bragg.bench import run_bench

    with mo.status.progress_bar(total=n_steps, title="Benchmarking bragg kernels") as bar:
        results = run_bench(cfg, progress=lambda msg: bar.update(subtitle=msg))
    return (results,)


@app.cell
def _(mo, results):
    from perflab.bragg.bench_report import charts, interpretation

    figures = charts(results)
    gpu = results["gpu"]
    gpu_line = (
        "GPU measured" if gpu["measured"] else f"GPU not measured: {gpu['reason_not_measured']}"
    )
    mo.vstack(
        [
            mo.md("\n".join(f"- {line}" for line in interpretation(results))),
            mo.md(gpu_line),
            *figures.values(),
        ]
    )
    return


@app.cell
def _(out_dir, results):
    from perflab.bragg.bench_report import write_bench_report

    written = write_bench_report(results, out_dir)
    print("wrote " + ", ".join(str(p) for p in written))
    return


if __name__ == "__main__":
    app.run()
