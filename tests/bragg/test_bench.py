"""The baseline harness: a tiny run writes a complete, self-consistent report."""

from __future__ import annotations

import json

import pytest
import torch

from perflab.bragg.bench import BenchConfig, parse_args, run_bench
from perflab.bragg.bench_report import write_bench_report


@pytest.fixture(scope="module")
def tiny_results():
    cfg = BenchConfig(
        sizes=[16],
        points=[300],
        grids=[9],
        layers=[1, 2],
        backends=["torch", "warp"],
        devices=["cpu", "cuda"],
        repeats=2,
        parity_points=150,
        fresh_caches=False,
        command="test",
    )
    return run_bench(cfg, progress=lambda msg: None)


def test_results_have_cold_warm_and_rates(tiny_results):
    r = tiny_results
    assert {row["backend"] for row in r["tricubic"]} == {"torch", "warp"}
    for row in r["tricubic"]:
        assert len(row["warm_s"]) == 2 and row["cold_s"] > 0
        assert row["points_per_s"] == pytest.approx(row["points"] / row["warm"]["median"])
    assert [(a["size"], a["layers"]) for a in r["absorption"]] == [(16, 1), (16, 2)]
    assert r["parity"] and all(p["passed"] for p in r["parity"])
    assert r["target"]["measured_in_this_run"] is False  # no 1e6-point row in this run


def test_gpu_is_reported_as_not_measured_with_a_reason(tiny_results, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: it is measured, not skipped")
    assert tiny_results["gpu"]["measured"] is False
    assert "torch.cuda.is_available() is False" in tiny_results["gpu"]["reason_not_measured"]
    assert any("cuda" in s["what"] for s in tiny_results["skipped"])
    paths = write_bench_report(tiny_results, tmp_path)
    names = {p.name for p in paths}
    assert {"report.md", "results.json", "env.json", "tricubic_throughput.png"} <= names
    md = (tmp_path / "report.md").read_text()
    assert "GPU not measured: torch.cuda.is_available() is False" in md
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["tricubic"][0]["warm_s"] == tiny_results["tricubic"][0]["warm_s"]


def test_parse_args_and_validation():
    cfg = parse_args(["--sizes", "256", "512", "--repeats", "3", "--points", "1e5"])
    assert cfg.sizes == [256, 512] and cfg.repeats == 3 and cfg.points == [100_000]
    assert cfg.command.endswith("--sizes 256 512 --repeats 3 --points 1e5")
    with pytest.raises(SystemExit):
        parse_args(["--grids", "4"])
    with pytest.raises(SystemExit):
        parse_args(["--dtype", "float8"])


def test_auto_rows_are_named_by_the_backend_that_ran():
    # "auto" used to be recorded as "auto", so the target (looked up under the resolved
    # name) read "n/a ... does NOT meet" even when auto had run; a name given twice ran twice
    cfg = BenchConfig(
        sizes=[8],
        points=[200],
        grids=[9],
        layers=[1],
        backends=["auto", "warp", "torch"],
        repeats=1,
        parity_points=50,
        fresh_caches=False,
    )
    r = run_bench(cfg, progress=lambda msg: None)
    assert [row["backend"] for row in r["tricubic"]] == ["warp", "torch"]
    assert sorted({p["backend"] for p in r["parity"]}) == ["torch", "warp"]
    with pytest.raises(SystemExit):
        parse_args(["--backends", "wrap"])
