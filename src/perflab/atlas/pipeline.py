"""Build + report in one call, with the folder conventions shared by the CLI and notebooks.

Everyday runs write under ``build/`` of this checkout (git-ignored): the dataset to
``build/datasets/<atlas>``, raw timings to ``build/benchmarks/<atlas>`` and the report to
``build/reports``. ``publish=True`` (``--publish``) writes the committed locations instead
(``artefacts/datasets/<atlas>``, ``artefacts/benchmarks/<atlas>``, ``reports/``): the one
way a build changes committed files. With ``out=DIR``: ``DIR/datasets/<atlas>``,
``DIR/benchmarks/<atlas>`` and ``DIR/reports``, and nothing is written outside ``DIR``.
Every build goes through a staging folder (:mod:`perflab.atlas.staging`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perflab.atlas.builder import BuildResult, Progress, RowDone, RowFn
from perflab.atlas.load import REPO_ROOT, read_manifest
from perflab.atlas.plan import BuildPlan, get_plan
from perflab.atlas.readme import write_dataset_readme
from perflab.atlas.report import benchmark_report, report_is_current
from perflab.atlas.staging import build_staged
from perflab.harness.nbargs import NotebookArgsError, NotebookFlags

__all__ = [
    "AtlasPaths",
    "BarProgress",
    "NotebookRun",
    "build_and_report",
    "describe",
    "done_ids",
    "notebook_build",
    "notebook_open",
    "notebook_options",
    "paths_for",
]


@dataclass(frozen=True)
class AtlasPaths:
    dataset: Path
    bench: Path
    reports: Path


BUILD_ROOT = REPO_ROOT / "build"


def paths_for(
    atlas: str, out: str | os.PathLike[str] | None = None, *, publish: bool = False
) -> AtlasPaths:
    """The folders of a build: under ``out``; else the committed ones with ``publish``;
    else under the git-ignored ``build/`` of this checkout."""
    if out is not None and publish:
        raise ValueError("publish=True writes the committed folders: give no out")
    if out is None and publish:
        root, reports = REPO_ROOT / "artefacts", REPO_ROOT / "reports"
    else:
        root = Path(out) if out is not None else BUILD_ROOT
        reports = root / "reports"
    return AtlasPaths(root / "datasets" / atlas, root / "benchmarks" / atlas, reports)


def build_and_report(
    plan: str | BuildPlan,
    *,
    out: str | os.PathLike[str] | None = None,
    publish: bool = False,
    only: str | None = None,
    resume: bool = True,
    workers: int = 1,
    progress: Progress | None = None,
    row_fn: RowFn | None = None,
    charts: bool = True,
    row_done: RowDone | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
) -> tuple[BuildResult, dict[str, Any] | None]:
    """Build (or resume) the atlas through a staging folder (:func:`build_staged`), then
    write its README and benchmark report when it is complete (a run that found nothing to
    do rewrites neither, if the report exists). Folders: :func:`paths_for`."""
    plan = get_plan(plan) if isinstance(plan, str) else plan
    paths = paths_for(plan.atlas, out, publish=publish)
    result = build_staged(
        plan,
        paths.dataset,
        paths.bench,
        only=only,
        resume=resume,
        workers=workers,
        progress=progress,
        row_fn=row_fn,
        row_done=row_done,
        scheduler=scheduler,
        cluster=cluster,
    )
    report = None
    if not result.complete:
        return result, report
    # the README and report are rewritten unless they are current: a run with nothing to
    # do leaves a finished build untouched, but one that follows a build killed before its
    # report (or a fresh build over an older one) brings them in line with the logs
    write_dataset_readme(paths.dataset)
    ids = done_ids(paths.dataset)
    idle = result.rows_computed == 0 and not result.shards_written
    if not (idle and report_is_current(plan.atlas, paths.bench, paths.reports, polytope_ids=ids)):
        report = benchmark_report(
            plan.atlas, paths.bench, paths.reports, polytope_ids=ids, charts=charts
        )
    return result, report


def done_ids(dataset: str | os.PathLike[str]) -> set[str]:
    """The polytope ids of the shards a build folder's manifest records as done
    (:class:`AtlasNotFound` when there is no readable manifest)."""
    m = read_manifest(dataset)
    return {pid for info in m["done"].values() if isinstance(info, dict) for pid in info["ids"]}


class BarProgress:
    """Adapts :func:`build`'s ``progress(done, total)`` to a bar made by ``make_bar(total)``
    (e.g. ``lambda n: mo.status.progress_bar(total=n, title=...)``), opened on first use."""

    def __init__(self, make_bar: Any) -> None:
        self.make_bar = make_bar
        self.ctx: Any = None
        self.bar: Any = None
        self.last = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.ctx = self.make_bar(max(total, 1))
            self.bar = self.ctx.__enter__()
        if done > self.last:
            self.bar.update(increment=done - self.last)
            self.last = done

    def close(self) -> None:
        if self.ctx is not None:
            self.ctx.__exit__(None, None, None)
            self.ctx = self.bar = None


def describe(result: BuildResult, paths: AtlasPaths) -> str:
    """A one-paragraph Markdown account of a build run (for notebooks and logs)."""
    t = result.summary["totals"]
    return (
        f"**{result.atlas}**: built in **{result.wall_s:.1f} s** ({result.rows_computed} rows "
        f"computed, {result.rows_reused} reused from journals, {len(result.shards_skipped)} "
        f"shards already done); complete: {result.complete}. {t['rows']} rows, "
        f"{t['with_capacity']} with a capacity, {t['work_budget']} work-budget stops, "
        f"{t['errors']} "
        f"errors. Dataset `{paths.dataset}`, benchmark report "
        f"`{paths.reports / (result.atlas + '_benchmark.md')}`."
    )


@dataclass(frozen=True)
class NotebookRun:
    """What a notebook's flags asked for (see :func:`notebook_options`)."""

    plan: BuildPlan
    out: str | None
    publish: bool
    only: str | None
    resume: bool
    workers: int
    smoke: bool
    scheduler: str | None = None
    cluster: str | None = None

    @property
    def paths(self) -> AtlasPaths:
        return paths_for(self.plan.atlas, self.out, publish=self.publish)


def atlas_flags(**extra: Any) -> dict[str, Any]:
    """The atlas notebooks' own flags for :func:`perflab.harness.notebook_args`
    (``--only F``, ``--resume``, ``--scheduler tcp://HOST:PORT``, ``--cluster local``;
    ``--workers N`` is declared by each notebook with its default), plus ``extra``:
    ``notebook_args(**atlas_flags(workers=2))``."""
    return {"only": str, "resume": bool, "scheduler": str, "cluster": str, **extra}


def notebook_options(
    atlas: str, args: NotebookFlags, mode: str | None, *, smoke_families: int = 3
) -> NotebookRun:
    """Interpret a notebook's typed flags (:func:`atlas_flags`): ``--smoke``, ``--out DIR``,
    ``--publish``, ``--only F``, ``--resume``, ``--workers N``, ``--scheduler
    tcp://HOST:PORT`` (a running Dask cluster) and ``--cluster local`` (an embedded Dask
    cluster of ``--workers`` processes; ``slurm``: Slurm jobs through dask-jobqueue).

    As a script (``mode == "script"``) the build is fresh unless ``--resume``; under
    ``marimo run``/``edit`` it always resumes, so a dashboard opens on the committed build.
    Without ``--out`` it goes under ``build/`` (``--publish``: the committed folders).
    ``--smoke`` keeps the first parameter set of the first ``smoke_families`` families (the
    plan ``<atlas>-smoke``, which is never published).
    """
    plan = get_plan(atlas)
    workers = getattr(args, "workers", 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise NotebookArgsError(f"--workers must be a positive integer, got {workers!r}")
    if args.smoke:
        if args.publish:
            raise NotebookArgsError("--smoke builds are never published: drop --publish")
        plan = plan.restricted(families=plan.family_names()[:smoke_families], per_family=1)
    return NotebookRun(
        plan=plan,
        out=str(args.out) if args.out is not None else None,
        publish=args.publish,
        only=getattr(args, "only", None),
        resume=getattr(args, "resume", False) or mode != "script",
        workers=workers,
        smoke=args.smoke,
        scheduler=getattr(args, "scheduler", None) or None,
        cluster=getattr(args, "cluster", None) or None,
    )


def notebook_build(opts: NotebookRun, make_bar: Any) -> BuildResult:
    """Build/resume as ``opts`` says, with a progress bar from ``make_bar(total)``
    (``lambda n: mo.status.progress_bar(total=n)``); prints and returns the result."""
    bar = BarProgress(make_bar)
    try:
        result, _ = build_and_report(
            opts.plan,
            out=opts.out,
            publish=opts.publish,
            only=opts.only,
            resume=opts.resume,
            workers=opts.workers,
            scheduler=opts.scheduler,
            cluster=opts.cluster,
            progress=bar,
            charts=not opts.smoke,  # smoke runs skip the PNG rendering (seconds)
        )
    finally:
        bar.close()
    print(describe(result, opts.paths))
    return result


def notebook_open(
    atlas: str, args: NotebookFlags, mode: str | None, make_bar: Any
) -> tuple[Any, str]:
    """The dataset a notebook shows and a Markdown line saying where it came from.

    Where the notebook may write (:func:`perflab.harness.nbargs.may_write`: as a script, or
    under ``marimo edit`` with ``--out``/``--publish``) it builds/resumes as its flags say
    (:func:`notebook_options`, :func:`notebook_build`). Otherwise (``marimo run``, plain
    ``marimo edit``) it builds nothing and opens the build in ``--out DIR`` (with
    ``--smoke``: the smoke build ``<atlas>-smoke`` there) or the published one under
    ``artefacts/datasets/`` (unfinished builds are shown as they are).
    """
    from perflab.atlas.load import load
    from perflab.harness.nbargs import may_write

    if may_write(mode, args):
        opts = notebook_options(atlas, args, mode)
        result = notebook_build(opts, make_bar)
        ds = load(result.out_dir, allow_incomplete=not result.complete)
        return ds, describe(result, opts.paths)
    out = args.out
    smoke = args.smoke and out is not None
    name = f"{atlas}-smoke" if smoke else atlas
    path = paths_for(name, out, publish=out is None).dataset
    ds = load(path, allow_incomplete=True)
    flags = ("resume", "only", "workers", "publish", "scheduler", "cluster")
    ignored = [f"--{k}" for k in flags if k in args]
    ignored += ["--smoke"] if args.smoke and not smoke else []
    note = f" ({', '.join(ignored)} ignored: nothing is built here)" if ignored else ""
    shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    return ds, (
        f"**{name}**: {len(ds)} rows read from `{shown}` (read-only under `marimo {mode}`; "
        f"build with `python notebooks/{atlas.replace('-', '_')}.py`){note}."
    )
