"""A time budget still ends a row when library code swallows its interrupt.

numpy's ``array_equal`` wraps ``asarray`` in ``try: ... except Exception: return False``;
the Haim-Kislev solver calls it in its inner loop, so the budget's ``TimeBudgetExceeded``
sometimes landed there, was swallowed, and the timer was never armed again: the 24-cell row
of atlas-tiny (budget 0.2 s in ``test_compute``) then ran for good (seen: a smoke run hung
for over 12 minutes, with pytest-timeout's alarm held back by the budget as well). The
budget now keeps interrupting until its block ends.
"""

from __future__ import annotations

import time

import pytest

from perflab.harness import TimeBudgetExceeded, time_budget


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(100))


def test_an_interrupt_swallowed_by_a_broad_except_is_raised_again():
    swallowed: list[BaseException] = []
    t0 = time.monotonic()
    with pytest.raises(TimeBudgetExceeded), time_budget(0.05, what="row"):
        try:  # library code with a broad except, as numpy.array_equal has
            _spin(10.0)
        except Exception as exc:
            swallowed.append(exc)
        _spin(10.0)  # the caller carries on, unaware of the lost interrupt
    elapsed = time.monotonic() - t0
    assert len(swallowed) == 1 and isinstance(swallowed[0], TimeBudgetExceeded)
    # without the re-raise the block runs the whole 10 s spin; 5 s leaves room for load
    assert elapsed < 5.0, f"the budget let the block run {elapsed:.2f} s"


def test_a_pathological_row_ends_near_its_budget_every_time():
    """The real case, repeated: the 24-cell under a 0.2 s safety net (its tube search takes
    seconds), with an outer alarm armed as pytest-timeout's is: each row must stop within a
    few budgets, never hang, and stop the build (SafetyNetExceeded), never record a row."""
    from perflab.atlas.compute import SafetyNetExceeded, compute_row
    from perflab.atlas.plan import PlanItem, RowBudget

    item = PlanItem("twenty_four_cell", {}, 0, 0)
    for _ in range(3):
        t0 = time.monotonic()
        with pytest.raises(SafetyNetExceeded, match="ehz_capacity by reeb"):
            compute_row(item, RowBudget(0.2, {"reeb": 10**7, "haim_kislev": 10**7}))
        assert time.monotonic() - t0 < 5.0
