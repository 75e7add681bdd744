"""The README's everyday commands leave a fresh clone's ``git status --porcelain`` empty.

The clone is made from this checkout's HEAD (``git clone``) and runs with this
interpreter (its virtual environment: no new one), ``PYTHONPATH`` pointing at the clone's
``src`` so the clone's code runs, not the checkout's. Smoke tier: ``make run`` (the full
atlas-tiny build, into ``build/``) and the example notebook with ``--smoke``; deep tier: every
notebook in ``notebooks/`` with ``--smoke`` and no ``--out``, as the README shows them.
Before the fix ``make run`` alone changed 7 committed files (atlas-tiny's timing logs, its
manifest's environment block, its report and 2 charts).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))
QUICK = ["example"]  # the rest (seconds to minutes each) run in the deep tier

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _run(cmd: list[str], cwd: Path, timeout: float = 300) -> None:
    env = dict(os.environ, PYTHONPATH=str(cwd / "src"), PYTHONHASHSEED="0", MPLBACKEND="Agg")
    env.pop("PERFLAB_ARTEFACTS", None)
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{cmd} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"


def _clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    _run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], tmp_path)
    return clone


def _status(clone: Path) -> str:
    r = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    return r.stdout


def _notebook(clone: Path, stem: str) -> None:
    _run([sys.executable, f"notebooks/{stem}.py", "--", "--smoke"], clone, timeout=590)


def _make_run(clone: Path) -> None:
    if shutil.which("make") is None:  # the Makefile's recipe itself
        _run([sys.executable, "notebooks/atlas_tiny.py"], clone)
        return
    # this interpreter's venv as the clone's (-o: never reinstall it)
    stamp = VENV / ".perflab-installed"
    _run(["make", "--no-print-directory", f"VENV={VENV}", "-o", str(stamp), "run"], clone)


@pytest.mark.timeout(300)
def test_make_run_and_quick_smoke_notebooks_leave_a_clean_clone(tmp_path):
    clone = _clone(tmp_path)
    assert _status(clone) == ""
    _make_run(clone)
    assert (clone / "build/datasets/atlas-tiny/manifest.json").exists()  # it did build
    for stem in QUICK:
        _notebook(clone, stem)
    assert _status(clone) == "", "the README's everyday commands changed the clone"


@pytest.mark.deep
@pytest.mark.timeout(1800)
def test_every_notebook_with_smoke_leaves_a_clean_clone(tmp_path):
    clone = _clone(tmp_path)
    for stem in NOTEBOOKS:
        _notebook(clone, stem)
        assert _status(clone) == "", f"python notebooks/{stem}.py -- --smoke changed the clone"
