"""The baseline harness: a tiny run writes a complete, self-consistent report."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from perflab.bragg.bench import BenchConfig, parse_args, planned_steps, run_bench
from perflab.bragg.bench import cases as bench_cases
from perflab.bragg.bench import runner as bench_runner
from perflab.bragg.bench.report import write_bench_report

HAVE_GCC = shutil.which("gcc") is not None


@pytest.fixture(scope="module")
def tiny_results():
    cfg = BenchConfig(
        sizes=[16],
        points=[300],
        grids=[9],
        layers=[1, 2],
        backends=["torch", "warp"],
        devices=["cpu", "cuda"],
        dtypes=["float32", "float64"],
        threads=[1, 2],
        repeats=2,
        parity_points=150,
        fresh_caches=False,
        cold=False,
        command="test",
    )
    return run_bench(cfg, progress=lambda msg: None)


def test_results_have_dtypes_threads_and_rates(tiny_results):
    r = tiny_results
    tri = [row for row in r["tricubic"] if row["backend"] != "c_loop"]
    assert {(row["backend"], row["dtype"], row["threads"]) for row in tri} == {
        ("torch", d, t) for d in ("float32", "float64") for t in (1, 2)
    } | {("warp", d, 1) for d in ("float32", "float64")}  # warp's CPU launch: one thread
    for row in r["tricubic"]:
        assert len(row["warm_s"]) == 2 and row["cold_in_process_s"] > 0
        assert row["points_per_s"] == pytest.approx(row["points"] / row["warm"]["median"])
    ab = {(a["dtype"], a["threads"], a["layers"]) for a in r["absorption"]}
    assert len(ab) == 8 and all(a["path"] == "per_layer" for a in r["absorption"])
    assert r["parity"] and all(p["passed"] for p in r["parity"])
    assert r["target"]["measured_in_this_run"] is False  # no 1e6-point row in this run


@pytest.mark.skipif(not HAVE_GCC, reason="gcc not found: the C baseline cannot be built")
def test_c_loop_is_measured_and_is_the_target(monkeypatch):
    monkeypatch.setattr(bench_cases, "TARGET", {"points": 400, "grid": 9, "dtype": "float64",
                                                "threads": 1})  # fmt: skip
    cfg = BenchConfig(sizes=[8], points=[400], grids=[9], layers=[1], backends=["torch"],
                      dtypes=["float64"], threads=[1], repeats=3, parity_points=100,
                      fresh_caches=False, cold=False)  # fmt: skip
    events: list[str] = []
    r = run_bench(cfg, progress=events.append)
    assert len(events) == planned_steps(cfg) and events[-1].startswith("target: C loop")
    c = [row for row in r["tricubic"] if row["backend"] == "c_loop"]
    assert len(c) == 1 and c[0]["threads"] == 1 and len(c[0]["warm_s"]) == 3
    # the target comes from the paired rounds: C loop then torch, back to back, 3 times
    pairs, t = r["target_pairs"], r["target"]
    assert pairs["rounds"] == 3 and len(pairs["c_loop_s"]) == len(pairs["backend_s"]["torch"]) == 3
    c_s, b_s = pairs["c_loop_s"], pairs["backend_s"]["torch"]
    per_round = [c / b for c, b in zip(c_s, b_s, strict=True)]
    assert pairs["ratios"]["torch"] == pytest.approx(per_round)
    assert t["method"] == "paired rounds" and "C loop" in t["source"]
    assert t["ratio_to_c_loop"]["torch"] == pytest.approx(float(np.median(per_round)))
    assert t["points_per_s"] == pytest.approx(400 / float(np.median(pairs["c_loop_s"])))
    assert t["met_by"]["torch"] == (t["ratio_to_c_loop"]["torch"] >= 1)
    par = [p for p in r["parity"] if p["backend"] == "c_loop"]
    assert par and par[0]["passed"] and par[0]["max_rel_error"] < 1e-13
    assert "gcc -O" in r["cloop"]["command"]


def test_cold_start_runs_in_a_fresh_process_and_is_bounded():
    from perflab.bragg.bench.cold import cold_start

    row = cold_start("torch", "float64", grid=9, points=200, threads=1, budget_s=120,
                     cache_dir=None)  # fmt: skip
    assert row["finished"] and row["import_s"] > 0 and row["first_call_s"] > 0
    assert row["cold_s"] == pytest.approx(row["import_s"] + row["first_call_s"])
    late = cold_start("torch", "float64", grid=9, points=200, threads=1, budget_s=0.05,
                      cache_dir=None)  # fmt: skip
    assert late["finished"] is False and "budget" in late["reason"]
    # a backend whose cold start ran past its budget gets no warm rows, with the reason
    cfg = BenchConfig(points=[200], grids=[9], backends=["torch"], dtypes=["float64"],
                      threads=[1], repeats=1)  # fmt: skip
    rows, skipped = bench_runner.bench_tricubic(cfg, torch.device("cpu"), lambda m: None, [late])
    assert rows == [] and "budget" in skipped[0]["reason"]


def test_gpu_is_reported_as_not_measured_with_a_reason(tiny_results, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: it is measured, not skipped")
    gpu = tiny_results["gpu"]
    assert gpu["measured"] is False
    assert "torch.cuda.is_available() is False" in gpu["reason_not_measured"]
    assert len(gpu["rows"]) == 4 and all(not g["measured"] and g["reason"] for g in gpu["rows"])
    assert any("cuda" in s["what"] for s in tiny_results["skipped"])
    paths = write_bench_report(tiny_results, tmp_path)
    names = {p.name for p in paths}
    assert {"report.md", "results.json", "env.json", "tricubic_throughput.png"} <= names
    md = (tmp_path / "report.md").read_text()
    assert "GPU not measured: torch.cuda.is_available() is False" in md
    assert "tricubic warp (CUDA): not measured" in md
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["tricubic"][0]["warm_s"] == tiny_results["tricubic"][0]["warm_s"]


def test_parse_args_and_validation():
    cfg = parse_args(["--sizes", "256", "512", "--repeats", "3", "--points", "1e5"])
    assert cfg.sizes == [256, 512] and cfg.repeats == 3 and cfg.points == [100_000]
    assert cfg.dtypes == ["float32", "float64"] and cfg.threads == [1, 2]
    assert cfg.command.endswith("--sizes 256 512 --repeats 3 --points 1e5")
    for bad in (["--grids", "4"], ["--dtypes", "float8"], ["--threads", "0"],
                ["--cold-budget", "0"]):  # fmt: skip
        with pytest.raises(SystemExit):
            parse_args(bad)


def test_auto_rows_are_named_by_the_backend_that_ran():
    # "auto" used to be recorded as "auto", so the target (looked up under the resolved
    # name) read "n/a ... does NOT meet" even when auto had run; a name given twice ran twice
    cfg = BenchConfig(sizes=[8], points=[200], grids=[9], layers=[1],
                      backends=["auto", "warp", "torch"], dtypes=["float64"], threads=[1],
                      repeats=1, parity_points=50, fresh_caches=False, cold=False,
                      cloop=False)  # fmt: skip
    r = run_bench(cfg, progress=lambda msg: None)
    assert [row["backend"] for row in r["tricubic"]] == ["warp", "torch"]
    assert sorted({p["backend"] for p in r["parity"]}) == ["torch", "warp"]
    with pytest.raises(SystemExit):
        parse_args(["--backends", "wrap"])


def test_dashboard_filters_over_the_published_results():
    """The tricubic dashboard's backend/dtype/grid controls over reports/tricubic_baseline."""
    from pathlib import Path

    from perflab.bragg.bench.report import charts, choices, filter_results

    root = Path(__file__).resolve().parents[2]
    results = json.loads((root / "reports/tricubic_baseline/results.json").read_text())
    backends = choices(results, "backend")
    assert backends[0] == "all" and "torch" in backends
    assert filter_results(results)["tricubic"] == results["tricubic"]
    torch32 = filter_results(results, backend="torch", dtype="float32")
    assert torch32["tricubic"] and all(
        (r["backend"], r["dtype"]) == ("torch", "float32") for r in torch32["tricubic"]
    )
    assert all(r["dtype"] == "float32" for r in torch32["absorption"])
    assert len(torch32["tricubic"]) < len(results["tricubic"])
    assert "tricubic_throughput" in charts(torch32)
    assert filter_results(results, backend="nope")["tricubic"] == []


def test_quick_measurement_is_small_labelled_and_restores_threads():
    from perflab.bragg.bench.runner import quick_tricubic_rows

    before = torch.get_num_threads()
    rows = quick_tricubic_rows("float32", points=2_000, grid=11)
    assert torch.get_num_threads() == before
    assert [(r["backend"], r["dtype"], r["points"], r["grid"]) for r in rows] == [
        ("torch (now)", "float32", 2_000, 11)
    ]
    assert rows[0]["points_per_s"] > 0 and rows[0]["warm"]["n"] == 3
    with pytest.raises(ValueError, match="dtype"):
        quick_tricubic_rows("float16")
