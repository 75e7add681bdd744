"""No notebook may shadow a standard-library module, except ``profile`` which perflab guards.

Running ``python notebooks/x.py`` or ``marimo run notebooks/x.py`` puts ``notebooks/`` first
on ``sys.path``, so a notebook named like a stdlib module (``json.py`` ...) is imported in
its place by every library that imports that module. ``notebooks/profile.py`` is the name the
project's profile notebook must have; ``import perflab`` registers the stdlib ``profile``
module from its own file first (:mod:`perflab._stdlib_guard`), so ``cProfile`` keeps working.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUARDED = {"profile"}


def test_no_notebook_is_named_like_a_stdlib_module():
    names = {p.stem for p in (ROOT / "notebooks").glob("*.py")}
    # `profiling` becomes a stdlib package in Python 3.15 (PEP 799)
    shadowing = sorted((names - GUARDED) & (set(sys.stdlib_module_names) | {"profiling"}))
    assert not shadowing, f"notebooks shadowing standard-library modules: {shadowing}"


def test_guard_keeps_cprofile_working_beside_notebooks_profile_py():
    code = (
        "import sys; sys.path.insert(0, {nb!r})\n"
        "import perflab\n"
        "import cProfile, profile\n"
        "assert hasattr(profile, 'run') and profile.__file__ != {shadow!r}, profile.__file__\n"
        "pr = cProfile.Profile(); pr.enable(); sum(range(10)); pr.disable()\n"
        "print('ok')\n"
    ).format(nb=str(ROOT / "notebooks"), shadow=str(ROOT / "notebooks" / "profile.py"))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_without_the_guard_the_shadow_would_break_cprofile():
    """The guard is needed: a bare ``import cProfile`` there picks up the notebook."""
    code = (
        "import sys; sys.path.insert(0, {nb!r})\n"
        "try:\n"
        "    import cProfile\n"
        "except AttributeError:\n"
        "    print('broken')\n"
        "else:\n"
        "    print('fine')\n"
    ).format(nb=str(ROOT / "notebooks"))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.stdout.strip() == "broken", (r.stdout, r.stderr)
