"""Command line of the benchmark history (``python -m perflab.devtools.history``)::

    python -m perflab.devtools.history append RUN.json [--csv .benchmarks/history.csv]
    python -m perflab.devtools.history compare [--csv ...] [--reference artefacts/...csv]
        [--machine ID] [--k 2] [--min-rel 0.1] [--fail-on-regression]

``append`` adds a pytest-benchmark JSON run to a history CSV (:mod:`.store`); ``compare``
judges the latest run of a machine against its previous run (:mod:`.compare`), or, on a
machine's first run, against the committed reference with ``--reference``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from perflab.devtools.history.compare import (
    CROSS_MACHINE_NOTE,
    DEFAULT_K,
    DEFAULT_MIN_REL,
    compare_runs,
    compare_with_reference,
    format_comparison,
)
from perflab.devtools.history.store import (
    DEFAULT_CSV,
    HistoryError,
    append_history,
    read_history,
    rows_from_benchmark_json,
)

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m perflab.devtools.history", description=__doc__)
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
