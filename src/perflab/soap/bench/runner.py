"""Run benchmark cases: cold/warm wall time, per-pair and per-N^2 time, peak memory.

What is timed is one full ``AniSOAP.expansion(frames)`` call (input validation, neighbour
list, projection, orthonormalisation and layout), the same work as the reference's
``transform``, or one ``power_spectrum(frames)`` call (``Case.what``). A group of cases with
``burners`` runs beside that many CPU-burning processes (started before its first call,
killed after its last). The first call of a case is its *cold* sample (plan building, first-touch
allocations; for the first torch case also torch's own warm-up); the *warm* samples follow
``warmup`` untimed calls. Each warm call's process CPU time (all threads) is recorded too:
on a shared machine it is less disturbed by other jobs than wall time. Peak memory is
measured on one extra, untimed call: the peak resident-set growth over the call (sampled
every millisecond by a thread), and on CUDA ``torch.cuda.max_memory_allocated``.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psutil

from perflab.harness import RunLog, SampleStats
from perflab.soap.bench.cases import HYPERS, Case, System, make_calculator
from perflab.soap.frames import Frame
from perflab.soap.reference import reference_status
from perflab.soap.systems import benzene_like_frames, ellipsoid_fluid, golden_frames
from perflab.soap.threads import auto_threads

__all__ = [
    "NO_GPU",
    "PeakRSS",
    "build_system",
    "cpu_burners",
    "round_orders",
    "run_case",
    "run_cases",
    "run_group",
]

NO_GPU = "not measured: no GPU"


def build_system(system: System, golden_dir: str | None = None) -> list[Frame]:
    if system.family == "golden":
        return golden_frames(system.param("file"), golden_dir)
    if system.family == "fluid":
        return [ellipsoid_fluid(system.param("n_particles"), seed=system.param("seed", 0))]
    if system.family == "benzene":
        return benzene_like_frames(
            system.param("n_frames"), system.param("n_molecules"), system.param("n_species")
        )
    raise ValueError(f"system: unknown family {system.family!r}")


def _release_free_heap() -> None:
    """Return freed heap pages to the OS (glibc ``malloc_trim``) so that the next call's
    allocations show up as resident-set growth; a no-op where glibc is absent."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakRSS:
    """Peak resident-set growth (bytes) while the ``with`` block runs, sampled by a thread.

    Freed heap memory is released first, so memory reused from the allocator's free lists
    (which would not raise the RSS) is counted too, within the sampling interval.
    """

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self._proc = psutil.Process()
        self.peak_delta = 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, self._proc.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        _release_free_heap()
        self._base = self._proc.memory_info().rss
        self._peak = self._base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, self._proc.memory_info().rss)
        self.peak_delta = self._peak - self._base


def _cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


@contextmanager
def cpu_burners(n: int) -> Iterator[list[subprocess.Popen]]:
    """``n`` processes that spin on the CPU for the duration of the block (then killed)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        if procs:
            time.sleep(0.5)  # let them get going
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


@dataclass
class _Running:
    """A case being measured: its calculator, frames, partial row and samples so far."""

    case: Case
    frames: list[Frame]
    row: dict[str, Any]
    calc: Any = None
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def call(self) -> Any:
        return getattr(self.calc, self.case.what)(self.frames)

    def time_once(self) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        out = self.call()
        self.wall.append(time.perf_counter() - t0)
        self.cpu.append(time.process_time() - c0)
        return out


def _start(case: Case, frames: list[Frame], cold_budget_s: float) -> _Running:
    """Describe the case, then make its cold call and warm-up calls (status set if done)."""
    import torch

    row: dict[str, Any] = case.describe()
    n_particles = sum(len(f) for f in frames)
    species = sorted({int(s) for f in frames for s in f.species})
    row.update(
        n_frames=len(frames),
        n_particles=n_particles,
        particles_per_frame=n_particles / len(frames),
        n_species=len(species),
        hypers=dict(HYPERS),
        load_1m=os.getloadavg()[0],  # how busy the (shared) machine was
        omp_wait_policy=os.environ.get("OMP_WAIT_POLICY", ""),
    )
    run = _Running(case, frames, row)
    b = case.backend
    if b.device == "cuda" and not _cuda_available():
        row.update(status="skipped", reason=NO_GPU)
        return run
    if b.backend == "reference":
        ok, why = reference_status()
        if not ok:
            row.update(status="skipped", reason=why)
            return run
    run.calc = make_calculator(b)
    n_pairs = len(run.calc.prepare(frames).pairs)
    used = 1
    if b.backend == "torch":
        caller = torch.get_num_threads()
        used = auto_threads(n_pairs, caller) if b.threads is None else b.threads
    row.update(
        n_pairs=n_pairs,
        pairs_per_particle=n_pairs / n_particles,
        threads_used=used,
        batch_size=run.calc.batch_size,
    )
    out = run.time_once()
    if case.what == "power_spectrum" and hasattr(out, "shape"):
        row["n_features"] = int(out.shape[1])  # features per frame, all species slots
    row["cold_s"] = run.wall.pop()
    run.cpu.pop()
    if row["cold_s"] > cold_budget_s:
        row.update(status="cold-only", reason=f"cold call took {row['cold_s']:.1f} s > budget")
        return run
    for _ in range(case.warmup):
        run.time_once()
    run.wall.clear()
    run.cpu.clear()
    return run


def _finish(run: _Running) -> dict[str, Any]:
    """Statistics of the warm samples and one extra call for peak memory."""
    import torch

    row = run.row
    if "status" in row:
        return row
    stats = SampleStats.from_samples(run.wall)
    cpu_median = statistics.median(run.cpu)
    n_pairs, n_particles = row["n_pairs"], row["n_particles"]
    cuda = run.case.backend.device == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    with PeakRSS() as mem:
        run.call()
    row.update(
        status="ok",
        reason="",
        warm_s=list(run.wall),
        cpu_s=list(run.cpu),
        warm_median_s=stats.median,
        warm_iqr_s=stats.iqr,
        warm_min_s=stats.min,
        time_per_pair_s=stats.median / n_pairs,
        cpu_median_s=cpu_median,
        cpu_per_pair_s=cpu_median / n_pairs,
        time_per_n2_s=stats.median / float(n_particles) ** 2,
        peak_rss_delta_mb=mem.peak_delta / 2**20,
        peak_cuda_mb=(torch.cuda.max_memory_allocated() / 2**20) if cuda else math.nan,
    )
    return row


def round_orders(n: int) -> list[tuple[int, ...]]:
    """Orders in which successive rounds time ``n`` interleaved cases: for up to 4 cases
    every permutation in turn, so that each case follows each other one equally often
    within rounds (a two-thread call leaves OpenMP threads spinning for a while after it,
    which slows whatever comes next); for more, a rotation."""
    if n <= 4:
        return list(itertools.permutations(range(n)))
    return [tuple((i + k) % n for i in range(n)) for k in range(n)]


def run_case(case: Case, frames: list[Frame], *, cold_budget_s: float = 120.0) -> dict[str, Any]:
    """Measure one case (cold call, warm-up, ``repeats`` warm calls); a flat JSON row."""
    return run_group([case], [frames], cold_budget_s=cold_budget_s)[0]


def run_group(
    cases: list[Case], frames: list[list[Frame]], *, cold_budget_s: float = 120.0
) -> list[dict[str, Any]]:
    """Measure several cases *interleaved*: after every case's cold and warm-up calls, each
    round times every case once. Slow drifts in the load of a shared machine then hit all
    the cases alike instead of whichever ran during a busy spell; the order changes from
    round to round (:func:`round_orders`). The group runs beside the
    largest ``burners`` of its cases."""
    with cpu_burners(max((c.burners for c in cases), default=0)):
        runs = [_start(c, f, cold_budget_s) for c, f in zip(cases, frames, strict=True)]
        active = [r for r in runs if "status" not in r.row]
        orders = round_orders(len(active))
        for k in range(max((r.case.repeats for r in active), default=0)):
            for i in orders[k % len(orders)]:
                if k < active[i].case.repeats:
                    active[i].time_once()
        return [_finish(r) for r in runs]


def run_cases(
    cases: Iterable[Case],
    log: RunLog,
    *,
    run_id: str,
    golden_dir: str | None = None,
    progress: Callable[[list[list[Case]]], Iterable[list[Case]]] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``cases`` in order, writing each row to ``log`` as soon as it is measured;
    ``progress`` wraps the list of case groups (e.g. a progress bar).

    Consecutive cases with the same non-empty ``interleave`` label are measured together by
    :func:`run_group`.
    """
    cache: dict[System, list[Frame]] = {}
    rows = []
    groups: list[list[Case]] = []
    for case in cases:
        if groups and case.interleave and groups[-1][0].interleave == case.interleave:
            groups[-1].append(case)
        else:
            groups.append([case])
    for group in progress(groups) if progress else groups:
        for case in group:
            if case.system not in cache:
                cache[case.system] = build_system(case.system, golden_dir)
        for row in run_group(group, [cache[c.system] for c in group]):
            row["run_id"] = run_id
            row["timestamp"] = time.time()
            log.write(row)
            rows.append(row)
            if on_row:
                on_row(row)
    return rows
