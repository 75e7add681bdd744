"""Plans as data, deterministic ids, the versioned schema."""

from __future__ import annotations

import json

import pytest

from perflab.atlas.plan import BuildPlan, FamilySpec, PlanError, get_plan, plan_names, polytope_id
from perflab.atlas.schema import COLUMNS, SCHEMA_VERSION, arrow_schema, features


def test_polytope_id_is_deterministic_and_parameter_sensitive():
    a = polytope_id("ngon", {"n": 5, "r": 1.0}, 3)
    assert a == polytope_id("ngon", {"r": 1.0, "n": 5}, 3)  # key order does not matter
    assert a.startswith("ap-") and len(a) == 19
    assert (
        len(
            {
                a,
                polytope_id("ngon", {"n": 6, "r": 1.0}, 3),
                polytope_id("ngon", {"n": 5, "r": 1.0}, 4),
                polytope_id("mgon", {"n": 5, "r": 1.0}, 3),
            }
        )
        == 4
    )


def test_plan_expansion_order_and_round_trip():
    plan = BuildPlan(
        "atlas-x",
        (FamilySpec("f", {"b": [1, 2], "a": ["x", "y"]}, seeds=[7, 8]),),
        rows_per_shard=3,
    )
    items = list(plan.items())
    assert [(i.params["a"], i.params["b"], i.seed) for i in items] == [
        (a, b, s) for a in "xy" for b in (1, 2) for s in (7, 8)
    ]
    assert [i.index for i in items] == list(range(8))
    assert list(plan.shards()) == ["f/shard-00000", "f/shard-00001", "f/shard-00002"]
    again = BuildPlan.from_dict(json.loads(plan.to_json()))
    assert again == plan and plan.size == 8


def test_explicit_points_come_first_then_the_grid():
    spec = FamilySpec("p", {"n": [3, 4]}, seeds=[0], points=[{"n": 5, "r": 1}])
    assert spec.param_sets() == [{"n": 5, "r": 1}, {"n": 3}, {"n": 4}]
    assert FamilySpec("q", {}, seeds=[1, 2]).param_sets() == [{}]
    assert FamilySpec("q", {}, points=[{"a": 1}]).param_sets() == [{"a": 1}]
    plan = BuildPlan("a", (spec, FamilySpec("q", {}, seeds=[1, 2])))
    small = plan.restricted(per_family=1)
    assert small.atlas == "a-smoke" and [i.params for i in small.items()] == [{"n": 5, "r": 1}, {}]
    assert BuildPlan.from_dict(plan.to_dict()) == plan


@pytest.mark.parametrize(
    "bad, msg",
    [
        ({"atlas": "a", "families": []}, "no families"),
        ({"atlas": "a", "families": [{"family": "f", "grid": {"n": []}}]}, "non-empty list"),
        ({"atlas": "a", "families": [{"family": "f"}, {"family": "f"}]}, "listed twice"),
        ({"atlas": "a", "families": [{"family": "f", "seeds": [1, 1]}]}, "repeats polytope"),
        ({"atlas": "a b", "families": [{"family": "f"}]}, "must match"),
        ({"atlas": "a", "families": [{"family": "f"}], "bogus": 1}, "unknown plan keys"),
        ({"atlas": "a", "families": [{"family": "f"}], "time_budget_s": 0}, "positive"),
        ({"families": [{"family": "f"}]}, "malformed plan"),
        ({"atlas": "a", "families": [{"family": "f", "gird": {}}]}, "unknown family keys"),
        ({"atlas": "a", "families": [{"family": "f"}], "methods": ["reeb", "x"]}, "names 'x'"),
        ({"atlas": "a", "families": [{"family": "f"}], "methods": []}, "non-empty list"),
        ({"atlas": "a", "families": [{"family": "f", "methods": ["reeb", "reeb"]}]}, "twice"),
    ],
)
def test_bad_plans_are_refused_with_a_message(bad, msg):
    with pytest.raises(PlanError, match=msg):
        BuildPlan.from_dict(bad)


def test_schema_is_versioned_and_matches_arrow():
    feats = features()
    assert tuple(feats) == COLUMNS
    schema = arrow_schema()
    assert schema.names == list(COLUMNS)
    assert schema.metadata[b"perflab_atlas_schema_version"] == SCHEMA_VERSION.encode()
    for col in ("vertices", "normals", "min_action_cycle"):
        assert str(schema.field(col).type) == "list<item: list<item: double>>"


def test_shipped_plans_parse_and_cover_every_family():
    from perflab.symplectic.generators import FAMILIES

    assert {"atlas-tiny", "atlas-small"} <= set(plan_names())
    for name in ("atlas-tiny", "atlas-small"):
        plan = get_plan(name)
        assert plan.atlas == name and set(plan.family_names()) == set(FAMILIES)
    # the Haim-Kislev-Ostrover pentagon product (the Viterbo counterexample) is in both
    hko = polytope_id("polygon_product", {"n": 5, "m": 5, "r": 1, "s": 4}, 0)
    assert hko in {i.polytope_id for i in get_plan("atlas-tiny").items()}
    assert hko in {i.polytope_id for i in get_plan("atlas-small").items()}
    with pytest.raises(PlanError, match="no plan named"):
        get_plan("atlas-huge")


def test_methods_per_plan_and_per_family():
    plan = BuildPlan.from_dict(
        {
            "atlas": "a",
            "methods": ["billiards", "reeb", "haim_kislev"],
            "work_budget": {"branch_bound": 100},
            "families": [
                {"family": "f"},
                {"family": "g", "methods": ["branch_bound"], "work_budget": {"reeb": 5}},
            ],
        }
    )
    assert plan.row_budget("f").methods == ("billiards", "reeb", "haim_kislev")
    assert plan.row_budget("g").methods == ("branch_bound",)
    assert plan.row_budget("g").work == {"branch_bound": 100, "reeb": 5}
    assert BuildPlan.from_dict(plan.to_dict()) == plan
    assert plan.restricted(per_family=1).row_budget("g").methods == ("branch_bound",)
    default = BuildPlan.from_dict({"atlas": "b", "families": [{"family": "f"}]})
    assert "branch_bound" in default.row_budget("f").methods


def test_status_vocabulary():
    from perflab.atlas.schema import STATUS_NOT_RUN, Status, status_error

    assert Status.OK == "ok" and STATUS_NOT_RUN == "not_run"
    s = status_error(ZeroDivisionError("x"))
    assert s == "error: ZeroDivisionError" and Status.is_error(s)
    assert not any(Status.is_error(m) for m in Status)
