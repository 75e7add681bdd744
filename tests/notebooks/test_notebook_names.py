"""No notebook may shadow a standard-library module.

Running ``python notebooks/x.py`` or ``marimo run notebooks/x.py`` puts ``notebooks/`` first
on ``sys.path``, so a notebook named like a stdlib module (``profile.py``, ``json.py`` ...)
is imported in its place by every library of every *other* notebook that imports that
module (a ``notebooks/profile.py`` broke ``cProfile`` for the whole folder).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_notebook_is_named_like_a_stdlib_module():
    names = {p.stem for p in (ROOT / "notebooks").glob("*.py")}
    # `profiling` becomes a stdlib package in Python 3.15 (PEP 799)
    shadowing = sorted(names & (set(sys.stdlib_module_names) | {"profiling"}))
    assert not shadowing, f"notebooks shadowing standard-library modules: {shadowing}"
