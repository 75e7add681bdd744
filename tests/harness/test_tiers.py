"""Tier assignment for tests and benchmarks."""

from __future__ import annotations

import pytest

from perflab.harness.tiers import BENCH_TIER_OPTIONS, TIERS, apply_default_tier, tier_of


class _Item:
    def __init__(self, *marks):
        self.markers = list(marks)

    def get_closest_marker(self, name):
        for m in reversed(self.markers):
            if m.name == name:
                return m
        return None

    def add_marker(self, m):
        self.markers.append(m.mark if hasattr(m, "mark") else m)


def test_unmarked_is_smoke_and_benchmark_options_follow_the_tier():
    plain, deep = _Item(), _Item(pytest.mark.deep.mark)
    own = _Item(pytest.mark.longhaul.mark, pytest.mark.benchmark(max_time=99.0).mark)
    apply_default_tier([plain, deep, own], benchmarks=True)
    assert tier_of(plain) == "smoke" and plain.get_closest_marker("smoke")
    assert tier_of(deep) == "deep"
    assert plain.get_closest_marker("benchmark").kwargs == BENCH_TIER_OPTIONS["smoke"]
    assert deep.get_closest_marker("benchmark").kwargs["min_rounds"] == 10
    kw = own.get_closest_marker("benchmark").kwargs
    assert (
        kw["max_time"] == 99.0 and kw["min_rounds"] == BENCH_TIER_OPTIONS["longhaul"]["min_rounds"]
    )
    assert set(BENCH_TIER_OPTIONS) == set(TIERS)
