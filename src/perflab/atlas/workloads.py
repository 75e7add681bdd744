"""Profile targets of the atlas builder (``python -m perflab.devtools.profile atlas.X``).

Each entry of :data:`PROFILE_TARGETS` maps a name to a zero-argument *factory*: calling it
makes a temporary folder (removed when the process exits) and returns the zero-argument
callable that is profiled (see :mod:`perflab.devtools.profile`): :func:`perflab.atlas.build`
of one family of the shipped plan ``atlas-tiny``, from scratch (``resume=False``), into that
folder. A call covers everything a build does for its rows: generation, volume, every
applicable capacity method under the plan's time budget, systolic ratio, journal, parquet
shard, manifest and timing log. ``benchmarks/atlas/test_bench_families.py`` times every
family the same way.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perflab.harness.workloads import Factory  # the factory convention, one definition

__all__ = [
    "PLAN",
    "PROFILE_TARGETS",
    "Factory",
    "build_tiny_halfspace_polytope_4d",
    "build_tiny_polygon_product",
    "family_build",
]


PLAN = "atlas-tiny"


def family_build(family: str, plan_name: str = PLAN) -> Callable[[], Any]:
    """The callable that builds ``family`` of ``plan_name`` afresh into a temporary folder."""
    from perflab.atlas import build, get_plan

    plan = get_plan(plan_name)
    plan.spec(family)  # raises PlanError naming the plan's families
    root = Path(tempfile.mkdtemp(prefix=f"perflab-atlas-{family}-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)

    def run() -> Any:
        res = build(
            plan,
            root / "datasets" / plan.atlas,
            bench_dir=root / "bench",
            only=family,
            resume=False,
        )
        if res.rows_computed != sum(1 for _ in plan.items(family)):
            raise RuntimeError(f"atlas build of {family!r} computed {res.rows_computed} rows")
        return res

    return run


def build_tiny_polygon_product() -> Callable[[], Any]:
    """build(atlas-tiny, only="polygon_product"): the pentagon product row, from scratch."""
    return family_build("polygon_product")


def build_tiny_halfspace_polytope_4d() -> Callable[[], Any]:
    """build(atlas-tiny, only="halfspace_polytope_4d"): a random 8-halfspace 4D polytope row."""
    return family_build("halfspace_polytope_4d")


PROFILE_TARGETS: dict[str, Factory] = {
    "build_tiny_polygon_product": build_tiny_polygon_product,
    "build_tiny_halfspace_polytope_4d": build_tiny_halfspace_polytope_4d,
}
