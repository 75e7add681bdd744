"""Test tiers: a test without a ``deep`` or ``longhaul`` marker belongs to ``smoke``."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

TIERS = ("smoke", "deep", "longhaul")

# Property tests draw the same examples on every run ("ci", the default), so a red CI is
# reproducible and never a coin toss; cases that random search once found are pinned with
# @example. HYPOTHESIS_PROFILE=explore draws fresh random examples, 20x as many, to look
# for new failures.
settings.register_profile("ci", derandomize=True, max_examples=12, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=240, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(t) for t in TIERS):
            item.add_marker(pytest.mark.smoke)


@pytest.fixture
def run_cli():
    """``run_cli(module, *args)``: ``python -m module args`` from the repository root with its
    output captured (so not a terminal, as in CI); asserts exit 0, returns the process."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]

    def run(module: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
        r = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert r.returncode == 0, r.stderr[-3000:]
        return r

    return run
