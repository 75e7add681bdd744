"""``python -m perflab.soap.bench [--preset P] [--sweep S,..] [--smoke] [--out DIR] [--threads N]``

The AniSOAP benchmark of ``notebooks/soap_benchmark.py`` (same flags, same files) from the
command line, with its progress on stderr (cases done/total, skipped so far, ETA: a live bar
on a terminal, a plain line every ``--progress-every`` seconds otherwise, nothing with
``--quiet``) and a short summary on stdout; ``report.json`` in ``--out`` holds the full
result (also on stdout with ``--json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from perflab.harness.progress import (
    ProgressReporter,
    add_output_flags,
    emit_result,
    reporter_from_args,
)
from perflab.soap.bench.cases import PRESETS, Case
from perflab.soap.bench.pipeline import (
    BenchmarkResult,
    BenchOptions,
    options_from_flags,
    plan_cases,
    run_benchmark,
)

__all__: list[str] = []


class _CaseCounter:
    """Feeds a reporter from the runner's events: each group of cases as it starts and ends,
    and each row (skipped or cold-only rows counted)."""

    def __init__(self, reporter: ProgressReporter) -> None:
        self.reporter, self.done, self.not_timed = reporter, 0, 0

    def groups(self, groups: list[list[Case]]) -> Iterator[list[Case]]:
        for group in groups:
            c = group[0]
            self.reporter.update(
                self.done,
                now=f"{c.sweep} {c.system.name} {c.backend.label}",
                not_timed=self.not_timed,
            )
            yield group
            self.done += len(group)
            self.reporter.update(self.done, not_timed=self.not_timed)

    def row(self, row: dict[str, Any]) -> None:
        if row.get("status") != "ok":
            self.not_timed += 1


def _parse(argv: list[str] | None) -> tuple[BenchOptions, argparse.Namespace]:
    p = argparse.ArgumentParser(prog="python -m perflab.soap.bench", description=__doc__)
    p.add_argument("--preset", choices=PRESETS, default=None, help="default cpu (smoke: tiny)")
    p.add_argument("--sweep", default=None, help="species,threads,batch (comma separated) or all")
    p.add_argument("--smoke", action="store_true", help="tiny preset, seconds-long sweeps")
    p.add_argument("--out", default=None, help="report folder (default build/soap)")
    p.add_argument(
        "--publish", action="store_true", help="write the committed reports/soap instead"
    )
    p.add_argument("--threads", default=None, help="torch threads of the main CPU cases")
    add_output_flags(p)
    a = p.parse_args(argv)
    flags = {k: v for k, v in (("preset", a.preset), ("sweep", a.sweep), ("out", a.out),
                               ("threads", a.threads)) if v is not None}  # fmt: skip
    if a.smoke:
        flags["smoke"] = ""
    if a.publish:
        flags["publish"] = ""
    try:
        return options_from_flags(flags, prog="python -m perflab.soap.bench"), a
    except ValueError as exc:
        p.error(str(exc))


def main(argv: list[str] | None = None) -> int:
    opts, args = _parse(argv)
    parts = plan_cases(opts.preset, opts.sweeps, opts.smoke, threads=opts.threads)
    total = sum(len(cases) for cases in parts.values())
    reporter = reporter_from_args(args, f"soap bench {opts.preset}", total, unit="cases")
    counter = _CaseCounter(reporter)
    try:
        result = run_benchmark(
            preset=opts.preset,
            sweeps=opts.sweeps,
            smoke=opts.smoke,
            out_dir=opts.out_dir,
            raw_dir=opts.raw_dir,
            commands=[opts.command],
            progress=counter.groups,
            on_row=counter.row,
            threads=opts.threads,
        )
    finally:
        reporter.close()
    data = json.loads(result.report_path.with_suffix(".json").read_text())
    emit_result(args, summary(opts, result, reporter.elapsed_s()), data)
    return 0


def summary(opts: BenchOptions, result: BenchmarkResult, wall_s: float) -> str:
    """A few lines for a person: what was measured, where, how long, what was not timed
    (and why), how to rerun."""
    rows = result.rows
    ok = sum(1 for r in rows if r.get("status") == "ok")
    reasons: dict[str, int] = {}
    for r in rows:
        if r.get("status") != "ok":
            key = f"{r.get('status')}: {r.get('reason')}"
            reasons[key] = reasons.get(key, 0) + 1
    lines = [
        f"soap bench {opts.preset}: {len(rows)} cases ({ok} timed) in {wall_s:.1f} s, "
        f"sweeps {', '.join(opts.sweeps) or 'none'}, run {result.run_id}",
        f"  report    {result.report_path} (the full JSON: "
        f"{result.report_path.with_suffix('.json')})",
        f"  csv       {result.csv_path}",
        f"  raw rows  {', '.join(str(p) for p in result.raw_paths)}",
    ]
    lines += [f"  not timed {n} x {why}" for why, n in sorted(reasons.items())]
    lines.append(f"  rerun     {opts.command}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
