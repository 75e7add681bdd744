"""AniSOAP benchmark: numpy reference vs torch (CPU float64/float32, CUDA when present).

Run as a script:
    python notebooks/soap_benchmark.py -- --preset cpu --sweep species,threads,batch
    python notebooks/soap_benchmark.py -- --smoke --out /tmp/soap      (CI, seconds)
Edit:  marimo edit notebooks/soap_benchmark.py

Flags: ``--preset tiny|cpu|gpu`` (default cpu), ``--sweep species|threads|batch`` (comma
separated, or ``all``), ``--smoke`` (tiny preset + seconds-long sweeps), ``--out DIR``
(default ``reports/soap``). Raw rows go to ``artefacts/benchmarks/soap/`` (``DIR/raw`` when
``--out`` is given), ``--threads N`` (torch intra-op threads for the main torch CPU cases;
default: torch's own). On a shared, oversubscribed machine, small systems such as
``golden_bench_2sp`` lose most of their time in OpenMP barrier waits with two threads: run
with ``--threads 1`` or ``OMP_WAIT_POLICY=PASSIVE`` (idle OpenMP threads sleep instead of
spinning); on a quiet one the defaults are as fast. The report records both settings. The logic lives in ``perflab.soap.bench``.
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
    from perflab.soap.bench import PRESETS, SWEEPS

    # mo.cli_args() under marimo, PERFLAB_NOTEBOOK_ARGS under Jupyter (nbval)
    args = notebook_args()
    smoke = "smoke" in args
    preset = "tiny" if smoke else (args.get("preset") or "cpu")
    if preset not in PRESETS:
        raise SystemExit(f"--preset must be one of {PRESETS}, got {preset!r}")
    sweep_arg = str(args.get("sweep") or ("all" if smoke else ""))
    sweeps = list(SWEEPS) if sweep_arg == "all" else [s for s in sweep_arg.split(",") if s]
    bad = [s for s in sweeps if s not in SWEEPS]
    if bad:
        raise SystemExit(f"--sweep must be among {SWEEPS} (comma separated) or 'all', got {bad}")
    threads_arg = args.get("threads")
    threads = None
    if "threads" in args:
        if not str(threads_arg).isdigit() or int(threads_arg) < 1:
            raise SystemExit(f"--threads must be a positive integer, got {threads_arg!r}")
        threads = int(threads_arg)
    out_dir = Path(args.get("out") or "reports/soap")
    raw_dir = out_dir / "raw" if args.get("out") else Path("artefacts/benchmarks/soap")
    flags = [f"--preset {preset}"] + ([f"--sweep {','.join(sweeps)}"] if sweeps else [])
    flags += [f"--threads {threads}"] if threads else []
    flags += ["--smoke"] if smoke else []
    command = "python notebooks/soap_benchmark.py -- " + " ".join(flags)
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
    from perflab.soap.bench.report import chart_by_system, chart_time_per_pair, chart_vs_species

    df = result.metrics
    charts = [chart_by_system(df), chart_time_per_pair(df)]
    if "species" in set(df["sweep"].to_list()):
        charts.append(chart_vs_species(df))
    mo.vstack(charts)
    return (df,)


@app.cell
def _(mo, result):
    mo.md(result.report_path.read_text())
    return


if __name__ == "__main__":
    app.run()
