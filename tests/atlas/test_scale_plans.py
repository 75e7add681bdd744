"""Plans at scale (issue 12): seed ranges, a million-row plan that loads in seconds,
atlas-medium and atlas-large on one parameter grid, stride samples, the projection model."""

from __future__ import annotations

import json

import pytest

from perflab.atlas.builder import build
from perflab.atlas.plan import BuildPlan, PlanError, _ids, get_plan
from perflab.atlas.projection import project
from perflab.atlas.scaling import measure_scaling, sample_plan


def _plan(seeds) -> dict:
    return {
        "format": 1,
        "atlas": "t",
        "families": [{"family": "random_polygon", "grid": {"n": [5]}, "seeds": seeds}],
    }


def test_a_seed_range_is_the_list_it_stands_for_and_is_written_back_as_a_range():
    ranged = BuildPlan.from_dict(_plan({"start": 3, "count": 4}))
    listed = BuildPlan.from_dict(_plan([3, 4, 5, 6]))
    assert [it.polytope_id for it in ranged.items()] == [it.polytope_id for it in listed.items()]
    assert ranged.to_dict()["families"][0]["seeds"] == {"start": 3, "count": 4}
    assert BuildPlan.from_dict(ranged.to_dict()).to_dict() == ranged.to_dict()


@pytest.mark.parametrize(
    "seeds", [{"start": 0}, {"start": -1, "count": 2}, {"start": 0, "count": 0},
              {"start": 0, "count": 2.5}, {"start": 0, "count": 2, "step": 2}],
)  # fmt: skip
def test_bad_seed_ranges_are_refused(seeds):
    with pytest.raises(PlanError, match="seed range"):
        BuildPlan.from_dict(_plan(seeds))


def test_fast_ids_are_the_polytope_ids():
    plan = get_plan("atlas-medium")  # nested params (perturbed), floats, strings
    for spec in plan.families:
        fast = [pid for _, _, pid in _ids(spec)]
        assert fast == [it.polytope_id for it in spec.items()]


def test_atlas_medium_covers_every_family_with_about_ten_thousand_rows():
    from perflab.symplectic.generators import FAMILIES

    plan = get_plan("atlas-medium")
    assert 9_000 <= plan.size <= 11_000
    assert set(plan.family_names()) == set(FAMILIES)


def test_atlas_large_is_the_medium_grid_with_more_seeds():
    medium = get_plan("atlas-medium")
    large = get_plan("atlas-large")
    assert 900_000 <= large.size <= 1_100_000
    assert large.family_names() == medium.family_names()
    for a, b in zip(medium.families, large.families, strict=True):
        assert a.param_sets() == b.param_sets()
        assert len(b.seeds) >= len(a.seeds)


def test_a_stride_sample_is_every_stride_th_row_of_the_plan():
    plan = get_plan("atlas-medium")
    sample = sample_plan(plan, 50)
    rows = [it.polytope_id for it in plan.items()]
    assert [it.polytope_id for it in sample.items()] == rows[::50]


def _tiny() -> BuildPlan:
    return BuildPlan.from_dict(
        {
            "format": 1,
            "atlas": "tiny-measured",
            "families": [
                {"family": "random_polygon", "grid": {"n": [4, 6]},
                 "seeds": {"start": 0, "count": 2}},
                {"family": "halfspace_polytope_4d", "grid": {"facets": [6]}, "seeds": [0, 1]},
            ],
        }
    )  # fmt: skip


def test_the_projection_scales_the_measured_costs(tmp_path):
    measured = _tiny()
    bench = tmp_path / "bench"
    res = build(measured, tmp_path / "ds", bench_dir=bench)
    assert res.complete
    scaling = {"rows": 6, "sample": "s", "runs": [
        {"workers": 1, "wall_s": 10.0, "rows_per_s": 0.6, "speedup": 1.0},
        {"workers": 2, "wall_s": 6.25, "rows_per_s": 0.96, "speedup": 1.6},
    ], "client": {"client_s_per_row": 0.004}}  # fmt: skip
    (bench / "scaling.json").write_text(json.dumps(scaling))
    target_dict = measured.to_dict()
    target_dict["atlas"] = "tiny-target"
    for f in target_dict["families"]:
        f["seeds"] = {"start": 0, "count": 20}  # 10x the rows of each parameter set
    target = BuildPlan.from_dict(target_dict)
    p = project(target, measured, bench)
    records = [json.loads(line) for line in (bench / "timings.jsonl").read_text().splitlines()]
    measured_s = sum(r["seconds"] or 0.0 for r in records)
    assert p.rows == 60 and p.rows_by_family_mean == 0
    assert p.compute_s == pytest.approx(10 * measured_s)
    assert p.efficiency == pytest.approx(0.8)
    assert p.client_s_per_row == 0.004
    assert p.wall_s(4) == pytest.approx(max(10 * measured_s / 3.2, 60 * p.client_s_per_row))
    assert p.core_hours(4) == pytest.approx(4 * p.wall_s(4) / 3600)


def test_a_family_the_measured_build_lacks_is_refused(tmp_path):
    measured = _tiny()
    bench = tmp_path / "bench"
    build(measured, tmp_path / "ds", bench_dir=bench)
    scaling = {"runs": [{"workers": 2, "speedup": 2}], "client": {"client_s_per_row": 0.001}}
    (bench / "scaling.json").write_text(json.dumps(scaling))
    other = BuildPlan.from_dict(
        {"format": 1, "atlas": "o", "families": [{"family": "cube", "grid": {}, "seeds": [0]}]}
    )
    with pytest.raises(ValueError, match="no measured row of family 'cube'"):
        project(other, measured, bench)


@pytest.mark.deep  # two embedded clusters: about 20 s on a loaded 2-core machine
def test_scaling_builds_the_sample_with_one_and_two_workers_to_the_same_bytes():
    result = measure_scaling(_tiny(), stride=1, workers=(1, 2))
    assert result.identical and [r.workers for r in result.runs] == [1, 2]
    assert all(r.rows == 6 for r in result.runs)
    assert result.runs[0].speedup == 1.0


def test_replaying_a_build_gives_its_bytes_and_the_client_cost(tmp_path):
    from perflab.atlas.scaling import measure_client

    plan = _tiny()
    build(plan, tmp_path / "ds", bench_dir=tmp_path / "bench")
    client = measure_client(plan, tmp_path / "ds", tmp_path / "bench")
    assert client["rows"] == 6 and client["identical_to_committed"]
    assert 0 < client["client_s_per_row"] <= client["s_per_row"]


def test_shard_keys_are_the_keys_of_shards():
    for name in ("atlas-tiny", "atlas-medium"):
        plan = get_plan(name)
        assert plan.shard_keys() == list(plan.shards())
        assert plan.shard_keys("perturbed") == list(plan.shards("perturbed"))


def test_the_efficiency_discounts_the_machines_own_speedup():
    from perflab.atlas.projection import _efficiency

    runs = [{"workers": 1, "speedup": 1.0}, {"workers": 2, "speedup": 1.5}]
    assert _efficiency({"runs": runs}) == pytest.approx(0.75)
    assert _efficiency({"runs": runs, "hardware": {"speedup": 1.875}}) == pytest.approx(0.8)
    assert _efficiency({"runs": runs, "hardware": {"speedup": 1.2}}) == 1.0  # capped


@pytest.mark.deep  # spawns pools of 1 and 2 processes: a few seconds
def test_the_hardware_calibration_reports_a_speedup():
    from perflab.atlas.scaling import hardware_speedup

    hw = hardware_speedup(2, tasks=4)
    assert hw["workers"] == 2 and hw["speedup"] > 0
    assert set(hw["wall_s"]) == {"1", "2"}
