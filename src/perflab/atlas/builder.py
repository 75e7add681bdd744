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
2. Each finished row is appended, fsynced, to its shard's journal (:class:`RunLog`; a torn
   last line is dropped on reopening) *after* its timing records, so a row is never lost;
   a row computed twice leaves two timing records and the report keeps the latest.
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
from perflab.harness.lock import build_lock
from perflab.harness.pool import ordered_results, process_pool

RowFn = Callable[[PlanItem, RowBudget], dict[str, Any]]
Progress = Callable[[int, int], None]
RowDone = Callable[[dict[str, Any]], None]

DATA_DIR = "data"
WORK_DIR = ".work"
MANIFEST = "manifest.json"
TIMINGS = "timings.jsonl"
RUNS = "runs.jsonl"


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
) -> BuildResult:
    """Build (or finish) the atlas of ``plan`` in ``out_dir``.

    ``resume=True`` skips finished shards and reuses journalled rows; ``resume=False``
    starts afresh (only the family ``only`` when given). ``only`` restricts the run to one
    family. ``workers > 1`` computes rows in that many spawned processes (results are still
    consumed in plan order). ``progress(done, total)`` is called as rows arrive, and
    ``row_done(record)`` with each computed row's record (its ``failures`` included).
    ``row_fn(item, budget)`` computes a row (default :func:`perflab.atlas.compute.compute_row`).

    One build per folder: a second build into ``out_dir`` while this one runs raises
    :class:`perflab.harness.lock.BuildLocked` naming it (stale locks of killed builds are
    released by the kernel).
    """
    if isinstance(workers, bool) or int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be a positive integer (>= 1), got {workers!r}")
    if only is not None:
        plan.spec(only)  # raises PlanError naming the known families
    if row_fn is None:
        from perflab.atlas.compute import check_plan, compute_row

        check_plan(plan)  # families and parameters the core knows, before touching files
        row_fn = compute_row
    out_dir = Path(out_dir)
    bench = Path(bench_dir) if bench_dir is not None else default_bench_dir(out_dir, plan.atlas)
    with build_lock(out_dir, what=f"atlas build of {plan.atlas}"):
        return _build(plan, out_dir, bench, only, resume, workers, progress, row_fn, row_done)


def _build(
    plan: BuildPlan, out_dir: Path, bench: Path, only: str | None, resume: bool, workers: int,
    progress: Progress | None, row_fn: RowFn, row_done: RowDone | None = None
) -> BuildResult:  # fmt: skip
    """:func:`build` with its arguments checked and the folder's lock held."""
    t_start = time.perf_counter()

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
    shards = plan.shards(only)
    pending: dict[str, list[PlanItem]] = {}
    skipped: list[str] = []
    for key, items in shards.items():
        if _shard_is_done(out_dir, manifest, key, items):
            skipped.append(key)
        else:
            manifest.done.pop(key, None)
            pending[key] = items
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
    run_id = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"

    journals: dict[str, dict[str, dict[str, Any]]] = {}
    todo: list[tuple[str, PlanItem]] = []
    for key, items in pending.items():
        have = {rec["polytope_id"]: rec for rec in RunLog.read(_journal_path(out_dir, key))}
        ids = {it.polytope_id for it in items}
        journals[key] = {k: v for k, v in have.items() if k in ids}
        todo += [(key, it) for it in items if it.polytope_id not in journals[key]]
    reused = sum(len(j) for j in journals.values())
    total = sum(len(items) for items in pending.values())
    done_count = reused
    if progress:
        progress(done_count, total)

    written: list[str] = []
    open_logs: dict[str, RunLog] = {}
    bench.mkdir(parents=True, exist_ok=True)
    timings = RunLog(bench / TIMINGS)
    try:
        for key, items in pending.items():  # shards already complete in their journal
            if len(journals[key]) == len(items):
                _finish_shard(out_dir, manifest, plan, key, items, journals[key], open_logs)
                written.append(key)
        for key, item, rec in _stream(todo, row_fn, plan, workers):
            for t in rec.pop("timings"):
                timings.write(
                    {
                        "atlas": plan.atlas,
                        "run_id": run_id,
                        "polytope_id": item.polytope_id,
                        "family": item.family,
                        **rec.get("shape", {}),
                        **t,
                    }
                )
            rec.pop("shape", None)
            rec = json.loads(json.dumps(rec))  # same floats as a row read back from a journal
            if key not in open_logs:
                open_logs[key] = RunLog(_journal_path(out_dir, key))
            open_logs[key].write(rec)
            journals[key][item.polytope_id] = rec
            done_count += 1
            if row_done:
                row_done(rec)
            if progress:
                progress(done_count, total)
            if len(journals[key]) == len(pending[key]):
                _finish_shard(out_dir, manifest, plan, key, pending[key], journals[key], open_logs)
                written.append(key)
    finally:
        timings.close()
        for log in open_logs.values():
            log.close()

    manifest.extra = summarise(plan, manifest.done)
    manifest.save()
    _drop_stale_journals(out_dir, manifest)
    wall = time.perf_counter() - t_start
    result = BuildResult(
        atlas=plan.atlas,
        out_dir=out_dir,
        bench_dir=bench,
        complete=bool(manifest.extra["complete"]),
        rows_computed=len(todo),
        rows_reused=reused,
        shards_written=written,
        shards_skipped=skipped,
        wall_s=wall,
        summary=manifest.extra,
    )
    with RunLog(bench / RUNS) as runs:
        runs.write(
            {
                "atlas": plan.atlas,
                "run_id": run_id,
                "only": only,
                "resume": resume,
                "workers": workers,
                "wall_s": wall,
                "rows_computed": result.rows_computed,
                "rows_reused": reused,
                "shards_written": len(written),
                "shards_skipped": len(skipped),
                "complete": result.complete,
                "load_avg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
                "env": env_summary(env_snapshot()),
            }
        )
    return result


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
    todo: list[tuple[str, PlanItem]], row_fn: RowFn, plan: BuildPlan, workers: int
) -> Iterator[tuple[str, PlanItem, dict[str, Any]]]:
    """Yield ``(shard, item, record)`` in ``todo`` order, computed by ``workers`` processes.

    The workers are spawned, not forked: a fork of a process with other threads running (a
    marimo kernel serving a dashboard) can copy a lock held by one of them and hang the
    child for good. A worker that dies raises ``BrokenProcessPool`` here instead of leaving
    the build waiting; leaving early cancels the rows not yet started.
    """
    if workers == 1 or len(todo) < 2:
        for key, item in todo:
            yield key, item, _safe_row(row_fn, item, plan.row_budget(item.family))
        return
    tasks = [(row_fn, item, plan.row_budget(item.family)) for _, item in todo]
    pool = process_pool(workers)  # workers die with this process
    try:
        for (key, item), rec in zip(todo, ordered_results(pool, _safe_row, tasks), strict=True):
            yield key, item, rec
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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
    manifest.extra = summarise(plan, manifest.done)
    manifest.save()
    log = open_logs.pop(key, None)
    if log is not None:
        log.close()
    _journal_path(out_dir, key).unlink(missing_ok=True)


def summarise(plan: BuildPlan, done: dict[str, Any]) -> dict[str, Any]:
    """Per-family counts, failures and totals of the shards recorded in ``done``."""
    all_shards = plan.shards()
    families: dict[str, dict[str, Any]] = {}
    failures: list[dict[str, Any]] = []
    for spec in plan.families:
        keys = [k for k in all_shards if k.startswith(spec.family + "/")]
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
