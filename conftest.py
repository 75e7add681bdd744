"""Docstring examples (``pytest --doctest-modules`` on ``src/perflab``, see pyproject's
``testpaths``) belong to the smoke tier, whatever directory pytest is pointed at.

``tests/conftest.py`` gives the smoke marker to every test without a tier; this file does the
same for doctest items, so ``pytest -m smoke src/perflab`` runs them too (it does not load
``tests/conftest.py``).
"""

from __future__ import annotations

import pytest

TIERS = ("smoke", "deep", "longhaul", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.DoctestItem) and not any(
            item.get_closest_marker(t) for t in TIERS
        ):
            item.add_marker(pytest.mark.smoke)
