"""Every notebook, exported by ``marimo export ipynb``, runs in Jupyter (``pytest --nbval-lax``).

Deep tier. The kernel gets the notebook's flags through ``PERFLAB_NOTEBOOK_ARGS`` (see
:func:`perflab.harness.notebook_args`; ``mo.cli_args()`` raises outside marimo), so each
notebook runs its ``--smoke`` mode and writes only under a temporary ``--out``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perflab.harness.nbargs import ENV_VAR

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


@pytest.mark.deep
@pytest.mark.timeout(900)
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_exported_notebook_runs_under_nbval(nb: Path, tmp_path: Path):
    ipynb = tmp_path / f"{nb.stem}.ipynb"
    r = subprocess.run(
        [sys.executable, "-m", "marimo", "export", "ipynb", str(nb), "-o", str(ipynb), "-f"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0 and ipynb.exists(), f"export failed:\n{r.stdout}\n{r.stderr}"
    env = dict(os.environ, **{ENV_VAR: f"--smoke --out {tmp_path / 'out'}"})
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            str(ipynb),
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            os.devnull,
            "--rootdir",
            str(tmp_path),
            "--nbval-cell-timeout=600",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=880,
        check=False,
    )
    hint = ""
    if "mo.cli_args()" in nb.read_text(encoding="utf-8"):
        hint = (
            "\nHINT: the notebook calls mo.cli_args(), which raises ContextNotInitializedError"
            " outside marimo; read flags with perflab.harness.notebook_args() instead."
        )
    assert r.returncode == 0, f"{nb.name} failed under nbval:\n{r.stdout[-6000:]}{hint}"
    assert " passed" in r.stdout
