"""Test and benchmark tiers: ``smoke`` (default), ``deep``, ``longhaul``.

A test or benchmark without a tier marker belongs to ``smoke``. For benchmarks each tier
also sets how long pytest-benchmark may spend on one benchmark (:data:`BENCH_TIER_OPTIONS`,
applied as a ``@pytest.mark.benchmark(...)`` marker unless the benchmark sets the key
itself; ``benchmark.pedantic(rounds=...)`` bypasses them entirely):

- ``smoke``: at least 3 rounds, stop adding rounds after 0.25 s — seconds per benchmark, so
  ``make bench`` over every domain stays under 5 minutes on 2 cores;
- ``deep``: at least 10 rounds (the escalation policy's "10 runs"), up to 2 s;
- ``longhaul``: at least 20 rounds, up to 10 s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "BENCH_TIER_OPTIONS",
    "TIERS",
    "apply_default_tier",
    "tier_of",
]

TIERS = ("smoke", "deep", "longhaul")

BENCH_TIER_OPTIONS: dict[str, dict[str, Any]] = {
    "smoke": {"min_rounds": 3, "max_time": 0.25, "warmup": False},
    "deep": {"min_rounds": 10, "max_time": 2.0, "warmup": True},
    "longhaul": {"min_rounds": 20, "max_time": 10.0, "warmup": True},
}


def tier_of(item: Any) -> str:
    """The tier of a pytest item: the first of :data:`TIERS` it is marked with, else smoke."""
    for t in TIERS:
        if item.get_closest_marker(t):
            return t
    return "smoke"


def apply_default_tier(items: Iterable[Any], *, benchmarks: bool = False) -> None:
    """Mark every item without a tier marker as ``smoke``.

    With ``benchmarks=True`` also attach the tier's pytest-benchmark options (keys the
    item's own ``benchmark`` marker sets win).
    """
    import pytest

    for item in items:
        tier = tier_of(item)
        if not item.get_closest_marker(tier):
            item.add_marker(getattr(pytest.mark, tier))
        if benchmarks:
            own = item.get_closest_marker("benchmark")
            opts = {**BENCH_TIER_OPTIONS[tier], **(own.kwargs if own else {})}
            item.add_marker(pytest.mark.benchmark(**opts))
