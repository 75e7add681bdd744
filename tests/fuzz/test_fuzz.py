"""The fuzz suite (issue 14), each target in its own interpreter so that a crash (a
segmentation fault in Qhull) fails the test instead of killing the run.

Deep tier: ``PERFLAB_FUZZ_SECONDS`` (default 100) seconds of examples per target, six
targets: at least 10 minutes in all (``make deep``, or
``pytest -m deep tests/fuzz``). Smoke tier: two seconds of the two geometry constructors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TARGETS = [
    "from_vertices",
    "from_halfspaces",
    "ehz_capacity",
    "tricubic_interpolate",
    "capture_fractions",
    "frame",
]


def _fuzz(target: str, seconds: float, per_round: int) -> dict:
    proc = subprocess.run(
        [
            sys.executable,
            str(HERE / "targets.py"),
            target,
            "--seconds",
            str(seconds),
            "--round",
            str(per_round),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 900,
    )
    if proc.returncode < 0:
        pytest.fail(f"{target}: the interpreter died with signal {-proc.returncode}")
    assert proc.returncode == 0, (
        f"{target}: failing example\n{proc.stdout[-4000:]}{proc.stderr[-6000:]}"
    )
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["examples"] > 0 and summary["outcomes"].get("ok", 0) > 0
    return summary


@pytest.mark.parametrize("target", ["from_vertices", "from_halfspaces"])
def test_fuzz_smoke(target):
    _fuzz(target, 2.0, 50)


@pytest.mark.deep
@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_deep(target, record_property):
    seconds = float(os.environ.get("PERFLAB_FUZZ_SECONDS", "100"))
    summary = _fuzz(target, seconds, 100)
    record_property("fuzz", summary)
    assert summary["seconds"] >= seconds
