"""Bad input a user can hand the atlas (plan files, build folders) gets a clear error, up
front: never a "complete" build with rows silently missing, never a bare traceback of an
unrelated type."""

from __future__ import annotations

import json

import pytest

from perflab.atlas import AtlasNotFound, PlanError, build, load
from perflab.atlas.__main__ import main
from perflab.atlas.plan import BuildPlan, FamilySpec


@pytest.mark.parametrize(
    "spec, msg",
    [
        (FamilySpec("random_polygn", {"n": [5]}), "no generator family 'random_polygn'"),
        (FamilySpec("hull_sphere_4d", {"n_points": [6]}), "n_points"),
        (FamilySpec("cube", {}, points=[{"dim": 4}, {"size": 2.0}]), "size"),
    ],
)
def test_a_plan_the_core_cannot_build_is_refused_before_any_work(tmp_path, spec, msg):
    plan = BuildPlan("atlas-typo", (FamilySpec("regular_polygon", {"n": [5]}), spec))
    with pytest.raises(PlanError, match=msg):
        build(plan, tmp_path / "ds", bench_dir=tmp_path / "b")
    assert not (tmp_path / "ds").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    "bad, msg",
    [
        ([1, 2], "JSON object"),
        ({"atlas": "a", "families": "cube"}, "'families' must be a list"),
        ({"atlas": "a", "families": ["cube"]}, "must be an object"),
        ({"atlas": "a", "families": [{"family": "f", "grid": {"n": 4}}]}, "grid entry 'n'"),
        ({"atlas": "a", "families": [{"family": "f", "grid": {"n": "45"}}]}, "grid entry 'n'"),
        ({"atlas": "a", "families": [{"family": "f", "grid": [4]}]}, "'grid' must be an object"),
        ({"atlas": "a", "families": [{"family": "f", "seeds": ["a"]}]}, "seeds"),
        ({"atlas": "a", "families": [{"family": "f", "seeds": [1.5]}]}, "seeds"),
        ({"atlas": "a", "families": [{"family": "f", "seeds": 0}]}, "seeds"),
        ({"atlas": "a", "families": [{"family": "f"}], "time_budget_s": "fast"}, "time_budget_s"),
        ({"atlas": "a", "families": [{"family": "f"}], "rows_per_shard": "x"}, "rows_per_shard"),
    ],
)
def test_malformed_plan_data_is_a_plan_error_naming_the_field(bad, msg):
    with pytest.raises(PlanError, match=msg):
        BuildPlan.from_dict(bad)


def test_cli_reports_a_bad_plan_in_one_line_and_exits_2(tmp_path, capsys):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"atlas": "a", "families": [{"family": "nope", "seeds": [0]}]}))
    with pytest.raises(SystemExit) as exc:
        main(["build", str(plan), "--out", str(tmp_path / "out"), "--no-charts"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "no generator family 'nope'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit) as exc:
        main(["report", "atlas-tiny", "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "no atlas build at" in err and "Traceback" not in err


def test_load_names_a_corrupt_manifest_and_a_missing_shard(tmp_path):
    out = tmp_path / "ds"
    plan = BuildPlan("atlas-load-bad", (FamilySpec("regular_polygon", {"n": [4, 5]}),))
    assert build(plan, out, bench_dir=tmp_path / "b").complete
    assert load(out).num_rows == 2
    shard = next((out / "data").rglob("*.parquet"))
    data = shard.read_bytes()
    shard.unlink()
    with pytest.raises(AtlasNotFound, match="missing"):
        load(out)
    shard.write_bytes(data)
    (out / "manifest.json").write_text('{"schema_version": "1.0')
    with pytest.raises(AtlasNotFound, match="manifest.json"):
        load(out)
