"""A build SIGKILLed mid-way (a real subprocess, several times over) resumes to the same bytes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from fake_rows import polygon_row  # noqa: E402
from test_builder import data_files, manifest_wo_env  # noqa: E402

from perflab.atlas.builder import build  # noqa: E402
from perflab.atlas.plan import BuildPlan, FamilySpec  # noqa: E402

PLAN = BuildPlan(
    atlas="atlas-kill",
    families=(
        FamilySpec("polygons", {"k": [5, 8]}, seeds=list(range(15))),
        FamilySpec("odd", {"k": [4], "timeout": [False, True]}, seeds=[1, 2, 3]),
    ),
    time_budget_s=2.0,
    rows_per_shard=7,
)

CHILD = """
import json, sys
sys.path.insert(0, {here!r})
from fake_rows import polygon_row
from perflab.atlas.builder import build
from perflab.atlas.plan import BuildPlan
plan = BuildPlan.from_dict(json.loads({plan!r}))
build(plan, {out!r}, bench_dir={bench!r}, row_fn=polygon_row, workers={workers})
"""


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _start(out: Path, bench: Path, workers: int, hang_at: str) -> subprocess.Popen:
    code = CHILD.format(
        here=str(HERE), plan=PLAN.to_json(), out=str(out), bench=str(bench), workers=workers
    )
    env = dict(os.environ, FAKE_ROW_SLEEP="0.03", FAKE_ROW_HANG_AT=hang_at)
    return subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True)


@pytest.mark.parametrize(
    "workers, group", [(1, True), pytest.param(2, False, marks=pytest.mark.deep)]
)
def test_sigkill_at_several_points_then_resume_is_byte_identical(tmp_path, workers, group):
    """``group``: SIGKILL the whole process group; else only the parent (the pool workers
    must then die with it, by PR_SET_PDEATHSIG, and not write on)."""
    ref = tmp_path / "ref"
    build(PLAN, ref, bench_dir=tmp_path / "rb", row_fn=polygon_row)
    out, bench = tmp_path / "ds", tmp_path / "b"
    timings = bench / "timings.jsonl"
    kills = 0
    ids = [item.polytope_id for item in PLAN.items()]
    # kill after ~5 rows (inside the first shard) and ~20 rows (around shard boundaries);
    # a row further on hangs, so the build cannot finish first however slow the test is
    for threshold, hang in ((10, 8), (40, 25)):
        proc = _start(out, bench, workers, hang_at=ids[hang])
        deadline = time.monotonic() + 60
        while _lines(timings) < threshold and proc.poll() is None:
            assert time.monotonic() < deadline, "build made no progress"
            time.sleep(0.005)
        if proc.poll() is None:
            if group:
                os.killpg(proc.pid, signal.SIGKILL)  # the build and any workers, no clean-up
            else:
                os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
    assert kills == 2, "the build ended before it was killed"
    assert (
        not (out / "manifest.json").exists()
        or not json.loads((out / "manifest.json").read_text())["extra"]["complete"]
    )
    res = build(PLAN, out, bench_dir=bench, row_fn=polygon_row)
    assert res.complete and res.rows_reused + res.rows_computed <= PLAN.size
    assert data_files(out) == data_files(ref)
    assert manifest_wo_env(out) == manifest_wo_env(ref)
    # every polytope has its timing records (a row may have been timed twice: latest wins)
    from perflab.atlas.report import latest_timings

    assert len(latest_timings(bench)) == 2 * PLAN.size


@pytest.mark.deep
def test_real_core_cli_build_killed_then_resumed_is_byte_identical(tmp_path):
    """The same with the symplectic core: ``python -m perflab.atlas build`` (2 workers)
    SIGKILLed twice, then resumed, against an uninterrupted build."""
    plan = BuildPlan(
        atlas="atlas-kill-real",
        families=(
            FamilySpec("random_polygon_product", {"n": [4, 5], "m": [5]}, seeds=list(range(8))),
            FamilySpec("halfspace_polytope_4d", {"facets": [7]}, seeds=list(range(10))),
        ),
        time_budget_s=30.0,
        rows_per_shard=6,
    )
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.to_json())

    def cli(out: Path, *extra: str) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "perflab.atlas", "build", str(plan_file), "--out", str(out)]
        return subprocess.Popen(
            [*cmd, "--no-charts", *extra], start_new_session=True, stdout=subprocess.DEVNULL
        )

    assert cli(tmp_path / "ref", "--workers", "2").wait(timeout=300) == 0
    timings = tmp_path / "run/benchmarks/atlas-kill-real/timings.jsonl"
    kills = 0
    for threshold in (15, 80):
        proc = cli(tmp_path / "run", "--workers", "2")
        deadline = time.monotonic() + 120
        while _lines(timings) < threshold and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
    assert kills == 2
    assert cli(tmp_path / "run").wait(timeout=300) == 0
    ref = tmp_path / "ref/datasets/atlas-kill-real"
    run = tmp_path / "run/datasets/atlas-kill-real"
    assert data_files(run) == data_files(ref) and len(data_files(ref)) == 5
    assert manifest_wo_env(run) == manifest_wo_env(ref)
