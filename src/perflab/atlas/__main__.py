"""``python -m perflab.atlas {build,report} ATLAS [options]`` (see ``--help``)."""

from __future__ import annotations

import argparse
import json
import sys

from perflab.atlas.compute import SafetyNetExceeded
from perflab.atlas.load import AtlasNotFound
from perflab.atlas.pipeline import build_and_report, done_ids, paths_for
from perflab.atlas.plan import PlanError, get_plan
from perflab.atlas.report import benchmark_report
from perflab.harness import ManifestError
from perflab.harness.lock import BuildLocked


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
    b.add_argument("--out", default=None, help="write under DIR instead of artefacts/, reports/")
    b.add_argument("--only", default=None, help="build only this family")
    b.add_argument("--fresh", action="store_true", help="start afresh instead of resuming")
    b.add_argument(
        "--workers", type=_positive_int, default=1, help="processes computing rows (>= 1)"
    )
    b.add_argument("--no-charts", action="store_true", help="skip the report's charts")
    r = sub.add_parser("report", help="rewrite the benchmark report from the raw timing logs")
    r.add_argument("plan")
    r.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    try:
        return _run(args)
    except (PlanError, ManifestError, AtlasNotFound, BuildLocked) as exc:
        # bad input (plan, build folder): one line naming the problem, no traceback
        ap.exit(2, f"{ap.prog}: error: {exc}\n")
    except SafetyNetExceeded as exc:  # finished rows are journalled: a re-run resumes
        ap.exit(3, f"{ap.prog}: stopped: {exc}\n")


def _run(args: argparse.Namespace) -> int:
    plan = get_plan(args.plan)
    if args.cmd == "build":
        res, _ = build_and_report(
            plan,
            out=args.out,
            only=args.only,
            resume=not args.fresh,
            workers=args.workers,
            charts=not args.no_charts,
        )
        print(
            json.dumps(
                {
                    "atlas": res.atlas,
                    "complete": res.complete,
                    "rows_computed": res.rows_computed,
                    "rows_reused": res.rows_reused,
                    "wall_s": round(res.wall_s, 3),
                    "totals": res.summary["totals"],
                },
                indent=2,
            )
        )
        return 0 if res.complete else 1
    paths = paths_for(plan.atlas, args.out)
    benchmark_report(plan.atlas, paths.bench, paths.reports, polytope_ids=done_ids(paths.dataset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
