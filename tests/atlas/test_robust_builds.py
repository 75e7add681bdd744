"""Builds and loads that used to go wrong silently (issue 14).

- two atlas builds started into one folder both ran to exit 0, each computing every row, and
  the timing log got both runs' records: now the second exits 2 with one line naming the
  first;
- a manifest with one shard entry removed by hand loaded 947 of 987 rows with no error; a
  binary manifest gave ``UnicodeDecodeError``;
- ``--workers 0`` printed a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perflab.atlas import AtlasIncomplete, AtlasManifestError, build, load
from perflab.atlas.__main__ import main
from perflab.atlas.plan import BuildPlan, FamilySpec
from perflab.harness import ManifestError
from perflab.harness.lock import LOCK_NAME

ROOT = Path(__file__).resolve().parents[2]
PLAN = {
    "atlas": "atlas-lock",
    "description": "two builds into one folder",
    "families": [
        {
            "family": "random_polygon_product",
            "grid": {"n": [4, 5], "m": [5]},
            "seeds": list(range(12)),
        }
    ],
    "rows_per_shard": 8,
}


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "perflab.atlas", "build", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_builds_into_one_folder_exactly_one_runs(tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(PLAN))
    out = tmp_path / "out"
    lock = out / "datasets" / "atlas-lock" / LOCK_NAME
    first = _cli(str(plan_file), "--out", str(out), "--no-charts")
    deadline = time.monotonic() + 60
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lock.exists(), "the first build never took the lock"
    second = _cli(str(plan_file), "--out", str(out), "--no-charts")
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1[-2000:]
    assert second.returncode == 2
    assert f"pid {first.pid}" in err2 and "atlas build of atlas-lock" in err2
    assert err2.count("\n") == 1 and "Traceback" not in err2
    runs = (out / "benchmarks" / "atlas-lock" / "runs.jsonl").read_text().splitlines()
    timings = (out / "benchmarks" / "atlas-lock" / "timings.jsonl").read_text().splitlines()
    assert len(runs) == 1
    assert {json.loads(t)["run_id"] for t in timings} == {json.loads(runs[0])["run_id"]}
    assert not lock.exists()


@pytest.mark.parametrize("workers", ["0", "-2", "two"])
def test_bad_worker_count_is_one_line(workers, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["build", "atlas-tiny", "--out", str(tmp_path), "--workers", workers])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--workers" in err and "Traceback" not in err


@pytest.fixture
def built(tmp_path):
    plan = BuildPlan(
        "atlas-short",
        (FamilySpec("regular_polygon", {"n": [3, 4, 5, 6, 7]}),),
        rows_per_shard=2,
    )
    out = tmp_path / "ds"
    assert build(plan, out, bench_dir=tmp_path / "b").complete
    assert load(out).num_rows == 5
    return out


def test_a_shard_entry_removed_by_hand_is_refused(built):
    m = json.loads((built / "manifest.json").read_text())
    key = sorted(m["done"])[0]
    del m["done"][key]
    (built / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(AtlasIncomplete, match=f"shard {key} is not listed"):
        load(built)
    assert load(built, allow_incomplete=True).num_rows == 3  # what is there and right


def test_a_planned_shard_listed_with_other_ids_is_refused(built):
    m = json.loads((built / "manifest.json").read_text())
    key = sorted(m["done"])[-1]
    m["done"][key]["ids"] = ["someone-else"]
    (built / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(AtlasIncomplete, match="other polytopes"):
        load(built)


def test_an_unlisted_shard_file_is_refused(built):
    (built / "data" / "regular_polygon" / "shard-99999.parquet").write_bytes(b"x")
    with pytest.raises(AtlasIncomplete, match="not listed in the manifest"):
        load(built)


def test_a_binary_manifest_is_a_manifest_error_naming_the_file(built, tmp_path):
    (built / "manifest.json").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(AtlasManifestError, match="manifest.json") as exc:
        load(built)
    assert isinstance(exc.value, ManifestError)
    plan = BuildPlan("atlas-short", (FamilySpec("regular_polygon", {"n": [3, 4, 5, 6, 7]}),))
    with pytest.raises(ManifestError, match="manifest.json"):
        build(plan, built, bench_dir=tmp_path / "b")
