"""``time_budget`` names its parameter (issue 14: ``time_budget(nan)`` said "Invalid value NaN")."""

from __future__ import annotations

import math

import pytest

from perflab.harness import default_budget, time_budget


@pytest.mark.parametrize("bad", [math.nan, "abc", [1.0], object()])
def test_bad_seconds_are_named(bad):
    with pytest.raises(ValueError, match="seconds"):
        time_budget(bad)


def test_infinite_seconds_mean_no_limit():
    with time_budget(math.inf) as tb:
        pass
    assert tb.mode == "off"


@pytest.mark.parametrize("raw", ["nan", "abc"])
def test_a_bad_environment_budget_is_named(raw, monkeypatch):
    monkeypatch.setenv("PERFLAB_SOLVER_TIMEOUT", raw)
    with pytest.raises(ValueError, match="PERFLAB_SOLVER_TIMEOUT"):
        default_budget()
