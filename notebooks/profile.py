"""Profile a workload and plot the benchmark history.

Run as a script:   python notebooks/profile.py -- --smoke --out /tmp/profile
Edit:              marimo edit notebooks/profile.py
Serve read-only:   marimo run notebooks/profile.py

Picks a registered workload (``perflab.devtools.profile``: the harness's own and every
domain's ``perflab.<domain>.workloads.PROFILE_TARGETS``), profiles it with pyinstrument and
cProfile, shows the top functions and the call tree, and plots
``artefacts/benchmarks/history.csv`` (median per benchmark over runs, with the IQR band).

Flags (``perflab.harness.notebook_args``, typed): ``--smoke`` (seconds), ``--out DIR``
(everything this notebook writes goes under DIR; default the git-ignored ``build/profile/``:
profiles in ``profiles/``, charts and report beside them),
``--target NAME`` (default ``harness.python_pairwise`` in smoke mode, else
``harness.convex_hull_4d``), ``--repeat N``, ``--history CSV``, ``--machine ID``.
Under ``marimo run`` (whatever the flags) and plain ``marimo edit`` it profiles in memory and
writes nothing (``marimo edit ... -- --out DIR`` writes there). Controls: the workload
picker, benchmark-group picker and a benchmark picker with that benchmark's history.
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

    from perflab.devtools.history import default_history_path
    from perflab.harness import notebook_args
    from perflab.harness.nbargs import may_write

    args = notebook_args(target=str, repeat=int, history=Path, machine=str)
    smoke = args.smoke
    out_dir = args.destination("profile", None)  # --out DIR, else build/profile (ignored)
    profile_dir = out_dir / "profiles"
    default_target = args.target or (
        "harness.python_pairwise" if smoke else "harness.convex_hull_4d"
    )
    repeat = args.repeat or (1 if smoke else 5)
    history_path = args.history or Path(default_history_path())
    machine_arg = args.machine
    writes = may_write(mo.app_meta().mode, args)
    if not writes:
        profile_dir = None  # profile in memory
    mo.md(
        f"**Mode**: {'smoke' if smoke else 'full'} · {repeat} profiled call(s) · "
        + (
            f"profiles in `{profile_dir}` · charts and report in `{out_dir}`"
            if writes
            else f"read-only under `marimo {mo.app_meta().mode}`: writes nothing"
        )
    )
    return (
        default_target,
        history_path,
        machine_arg,
        out_dir,
        profile_dir,
        repeat,
        writes,
    )


@app.cell
def _(default_target, mo):
    from perflab.devtools.profile import discover

    discovery = discover()
    if default_target not in discovery.targets:
        raise ValueError(f"unknown --target {default_target!r}; known: {sorted(discovery.targets)}")
    picker = mo.ui.dropdown(
        options=sorted(discovery.targets), value=default_target, label="Workload"
    )
    skipped = "\n".join(f"- {m}" for m in discovery.skipped) or "- (none)"
    mo.vstack(
        [
            picker,
            mo.accordion({f"Packages without workloads ({len(discovery.skipped)})": skipped}),
        ]
    )
    return discovery, picker


@app.cell
def _(discovery, mo, picker, profile_dir, repeat):
    from perflab.devtools.profile import profile_target

    with mo.status.spinner(title=f"Profiling {picker.value} ..."):
        result = profile_target(
            picker.value, out_dir=profile_dir, repeat=repeat, top=15, discovery=discovery
        )
    warm = "n/a" if result.warm_s is None else f"{result.warm_s * 1e3:.2f} ms"
    mo.md(
        f"### `{result.target}`\n\n"
        f"{discovery.targets[result.target].description}\n\n"
        f"set-up {result.setup_s * 1e3:.1f} ms · one warm call {warm} · "
        f"{result.repeat} call(s) under pyinstrument {result.pyinstrument_s * 1e3:.1f} ms, "
        f"under cProfile {result.cprofile_s * 1e3:.1f} ms\n\n"
        + (
            f"Files: `{result.html_path}` (open in a browser), `{result.prof_path}` "
            f"(`snakeviz`, `python -m pstats`)"
            if result.html_path
            else "No files written (read-only)."
        )
    )
    return (result,)


@app.cell
def _(mo, result):
    import polars as pl

    from perflab.devtools.profile import top_functions_chart

    top_df = pl.DataFrame(result.top)
    top_chart = top_functions_chart(result.top, title=f"{result.target}: top functions")
    mo.vstack([mo.md("#### Top functions (cProfile, by self time)"), top_chart, top_df])
    return (top_chart,)


@app.cell
def _(mo, result):
    mo.vstack(
        [
            mo.md("#### Call tree (pyinstrument)"),
            mo.plain_text(result.call_tree),
        ]
    )
    return


@app.cell
def _(history_path, machine_arg, mo):
    from perflab.devtools.history import latest_machine, read_history

    history = read_history(history_path)
    machine = machine_arg or latest_machine(history)
    all_groups = sorted({r.group for r in history if r.machine_id == machine})
    group_picker = mo.ui.multiselect(options=all_groups, value=all_groups, label="Groups")
    group_picker
    return group_picker, history, machine


@app.cell
def _(group_picker, history, history_path, machine, mo):
    from perflab.devtools.history import (
        HistoryError,
        compare_runs,
        format_comparison,
        history_chart,
    )

    hist_chart = None
    comparison_md = ""
    if history and group_picker.value:
        hist_chart = history_chart(history, machine, groups=list(group_picker.value))
        try:
            comparison_md = format_comparison(*compare_runs(history, machine))
        except HistoryError as exc:
            comparison_md = f"_No comparison: {exc}_\n"
        n_runs = len({r.run_id for r in history if r.machine_id == machine})
        view = mo.vstack(
            [
                mo.md(
                    f"#### Benchmark history (`{history_path}`)\n\n"
                    f"machine `{machine}` · {n_runs} run(s) · band = interquartile range "
                    "of each run"
                ),
                hist_chart,
                mo.accordion({"Latest run vs previous (make bench-compare)": comparison_md}),
            ]
        )
    elif history:
        view = mo.md("_Pick at least one benchmark group._")
    else:
        view = mo.md(f"_No benchmark history at `{history_path}` yet: run `make bench`._")
    view
    return comparison_md, hist_chart


@app.cell
def _(history, machine, mo):
    _names = sorted({r.name for r in history if r.machine_id == machine})
    bench_picker = mo.ui.dropdown(
        _names, value=_names[0] if _names else None, label="benchmark", searchable=False
    )
    bench_picker
    return (bench_picker,)


@app.cell
def _(bench_picker, history, machine, mo):
    import polars as _pl

    from perflab.devtools.history import history_chart as _chart
    from perflab.devtools.history import history_records as _records

    _recs = [r for r in _records(history, machine) if r["benchmark"] == bench_picker.value]
    _one = [r for r in history if r.machine_id == machine and r.name == bench_picker.value]
    mo.vstack(
        [
            mo.md(f"{len(_recs)} run(s) of {bench_picker.value}"),
            _chart(_one, machine) if _one else mo.md("_no runs_"),
            _pl.DataFrame(_recs) if _recs else mo.md(""),
        ]
    )
    return


@app.cell
def _(comparison_md, hist_chart, history_path, machine, out_dir, result, top_chart, writes):
    from perflab.harness import env_snapshot, markdown_table, save_chart, write_report

    if writes:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = [save_chart(top_chart, out_dir / "top_functions.png")]
        if hist_chart is not None:
            written.append(save_chart(hist_chart, out_dir / "history.png"))
        md_path, json_path = write_report(
            out_dir / "report.md",
            f"# Profile of `{result.target}`\n\n"
            + markdown_table(
                result.top, ["function", "ncalls", "tottime_s", "cumtime_s", "self_pct"]
            )
            + f"\n## Call tree\n\n```text\n{result.call_tree}\n```\n"
            + f"\n## Benchmark history ({history_path}, machine {machine})\n\n"
            + (comparison_md or "_no history_\n"),
            {"profile": result.to_dict(), "machine": machine, "env": env_snapshot()},
        )
        written += [md_path, json_path]
        print("wrote " + " ".join(str(p) for p in written))
    return


if __name__ == "__main__":
    app.run()
