"""Benchmark history: one CSV row per benchmark per ``make bench`` run, and run-to-run comparison.

``make bench`` runs pytest-benchmark, which writes a JSON file (``--benchmark-json`` and the
autosaved copy under ``.benchmarks/``). :func:`rows_from_benchmark_json` turns that file into
:class:`HistoryRow` records and :func:`append_history` appends them to
``artefacts/benchmarks/history.csv`` (atomically: the whole file is rewritten to a temporary
file and renamed, so a crash never leaves a torn CSV; a run already in the file is not added
twice).

:func:`compare_runs` compares the newest run of a machine with the previous run of the same
machine. The noise rule (documented in ``docs/performance.md``)::

    delta = new_median - old_median
    T     = max(k * sqrt(IQR_old**2 + IQR_new**2), min_rel * old_median)
    delta >  T  -> "regression"      delta < -T -> "improvement"      else "same"

``sqrt(IQR_old**2 + IQR_new**2)`` is the spread of the difference of two independent noisy
medians when each spread is measured by its run's interquartile range; ``k`` (default 2)
scales it and ``min_rel`` (default 10 %) is a floor so that a run with a tiny IQR (a very
stable micro-benchmark) does not flag changes smaller than the machine's run-to-run drift.
The IQR only sees noise *within* a run; on a shared 2-core machine the load changes
*between* runs too, which is why the defaults are wide. A flag is a prompt to re-run
(``make bench`` again, then ``make bench-compare``), not a verdict.
A benchmark with fewer than ``MIN_ROUNDS_FOR_IQR`` rounds in either run has no trustworthy
IQR and is reported as ``"few-rounds"`` when it would otherwise be flagged.

Everyday runs append to a per-machine history that git ignores (``make bench``:
``.benchmarks/history.csv``); the committed ``artefacts/benchmarks/history.csv`` is the
published reference, changed only on purpose (``make bench HISTORY=artefacts/...``). On a
machine's first run, ``compare --reference`` compares with the reference's latest run and,
when that run is from another machine, judges nothing (:func:`compare_with_reference`).

Command line::

    python -m perflab.harness.history append RUN.json [--csv .benchmarks/history.csv]
    python -m perflab.harness.history compare [--csv ...] [--reference artefacts/...csv]
        [--machine ID] [--k 2] [--min-rel 0.1]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from perflab.harness.atomic import atomic_write_text
from perflab.harness.report import markdown_table

DEFAULT_CSV = Path("artefacts/benchmarks/history.csv")
DEFAULT_K = 2.0
DEFAULT_MIN_REL = 0.10
MIN_ROUNDS_FOR_IQR = 3


def default_history_path() -> Path:
    """The history CSV of the checkout perflab runs from (any working directory), else
    ``artefacts/benchmarks/history.csv`` relative to the working directory."""
    import perflab

    root = Path(perflab.__file__).resolve().parents[2]
    return root / DEFAULT_CSV if (root / "pyproject.toml").exists() else DEFAULT_CSV


#: Paths whose changes do not make a measured tree "dirty": outputs, not code (the history
#: file itself changes on every ``make bench``).
OUTPUT_PATHS = ("artefacts", "reports")


def code_dirty(root: str | os.PathLike[str] | None = None) -> bool | None:
    """True when tracked files outside :data:`OUTPUT_PATHS` have uncommitted changes.

    ``root`` defaults to the working directory; None outside a git checkout (or without git).
    """
    from perflab.harness.env import git_dirty

    return git_dirty(root or Path.cwd(), exclude=OUTPUT_PATHS)


class HistoryError(ValueError):
    """A benchmark JSON file or history CSV is missing, malformed, or inconsistent."""


@dataclass(frozen=True)
class HistoryRow:
    """One benchmark of one run. Times are seconds per call (pytest-benchmark's stats)."""

    run_id: str
    timestamp: str
    git_commit: str
    git_dirty: bool
    branch: str
    machine_id: str
    env_summary: str
    load_1m: float
    tier: str
    name: str
    fullname: str
    group: str
    params: str
    median_s: float
    iqr_s: float
    q1_s: float
    q3_s: float
    mean_s: float
    stddev_s: float
    min_s: float
    max_s: float
    rounds: int
    iterations: int

    @property
    def key(self) -> str:
        """Identity of a benchmark across runs (its pytest node id, parameters included)."""
        return self.fullname


COLUMNS = [f.name for f in fields(HistoryRow)]
_FLOAT_COLS = {f.name for f in fields(HistoryRow) if f.type == "float"}
_INT_COLS = {f.name for f in fields(HistoryRow) if f.type == "int"}


def machine_id(
    cpu_model: str, cpu_count: int | None, memory_bytes: int | None, arch: str, gpu: str | None
) -> str:
    """A short stable id of the hardware: sha256 of CPU model, cores, memory (GiB), arch, GPU.

    Software versions are deliberately not part of it (they go in ``env_summary``), so the
    history of one machine continues across dependency upgrades, which are visible per row.
    """
    mem_gib = round(memory_bytes / 2**30) if memory_bytes else None
    text = f"{cpu_model}|{cpu_count}|{mem_gib}|{arch}|{gpu or 'none'}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _dirty(commit: dict[str, Any], env: dict[str, Any] | None) -> bool:
    """``env["code_dirty"]`` (changes outside outputs) when recorded, else pytest-benchmark's."""
    if env and env.get("code_dirty") is not None:
        return bool(env["code_dirty"])
    return bool(commit.get("dirty"))


def _load_1m(env: dict[str, Any] | None) -> float:
    """The 1-minute load average when the run started (NaN when not recorded)."""
    load = (env or {}).get("load_avg")
    return float(load[0]) if isinstance(load, list) and load else math.nan


def _machine_from(doc: dict[str, Any], env: dict[str, Any] | None) -> tuple[str, str]:
    """(machine_id, env_summary) from the env snapshot in extra_info, else machine_info."""
    from perflab.harness.env import env_summary

    if env:
        mid = machine_id(
            env.get("cpu_model", "?"),
            env.get("cpu_count"),
            env.get("memory_bytes"),
            env.get("machine", "?"),
            env.get("gpu_name"),
        )
        try:
            summary = env_summary(env)
        except (KeyError, TypeError, AttributeError):
            summary = json.dumps(env, sort_keys=True)[:200]
        return mid, summary
    mi = doc.get("machine_info") or {}
    cpu = mi.get("cpu") or {}
    model = cpu.get("brand_raw") or mi.get("processor") or "?"
    count = cpu.get("count")
    mid = machine_id(model, count, None, mi.get("machine", "?"), None)
    summary = f"{model} x{count} | py{mi.get('python_version')} | (no env snapshot)"
    return mid, summary


def rows_from_benchmark_json(path: str | os.PathLike[str]) -> list[HistoryRow]:
    """Read a pytest-benchmark JSON file into history rows (one per benchmark).

    The run id is the sha256 of the file's ``datetime`` and commit, so appending the same
    file twice is detected. Raises :class:`HistoryError` on a missing file, invalid JSON, or
    a file without benchmarks.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise HistoryError(f"benchmark JSON not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise HistoryError(f"benchmark JSON {path} is not valid JSON: {exc}") from exc
    benches = doc.get("benchmarks")
    if not isinstance(benches, list) or not benches:
        raise HistoryError(f"{path} holds no benchmarks (was the run empty or skipped?)")
    commit = doc.get("commit_info") or {}
    stamp = str(doc.get("datetime") or "")
    if not stamp:
        raise HistoryError(f"{path} has no 'datetime' field; not a pytest-benchmark file?")
    run_id = hashlib.sha256(f"{stamp}|{commit.get('id')}".encode()).hexdigest()[:12]
    rows = []
    for b in benches:
        try:
            st = b["stats"]
            extra = b.get("extra_info") or {}
            mid, summary = _machine_from(doc, extra.get("env"))
            rows.append(
                HistoryRow(
                    run_id=run_id,
                    timestamp=stamp,
                    git_commit=str(commit.get("id") or ""),
                    git_dirty=_dirty(commit, extra.get("env")),
                    branch=str(commit.get("branch") or ""),
                    machine_id=mid,
                    env_summary=summary,
                    load_1m=_load_1m(extra.get("env")),
                    tier=str(extra.get("tier") or ""),
                    name=str(b["name"]),
                    fullname=str(b.get("fullname") or b["name"]),
                    group=str(b.get("group") or ""),
                    params=json.dumps(b.get("params"), sort_keys=True, default=str)
                    if b.get("params")
                    else "",
                    median_s=float(st["median"]),
                    iqr_s=float(st["iqr"]),
                    q1_s=float(st["q1"]),
                    q3_s=float(st["q3"]),
                    mean_s=float(st["mean"]),
                    stddev_s=float(st["stddev"]),
                    min_s=float(st["min"]),
                    max_s=float(st["max"]),
                    rounds=int(st["rounds"]),
                    iterations=int(st.get("iterations", 1)),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HistoryError(
                f"{path}: benchmark {b.get('fullname', b.get('name'))!r} is malformed: {exc!r}"
            ) from exc
    return rows


def _parse_row(raw: dict[str, str], where: str) -> HistoryRow:
    missing = [c for c in COLUMNS if c not in raw]
    if missing:
        raise HistoryError(f"{where}: missing columns {missing}")
    vals: dict[str, Any] = {}
    try:
        for c in COLUMNS:
            v = raw[c]
            if c in _FLOAT_COLS:
                vals[c] = float(v)
            elif c in _INT_COLS:
                vals[c] = int(v)
            elif c == "git_dirty":
                vals[c] = v.strip().lower() in ("1", "true", "yes")
            else:
                vals[c] = v
    except ValueError as exc:
        raise HistoryError(f"{where}: bad value ({exc})") from exc
    return HistoryRow(**vals)


def read_history(path: str | os.PathLike[str] = DEFAULT_CSV) -> list[HistoryRow]:
    """All rows of a history CSV, in file order (an absent file is an empty history)."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None:
            return []
        return [_parse_row(r, f"{path}:{i + 2}") for i, r in enumerate(reader)]


def _to_csv(rows: Iterable[HistoryRow]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        d = asdict(r)
        for c in _FLOAT_COLS:
            d[c] = repr(d[c])  # full precision, round-trips exactly
        w.writerow(d)
    return buf.getvalue()


def append_history(rows: Sequence[HistoryRow], path: str | os.PathLike[str] = DEFAULT_CSV) -> int:
    """Append ``rows`` to the history CSV; returns how many were added.

    Rows of a run id already present are skipped (re-appending a file is a no-op). The file
    is rewritten atomically (temp file + rename).
    """
    path = Path(path)
    existing = read_history(path)
    seen = {r.run_id for r in existing}
    new = [r for r in rows if r.run_id not in seen]
    if new:
        atomic_write_text(path, _to_csv([*existing, *new]))
    return len(new)


@dataclass(frozen=True)
class Comparison:
    """One benchmark compared between two runs of one machine."""

    fullname: str
    group: str
    old_median_s: float | None
    new_median_s: float | None
    ratio: float | None  # new / old
    threshold_s: float | None
    verdict: str  # regression | improvement | same | few-rounds | new | gone | other-machine


def noise_threshold(
    old: HistoryRow, new: HistoryRow, k: float = DEFAULT_K, min_rel: float = DEFAULT_MIN_REL
) -> float:
    """``max(k * hypot(IQR_old, IQR_new), min_rel * old_median)`` in seconds."""
    return max(k * math.hypot(old.iqr_s, new.iqr_s), min_rel * old.median_s)


def classify(
    old: HistoryRow, new: HistoryRow, k: float = DEFAULT_K, min_rel: float = DEFAULT_MIN_REL
) -> Comparison:
    """Apply the noise rule of the module docstring to one benchmark."""
    if k < 0 or min_rel < 0:
        raise ValueError(f"k and min_rel must be >= 0, got k={k}, min_rel={min_rel}")
    t = noise_threshold(old, new, k, min_rel)
    delta = new.median_s - old.median_s
    if abs(delta) <= t:
        verdict = "same"
    elif min(old.rounds, new.rounds) < MIN_ROUNDS_FOR_IQR:
        verdict = "few-rounds"
    else:
        verdict = "regression" if delta > 0 else "improvement"
    ratio = new.median_s / old.median_s if old.median_s > 0 else math.inf
    return Comparison(new.fullname, new.group, old.median_s, new.median_s, ratio, t, verdict)


def run_tiers(history: Sequence[HistoryRow], run_id: str) -> str:
    """The tiers a run measured, e.g. ``"smoke"`` or ``"deep+smoke"`` (sorted, joined)."""
    return "+".join(sorted({r.tier for r in history if r.run_id == run_id}))


def runs_of_machine(
    history: Sequence[HistoryRow], machine: str, tiers: str | None = None
) -> list[str]:
    """Run ids of ``machine`` (of the given :func:`run_tiers`, if any) in appended order."""
    order: list[str] = []
    for r in history:
        if r.machine_id == machine and r.run_id not in order:
            order.append(r.run_id)
    if tiers is not None:
        order = [run for run in order if run_tiers(history, run) == tiers]
    return order


def compare_runs(
    history: Sequence[HistoryRow],
    machine: str | None = None,
    k: float = DEFAULT_K,
    min_rel: float = DEFAULT_MIN_REL,
) -> tuple[str, str, list[Comparison]]:
    """Compare the newest run of ``machine`` (default: that of the last row) with the
    previous run of the same machine *and the same tiers* (a deep run is compared with the
    previous deep run, not with a smoke run).

    Returns ``(old_run_id, new_run_id, comparisons)``. Raises :class:`HistoryError` when
    there is no such earlier run.
    """
    if not history:
        raise HistoryError("the benchmark history is empty: run `make bench` first")
    machine = machine or history[-1].machine_id
    all_runs = runs_of_machine(history, machine)
    if not all_runs:
        raise HistoryError(f"machine {machine} has no runs in the history")
    tiers = run_tiers(history, all_runs[-1])
    runs = runs_of_machine(history, machine, tiers)
    if len(runs) < 2:
        raise HistoryError(
            f"machine {machine} has {len(runs)} run(s) of tier {tiers} in the history; "
            f"`make bench{'' if tiers == 'smoke' else ' BENCH_TIER=' + tiers}` twice "
            "to get a comparison"
        )
    old_id, new_id = runs[-2], runs[-1]
    old = [r for r in history if r.run_id == old_id]
    new = [r for r in history if r.run_id == new_id]
    return old_id, new_id, _compare_pair(old, new, k, min_rel)


def _compare_pair(
    old_rows: Sequence[HistoryRow],
    new_rows: Sequence[HistoryRow],
    k: float,
    min_rel: float,
    judge: bool = True,
) -> list[Comparison]:
    old = {r.key: r for r in old_rows}
    new = {r.key: r for r in new_rows}
    out = []
    for key in sorted(old.keys() | new.keys()):
        if key not in old:
            n = new[key]
            out.append(Comparison(key, n.group, None, n.median_s, None, None, "new"))
        elif key not in new:
            o = old[key]
            out.append(Comparison(key, o.group, o.median_s, None, None, None, "gone"))
        elif judge:
            out.append(classify(old[key], new[key], k, min_rel))
        else:
            o, n = old[key], new[key]
            ratio = n.median_s / o.median_s if o.median_s > 0 else math.inf
            out.append(Comparison(key, n.group, o.median_s, n.median_s, ratio, None, OTHER_MACHINE))
    return out


#: the verdict of a benchmark compared with a run of another machine: not judged
OTHER_MACHINE = "other-machine"

CROSS_MACHINE_NOTE = (
    "The reference run was measured on another machine: absolute times are not comparable "
    "across machines, so nothing is flagged. Compare the ratios a benchmark reports against "
    "a baseline measured in the same run (those carry over); run `make bench` again for a "
    "comparison with this machine's own previous run."
)


def compare_with_reference(
    local: Sequence[HistoryRow], reference: Sequence[HistoryRow]
) -> tuple[str, str, list[Comparison], bool]:
    """The newest run in ``local`` against the newest run of the same tiers in
    ``reference`` (the committed history). Returns ``(ref_run_id, local_run_id,
    comparisons, same_machine)``; when the machines differ nothing is judged (verdict
    ``"other-machine"``: see :data:`CROSS_MACHINE_NOTE`). Raises :class:`HistoryError`
    when ``local`` is empty or the reference has no run of those tiers."""
    if not local:
        raise HistoryError("the benchmark history is empty: run `make bench` first")
    new_id = local[-1].run_id
    tiers = run_tiers(local, new_id)
    ref_runs: list[str] = []
    for r in reference:
        if r.run_id not in ref_runs and r.run_id != new_id:
            ref_runs.append(r.run_id)
    ref_runs = [run for run in ref_runs if run_tiers(reference, run) == tiers]
    if not ref_runs:
        raise HistoryError(f"the reference history has no run of tier {tiers}")
    old_id = ref_runs[-1]
    old = [r for r in reference if r.run_id == old_id]
    new = [r for r in local if r.run_id == new_id]
    same = old[0].machine_id == new[0].machine_id
    return old_id, new_id, _compare_pair(old, new, DEFAULT_K, DEFAULT_MIN_REL, judge=same), same


def format_comparison(old_id: str, new_id: str, comps: Sequence[Comparison]) -> str:
    """A Markdown table of the comparison with a one-line verdict count."""
    rows = [
        {
            "benchmark": c.fullname,
            "group": c.group,
            "old median (ms)": None if c.old_median_s is None else c.old_median_s * 1e3,
            "new median (ms)": None if c.new_median_s is None else c.new_median_s * 1e3,
            "new/old": c.ratio,
            "noise T (ms)": None if c.threshold_s is None else c.threshold_s * 1e3,
            "verdict": c.verdict.upper() if c.verdict == "regression" else c.verdict,
        }
        for c in comps
    ]
    counts: dict[str, int] = {}
    for c in comps:
        counts[c.verdict] = counts.get(c.verdict, 0) + 1
    tally = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    return f"run {old_id} -> run {new_id}: {tally}\n\n" + markdown_table(rows)


def latest_machine(history: Sequence[HistoryRow]) -> str | None:
    """The machine id of the most recently appended row (None for an empty history)."""
    return history[-1].machine_id if history else None


def history_records(
    history: Sequence[HistoryRow],
    machine: str | None = None,
    groups: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Plot-ready rows of one machine (default: the latest): one per benchmark per run.

    ``groups`` keeps only benchmarks of those pytest-benchmark groups (None: all).

    ``benchmark`` is the test name with its parameters (``test_x[n=10]``), ``commit`` the
    short commit id (``+`` when the tree was dirty), times in milliseconds.
    """
    machine = machine or latest_machine(history)
    out = []
    for r in history:
        if r.machine_id != machine or (groups is not None and r.group not in groups):
            continue
        out.append(
            {
                "benchmark": r.name,
                "group": r.group,
                "timestamp": r.timestamp,
                "commit": r.git_commit[:8] + ("+" if r.git_dirty else ""),
                "median_ms": r.median_s * 1e3,
                "q1_ms": r.q1_s * 1e3,
                "q3_ms": r.q3_s * 1e3,
                "rounds": r.rounds,
                "run_id": r.run_id,
            }
        )
    return out


def history_chart(
    history: Sequence[HistoryRow],
    machine: str | None = None,
    *,
    groups: Sequence[str] | None = None,
    width: int = 560,
) -> Any:
    """Altair chart: median per benchmark over runs (log scale) with its IQR band (q1..q3).

    One colour per benchmark; click the legend to highlight one. Raises
    :class:`HistoryError` when the machine has no rows.
    """
    import altair as alt

    recs = history_records(history, machine, groups)
    if not recs:
        raise HistoryError(
            f"no benchmark history for machine {machine or '(latest)'} in groups {groups}"
        )
    pick = alt.selection_point(fields=["benchmark"], bind="legend")
    base = alt.Chart(alt.Data(values=recs)).encode(
        x=alt.X("timestamp:T", title="run (UTC)"),
        color=alt.Color(
            "benchmark:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=320)
        ),
    )
    band = base.mark_area().encode(
        y=alt.Y("q1_ms:Q", scale=alt.Scale(type="log"), title="median per call (ms)"),
        y2="q3_ms:Q",
        opacity=alt.condition(pick, alt.value(0.25), alt.value(0.03)),
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("median_ms:Q", scale=alt.Scale(type="log")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
        tooltip=[
            "benchmark:N",
            "group:N",
            "commit:N",
            "timestamp:T",
            "median_ms:Q",
            "q1_ms:Q",
            "q3_ms:Q",
            "rounds:Q",
        ],
    )
    title = f"Benchmark history, machine {machine or latest_machine(history)}"
    return (
        alt.layer(band, line)
        .add_params(pick)
        .properties(title=title + " (band: IQR)", width=width, height=320)
    )


def _main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m perflab.harness.history", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("append", help="append a pytest-benchmark JSON run to the history CSV")
    a.add_argument("json", type=Path)
    a.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    c = sub.add_parser("compare", help="latest run vs the previous run of the same machine")
    c.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    c.add_argument("--machine", default=None, help="machine id (default: that of the last row)")
    c.add_argument("--k", type=float, default=DEFAULT_K)
    c.add_argument("--min-rel", type=float, default=DEFAULT_MIN_REL)
    c.add_argument(
        "--fail-on-regression", action="store_true", help="exit 1 when a regression is flagged"
    )
    c.add_argument(
        "--reference",
        type=Path,
        default=None,
        help="a committed history: while --csv holds fewer than two runs of this machine, "
        "its latest run is compared with the reference's latest run (not judged when the "
        "machines differ)",
    )
    args = p.parse_args(argv)
    try:
        if args.cmd == "append":
            rows = rows_from_benchmark_json(args.json)
            added = append_history(rows, args.csv)
            what = "already in" if added == 0 else "appended to"
            print(f"{len(rows)} benchmark(s) of run {rows[0].run_id} {what} {args.csv}")
            print(f"machine {rows[0].machine_id}: {rows[0].env_summary}")
            return 0
        local = read_history(args.csv) if args.csv.exists() or args.reference is None else []
        try:
            old_id, new_id, comps = compare_runs(local, args.machine, args.k, args.min_rel)
        except HistoryError:
            if args.reference is None or not local:
                raise
            old_id, new_id, comps, same = compare_with_reference(
                local, read_history(args.reference)
            )
            where = "this machine" if same else "another machine"
            print(f"first run on this machine: compared with the reference {args.reference}")
            print(f"(its latest run, from {where})\n")
            if not same:
                print(CROSS_MACHINE_NOTE + "\n")
    except HistoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_comparison(old_id, new_id, comps))
    print(f"rule: flag when |new - old| > max({args.k:g}*hypot(IQR_old, IQR_new), ", end="")
    print(f"{args.min_rel:g}*old median)")
    regressions = [x for x in comps if x.verdict == "regression"]
    return 1 if regressions and args.fail_on_regression else 0


if __name__ == "__main__":
    raise SystemExit(_main())
