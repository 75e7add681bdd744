"""Build the Warp kernel dataset: size-targeted, parallel, deterministic, resumable.

``python -m perflab.warpgen.build --target-mb 200`` (flags as in ``notebooks/warp_dataset.py``:
``--target-mb``, ``--smoke``, ``--out``, ``--seed``, ``--workers``).

Kernels are numbered 0, 1, 2, ...; shard ``s`` holds kernels ``s*K .. s*K+K-1``. Workers
(``multiprocessing``, spawn) process shards in any order; the driver commits them strictly in
order: it drops kernels whose normalized Python source it has seen before (exact dedupe, first
occurrence wins), writes the CPU and CUDA shard files atomically, then records the shard in the
manifest (atomically). A module whose normalised skeleton (:mod:`perflab.warpgen.skeleton`)
already has ``skeleton_cap`` kept modules is dropped too (counted in the manifest). It stops
after the first shard at which both backends hold at least
``target_mb`` MB on disk. The result depends only on the seed and parameters, not on the number
of workers, on timing, or on interruptions: a ``kill -9`` loses at most the uncommitted shards,
which the next run (same command) deletes and redoes.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perflab.harness import Manifest, ManifestError, env_snapshot
from perflab.harness.lock import BuildLocked, build_lock
from perflab.harness.nbargs import NotebookArgsError, NotebookFlags, typed_flags
from perflab.harness.pool import kill_workers, process_pool
from perflab.harness.progress import (
    add_output_flags,
    emit_result,
    format_duration,
    reporter_from_args,
)
from perflab.warpgen import codegen
from perflab.warpgen.errors import BuildConfigError, StorageError
from perflab.warpgen.generate import CATEGORY_NAMES, GENERATOR_VERSION
from perflab.warpgen.records import BACKENDS, SCHEMA_VERSION
from perflab.warpgen.storage import (
    Layout,
    remove_tree,
    remove_uncommitted,
    shard_key,
    verify_shard,
    write_preamble,
    write_shard,
)
from perflab.warpgen.worker import ShardResult, build_shard, init_worker

__all__ = [
    "DEFAULT_DATASET_DIR",
    "DEFAULT_STATS_PATH",
    "MB",
    "MIB",
    "NOTEBOOK_FLAGS",
    "SHARD_TIMEOUT_S",
    "SMOKE_SHARD_KERNELS",
    "SMOKE_TARGET_MB",
    "BuildConfig",
    "ProgressFn",
    "config_from_args",
    "config_from_flags",
    "main",
    "run_build",
    "summary",
]

MB = 1_000_000  # 10^6 bytes
MIB = 1_048_576  # 2^20 bytes
DEFAULT_DATASET_DIR = Path("artefacts/datasets/warp-kernels")
DEFAULT_STATS_PATH = Path("reports/warp_dataset_stats.json")
SMOKE_TARGET_MB = 0.6
SMOKE_SHARD_KERNELS = 6
SHARD_TIMEOUT_S = 1800.0  # a shard that takes longer means a hung worker


@dataclass(frozen=True)
class BuildConfig:
    """Parameters of a build.

    ``target_mb`` is per backend, on disk: the build stops once every backend holds at least
    ``target_mb`` MB (10^6 bytes) *and* ``target_mb`` MiB (2^20 bytes), i.e.
    ``target_mb * 2^20`` bytes, so that "200 MB" holds whichever unit a reader (or ``du``)
    uses.
    """

    root: Path = DEFAULT_DATASET_DIR
    stats_path: Path = DEFAULT_STATS_PATH
    target_mb: float = 200.0
    seed: int = 0
    workers: int = 0  # 0: all cores
    shard_kernels: int = 200
    sample_rate: float = 0.02
    ptx_arch: int = codegen.DEFAULT_PTX_ARCH
    max_kernels: int = 10_000_000
    skeleton_cap: int = 1
    smoke: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.target_mb < math.inf:
            raise BuildConfigError(f"target_mb must be a finite number > 0, got {self.target_mb}")
        if self.seed < 0:
            raise BuildConfigError(f"seed must be >= 0, got {self.seed}")
        if self.workers < 0:
            raise BuildConfigError(f"workers must be >= 0 (0 = all cores), got {self.workers}")
        if self.shard_kernels < 1:
            raise BuildConfigError(f"shard_kernels must be >= 1, got {self.shard_kernels}")
        if not 0.0 <= self.sample_rate <= 1.0:
            raise BuildConfigError(f"sample_rate must lie in [0, 1], got {self.sample_rate}")
        if self.skeleton_cap < 1:
            raise BuildConfigError(f"skeleton_cap must be >= 1, got {self.skeleton_cap}")
        if self.ptx_arch < 75:
            raise BuildConfigError(f"ptx_arch must be >= 75 (CUDA 13 NVRTC), got {self.ptx_arch}")

    @property
    def n_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def target_bytes(self) -> int:
        """``target_mb`` in MiB (which is also at least ``target_mb`` MB)."""
        return int(math.ceil(self.target_mb * MIB))

    def identity(self) -> dict[str, Any]:
        """Parameters that define the content of the shards (a resume must match them)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "generator_version": GENERATOR_VERSION,
            "seed": self.seed,
            "shard_kernels": self.shard_kernels,
            "sample_rate": self.sample_rate,
            "ptx_arch": self.ptx_arch,
            "skeleton_cap": self.skeleton_cap,
            "warp_version": codegen.WARP_VERSION,
            "categories": list(CATEGORY_NAMES),
        }


def config_from_args(
    *,
    target_mb: float | None = None,
    smoke: bool = False,
    out: str | os.PathLike[str] | None = None,
    seed: int = 0,
    workers: int = 0,
    shard_kernels: int | None = None,
    sample_rate: float | None = None,
) -> BuildConfig:
    """The configuration the CLI and the notebook derive from their shared flags.

    ``--out DIR`` puts the dataset in ``DIR/warp-kernels`` and the stats in
    ``DIR/warp_dataset_stats.json``; without it they go to the repository defaults.
    ``--smoke`` builds ~0.6 MB per backend (about 30 modules, at least one per category)
    and validates every kernel.

    Parameters
    ----------
    target_mb : float, optional
        Per backend, at least this many MB and MiB (default 200; smoke 0.6).
    smoke : bool
        A tiny build with every kernel validated.
    out : path, optional
        Folder for ``warp-kernels/`` and ``warp_dataset_stats.json``.
    seed : int
        Seed of the kernel stream; same seed, same bytes.
    workers : int
        Worker processes (0: all cores).
    shard_kernels : int, optional
        Kernels per shard.
    sample_rate : float, optional
        Fraction of kernels compiled and run (default 0.02; smoke 1).

    Returns
    -------
    BuildConfig
        The validated configuration.

    Raises
    ------
    BuildConfigError
        A parameter out of range; the message names it.

    Examples
    --------
    >>> cfg = config_from_args(smoke=True, out="build/warp-smoke")
    >>> cfg.root.as_posix(), cfg.target_mb, cfg.sample_rate
    ('build/warp-smoke/warp-kernels', 0.6, 1.0)
    >>> config_from_args(target_mb=-1)
    Traceback (most recent call last):
    ...
    perflab.warpgen.errors.BuildConfigError: target_mb must be a finite number > 0, got -1
    """
    root, stats = DEFAULT_DATASET_DIR, DEFAULT_STATS_PATH
    if out:
        root, stats = Path(out) / "warp-kernels", Path(out) / "warp_dataset_stats.json"
    if smoke:
        return BuildConfig(
            root=root,
            stats_path=stats,
            target_mb=target_mb if target_mb is not None else SMOKE_TARGET_MB,
            seed=seed,
            workers=workers,
            shard_kernels=SMOKE_SHARD_KERNELS if shard_kernels is None else shard_kernels,
            sample_rate=1.0 if sample_rate is None else sample_rate,
            smoke=True,
        )
    return BuildConfig(
        root=root,
        stats_path=stats,
        target_mb=200.0 if target_mb is None else target_mb,
        seed=seed,
        workers=workers,
        shard_kernels=200 if shard_kernels is None else shard_kernels,
        sample_rate=0.02 if sample_rate is None else sample_rate,
    )


# the notebook's own flags for perflab.harness.notebook_args (those of the module CLI)
NOTEBOOK_FLAGS: dict[str, Any] = {
    "target_mb": float,
    "seed": 0,
    "workers": 0,
    "shard_kernels": int,
    "sample_rate": float,
}
SCRATCH_DIR = Path("build/warp_dataset")


def config_from_flags(
    flags: NotebookFlags | Mapping[str, Any], *, writes: bool = True
) -> BuildConfig:
    """:func:`config_from_args` from a notebook's typed flags (``notebook_args(**NOTEBOOK_FLAGS)``)
    or a raw flag dict (``mo.cli_args()``).

    The flags are those of the module CLI. An unknown flag (a typo such as ``--target_mb``
    would otherwise fall back to a full 200 MB build) or a value that is not a number raises
    :class:`BuildConfigError` naming it. A build that writes goes to ``--out DIR``, with
    ``--publish`` to the committed folders, else to the git-ignored ``build/warp_dataset``;
    ``writes=False`` (a dashboard) reads ``--out DIR`` or the published build.
    """
    if not isinstance(flags, NotebookFlags):
        try:
            flags = typed_flags(dict(flags), **NOTEBOOK_FLAGS)
        except NotebookArgsError as exc:
            raise BuildConfigError(str(exc)) from None
    if flags.publish and flags.smoke:
        raise BuildConfigError("--smoke builds are never published: drop --publish")
    out = flags.out
    if writes and out is None and not flags.publish:
        out = SCRATCH_DIR
    f: Any = flags
    return config_from_args(
        target_mb=f.target_mb,
        smoke=f.smoke,
        out=out,
        seed=f.seed,
        workers=f.workers,
        shard_kernels=f.shard_kernels,
        sample_rate=f.sample_rate,
    )


ProgressFn = Callable[[dict[str, Any]], None]


def _committed_state(
    layout: Layout, manifest: Manifest
) -> tuple[set[str], collections.Counter, dict[str, int], int]:
    """Dedupe keys, kept modules per skeleton, bytes per backend and number of committed
    shards; checks contiguity."""
    keys = sorted(manifest.done)
    expected = [shard_key(i) for i in range(len(keys))]
    if keys != expected:
        raise StorageError(f"{layout.manifest}: committed shards are not 0..{len(keys) - 1}")
    seen: set[str] = set()
    skeletons: collections.Counter = collections.Counter()
    totals = dict.fromkeys(BACKENDS, 0)
    for i, k in enumerate(keys):
        info = manifest.done[k]
        for b in BACKENDS:
            verify_shard(layout.shard_path(b, i), info[b])
            totals[b] += info[b]["bytes"]
        seen.update(info["keys"])
        skeletons.update(info["skeletons"])
    return seen, skeletons, totals, len(keys)


def _commit(
    layout: Layout,
    manifest: Manifest,
    res: ShardResult,
    seen: set[str],
    skeletons: collections.Counter,
    cap: int,
) -> dict:
    """Write shard ``res`` (and any new preamble), then mark it done in the manifest.

    Drops, in stream order, modules warp rejected (failures), exact duplicates (same
    normalised Python) and modules whose skeleton already has ``cap`` kept modules.
    """
    lines = {b: [] for b in BACKENDS}
    keys, kept_skeletons, failures, dups, capped = [], [], [], [], []
    for k in res.kernels:
        if k.error:
            failures.append(
                {"index": k.index, "category": k.category, "variant": k.variant, "error": k.error}
            )
            continue
        if k.key in seen:
            dups.append({"index": k.index, "category": k.category})
            continue
        if skeletons[k.skeleton] >= cap:
            capped.append({"index": k.index, "category": k.category})
            continue
        seen.add(k.key)
        skeletons[k.skeleton] += 1
        keys.append(k.key)
        kept_skeletons.append(k.skeleton)
        for b in BACKENDS:
            write_preamble(layout, b, *k.preambles[b])
        lines["cpu"].append(k.cpu_line)
        lines["cuda"].append(k.cuda_line)
    info: dict[str, Any] = {
        "kernels": [res.kernels[0].index, res.kernels[-1].index + 1] if res.kernels else [0, 0],
        "records": len(keys),
        "keys": keys,
        "skeletons": kept_skeletons,
        "duplicates": dups,
        "skeleton_capped": capped,
        "failures": failures,
    }
    for b in BACKENDS:
        info[b] = write_shard(layout.shard_path(b, res.shard), b"".join(lines[b]))
    manifest.mark_done(shard_key(res.shard), info)  # atomic; commits the shard
    return info


def run_build(cfg: BuildConfig, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Build (or resume) the dataset described by ``cfg``; write samples and stats; return stats.

    One build per folder: a second build into ``cfg.root`` while this one runs raises
    :class:`perflab.harness.lock.BuildLocked` naming it. The phases: open the manifest and
    drop uncommitted shards (``_open``), build shards in worker processes and commit them in
    order until every backend reaches the target (``_drive``), record the run, then write
    samples and stats.

    Parameters
    ----------
    cfg : BuildConfig
        What to build (:func:`config_from_args`).
    progress : callable, optional
        Called after every committed shard with a dict (``shard``, ``bytes``,
        ``target_bytes``, ``elapsed_s``, ``kernels``).

    Returns
    -------
    dict
        The stats written to ``cfg.stats_path`` (:func:`perflab.warpgen.stats.build_stats`).

    Raises
    ------
    perflab.harness.lock.BuildLocked
        Another build holds ``cfg.root``.
    perflab.harness.ManifestError
        The folder holds a build of other parameters.
    StorageError
        A hung worker, a corrupt shard, or ``max_kernels`` reached before the target.
    CodegenError
        The installed warp-lang is not the pinned release.

    Examples
    --------
    The smallest build takes tens of seconds, so this example builds only a configuration;
    ``tests/warpgen/test_build.py`` runs real builds.

    >>> cfg = config_from_args(smoke=True, out="build/warp-smoke", workers=1)
    >>> cfg.n_workers
    1
    """
    with build_lock(Path(cfg.root), what="warp dataset build"):
        return _run_build(cfg, progress)


@dataclass
class _Driver:
    """The state of one build run: what is committed so far and this run's record."""

    cfg: BuildConfig
    layout: Layout
    manifest: Manifest
    progress: ProgressFn | None
    seen: set
    skeletons: collections.Counter
    totals: dict[str, int]
    run: dict[str, Any]
    t_start: float = field(default_factory=time.perf_counter)

    def reached(self) -> bool:
        return all(self.totals[b] >= self.cfg.target_bytes for b in BACKENDS)

    def absorb(self, res: ShardResult) -> None:
        """Commit shard ``res`` (:func:`_commit`), count it and report progress."""
        info = _commit(
            self.layout, self.manifest, res, self.seen, self.skeletons, self.cfg.skeleton_cap
        )
        for b in BACKENDS:
            self.totals[b] += info[b]["bytes"]
        self.run["shards_built"] += 1
        self.run["kernels_processed"] += len(res.kernels)
        for k, v in res.seconds.items():
            self.run["seconds"][k] = self.run["seconds"].get(k, 0.0) + v
        if self.progress is not None:
            self.progress(
                {
                    "shard": res.shard,
                    "bytes": dict(self.totals),
                    "target_bytes": self.cfg.target_bytes,
                    "elapsed_s": time.perf_counter() - self.t_start,
                    "kernels": self.run["kernels_processed"],
                }
            )


def _run_build(cfg: BuildConfig, progress: ProgressFn | None) -> dict[str, Any]:
    from perflab.warpgen.samples import write_samples
    from perflab.warpgen.stats import build_stats, write_stats

    codegen.check_warp_version()
    d, env = _open(cfg, progress)
    if not d.reached():
        _drive(d)
    d.run["wall_s"] = time.perf_counter() - d.t_start
    d.run["bytes_written"] = {b: d.totals[b] for b in BACKENDS}
    if d.run["shards_built"] or d.run["removed_uncommitted"]:  # a run that found the build
        d.manifest.extra.setdefault("runs", []).append(d.run)  # complete leaves no trace
        d.manifest.save()
    remove_tree(d.layout.work_dir)
    if not d.reached():
        raise StorageError(
            f"stopped at max_kernels={cfg.max_kernels} before reaching "
            f"{cfg.target_mb} MB per backend"
        )
    write_samples(d.layout)
    stats = build_stats(d.layout, d.manifest, cfg, env)
    write_stats(Path(cfg.stats_path), stats)
    return stats


def _open(cfg: BuildConfig, progress: ProgressFn | None) -> tuple[_Driver, dict[str, Any]]:
    """Open (or create) the manifest, drop uncommitted shards, read the committed state."""
    layout = Layout(Path(cfg.root))
    layout.root.mkdir(parents=True, exist_ok=True)
    manifest = Manifest.load_or_create(
        layout.manifest, schema_version=SCHEMA_VERSION, params=cfg.identity()
    )
    env = env_snapshot()
    if manifest.env is None:
        manifest.env = env
        manifest.save()
    removed = remove_uncommitted(layout, {int(k) for k in manifest.done})
    seen, skeletons, totals, next_shard = _committed_state(layout, manifest)
    run = {
        "started_shard": next_shard,
        "removed_uncommitted": len(removed),
        "workers": cfg.n_workers,
        "target_mb": cfg.target_mb,
        "shards_built": 0,
        "kernels_processed": 0,
        "seconds": {"generate": 0.0, "codegen": 0.0, "validate": 0.0},
    }
    return _Driver(cfg, layout, manifest, progress, seen, skeletons, totals, run), env


def _drive(d: _Driver) -> None:
    """Build shards in worker processes and commit them in order until the target is met.

    ProcessPoolExecutor, not multiprocessing.Pool: Pool.terminate() kills workers that may
    be half-way through sending a (multi-MB) result while holding the result queue's lock,
    and then deadlocks on that lock. Here shards in flight when the target is reached are
    left to finish, queued ones are cancelled, and only a hung worker is killed.
    """
    cfg = d.cfg
    pool = process_pool(  # workers die with this process (no orphan after kill -9)
        cfg.n_workers, init_worker, (str(d.layout.work_dir),)
    )
    pending: collections.deque = collections.deque()
    hung = False
    nxt = d.run["started_shard"]

    def submit() -> None:
        nonlocal nxt
        start = nxt * cfg.shard_kernels
        if start >= cfg.max_kernels:
            return
        stop = min(start + cfg.shard_kernels, cfg.max_kernels)
        args = (cfg.seed, nxt, start, stop, cfg.sample_rate, cfg.ptx_arch)
        pending.append(pool.submit(build_shard, *args))
        nxt += 1

    try:
        for _ in range(2 * cfg.n_workers):
            submit()
        while pending and not d.reached():
            try:
                res: ShardResult = pending.popleft().result(timeout=SHARD_TIMEOUT_S)
            except FuturesTimeout:
                hung = True
                raise StorageError(
                    f"a shard took over {SHARD_TIMEOUT_S:g} s: a worker hung; rerun to resume"
                ) from None
            d.absorb(res)
            if not d.reached():
                submit()
    finally:
        if hung:  # the only case where a worker is killed
            kill_workers(pool)
        # cancel the queued shards and wait for those in flight
        pool.shutdown(wait=True, cancel_futures=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m perflab.warpgen.build", description=__doc__.split("\n\n")[0]
    )
    p.add_argument(
        "--target-mb",
        type=float,
        default=None,
        help="per backend: at least this many MB and MiB (default 200; smoke 0.6)",
    )
    p.add_argument("--smoke", action="store_true", help="tiny build, every kernel validated")
    p.add_argument(
        "--out",
        default=None,
        help="folder for warp-kernels/ and warp_dataset_stats.json (default build/warp_dataset)",
    )
    p.add_argument(
        "--publish",
        action="store_true",
        help="write the committed artefacts/datasets/warp-kernels and reports/",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0, help="worker processes (0 = all cores)")
    p.add_argument("--shard-kernels", type=int, default=None, help="kernels per shard")
    p.add_argument(
        "--sample-rate", type=float, default=None, help="validated fraction (default 0.02)"
    )
    add_output_flags(p)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build with progress on stderr (MB of the smaller backend against the target, MB per
    backend, kernels, kernels/s, ETA), then a short summary on stdout (``--json``: the stats
    JSON on stdout, the summary on stderr). User errors (configuration, folder, lock) print
    one line and exit 2."""
    a = _parse(argv)
    try:
        return _main(a)
    except (BuildConfigError, BuildLocked, ManifestError, StorageError) as exc:
        print(f"python -m perflab.warpgen.build: error: {exc}", file=sys.stderr)
        return 2


def _main(a: argparse.Namespace) -> int:
    if a.publish and (a.out or a.smoke):
        raise BuildConfigError("--publish writes the committed folders: no --out, no --smoke")
    cfg = config_from_args(
        target_mb=a.target_mb,
        smoke=a.smoke,
        out=None if a.publish else (a.out or SCRATCH_DIR),
        seed=a.seed,
        workers=a.workers,
        shard_kernels=a.shard_kernels,
        sample_rate=a.sample_rate,
    )
    reporter = reporter_from_args(a, "warp build", cfg.target_bytes / MB, unit="MB")

    def update(nbytes: dict[str, int], kernels: int, rate: float) -> None:
        mb = {b: nbytes[b] / MB for b in BACKENDS}
        reporter.update(
            min(mb.values()),
            **{f"{b} MB": round(v, 2) for b, v in mb.items()},
            kernels=kernels,
            **{"kernels/s": round(rate, 1)},
        )

    def progress(p: dict[str, Any]) -> None:
        rate = p["kernels"] / p["elapsed_s"] if p["elapsed_s"] > 0 else 0.0
        update(p["bytes"], p["kernels"], rate)

    reporter.note(
        f"{cfg.n_workers} workers, shards of {cfg.shard_kernels} kernels, into {cfg.root}; "
        "progress comes as shards are committed"
    )
    try:
        stats = run_build(cfg, progress)
        kernels = reporter.fields.get("kernels", 0)
        ds = stats["dataset"]  # the final state, also when there was nothing left to build
        update({b: ds[b]["bytes"] for b in BACKENDS}, kernels, reporter.fields.get("kernels/s", 0))
    finally:
        reporter.close()
    emit_result(a, summary(cfg, stats, kernels, reporter.elapsed_s()), stats)
    return 0


def summary(cfg: BuildConfig, stats: dict[str, Any], kernels: int, wall_s: float) -> str:
    """A few lines for a person: what was built, where, how long, what failed, how to retry
    (``kernels``: processed by this run, which took ``wall_s``)."""
    ds, build, tp = stats["dataset"], stats["build"], stats["throughput"]
    this_run = f"this run: {kernels} kernels in {format_duration(wall_s)}"
    lines = [
        "warp-kernels: "
        + ", ".join(
            f"{b} {ds[b]['records']} records {ds[b]['bytes'] / MB:.2f} MB" for b in BACKENDS
        )
        + f" (target {cfg.target_bytes / MB:.2f} MB per backend); {this_run}",
        f"  dataset   {cfg.root}",
        f"  stats     {cfg.stats_path} (the full JSON; on stdout with --json)",
        f"  dropped   {build['generator_failures']['count']} kernels warp rejected, "
        f"{build['duplicates_dropped']['count']} duplicates, "
        f"{build['skeleton_capped']['count']} over the skeleton cap",
    ]
    for b in BACKENDS:
        fails = ds[b]["validation"]["failures"]
        if fails:
            lines.append(f"  {b}: {len(fails)} validation failures (listed in the stats)")
    lines.append(
        f"  overall   {tp['kernels_processed']} kernels in {format_duration(tp['wall_s_total'])}"
        f" over {tp['runs']} run(s); an interrupted build resumes with the same command"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
