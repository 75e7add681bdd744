"""Each heavy capacity solver stops with ``TimeBudgetExceeded`` past its time budget.

Issue 8, item 3: a large input under a tiny budget. Haim-Kislev on the 24-cell is covered
in ``test_capacity_api.py::test_time_budget_is_enforced``; these add the other two solvers
and Haim-Kislev on a large random polytope, each through ``ehz_capacity(time_limit=...)``
and the solver's own function. Each input takes seconds without a budget (measured on the
2-core machine: billiards on 32-gon x 32-gon ~2.9 s, reeb's tube search on the 24-cell
~4 s, haim_kislev on the 14-facet polytope ~1.7 s), so a 0.05 s budget always fires.
"""

from __future__ import annotations

import pytest

from perflab.harness import TimeBudgetExceeded
from perflab.symplectic import ehz_capacity
from perflab.symplectic import generators as gen
from perflab.symplectic.capacity.billiards import billiards
from perflab.symplectic.capacity.haim_kislev import haim_kislev
from perflab.symplectic.capacity.reeb import reeb

BUDGET = 0.05


@pytest.fixture(scope="module")
def big_product():
    return gen.polygon_product(0, n=32, m=32, r=1, s=4)[0]  # 64 facets


@pytest.fixture(scope="module")
def big_generic():
    P = gen.halfspace_polytope_4d(1016, facets=16)[0]  # 14 facets, no Lagrangian 2-face
    assert P.num_facets == 14
    return P


SOLVERS = {"billiards": (billiards, "big_product"), "reeb": (reeb, "hurwitz_24_cell")}


@pytest.mark.parametrize("via", ["ehz_capacity", "solver"])
@pytest.mark.parametrize("method", sorted(SOLVERS))
def test_billiards_and_reeb_stop_at_their_budget(request, method, via):
    solver, fixture = SOLVERS[method]
    P = request.getfixturevalue(fixture)
    with pytest.raises(TimeBudgetExceeded, match=f"{method} exceeded its time budget") as e:
        if via == "solver":
            solver(P, time_limit=BUDGET)
        else:
            ehz_capacity(P, method, time_limit=BUDGET)
    assert e.value.seconds == BUDGET


def test_haim_kislev_stops_at_its_budget_on_a_large_random_polytope(big_generic):
    with pytest.raises(TimeBudgetExceeded, match="haim_kislev exceeded its time budget") as e:
        haim_kislev(big_generic, time_limit=BUDGET)
    assert e.value.seconds == BUDGET


def test_the_default_budget_comes_from_the_environment(big_generic, monkeypatch):
    monkeypatch.setenv("PERFLAB_SOLVER_TIMEOUT", str(BUDGET))
    with pytest.raises(TimeBudgetExceeded) as e:
        ehz_capacity(big_generic, "haim_kislev")
    assert e.value.seconds == BUDGET


def test_a_budget_large_enough_changes_nothing():
    P = gen.polygon_product(0, n=5, m=5, r=1, s=4)[0]
    assert billiards(P, time_limit=30.0).value == pytest.approx(
        haim_kislev(P, time_limit=30.0).value, rel=1e-9
    )
