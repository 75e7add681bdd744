"""The atlas notebooks in --smoke mode: seconds, a loadable atlas, nothing written outside --out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perflab.atlas import load

ROOT = Path(__file__).resolve().parents[2]


def _tree(*folders: Path) -> dict[str, float]:
    return {
        str(p): p.stat().st_mtime
        for f in folders
        if f.exists()
        for p in f.rglob("*")
        if p.is_file()
    }


@pytest.mark.deep  # ~15 s; the smoke tier already runs every notebook with --smoke
def test_atlas_tiny_smoke_writes_only_under_out(tmp_path):
    watched = (ROOT / "artefacts", ROOT / "reports", ROOT / "notebooks", ROOT / "src")
    before = _tree(*watched)
    out = tmp_path / "out"
    r = subprocess.run(
        [sys.executable, str(ROOT / "notebooks/atlas_tiny.py"), "--smoke", "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONHASHSEED="0"),
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "complete: True" in r.stdout
    after = _tree(*watched)
    new = {p for p in after if not p.endswith((".pyc",)) and "__marimo__" not in p}
    assert {p for p in new if p not in before or after[p] != before[p]} == set()
    assert {p.name for p in out.iterdir()} == {"datasets", "benchmarks", "reports"}
    ds = load(out / "datasets/atlas-tiny-smoke")
    assert ds.num_rows == 3 and ds["ehz_capacity"][2] > 0
    assert (out / "reports/atlas-tiny-smoke_benchmark.md").exists()
    assert list(tmp_path.iterdir()) == [out]  # nothing in the working directory either
