"""The committed datasets: complete, loadable offline, and equal to a fresh computation."""

from __future__ import annotations

import json
import math

import datasets
import pytest

from perflab.atlas import get_plan, load
from perflab.atlas.load import dataset_dir
from perflab.atlas.pipeline import paths_for
from perflab.atlas.readme import dataset_readme
from perflab.atlas.report import latest_timings, timing_table
from perflab.atlas.shards import MAX_SHARD_BYTES
from perflab.atlas.verify import recompute_row, sample_rows
from perflab.symplectic.generators import FAMILIES

ATLASES = ("atlas-tiny", "atlas-small", "atlas-medium")


@pytest.mark.parametrize("atlas", ATLASES)
def test_committed_atlas_is_complete_and_explained(atlas, tmp_path):
    folder = dataset_dir(atlas)
    manifest = json.loads((folder / "manifest.json").read_text())
    plan = get_plan(atlas)
    assert manifest["params"]["plan"] == plan.to_dict(), "rebuild: the shipped plan changed"
    extra = manifest["extra"]
    assert extra["complete"] and extra["totals"]["rows"] == plan.size
    assert extra["totals"]["shards_without_explained_capacity"] == []
    for f in extra["failures"]:  # errors are recorded with their message, never silent
        assert f["status"].startswith("error: ") or f["status"] == "work_budget"
        assert f["message"]
    for info in manifest["done"].values():
        assert info["bytes"] < MAX_SHARD_BYTES
    ds = load(atlas)
    assert ds.num_rows == plan.size and set(ds["family"]) == set(FAMILIES)
    stopped = {f["polytope_id"] for f in extra["failures"] if f["status"] == "work_budget"}
    for pid, cap in zip(ds["polytope_id"], ds["ehz_capacity"], strict=True):
        assert cap is not None or pid in stopped  # a capacity, or a recorded work-budget stop
    readme = (folder / "README.md").read_text()
    assert readme == dataset_readme(folder)  # written by code from the manifest, up to date
    assert readme.startswith("---\n") and f"\n# {atlas}\n" in readme
    # the dataset card tells plain `datasets` where the shards are
    card = datasets.load_dataset(str(folder), split="train", cache_dir=str(tmp_path))
    assert card.num_rows == plan.size and card.features == ds.features


@pytest.mark.parametrize("atlas", ATLASES)
def test_committed_pentagon_product_has_the_known_values(atlas):
    ds = load(atlas, family="polygon_product")
    row = next(
        r
        for r in ds
        if json.loads(r["generator_config"])["params"] == {"n": 5, "m": 5, "r": 1, "s": 4}
    )
    assert row["ehz_capacity"] == pytest.approx(
        2 * math.cos(math.pi / 10) * (1 + math.cos(math.pi / 5)), rel=1e-9
    )
    assert row["systolic_ratio"] == pytest.approx((math.sqrt(5) + 3) / 5, rel=1e-9)
    assert row["systolic_ratio"] > 1  # the counterexample to Viterbo's conjecture


def test_twenty_random_rows_recompute_to_1e_12():
    ds = load("atlas-small")
    rows = sample_rows(ds, 20, seed=20261125)
    assert len({r["polytope_id"] for r in rows}) == 20
    for row in rows:
        dev = recompute_row(row)
        assert dev.worst <= 1e-12, (row["polytope_id"], row["family"], dev.rel)


def test_committed_report_is_computed_from_the_committed_log():
    paths = paths_for("atlas-small", publish=True)  # the committed folders
    report = json.loads((paths.reports / "atlas-small_benchmark.json").read_text())
    table = timing_table(latest_timings(paths.bench))
    assert report["table"] == table


def _same(a, b, rel=1e-12, abs_=1e-13):
    """Equal, with floats equal to ``rel`` (or ``abs_`` for differences of near-equal
    values such as ``capacity_spread``; the atlas bodies are of unit size). OpenBLAS picks
    its kernels by CPU (and by ``OPENBLAS_CORETYPE``), and kernels round differently in the
    last bit, so a row
    recomputed on another machine can differ from the committed one by ~1e-16 relative
    (measured: the committed atlas-small rows match bit for bit without
    ``OPENBLAS_CORETYPE=Haswell`` and differ by 1 ulp with it)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], rel) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y, rel) for x, y in zip(a, b, strict=True))
    return a == b


def test_same_is_strict_about_everything_but_the_last_bits():
    assert _same({"x": [1.0, "a"]}, {"x": [1.0 + 1e-15, "a"]})
    assert not _same({"x": [1.0, "a"]}, {"x": [1.0 + 1e-9, "a"]})
    assert _same(1.5e-15, 8.9e-16) and not _same(1e-3, 2e-3)
    assert not _same({"x": [1.0, "a"]}, {"x": [1.0, "b"]})
    assert not _same({"x": None}, {"x": 1.0}) and not _same([1.0], [1.0, 2.0])


def test_load_round_trips_rows_computed_in_memory():
    """Loaded rows equal, value for value, rows computed now in memory (same plan budget);
    floats to 1e-12 relative (see :func:`_same`)."""
    from perflab.atlas.compute import compute_row
    from perflab.atlas.plan import PlanItem

    plan = get_plan("atlas-small")
    ds = load("atlas-small")
    rows = [r for r in sample_rows(ds, 12, seed=7) if "work_budget" not in r.values()][:6]
    assert len(rows) >= 4
    for row in rows:
        cfg = json.loads(row["generator_config"])
        item = PlanItem(cfg["family"], cfg["params"], cfg["seed"], 0)
        assert item.polytope_id == row["polytope_id"]
        fresh = compute_row(item, plan.row_budget(item.family))["row"]
        assert _same(fresh, row), {k: (fresh[k], row[k]) for k in row if fresh[k] != row[k]}
