"""Run-to-run comparison of benchmark history rows, with a noise rule.

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

On a machine's first run, ``compare --reference`` compares with the reference's latest run
and, when that run is from another machine, judges nothing (:func:`compare_with_reference`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from perflab.devtools.history.store import HistoryError, HistoryRow
from perflab.harness.report import markdown_table

__all__ = [
    "CROSS_MACHINE_NOTE",
    "DEFAULT_K",
    "DEFAULT_MIN_REL",
    "MIN_ROUNDS_FOR_IQR",
    "OTHER_MACHINE",
    "Comparison",
    "classify",
    "compare_runs",
    "compare_with_reference",
    "format_comparison",
    "noise_threshold",
    "run_tiers",
    "runs_of_machine",
]

DEFAULT_K = 2.0
DEFAULT_MIN_REL = 0.10
MIN_ROUNDS_FOR_IQR = 3


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
