"""Speed-up of an atlas build from 1 to N Dask workers, measured in one run.

:func:`sample_plan` takes a stride sample of a plan that keeps its mix of families: every
``stride``-th seed of each parameter set (for a family with a single seed: every
``stride``-th parameter set, at least one). :func:`measure_scaling` builds that sample
afresh on an embedded Dask ``LocalCluster`` of each worker count in turn, in the same run and
from the same temporary folder, checks that every build wrote the same shard bytes, and
returns the wall times, rows per second and speed-ups against the one-worker build. The
result is what :mod:`perflab.atlas.projection` extrapolates from (its parallel efficiency).

Wall times count the build itself (rows computed, journals, shards, manifest), not the
cluster's start-up, which is recorded apart.
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

__all__ = ["ScalingRun", "ScalingResult", "measure_scaling", "sample_plan"]


def sample_plan(plan: BuildPlan, stride: int) -> BuildPlan:
    """The stride sample of ``plan`` (named ``<atlas>-scaling``; see the module docstring).

    Raises
    ------
    ValueError
        ``stride`` is not a positive integer.
    """
    if isinstance(stride, bool) or int(stride) != stride or stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride!r}")
    specs = []
    for s in plan.families:
        if len(s.seeds) > 1:
            spec = FamilySpec(
                s.family, s.grid, s.seeds[::stride], s.points, s.work_budget, s.methods
            )
        else:
            points = s.param_sets()[::stride]
            spec = FamilySpec(s.family, {}, list(s.seeds), points, s.work_budget, s.methods)
        specs.append(spec)
    return BuildPlan(
        atlas=f"{plan.atlas}-scaling",
        families=tuple(specs),
        time_budget_s=plan.time_budget_s,
        rows_per_shard=plan.rows_per_shard,
        description=f"every {stride}th seed of {plan.atlas} (scaling measurement)",
        work_budget=dict(plan.work_budget),
        methods=plan.methods,
    )


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
    load_avg: list[float] | None = None
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
    return ScalingResult(
        atlas=plan.atlas,
        sample=sample.description,
        stride=stride,
        rows=sample.size,
        runs=runs,
        identical=identical,
        env=env_summary(env_snapshot()),
        load_avg=list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    )


def scaling_dict(result: ScalingResult) -> dict[str, Any]:
    """``result`` as plain JSON (for ``scaling.json``)."""
    from dataclasses import asdict

    return asdict(result)
