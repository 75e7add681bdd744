"""Atlas build per family (issue 8, item 1): ``build(atlas-tiny, only=FAMILY)`` from scratch.

One benchmark per family of the shipped plan ``atlas-tiny`` (one polytope each): a round is
a whole fresh build of that family (``resume=False``) into a temporary folder: generation,
volume, every applicable capacity method under the plan's time budget (2 s), systolic
ratio, journal, parquet shard, manifest and timing log. The callable is
:func:`perflab.atlas.workloads.family_build`, the same as the ``atlas.*`` profile targets.

Families whose row hits the time budget (a timeout is recorded, as in the committed
atlas) cost seconds per round and are in the ``deep`` tier; the others are smoke.
"""

from __future__ import annotations

import pytest

from perflab.atlas import get_plan
from perflab.atlas.workloads import PLAN, family_build

#: families of atlas-tiny whose capacity methods run into the 2 s budget (seconds per build)
SLOW = {"cross_polytope", "twenty_four_cell"}

FAMILIES = [
    pytest.param(f, marks=[pytest.mark.deep] if f in SLOW else [])
    for f in get_plan(PLAN).family_names()
]


@pytest.mark.parametrize("family", FAMILIES)
def test_bench_atlas_tiny_family_build(benchmark, family):
    benchmark.group = "atlas-build-family"
    run = family_build(family)
    res = benchmark(run)
    fam = res.summary["families"][family]
    assert fam["rows"] == fam["planned"] == res.rows_computed  # every row of the family built
    # only this family was built into the folder, so the totals are this family's
    timeouts = res.summary["totals"]["timeouts"]
    benchmark.extra_info.update(family=family, rows=res.rows_computed, timeouts=timeouts)
