"""notebooks/profile.py --smoke writes a profile and a history chart, only under --out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from perflab.devtools.history import HistoryRow, append_history, read_history

ROOT = Path(__file__).resolve().parents[2]


def two_runs() -> list[HistoryRow]:
    """Two runs of one machine, the second 2x slower on one benchmark."""
    rows = []
    for run, t in (("run1", 0.010), ("run2", 0.020)):
        for name, scale in (("test_bench_a", 1.0), ("test_bench_b[n=10]", 0.1)):
            m = t * scale if name == "test_bench_a" else 0.001
            rows.append(
                HistoryRow(
                    run_id=run,
                    timestamp=f"2026-01-0{1 + (run == 'run2')}T00:00:00+00:00",
                    git_commit=f"{run}abcdef",
                    git_dirty=False,
                    branch="main",
                    machine_id="machine1",
                    env_summary="cpu x2",
                    load_1m=0.1,
                    tier="smoke",
                    name=name,
                    fullname=f"benchmarks/x.py::{name}",
                    group="g",
                    params="",
                    median_s=m,
                    iqr_s=m * 0.02,
                    q1_s=m * 0.99,
                    q3_s=m * 1.01,
                    mean_s=m,
                    stddev_s=m * 0.02,
                    min_s=m * 0.9,
                    max_s=m * 1.1,
                    rounds=10,
                    iterations=1,
                )
            )
    return rows


def _listing(*dirs: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for d in dirs if d.exists() for p in d.rglob("*")}


def test_profile_notebook_smoke_writes_profile_and_history_chart(tmp_path):
    hist = tmp_path / "history.csv"
    append_history(two_runs(), hist)
    before = _listing(ROOT / ".profiles", ROOT / "reports" / "profile")
    out = tmp_path / "out"
    r = subprocess.run(
        [
            sys.executable,
            "notebooks/profile.py",
            "--",
            "--smoke",
            "--out",
            str(out),
            "--history",
            str(hist),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    prof = out / "profiles"
    assert (prof / "harness.python_pairwise.html").stat().st_size > 1000
    assert (prof / "harness.python_pairwise.prof").stat().st_size > 0
    for png in ("history.png", "top_functions.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    report = json.loads((out / "report.json").read_text())
    assert report["profile"]["target"] == "harness.python_pairwise"
    assert report["machine"] == read_history(hist)[-1].machine_id
    md = (out / "report.md").read_text()
    assert "dist2" in md and "Call tree" in md and "regression" in md
    assert _listing(ROOT / ".profiles", ROOT / "reports" / "profile") == before
