"""Test tiers: a test without a ``deep`` or ``longhaul`` marker belongs to ``smoke``."""

from __future__ import annotations

import pytest

TIERS = ("smoke", "deep", "longhaul")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(t) for t in TIERS):
            item.add_marker(pytest.mark.smoke)
