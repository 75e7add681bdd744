"""Staged atlas builds: a fresh build (or a rebuild of one family) never touches the last
good build until the new one is complete.

:func:`build_staged` wraps :func:`perflab.atlas.builder.build` (unchanged) with
:mod:`perflab.harness.staging`: the dataset folder and its timing folder are built in
``<datasets>/.<atlas>.staging/{dataset,bench}`` and swapped in only when the build is
complete, its dataset card (``README.md``) included. A build killed at any moment leaves
the previous dataset and timing logs as they were; ``--resume`` continues the staged build
(and swaps it in when it completes). A resume with no staged build in progress finishes
the target in place, as before (resuming only adds shards that are missing or wrong).
"""

from __future__ import annotations

from typing import Any

from perflab.atlas.builder import MANIFEST, BuildResult, build
from perflab.atlas.plan import BuildPlan
from perflab.atlas.readme import write_dataset_readme
from perflab.harness.lock import build_lock
from perflab.harness.staging import recover, reset_stage, staging_root, swap_in

__all__ = ["build_staged"]


def build_staged(
    plan: BuildPlan,
    dataset: Any,
    bench: Any,
    *,
    only: str | None = None,
    resume: bool = True,
    **kwargs: Any,
) -> BuildResult:
    """Build ``plan`` into the folders ``dataset`` and ``bench`` through a staging folder
    (see the module docstring); ``kwargs`` go to :func:`~perflab.atlas.builder.build`.

    The returned result names the folders that hold the build: the targets once swapped
    in, the staged folders while the build is incomplete.
    """
    from pathlib import Path

    from perflab.harness.cluster import check_reachable, compute_target

    target = compute_target(
        kwargs.get("workers", 1), scheduler=kwargs.get("scheduler"), cluster=kwargs.get("cluster")
    )
    check_reachable(target)  # an unreachable scheduler fails before any folder is made
    if only is not None:
        plan.spec(only)  # bad input is refused before any folder is made
    if kwargs.get("row_fn") is None:
        from perflab.atlas.compute import check_plan

        check_plan(plan)
    targets = {"dataset": Path(dataset), "bench": Path(bench)}
    root = staging_root(targets["dataset"])
    try:
        return _build_staged(plan, targets, root, only, resume, kwargs)
    finally:
        try:
            root.rmdir()  # empty once swapped in (the lock file goes with the lock)
        except OSError:
            pass


def _build_staged(
    plan: BuildPlan,
    targets: dict[str, Any],
    root: Any,
    only: str | None,
    resume: bool,
    kwargs: dict[str, Any],
) -> BuildResult:
    """:func:`build_staged` with its input checked."""
    dataset, bench = targets["dataset"], targets["bench"]
    with build_lock(root, what=f"staged atlas build of {plan.atlas}"):
        recover(root, targets)
        in_progress = (root / "dataset" / MANIFEST).exists()
        if resume and not in_progress:
            return build(plan, dataset, bench_dir=bench, only=only, resume=True, **kwargs)
        if resume:
            staged = {name: root / name for name in targets}
        else:
            staged = reset_stage(root, targets, seed=only is not None)
        result = build(
            plan, staged["dataset"], bench_dir=staged["bench"], only=only, resume=resume,
            **kwargs,
        )  # fmt: skip
        if result.complete:
            write_dataset_readme(staged["dataset"])
            swap_in(root, targets)
            result.out_dir, result.bench_dir = dataset, bench
    return result
