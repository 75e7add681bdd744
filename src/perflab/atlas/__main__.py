"""``python -m perflab.atlas {build,report} ATLAS [options]`` (see ``--help``).

``build`` shows its progress on stderr (a live bar on a terminal, a plain line every
``--progress-every`` seconds otherwise, nothing with ``--quiet``: rows, rows/s, work-budget
stops and errors so far, ETA), ends with a short summary on stdout and writes the full JSON
result to ``last-build.json`` in the atlas's benchmark folder (also on stdout with ``--json``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import Any

from perflab.atlas.builder import BuildResult
from perflab.atlas.compute import SafetyNetExceeded
from perflab.atlas.load import AtlasNotFound
from perflab.atlas.pipeline import AtlasPaths, build_and_report, done_ids, paths_for
from perflab.atlas.plan import PlanError, get_plan
from perflab.atlas.report import benchmark_report
from perflab.atlas.schema import STATUS_WORK_BUDGET
from perflab.harness import ManifestError, atomic_write_text
from perflab.harness.cluster import ClusterError, compute_target
from perflab.harness.lock import BuildLocked
from perflab.harness.progress import (
    ProgressReporter,
    add_output_flags,
    emit_result,
    format_duration,
    reporter_from_args,
)

__all__ = [
    "main",
]

LAST_BUILD = "last-build.json"
SHOWN_FAILURES = 5


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"needs a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m perflab.atlas", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build or resume an atlas, then write its report")
    b.add_argument("plan", help="atlas name (atlas-tiny, atlas-small) or a plan .json file")
    b.add_argument("--out", default=None, help="write under DIR instead of build/")
    b.add_argument(
        "--publish", action="store_true", help="write the committed artefacts/ and reports/"
    )
    b.add_argument("--only", default=None, help="build only this family")
    b.add_argument("--fresh", action="store_true", help="start afresh instead of resuming")
    b.add_argument(
        "--workers", type=_positive_int, default=1, help="processes computing rows (>= 1)"
    )
    b.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="compute the rows on the workers of this running Dask cluster",
    )
    b.add_argument(
        "--cluster",
        default=None,
        choices=["local", "slurm"],
        help="compute the rows on an embedded Dask LocalCluster of --workers processes, or "
        "on --workers Slurm jobs (dask-jobqueue; queue/account/memory from Dask's config)",
    )
    b.add_argument("--no-charts", action="store_true", help="skip the report's charts")
    add_output_flags(b)
    r = sub.add_parser("report", help="rewrite the benchmark report from the raw timing logs")
    r.add_argument("plan")
    r.add_argument("--out", default=None)
    r.add_argument("--publish", action="store_true")
    s = sub.add_parser(
        "scaling",
        help="measure the speed-up from 1 to 2 Dask workers on a sample of a built plan, "
        "and the client's own time per row by replaying the build",
    )
    s.add_argument("plan")
    s.add_argument("--stride", type=_positive_int, default=50, help="every STRIDE-th seed")
    s.add_argument("--out", default=None, help="read the built atlas under DIR and write there")
    s.add_argument(
        "--publish",
        action="store_true",
        help="write scaling.json next to the committed atlas (default: under build/)",
    )
    p = sub.add_parser(
        "project", help="project a plan's build time and cost from a built atlas's timings"
    )
    p.add_argument("plan", help="the plan to project (e.g. atlas-large)")
    p.add_argument("--from", dest="measured", default="atlas-medium", help="the built atlas")
    p.add_argument(
        "--out", default=None, help="read the built atlas under DIR (default: the committed one)"
    )
    p.add_argument(
        "--readme",
        default=None,
        metavar="FILE",
        help="rewrite the generated section of FILE (e.g. README.md) instead of printing",
    )
    args = ap.parse_args(argv)
    try:
        return _run(args)
    except (PlanError, ManifestError, AtlasNotFound, BuildLocked, ClusterError) as exc:
        # bad input (plan, build folder): one line naming the problem, no traceback
        ap.exit(2, f"{ap.prog}: error: {exc}\n")
    except SafetyNetExceeded as exc:  # finished rows are journalled: a re-run resumes
        ap.exit(3, f"{ap.prog}: stopped: {exc}\nresume with: {_retry(args)}\n")


class _RowCounter:
    """Feeds a reporter from the builder's events: rows done, and this run's work-budget
    stops and errors (from each computed row's ``failures``)."""

    def __init__(self, reporter: ProgressReporter) -> None:
        self.reporter = reporter
        self.work_budget = 0
        self.errors = 0

    def row_done(self, rec: dict[str, Any]) -> None:
        for f in rec.get("failures", []):
            if f["status"] == STATUS_WORK_BUDGET:
                self.work_budget += 1
            elif f["status"].startswith("error"):
                self.errors += 1

    def progress(self, done: int, total: int) -> None:
        self.reporter.update(done, total, work_budget=self.work_budget, errors=self.errors)


def _run(args: argparse.Namespace) -> int:
    plan = get_plan(args.plan)
    if args.cmd == "scaling":
        return _scaling(plan, args)
    if args.cmd == "project":
        return _project(plan, args)
    if args.out is not None and args.publish:
        raise PlanError("--publish writes the committed folders: give no --out")
    paths = paths_for(plan.atlas, args.out, publish=args.publish)
    if args.cmd == "report":
        benchmark_report(
            plan.atlas, paths.bench, paths.reports, polytope_ids=done_ids(paths.dataset)
        )
        return 0
    reporter = reporter_from_args(args, plan.atlas, None, unit="rows")
    counter = _RowCounter(reporter)
    try:
        res, _ = build_and_report(
            plan,
            out=args.out,
            publish=args.publish,
            only=args.only,
            resume=not args.fresh,
            workers=args.workers,
            scheduler=args.scheduler,
            cluster=args.cluster,
            charts=not args.no_charts,
            progress=counter.progress,
            row_done=counter.row_done,
        )
        if not reporter.started:  # no event: nothing was left to do
            t = res.summary["totals"]
            reporter.update(t["rows"], t["planned"], work_budget=0, errors=0)
    finally:
        reporter.close()
    result = _result(res, paths)
    json_path = paths.bench / LAST_BUILD
    json_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(json_path, json.dumps(result, indent=2) + "\n")
    emit_result(args, summary(res, paths, json_path, _retry(args)), result)
    return 0 if res.complete else 1


def _scaling(plan: Any, args: argparse.Namespace) -> int:
    """Measure 1 and 2 workers on a sample; write ``BENCH/scaling.json``; print the figures."""
    from perflab.atlas.scaling import measure_client, measure_scaling, scaling_dict

    if args.out is not None and args.publish:
        raise PlanError("--publish writes next to the committed atlas: give no --out")
    source = paths_for(plan.atlas, args.out, publish=args.out is None)  # the built atlas
    target = paths_for(plan.atlas, args.out, publish=args.publish)  # where scaling.json goes
    client = measure_client(plan, source.dataset, source.bench)
    print(
        f"{plan.atlas} client replay ({client['rows']} rows, no computation): "
        f"{1000 * client['s_per_row']:.2f} ms per row, same shards as committed: "
        f"{client['identical_to_committed']}"
    )
    result = measure_scaling(plan, stride=args.stride, workers=(1, 2))
    path = target.bench / "scaling.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**scaling_dict(result), "client": client}
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")
    for r in result.runs:
        print(
            f"{plan.atlas} sample ({result.rows} rows): {r.workers} worker(s) {r.wall_s:.1f} s, "
            f"{r.rows_per_s:.2f} rows/s, speed-up {r.speedup:.2f}x"
        )
    print(f"  identical bytes: {result.identical}; written to {path}")
    return 0


def _project(plan: Any, args: argparse.Namespace) -> int:
    """Print (or write into a README) the projection of ``plan`` from a built atlas."""
    from pathlib import Path

    from perflab.atlas.projection import project, projection_markdown, replace_readme_section

    measured = get_plan(args.measured)
    source = paths_for(measured.atlas, args.out, publish=args.out is None)
    text = projection_markdown(project(plan, measured, source.bench))
    if args.readme is None:
        print(text)
        return 0
    readme = Path(args.readme)
    atomic_write_text(readme, replace_readme_section(readme.read_text(), text))
    print(f"rewrote the generated section of {readme}")
    return 0


def _result(res: BuildResult, paths: AtlasPaths) -> dict[str, Any]:
    return {
        "atlas": res.atlas,
        "complete": res.complete,
        "rows_computed": res.rows_computed,
        "rows_reused": res.rows_reused,
        "shards_written": len(res.shards_written),
        "shards_skipped": len(res.shards_skipped),
        "wall_s": round(res.wall_s, 3),
        "dataset": str(paths.dataset),
        "report": str(paths.reports / f"{res.atlas}_benchmark.md"),
        "totals": res.summary["totals"],
        "failures": res.summary.get("failures", []),
    }


def _retry(args: argparse.Namespace) -> str:
    cmd = ["python", "-m", "perflab.atlas", "build", args.plan]
    cmd += ["--out", args.out] if args.out else []
    cmd += ["--publish"] if args.publish else []
    try:
        cmd += compute_target(args.workers, scheduler=args.scheduler, cluster=args.cluster).flags()
    except (ValueError, ClusterError):
        pass  # the options themselves were refused: there is nothing to retry
    return shlex.join(cmd)


def _took(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else format_duration(seconds)


def summary(res: BuildResult, paths: AtlasPaths, json_path: Any, retry: str) -> str:
    """A few lines for a person: what was built, where, how long, what failed, how to retry."""
    t = res.summary["totals"]
    state = "complete" if res.complete else f"INCOMPLETE ({t['shards_done']}/{t['shards']} shards)"
    lines = [
        f"{res.atlas}: {state}, {t['rows']}/{t['planned']} rows in "
        f"{_took(res.wall_s)} ({res.rows_computed} computed, {res.rows_reused} "
        f"reused from journals, {len(res.shards_skipped)} shards already done)",
        f"  dataset   {paths.dataset}",
    ]
    if res.complete:
        lines.append(f"  report    {paths.reports / (res.atlas + '_benchmark.md')}")
    lines.append(
        f"  capacity  {t['with_capacity']} rows; {t['work_budget']} work-budget stops, "
        f"{t['errors']} errors ({t['failures']} failures recorded in the manifest)"
    )
    for f in res.summary.get("failures", [])[:SHOWN_FAILURES]:
        lines.append(f"    {f['polytope_id']} {f['quantity']}/{f['algorithm']}: {f['status']}")
    if t["failures"] > SHOWN_FAILURES:
        lines.append(f"    ... and {t['failures'] - SHOWN_FAILURES} more in {json_path}")
    if not res.complete:
        lines.append(f"  resume    {retry}")
    elif t["errors"]:
        lines.append(f"  recompute a family: {retry} --fresh --only FAMILY")
    lines.append(f"  JSON      {json_path}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
