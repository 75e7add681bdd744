"""The docstring examples of every domain run in the smoke tier (``make test``).

pyproject's ``testpaths`` includes ``src/perflab`` and ``addopts`` has ``--doctest-modules``;
the root ``conftest.py`` marks doctest items ``smoke``. A module whose optional dependency is
missing is skipped with the reason (``--doctest-ignore-import-errors``), never an error.
"""

from __future__ import annotations

DOMAINS = ("symplectic", "atlas", "bragg", "soap", "warpgen", "harness", "devtools")


def test_smoke_tier_collects_doctests_of_every_domain(run_cli):
    r = run_cli("pytest", "-m", "smoke", "--collect-only", "-q", "src/perflab")
    items = [line for line in r.stdout.splitlines() if line.startswith("src/perflab/")]
    per_domain = {d: [i for i in items if i.startswith(f"src/perflab/{d}/")] for d in DOMAINS}
    assert all(per_domain.values()), {d: len(v) for d, v in per_domain.items()}
    assert "error" not in r.stdout.splitlines()[-1].lower()
