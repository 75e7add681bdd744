"""Speed-up of an atlas build from 1 to N Dask workers, measured in one run.

:func:`sample_plan` takes every ``stride``-th row of a plan, so the sample has the plan's
mix of cheap and expensive rows (a family of a few rows appears only where a multiple of
``stride`` falls in it).
:func:`measure_scaling` builds that sample afresh on an embedded Dask ``LocalCluster`` of
each worker count in turn, in the same run and from the same temporary folder, checks that
every build wrote the same shard bytes, and returns the wall times, rows per second and
speed-ups against the one-worker build. The result is what :mod:`perflab.atlas.projection`
extrapolates from (its parallel efficiency).

Wall times count the build itself (rows computed, journals, shards, manifest), not the
cluster's start-up, which is recorded apart.

:func:`hardware_speedup` calibrates the machine the same way: the speed-up of a fixed
single-threaded CPU task (Python arithmetic and small numpy linear algebra) from 1 to N
processes. On a machine whose N cores are real it is close to N; on a virtual machine whose
vCPUs share a physical core it is not, and the build cannot scale past it. The software's
parallel efficiency is the build's speed-up divided by this one.

:func:`measure_client` measures the part that does not parallelise: the client's own time
per row (timing records, journal, shards, manifest), by replaying a built atlas's rows
through the builder in this process with no computation (each row's record is rebuilt from
the committed shards, timing log and manifest), at the plan's real shard size. Its shards
must come out byte-identical to the committed ones, which it checks.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perflab.atlas.builder import DATA_DIR, build
from perflab.atlas.plan import BuildPlan, FamilySpec
from perflab.harness import env_snapshot, env_summary

__all__ = [
    "hardware_speedup",
    "ScalingResult",
    "ScalingRun",
    "measure_client",
    "measure_scaling",
    "sample_plan",
    "scaling_dict",
]


def sample_plan(plan: BuildPlan, stride: int) -> BuildPlan:
    """Every ``stride``-th row of ``plan`` in plan order (named ``<atlas>-scaling``): the
    plan's mix of cheap and expensive rows, so a family of a few rows appears only where a
    multiple of ``stride`` falls in it. A family whose kept rows are not one set of seeds for
    each kept parameter set (possible only when its seed count is not a multiple of
    ``stride``) keeps every ``stride``-th seed of each parameter set instead.

    Raises
    ------
    ValueError
        ``stride`` is not a positive integer.
    """
    if isinstance(stride, bool) or int(stride) != stride or stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride!r}")
    specs, start = [], 0
    for s in plan.families:
        keep = [j for j in range(s.size) if (start + j) % stride == 0]
        start += s.size
        if keep:
            specs.append(_kept_spec(s, keep, stride))
    description = f"every {stride}th row of {plan.atlas} (scaling measurement)"
    return plan.derived(f"{plan.atlas}-scaling", specs, description)


def _kept_spec(s: FamilySpec, keep: list[int], stride: int) -> FamilySpec:
    """The rows ``keep`` (indices into ``s.items()``) of family ``s`` as one spec."""
    n_seeds, param_sets = len(s.seeds), s.param_sets()
    seeds_of: dict[int, list[int]] = {}
    for j in keep:
        seeds_of.setdefault(j // n_seeds, []).append(s.seeds[j % n_seeds])
    seed_sets = {tuple(v) for v in seeds_of.values()}
    if len(seed_sets) == 1:
        points = [param_sets[p] for p in seeds_of]
        return FamilySpec(s.family, {}, list(seed_sets.pop()), points, s.work_budget, s.methods)
    return FamilySpec(s.family, s.grid, s.seeds[::stride], s.points, s.work_budget, s.methods)


@dataclass
class ScalingRun:
    """One build of the sample: ``workers`` Dask workers, its wall time and throughput."""

    workers: int
    wall_s: float
    startup_s: float
    rows: int
    rows_per_s: float
    client_s_per_row: float = 0.0
    speedup: float = 1.0
    shards_sha256: str = ""


@dataclass
class ScalingResult:
    """The runs of one :func:`measure_scaling` call, in worker order."""

    atlas: str
    sample: str
    stride: int
    rows: int
    runs: list[ScalingRun]
    identical: bool
    env: str
    load_avg: list[float] | None = None  # at the end
    load_avg_start: list[float] | None = None
    hardware: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def efficiency(self, workers: int) -> float:
        """Speed-up per worker of the run with ``workers`` workers (1.0: perfect)."""
        run = next(r for r in self.runs if r.workers == workers)
        return run.speedup / workers


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((folder / DATA_DIR).rglob("*.parquet")):
        h.update(str(p.relative_to(folder)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def measure_scaling(
    plan: BuildPlan, *, stride: int = 50, workers: tuple[int, ...] = (1, 2)
) -> ScalingResult:
    """Build ``sample_plan(plan, stride)`` once per worker count (embedded Dask clusters),
    in this order, and compare them (see the module docstring).

    Raises
    ------
    RuntimeError
        The builds of the sample wrote different bytes (which would be a bug: a dataset
        depends on its plan only).
    """
    sample = sample_plan(plan, stride)
    load_start = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    runs: list[ScalingRun] = []
    with tempfile.TemporaryDirectory(prefix=f"{sample.atlas}-") as tmp:
        for n in workers:
            out = Path(tmp) / f"w{n}"
            t0 = time.perf_counter()
            res = build(sample, out, bench_dir=out / "bench", cluster="local", workers=n)
            total = time.perf_counter() - t0
            runs.append(
                ScalingRun(
                    workers=n,
                    wall_s=res.wall_s,
                    startup_s=max(0.0, total - res.wall_s),
                    rows=res.rows_computed,
                    rows_per_s=res.rows_computed / res.wall_s,
                    client_s_per_row=res.client_s / max(res.rows_computed, 1),
                    shards_sha256=_digest(out),
                )
            )
    base = runs[0].wall_s
    for r in runs:
        r.speedup = base / r.wall_s
    identical = len({r.shards_sha256 for r in runs}) == 1
    if not identical:
        raise RuntimeError(f"builds of {sample.atlas} with {workers} workers wrote other bytes")
    hardware = hardware_speedup(max(workers))
    return ScalingResult(
        hardware=hardware,
        atlas=plan.atlas,
        sample=sample.description,
        stride=stride,
        rows=sample.size,
        runs=runs,
        identical=identical,
        env=env_summary(env_snapshot()),
        load_avg=list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        load_avg_start=load_start,
    )


def scaling_dict(result: ScalingResult) -> dict[str, Any]:
    """``result`` as plain JSON (for ``scaling.json``)."""
    from dataclasses import asdict

    return asdict(result)


def _replay_records(
    plan: BuildPlan, dataset: Path, manifest: dict[str, Any], bench: Path
) -> dict[str, dict[str, Any]]:
    """Each polytope's builder record (row, timings, failures) rebuilt from a finished build
    (its folder ``dataset``, its ``manifest``, its timing log in ``bench``)."""
    import json

    import pyarrow.parquet as pq

    from perflab.harness import RunLog

    records: dict[str, dict[str, Any]] = {}
    for info in manifest["done"].values():
        rows = pq.read_table(dataset / info["path"]).to_pylist() if info["rows"] else []
        for row in rows:
            records[row["polytope_id"]] = {"row": row, "timings": [], "failures": []}
        for f in info["failures"]:
            rest = {k: v for k, v in f.items() if k not in ("polytope_id", "family")}
            records[f["polytope_id"]]["failures"].append(rest)
    head = {"atlas", "run_id", "polytope_id", "family", "dimension", "num_facets", "num_vertices"}
    for rec in RunLog.iter(bench / "timings.jsonl"):
        if rec["polytope_id"] in records:
            t = {k: v for k, v in rec.items() if k not in head}
            records[rec["polytope_id"]]["timings"].append(t)
    missing = [it.polytope_id for it in plan.items() if it.polytope_id not in records]
    if missing:
        raise ValueError(f"{dataset}: no row for {len(missing)} planned polytopes")
    return json.loads(json.dumps(records))


def measure_client(plan: BuildPlan, dataset: Path, bench: Path) -> dict[str, Any]:
    """Replay the finished build of ``plan`` in ``dataset`` (timings in ``bench``) through
    the builder with no computation; return its rows, wall and client seconds per row, and
    whether every shard came out with the committed SHA-256."""
    import copy

    from perflab.atlas.load import read_manifest

    manifest = read_manifest(dataset)
    records = _replay_records(plan, Path(dataset), manifest, Path(bench))
    committed = {k: v["sha256"] for k, v in manifest["done"].items()}

    def replay(item: Any, budget: Any) -> dict[str, Any]:
        return copy.deepcopy(records[item.polytope_id])

    with tempfile.TemporaryDirectory(prefix=f"{plan.atlas}-replay-") as tmp:
        res = build(plan, Path(tmp) / "ds", bench_dir=Path(tmp) / "bench", row_fn=replay)
        replayed = {k: v["sha256"] for k, v in read_manifest(Path(tmp) / "ds")["done"].items()}
    return {
        "rows": res.rows_computed,
        "wall_s": res.wall_s,
        "s_per_row": res.wall_s / res.rows_computed,
        "client_s_per_row": res.client_s / res.rows_computed,
        "identical_to_committed": replayed == committed,
        "load_avg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _cpu_task(seed: int) -> float:
    """A fixed single-threaded CPU task (tens of ms): Python arithmetic, then small numpy
    linear algebra; returns a checksum so nothing is optimised away."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    total = 0
    for i in range(1_000_000):
        total += (i * seed) % 7
    with threadpool_limits(1):
        a = np.random.default_rng(seed).random((120, 120)) + 120 * np.eye(120)
        for _ in range(20):
            a = np.linalg.inv(a) + 120 * np.eye(120)
    return float(total) + float(a.sum())


def hardware_speedup(workers: int = 2, tasks: int = 40) -> dict[str, Any]:
    """The speed-up of ``tasks`` copies of a fixed CPU task from 1 to ``workers`` processes
    (spawned pools of each size, started before the clock; best of 3 rounds each)."""
    from perflab.harness.pool import process_pool

    times = {}
    for n in (1, workers):
        with process_pool(n) as pool:
            list(pool.map(_cpu_task, range(n)))  # workers started and warm
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                list(pool.map(_cpu_task, range(1, tasks + 1)))
                best = min(best, time.perf_counter() - t0)
            times[n] = best
    return {
        "workers": workers,
        "tasks": tasks,
        "wall_s": {str(n): t for n, t in times.items()},
        "speedup": times[1] / times[workers],
    }
