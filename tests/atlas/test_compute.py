"""Rows computed with the symplectic core: known values, statuses, work budgets, recomputation."""

from __future__ import annotations

import math

import pytest

from perflab.atlas.compute import compute_row
from perflab.atlas.plan import PlanItem, RowBudget
from perflab.atlas.schema import COLUMNS
from perflab.atlas.verify import recompute_row

WIDE = RowBudget(600.0, {"haim_kislev": 100_000, "reeb": 1_000_000})
HKO = PlanItem("polygon_product", {"n": 5, "m": 5, "r": 1, "s": 4}, 0, 0)


def test_pentagon_product_row_has_the_known_values():
    rec = compute_row(HKO, WIDE)
    row = rec["row"]
    assert tuple(row) == COLUMNS
    c = 2 * math.cos(math.pi / 10) * (1 + math.cos(math.pi / 5))
    assert row["ehz_capacity"] == pytest.approx(c, rel=1e-9)
    assert row["volume"] == pytest.approx((2.5 * math.sin(2 * math.pi / 5)) ** 2, rel=1e-9)
    assert row["systolic_ratio"] == pytest.approx((math.sqrt(5) + 3) / 5, rel=1e-9)
    assert row["status_billiards"] == "ok" and row["status_haim_kislev"] == "ok"
    assert row["capacity_billiards"] == pytest.approx(row["capacity_haim_kislev"], rel=1e-9)
    assert row["capacity_method"] == "billiards"  # what ehz_capacity(P, "auto") runs
    assert row["status_reeb"] == "not_applicable"  # Lagrangian 2-faces (LagrangianFaceError)
    assert row["capacity_spread"] is not None and row["capacity_spread"] < 1e-9
    assert len(row["min_action_cycle"]) >= 2 and row["dimension"] == 4
    qs = {(t["quantity"], t["algorithm"]) for t in rec["timings"]}
    assert {("generate", "generator"), ("volume", "volume"), ("systolic_ratio", "formula")} <= qs
    assert all(t["seconds"] >= 0 for t in rec["timings"])


def test_a_work_budget_stop_is_recorded_and_the_row_kept():
    # the 24-cell has 24 facets: Haim-Kislev needs far more than 1,000 cycles, and budgets
    # of 10 tubes and 10 LPs stop reeb and branch_bound too; every stop is the same on
    # every machine
    item = PlanItem("twenty_four_cell", {}, 0, 0)
    budget = RowBudget(600.0, {"haim_kislev": 1000, "reeb": 10, "branch_bound": 10})
    rec = compute_row(item, budget)
    row = rec["row"]
    assert row is not None and row["status_volume"] == "ok"
    assert row["ehz_capacity"] is None and row["systolic_ratio"] is None
    assert row["status_haim_kislev"] == row["status_reeb"] == "work_budget"
    assert row["status_branch_bound"] == "work_budget"
    assert row["status_systolic_ratio"] == "work_budget"
    msgs = {f["algorithm"]: f["message"] for f in rec["failures"] if f["status"] == "work_budget"}
    assert "budget of 1000 search steps" in msgs["haim_kislev"]
    assert "budget of 10 tubes" in msgs["reeb"]
    assert "budget of 10 LPs" in msgs["branch_bound"]
    assert compute_row(item, budget)["row"] == row


def test_methods_the_plan_does_not_run_are_recorded_as_not_run():
    item = PlanItem("cube", {"dim": 6}, 0, 0)
    budget = RowBudget(600.0, {"haim_kislev": 1000}, ("billiards", "reeb", "branch_bound"))
    rec = compute_row(item, budget)
    row = rec["row"]
    assert row["status_haim_kislev"] == "not_run" and row["capacity_haim_kislev"] is None
    assert row["status_reeb"] == row["status_billiards"] == "not_applicable"
    assert row["status_branch_bound"] == "ok" and row["capacity_method"] == "branch_bound"
    assert row["ehz_capacity"] == pytest.approx(4.0, rel=1e-12)
    t = [x for x in rec["timings"] if x["algorithm"] == "haim_kislev"]
    assert t == [
        {
            "quantity": "ehz_capacity",
            "algorithm": "haim_kislev",
            "status": "not_run",
            "seconds": 0.0,
        }
    ]


def test_three_methods_agree_on_a_random_halfspace_polytope():
    row = compute_row(PlanItem("halfspace_polytope_4d", {"facets": 6}, 3, 0), WIDE)["row"]
    assert row["status_reeb"] == row["status_haim_kislev"] == "ok"
    assert row["status_billiards"] == "not_applicable"
    assert row["capacity_reeb"] == pytest.approx(row["capacity_haim_kislev"], rel=1e-9)
    assert row["capacity_method"] == "haim_kislev" and row["capacity_spread"] < 1e-9


def test_unknown_family_is_an_error_not_a_row():
    rec = compute_row(PlanItem("no_such_family", {}, 0, 0), WIDE)
    assert rec["row"] is None
    assert rec["failures"][0]["status"] == "error: UnknownFamily"
    assert "no_such_family" in rec["failures"][0]["message"]


def test_planar_rows_use_haim_kislev_and_equal_the_area():
    row = compute_row(PlanItem("regular_polygon", {"n": 6}, 0, 0), WIDE)["row"]
    assert row["status_billiards"] == row["status_reeb"] == "not_applicable"
    assert row["ehz_capacity"] == pytest.approx(row["volume"], rel=1e-12)  # c = area in R^2
    assert row["systolic_ratio"] == pytest.approx(1.0, rel=1e-12)


def test_recomputation_agrees_exactly():
    row = compute_row(PlanItem("cube", {"dim": 4}, 0, 0), WIDE)["row"]
    assert row["ehz_capacity"] == pytest.approx(4.0, rel=1e-9)
    dev = recompute_row(row)
    assert dev.worst <= 1e-12, dev.rel


@pytest.mark.parametrize(
    "family, params",
    [
        ("polygon_product", {"n": 5, "m": 5, "r": 1, "s": 4}),
        ("halfspace_polytope_4d", {"facets": 6}),
        ("random_polygon", {"n": 5}),
    ],
)
def test_agreed_method_is_the_one_auto_runs(family, params):
    from perflab.atlas.compute import auto_choice, make_polytope
    from perflab.symplectic import ehz_capacity

    P, _ = make_polytope(family, params, 1)
    r = ehz_capacity(P, method="auto")
    assert auto_choice(P) == r.method
    row = compute_row(PlanItem(family, params, 1, 0), WIDE)["row"]
    assert row["capacity_method"] == r.method and row["ehz_capacity"] == r.value
