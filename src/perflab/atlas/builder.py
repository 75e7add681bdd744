"""The streaming, resumable atlas builder.

Layout of a build folder ``OUT`` (e.g. ``artefacts/datasets/atlas-small``)::

    OUT/manifest.json                      plan, per-shard records, summary (deterministic:
                                           no environment snapshot, no times)
    OUT/data/<family>/shard-<k>.parquet    rows in plan order (see perflab.atlas.shards)
    OUT/.work/<family>__shard-<k>.jsonl    rows of an unfinished shard (crash journal)

and of its timing folder ``BENCH`` (e.g. ``artefacts/benchmarks/atlas-small``)::

    BENCH/timings.jsonl    one record per (polytope, quantity, algorithm): status, seconds
    BENCH/runs.jsonl       one record per build run: wall time, rows computed, conditions,
                           the environment (machine, software) it ran in

How a crash at any moment is survived (``kill -9`` included):

1. The manifest is saved before any work, so a build folder without a manifest holds no
   work worth keeping; a fresh build clears it (``data/``, ``.work/``, the timing and run
   logs).
2. Each finished row is appended to its shard's journal (:class:`RunLog`; a torn last line
   is dropped on reopening) *after* its timing records, both flushed to the kernel at once,
   so a killed build loses no finished row; they are fsynced (timings first) at least every
   ``SYNC_INTERVAL_S`` and before a shard is written, so a power cut costs at most that much
   of the rows, which a resume recomputes to the same bytes (an fsync per record made the
   client spend 35 ms per row, measured on atlas-medium). A row computed twice leaves two
   timing records and the report keeps the latest.
3. When a shard's rows are all in, its parquet file is written atomically from the rows in
   plan order, the manifest records it (with its SHA-256) atomically, then the journal is
   removed. A rerun skips shards the manifest records whose file still has that hash,
   reuses the rows in the journals, and computes the rest.

Rows are pure functions of (family, params, seed, work budget), rows are ordered by the
plan, and shard bytes have no timestamps, so a resumed build writes the same bytes as an
uninterrupted one, and any build of a plan the same bytes as any other on the same
software, whatever the machine's load. The wall-clock ``time_budget_s`` is a safety net: a
row that hits it stops the build (:class:`perflab.atlas.compute.SafetyNetExceeded`), and a
re-run resumes.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perflab.atlas.plan import BuildPlan, PlanItem, RowBudget
from perflab.atlas.schema import (
    QUANTITIES,
    SCHEMA_VERSION,
    STATUS_WORK_BUDGET,
    status_column,
)
from perflab.atlas.shards import write_shard
from perflab.harness import Manifest, RunLog, env_snapshot, env_summary
from perflab.harness.cluster import (
    ClusterError,
    ComputeTarget,
    check_reachable,
    compute_target,
    open_executor,
)
from perflab.harness.lock import build_lock
from perflab.harness.pool import completed_results

__all__ = [
    "BuildResult",
    "DATA_DIR",
    "MANIFEST",
    "Progress",
    "RUNS",
    "RowDone",
    "RowFn",
    "SYNC_INTERVAL_S",
    "TIMINGS",
    "WORK_DIR",
    "build",
    "default_bench_dir",
    "summarise",
]

RowFn = Callable[[PlanItem, RowBudget], dict[str, Any]]
Progress = Callable[[int, int], None]
RowDone = Callable[[dict[str, Any]], None]

DATA_DIR = "data"
WORK_DIR = ".work"
MANIFEST = "manifest.json"
TIMINGS = "timings.jsonl"
RUNS = "runs.jsonl"
SYNC_INTERVAL_S = 1.0  # the longest a computed row waits in the kernel before an fsync


@dataclass
class BuildResult:
    """What one call of :func:`build` did."""

    atlas: str
    out_dir: Path
    bench_dir: Path
    complete: bool
    rows_computed: int
    rows_reused: int
    shards_written: list[str] = field(default_factory=list)
    shards_skipped: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    client_s: float = 0.0  # this process's own time on computed rows (journals, shards)

    @property
    def manifest_path(self) -> Path:
        return self.out_dir / MANIFEST


def default_bench_dir(out_dir: Path, atlas: str) -> Path:
    """``ROOT/benchmarks/<atlas>`` for a build in ``ROOT/datasets/<atlas>`` (e.g. ROOT =
    ``artefacts``), else ``<out_dir>/benchmarks``."""
    out_dir = Path(out_dir)
    if out_dir.parent.name == "datasets":
        return out_dir.parent.parent / "benchmarks" / atlas
    return out_dir / "benchmarks"


def build(
    plan: BuildPlan,
    out_dir: str | os.PathLike[str],
    *,
    bench_dir: str | os.PathLike[str] | None = None,
    only: str | None = None,
    resume: bool = True,
    workers: int = 1,
    progress: Progress | None = None,
    row_fn: RowFn | None = None,
    row_done: RowDone | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
) -> BuildResult:
    """Build (or finish) the atlas of ``plan`` in ``out_dir``; wherever rows are computed,
    they are written here in plan order, so the bytes are those of a one-process build.

    Parameters
    ----------
    plan : BuildPlan
        What to build (:func:`perflab.atlas.plan.get_plan`).
    out_dir, bench_dir : path-like
        The build folder, and where the raw timing and run logs go (default
        :func:`default_bench_dir`).
    only : str, optional
        Restrict the run to one family.
    resume : bool
        Skip finished shards, reuse journalled rows; ``False`` starts afresh (``only``).
    workers : int
        Processes computing rows: a local pool, or the size of ``cluster``.
    progress, row_done : callable, optional
        ``progress(done, total)`` as rows arrive; ``row_done(record)`` per computed row.
    row_fn : callable, optional
        ``row_fn(item, budget)`` (default :func:`perflab.atlas.compute.compute_row`).
    scheduler, cluster : str, optional
        ``tcp://HOST:PORT`` of a running Dask cluster; or ``"local"`` (an embedded Dask
        ``LocalCluster``) or ``"slurm"`` (dask-jobqueue) of ``workers`` workers.

    Returns
    -------
    BuildResult
        Whether the build is complete, rows computed and reused, shards written, wall time.

    Raises
    ------
    PlanError
        An unknown family or parameter, before any file is touched.
    perflab.harness.lock.BuildLocked
        Another build holds ``out_dir`` (named; a killed build's lock is released).
    perflab.harness.cluster.ClusterError
        Bad cluster options, an unreachable scheduler (at once), a worker with other
        software, or a row that kept killing workers.
    perflab.atlas.compute.SafetyNetExceeded
        A row reached the wall-clock safety net; finished rows are journalled.

    Examples
    --------
    >>> import tempfile
    >>> from perflab.atlas.plan import get_plan
    >>> plan = get_plan("atlas-tiny").restricted(families=["regular_polygon"], per_family=1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = build(plan, tmp)
    >>> result.complete, result.rows_computed
    (True, 1)
    """
    target = compute_target(workers, scheduler=scheduler, cluster=cluster)
    row_fn = _checked_row_fn(plan, only, row_fn)
    out_dir = Path(out_dir)
    bench = Path(bench_dir) if bench_dir is not None else default_bench_dir(out_dir, plan.atlas)
    check_reachable(target)  # an unreachable scheduler fails here, before any file is made
    with (
        build_lock(out_dir, what=f"atlas build of {plan.atlas}"),
        open_executor(target) as executor,
    ):
        run = _Run(target, executor)
        return _build(plan, out_dir, bench, only, resume, run, progress, row_fn, row_done)


def _checked_row_fn(plan: BuildPlan, only: str | None, row_fn: RowFn | None) -> RowFn:
    """``row_fn``, or :func:`~perflab.atlas.compute.compute_row` once the plan's families
    and parameters are known to the core; raises PlanError before any file is touched."""
    if only is not None:
        plan.spec(only)  # raises PlanError naming the known families
    if row_fn is not None:
        return row_fn
    from perflab.atlas.compute import check_plan, compute_row

    check_plan(plan)
    return compute_row


@dataclass(frozen=True)
class _Run:
    """Where this run computes its rows: the target and its open executor (None: inline)."""

    target: ComputeTarget
    executor: Any


def _build(
    plan: BuildPlan, out_dir: Path, bench: Path, only: str | None, resume: bool, run: _Run,
    progress: Progress | None, row_fn: RowFn, row_done: RowDone | None = None
) -> BuildResult:  # fmt: skip
    """:func:`build` with its arguments checked and the folder's lock held: prepare the
    folder, reopen the journals, consume the row stream, save the manifest, log the run."""
    t_start = time.perf_counter()
    manifest, fresh, pending, skipped = _prepare(plan, out_dir, bench, only, resume)
    if not pending and not fresh:
        # nothing to do: leave every file as it is (a dashboard opening a finished build
        # must not touch it), and log no run
        return BuildResult(
            atlas=plan.atlas,
            out_dir=out_dir,
            bench_dir=bench,
            complete=bool(manifest.extra.get("complete")),
            rows_computed=0,
            rows_reused=0,
            shards_skipped=skipped,
            wall_s=time.perf_counter() - t_start,
            summary=summarise(plan, manifest.done),
        )
    manifest.extra = summarise(plan, manifest.done)
    manifest.save()
    sink = _RowSink(plan, out_dir, bench, manifest, pending, progress, row_done)
    todo = sink.reopen_journals()
    sink.consume(_stream(todo, row_fn, plan, run))
    manifest.extra = summarise(plan, manifest.done)
    manifest.save()
    _drop_stale_journals(out_dir, manifest)
    result = BuildResult(
        atlas=plan.atlas,
        out_dir=out_dir,
        bench_dir=bench,
        complete=bool(manifest.extra["complete"]),
        rows_computed=len(todo),
        rows_reused=sink.reused,
        shards_written=sink.written,
        shards_skipped=skipped,
        wall_s=time.perf_counter() - t_start,
        summary=manifest.extra,
        client_s=sink.client_s,
    )
    _log_run(result, sink, only, resume, run, manifest)
    return result


def _prepare(
    plan: BuildPlan, out_dir: Path, bench: Path, only: str | None, resume: bool
) -> tuple[Manifest, bool, dict[str, list[PlanItem]], list[str]]:
    """Wipe what a fresh build replaces, open the manifest, and split the plan's shards into
    the pending ones and those already done (their file has the recorded hash)."""
    manifest_path = out_dir / MANIFEST
    if not resume:
        _wipe(out_dir, bench, plan, only)
    fresh = not manifest_path.exists()
    if fresh:
        _wipe(out_dir, bench, plan, None)
    manifest = Manifest.load_or_create(
        manifest_path,
        schema_version=SCHEMA_VERSION,
        params={"plan": plan.to_dict()},
        record_env=False,  # the environment goes to the run log, not the dataset
    )
    pending: dict[str, list[PlanItem]] = {}
    skipped: list[str] = []
    for key, items in plan.shards(only).items():
        if _shard_is_done(out_dir, manifest, key, items):
            skipped.append(key)
        else:
            manifest.done.pop(key, None)
            pending[key] = items
    return manifest, fresh, pending, skipped


class _RowSink:
    """Where computed rows go, in the order they arrive: timing records, then the shard's
    journal (flushed per row, fsynced every ``SYNC_INTERVAL_S``), then, once a shard's rows
    are all in, its parquet file (written in plan order) and manifest record."""

    def __init__(
        self, plan: BuildPlan, out_dir: Path, bench: Path, manifest: Manifest,
        pending: dict[str, list[PlanItem]], progress: Progress | None, row_done: RowDone | None,
    ) -> None:  # fmt: skip
        self.plan, self.out_dir, self.bench, self.manifest = plan, out_dir, bench, manifest
        self.pending, self.progress, self.row_done = pending, progress, row_done
        self.run_id = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"
        self.journals: dict[str, dict[str, dict[str, Any]]] = {}
        self.open_logs: dict[str, RunLog] = {}
        self.written: list[str] = []
        self.reused = self.done = 0
        self.total = sum(len(items) for items in pending.values())
        self.client_s = 0.0  # this process's own time per computed row

    def reopen_journals(self) -> list[tuple[str, PlanItem]]:
        """Read the pending shards' journals; return the rows still to compute, in order."""
        todo: list[tuple[str, PlanItem]] = []
        for key, items in self.pending.items():
            path = _journal_path(self.out_dir, key)
            have = {rec["polytope_id"]: rec for rec in RunLog.read(path)}
            ids = {it.polytope_id for it in items}
            self.journals[key] = {k: v for k, v in have.items() if k in ids}
            todo += [(key, it) for it in items if it.polytope_id not in self.journals[key]]
        self.reused = self.done = sum(len(j) for j in self.journals.values())
        if self.progress:
            self.progress(self.done, self.total)
        return todo

    def consume(self, stream: Iterator[tuple[str, PlanItem, dict[str, Any]]]) -> None:
        """Finish the shards complete in their journals, then take every streamed row."""
        self.bench.mkdir(parents=True, exist_ok=True)
        self.timings = RunLog(self.bench / TIMINGS)
        self.synced = time.monotonic()
        try:
            for key, items in self.pending.items():
                if len(self.journals[key]) == len(items):
                    self._finish(key)
            for key, item, rec in stream:
                t_row = time.perf_counter()
                self._take(key, item, rec)
                self.client_s += time.perf_counter() - t_row
            self._sync()
        finally:
            self.timings.close()
            for log in self.open_logs.values():
                log.close()

    def _sync(self) -> None:
        """fsync the timing log, then the open journals (a journalled row has its timings)."""
        self.timings.sync()
        for log in self.open_logs.values():
            log.sync()
        self.synced = time.monotonic()

    def _take(self, key: str, item: PlanItem, rec: dict[str, Any]) -> None:
        head = {
            "atlas": self.plan.atlas,
            "run_id": self.run_id,
            "polytope_id": item.polytope_id,
            "family": item.family,
            **rec.get("shape", {}),
        }
        self.timings.write_many([{**head, **t} for t in rec.pop("timings")], sync=False)
        rec.pop("shape", None)
        rec = json.loads(json.dumps(rec))  # same floats as a row read back from a journal
        if key not in self.open_logs:
            self.open_logs[key] = RunLog(_journal_path(self.out_dir, key))
        self.open_logs[key].write(rec, sync=False)
        if time.monotonic() - self.synced >= SYNC_INTERVAL_S:
            self._sync()
        self.journals[key][item.polytope_id] = rec
        self.done += 1
        if self.row_done:
            self.row_done(rec)
        if self.progress:
            self.progress(self.done, self.total)
        if len(self.journals[key]) == len(self.pending[key]):
            self._finish(key)

    def _finish(self, key: str) -> None:
        self.timings.sync()  # the shard's timing records outlive its journal
        items = self.pending[key]
        _finish_shard(
            self.out_dir, self.manifest, self.plan, key, items, self.journals[key], self.open_logs
        )
        self.written.append(key)


def _log_run(
    result: BuildResult, sink: _RowSink, only: str | None, resume: bool, run: _Run,
    manifest: Manifest,
) -> None:  # fmt: skip
    """Append this run's record to ``BENCH/runs.jsonl``."""
    with RunLog(result.bench_dir / RUNS) as runs:
        runs.write(
            {
                "atlas": result.atlas,
                "run_id": sink.run_id,
                "only": only,
                "resume": resume,
                "workers": run.target.workers,
                "where": run.target.describe(),
                "wall_s": result.wall_s,
                "rows_computed": result.rows_computed,
                "rows_reused": result.rows_reused,
                "client_s": sink.client_s,
                "shards_written": len(result.shards_written),
                "shards_skipped": len(result.shards_skipped),
                "complete": result.complete,
                "load_avg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
                "env": env_summary(env_snapshot()),
            }
        )


# -- the row stream --------------------------------------------------------------------------


def _safe_row(row_fn: RowFn, item: PlanItem, budget: RowBudget) -> dict[str, Any]:
    """``row_fn`` with a last line of defence: an unexpected exception becomes a failure.
    :class:`~perflab.atlas.compute.SafetyNetExceeded` is not one: it stops the build."""
    from perflab.atlas.compute import SafetyNetExceeded

    try:
        rec = row_fn(item, budget)
    except SafetyNetExceeded:
        raise
    except Exception as exc:  # a bug in row_fn must not stop the build
        rec = {
            "row": None,
            "timings": [],
            "failures": [
                {
                    "quantity": "row",
                    "algorithm": "build",
                    "status": f"error: {type(exc).__name__}",
                    "message": str(exc)[:500],
                }
            ],
        }
    rec["polytope_id"] = item.polytope_id
    return rec


def _stream(
    todo: list[tuple[str, PlanItem]], row_fn: RowFn, plan: BuildPlan, run: _Run
) -> Iterator[tuple[str, PlanItem, dict[str, Any]]]:
    """Yield ``(shard, item, record)`` for every row of ``todo``, computed where ``run``
    says: in plan order in this process, else in the order they finish.

    Rows of a shard may reach its journal in any order: the shard's file is written from
    the plan's order once they are all in, so the bytes do not depend on it. One task per
    row (a row costs 20 ms or more, a Dask task about 2 ms), at most a window of them in
    flight, so a plan of a million rows does not sit in the scheduler at once, and a slow
    row does not idle the other workers. A local pool's worker that dies raises
    ``BrokenProcessPool`` here instead of leaving the build waiting; on Dask the scheduler
    reruns a dead worker's rows elsewhere, and a row that killed ``allowed-failures``
    workers stops the build with :class:`ClusterError`. Leaving early cancels the rows in
    flight.
    """
    if run.executor is None or len(todo) < 2:
        for key, item in todo:
            yield key, item, _safe_row(row_fn, item, plan.row_budget(item.family))
        return
    tasks = ((row_fn, item, plan.row_budget(item.family)) for _, item in todo)
    n = run.executor.n_workers() if run.target.is_dask else run.target.workers
    results = completed_results(run.executor, _safe_row, tasks, window=max(64, 8 * n))
    try:
        for i, rec in results:
            key, item = todo[i]
            yield key, item, rec
    except Exception as exc:
        if type(exc).__name__ != "KilledWorker":
            raise
        raise ClusterError(
            f"a row killed {run.target.describe()}'s workers again and again (out of memory, "
            f"or a crash in native code): {exc}; finished rows are journalled, and a re-run "
            f"resumes"
        ) from exc
    finally:
        results.close()


# -- shards and the manifest -----------------------------------------------------------------


def _journal_path(out_dir: Path, key: str) -> Path:
    return out_dir / WORK_DIR / (key.replace("/", "__") + ".jsonl")


def _shard_path(out_dir: Path, key: str) -> Path:
    return out_dir / DATA_DIR / f"{key}.parquet"


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _shard_is_done(out_dir: Path, manifest: Manifest, key: str, items: list[PlanItem]) -> bool:
    info = manifest.done.get(key)
    if not isinstance(info, dict) or info.get("ids") != [it.polytope_id for it in items]:
        return False
    if info.get("rows", 0) == 0:
        return True
    return _sha256(_shard_path(out_dir, key)) == info.get("sha256")


def _finish_shard(
    out_dir: Path,
    manifest: Manifest,
    plan: BuildPlan,
    key: str,
    items: list[PlanItem],
    journal: dict[str, dict[str, Any]],
    open_logs: dict[str, RunLog],
) -> None:
    recs = [journal[it.polytope_id] for it in items]
    rows = [r["row"] for r in recs if r["row"] is not None]
    path = _shard_path(out_dir, key)
    if rows:
        info = write_shard(path, rows)
    else:
        path.unlink(missing_ok=True)
        info = {"rows": 0, "bytes": 0, "sha256": None}
    status_counts: dict[str, dict[str, int]] = {}
    for q in QUANTITIES:
        counts: dict[str, int] = {}
        for r in rows:
            s = r[status_column(q)]
            counts[s] = counts.get(s, 0) + 1
        status_counts[q] = counts
    failures = []
    for it, rec in zip(items, recs, strict=True):
        for f in rec.get("failures", []):
            failures.append({"polytope_id": it.polytope_id, "family": it.family, **f})
    manifest.done[key] = {
        **info,
        "path": f"{DATA_DIR}/{key}.parquet" if rows else None,
        "family": items[0].family,
        "ids": [it.polytope_id for it in items],
        "missing": [it.polytope_id for it, r in zip(items, recs, strict=True) if not r["row"]],
        "with_capacity": sum(1 for r in rows if r["ehz_capacity"] is not None),
        "status_counts": status_counts,
        "failures": failures,
    }
    manifest.done = _in_plan_order(plan, manifest.done)  # whatever order shards finish in
    manifest.extra = summarise(plan, manifest.done)
    manifest.save()
    log = open_logs.pop(key, None)
    if log is not None:
        log.close()
    _journal_path(out_dir, key).unlink(missing_ok=True)


def _in_plan_order(plan: BuildPlan, done: dict[str, Any]) -> dict[str, Any]:
    """``done`` with its shard keys in the plan's order (family, then shard number), so a
    manifest's bytes do not depend on the order shards finished in, or on a resume."""
    rank = {name: i for i, name in enumerate(plan.family_names())}
    keys = sorted(done, key=lambda k: (rank.get(k.split("/", 1)[0], len(rank)), k))
    return {k: done[k] for k in keys}


def summarise(plan: BuildPlan, done: dict[str, Any]) -> dict[str, Any]:
    """Per-family counts, failures and totals of the shards recorded in ``done``."""
    all_shards = plan.shard_keys()
    families: dict[str, dict[str, Any]] = {}
    failures: list[dict[str, Any]] = []
    for spec in plan.families:
        keys = plan.shard_keys(spec.family)
        fam = {
            "planned": spec.size,
            "shards": len(keys),
            "shards_done": 0,
            "rows": 0,
            "with_capacity": 0,
            "missing": 0,
            "status_counts": {q: {} for q in QUANTITIES},
        }
        for k in keys:
            info = done.get(k)
            if not isinstance(info, dict):
                continue
            fam["shards_done"] += 1
            fam["rows"] += info["rows"]
            fam["with_capacity"] += info["with_capacity"]
            fam["missing"] += len(info["missing"])
            for q, counts in info["status_counts"].items():
                for s, n in counts.items():
                    fam["status_counts"][q][s] = fam["status_counts"][q].get(s, 0) + n
            failures += info["failures"]
        families[spec.family] = fam
    rows = sum(f["rows"] for f in families.values())
    work_budget = sum(1 for f in failures if f["status"] == STATUS_WORK_BUDGET)
    errors = sum(1 for f in failures if f["status"].startswith("error"))
    # a row with no capacity must have a recorded work-budget stop or error for it
    unexplained = []
    for k, info in done.items():
        if not isinstance(info, dict):
            continue
        explained = {f["polytope_id"] for f in info["failures"] if f["quantity"] == "ehz_capacity"}
        if info["with_capacity"] + len(explained) < info["rows"]:
            unexplained.append(k)
    return {
        "complete": all(isinstance(done.get(k), dict) for k in all_shards),
        "families": families,
        "failures": failures,
        "totals": {
            "planned": plan.size,
            "rows": rows,
            "with_capacity": sum(f["with_capacity"] for f in families.values()),
            "missing_rows": sum(f["missing"] for f in families.values()),
            "failures": len(failures),
            "work_budget": work_budget,
            "errors": errors,
            "shards_done": sum(f["shards_done"] for f in families.values()),
            "shards": len(all_shards),
            "shards_without_explained_capacity": unexplained,
        },
    }


def _wipe(out_dir: Path, bench: Path, plan: BuildPlan, only: str | None) -> None:
    """Remove this build's files (one family's when ``only``), never anything else."""
    if only is None:
        shutil.rmtree(out_dir / DATA_DIR, ignore_errors=True)
        shutil.rmtree(out_dir / WORK_DIR, ignore_errors=True)
        (out_dir / MANIFEST).unlink(missing_ok=True)
        (bench / TIMINGS).unlink(missing_ok=True)
        (bench / RUNS).unlink(missing_ok=True)  # the runs of a build that is gone
        return
    mpath = out_dir / MANIFEST
    if mpath.exists():
        # refuse before touching anything when the folder holds another plan's build
        m = Manifest.load_or_create(
            mpath, schema_version=SCHEMA_VERSION, params={"plan": plan.to_dict()}, record_env=False
        )
        m.done = {k: v for k, v in m.done.items() if not k.startswith(only + "/")}
        m.extra = summarise(plan, m.done)
        m.save()
    shutil.rmtree(out_dir / DATA_DIR / only, ignore_errors=True)
    for key in plan.shards(only):
        _journal_path(out_dir, key).unlink(missing_ok=True)


def _drop_stale_journals(out_dir: Path, manifest: Manifest) -> None:
    work = out_dir / WORK_DIR
    if not work.exists():
        return
    for key in manifest.done:
        _journal_path(out_dir, key).unlink(missing_ok=True)
    try:
        work.rmdir()  # only when empty
    except OSError:
        pass
