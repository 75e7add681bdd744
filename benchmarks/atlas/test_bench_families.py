"""Atlas build per family (issue 8, item 1): ``build(atlas-tiny, only=FAMILY)`` from scratch.

One benchmark per family of the shipped plan ``atlas-tiny`` (one polytope each): a round is
a whole fresh build of that family (``resume=False``) into a temporary folder: generation,
volume, every capacity method the plan runs under its work budget, systolic ratio, journal,
parquet shard, manifest and timing log. The callable is
:func:`perflab.atlas.workloads.family_build`, the same as the ``atlas.*`` profile targets.

Families whose capacity searches cost seconds per round (the regular cross-polytope and
24-cell) are in the ``deep`` tier; the others are smoke.
"""

from __future__ import annotations

import pytest

from perflab.atlas import get_plan
from perflab.atlas.workloads import PLAN, family_build

#: families of atlas-tiny whose capacity searches take seconds per build
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
    stops = res.summary["totals"]["work_budget"]
    benchmark.extra_info.update(family=family, rows=res.rows_computed, work_budget_stops=stops)
