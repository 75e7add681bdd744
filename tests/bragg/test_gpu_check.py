"""The GPU check: exits 0 with a statement where CUDA is absent; its comparisons work."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from perflab.bragg import gpu_check


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present: the check really runs")
def test_without_cuda_it_says_so_and_exits_0(tmp_path):
    out = tmp_path / "gpu"
    r = subprocess.run(
        [sys.executable, "-m", "perflab.bragg.gpu_check", "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "GPU check not run: CUDA is not available here" in r.stdout
    assert "CPU-only build" in r.stdout or "is_available() is False" in r.stdout
    assert not out.exists()  # nothing measured, nothing written


def test_checks_compare_every_path_and_flag_a_wrong_result(monkeypatch):
    # the machinery on the CPU "device" (the GPU machine runs the same code on cuda)
    res = gpu_check.run_checks(torch.device("cpu"), points=3_000, size=32, repeats=1,
                               with_compile=False)  # fmt: skip
    checks = {(r["check"], r["backend"], r["dtype"]) for r in res["rows"]}
    assert ("tricubic", "warp", "float32") in checks and ("tricubic", "torch", "float64") in checks
    assert {"sticky values", "dV/dF", "dV/dh"} <= {c for c, _, _ in checks}
    assert {"absorption (sum)", "absorption (last)", "absorption (running)"} <= {
        c for c, _, _ in checks
    }
    assert res["passed"], [r for r in res["rows"] if not r["passed"]]
    assert "compile" in res["skipped"][0]["what"] + res["skipped"][-1]["what"]
    md = gpu_check.render(res)
    assert "All comparisons within tolerance: True" in md

    # a backend that returns wrong numbers is caught
    from perflab.bragg import tricubic_warp

    real = tricubic_warp.forward

    def wrong(spec, h, k, l, out, mask, *, chunk=None):
        real(spec, h, k, l, out, mask, chunk=chunk)
        out.mul_(1.0 + 1e-9)

    monkeypatch.setattr(tricubic_warp, "forward", wrong)
    rows, _ = gpu_check.check_tricubic(torch.device("cpu"), 2_000, 1, with_compile=False)
    bad = [r for r in rows if r["backend"] == "warp" and r["dtype"] == "float64"]
    assert bad and not any(r["passed"] for r in bad)
