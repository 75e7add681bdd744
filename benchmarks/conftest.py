"""Shared benchmark set-up: tiers and the environment snapshot in every benchmark's extra_info.

- A benchmark without a tier marker is ``smoke``; each tier sets pytest-benchmark's rounds
  and time (see :mod:`perflab.harness.tiers`).
- Every benchmark gets ``extra_info["env"]`` (:func:`perflab.harness.env_snapshot`, taken
  once per session) and ``extra_info["tier"]``; ``make bench`` copies both into
  ``artefacts/benchmarks/history.csv``.
"""

from __future__ import annotations

from typing import Any

import pytest

from perflab.devtools.history import code_dirty
from perflab.harness import env_snapshot
from perflab.harness.tiers import apply_default_tier, tier_of


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    apply_default_tier(items, benchmarks=True)


@pytest.fixture(scope="session")
def bench_env() -> dict[str, Any]:
    """The environment snapshot of this benchmark session, plus ``code_dirty``: uncommitted
    changes outside artefacts/ and reports/ (the history CSV changes on every run)."""
    return {**env_snapshot(), "code_dirty": code_dirty()}


@pytest.fixture(autouse=True)
def _bench_extra_info(request: pytest.FixtureRequest, bench_env: dict[str, Any]) -> None:
    if "benchmark" not in request.fixturenames:
        return
    bm = request.getfixturevalue("benchmark")
    bm.extra_info["env"] = bench_env
    bm.extra_info["tier"] = tier_of(request.node)
