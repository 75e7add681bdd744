"""The benchmark harness: systems, one measured case per backend, and the report maths."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from perflab.harness import RunLog
from perflab.soap.bench import NO_GPU, Backend, Case, plan_cases, run_case
from perflab.soap.bench.cases import CUDA64, NUMPY, REFERENCE, TORCH32, TORCH64, golden
from perflab.soap.bench.report import (
    acceptance,
    combine_summaries,
    metrics_frame,
    reference_by_system,
    scaling,
    species_curves,
    takeaways,
    thread_acceptance,
    timings_frame,
    verdict,
    write_metrics_csv,
)
from perflab.soap.bench.runner import build_system, cpu_burners, run_cases
from perflab.soap.neighbours import frame_pairs
from perflab.soap.reference import NOT_INSTALLED, reference_status
from perflab.soap.systems import (
    GOLDEN_DENSITY,
    RING_RADIUS,
    benzene_like_frames,
    ellipsoid_fluid,
)


def test_benzene_rings_are_rigid_hexagons_with_constant_particle_count():
    counts = set()
    for k in (1, 2, 3, 4, 5, 6):
        frames = benzene_like_frames(n_frames=2, n_molecules=3, n_species=k, seed=1)
        counts.add(sum(len(f) for f in frames))
        species = frames[0].species
        assert sorted(set(species.tolist())) == list(range(1, k + 1))
    assert counts == {36}
    f = benzene_like_frames(n_frames=1, n_molecules=1, seed=2)[0]
    box = f.cell[0, 0]
    d = np.diff(np.vstack([f.positions, f.positions[:1]]), axis=0)
    d -= box * np.round(d / box)  # minimum image
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), RING_RADIUS, rtol=1e-12)
    with pytest.raises(ValueError, match="n_species"):
        benzene_like_frames(n_species=7)


def test_fluid_density_and_neighbour_count_are_size_independent():
    per_particle = []
    for n in (100, 1000):
        f = ellipsoid_fluid(n, seed=0)
        assert len(f) == n
        assert n / abs(np.linalg.det(f.cell)) == pytest.approx(GOLDEN_DENSITY)
        per_particle.append(len(frame_pairs(f, 7.0)[0]) / n)
    expected = 1 + GOLDEN_DENSITY * 4 / 3 * np.pi * 7.0**3
    for p in per_particle:
        assert p == pytest.approx(expected, rel=0.15)


def test_run_case_measures_a_golden_system():
    frames = build_system(golden("golden_small_1sp"))
    for backend in (NUMPY, TORCH32, Backend("torch", threads=1, batch_size=50)):
        row = run_case(
            Case("main", golden("golden_small_1sp"), backend, repeats=2, warmup=0), frames
        )
        assert row["status"] == "ok"
        assert row["n_pairs"] == 192 and row["n_particles"] == 36
        assert len(row["warm_s"]) == 2 and row["warm_median_s"] > 0
        assert row["time_per_pair_s"] == pytest.approx(row["warm_median_s"] / 192)
        assert row["peak_rss_delta_mb"] >= 0
        assert len(row["cpu_s"]) == 2
    assert row["threads"] == "1" and row["threads_used"] == 1 and row["batch_size"] == 50
    auto = run_case(Case("main", golden("golden_small_1sp"), TORCH64, repeats=1), frames)
    assert auto["threads"] == "auto" and auto["threads_used"] == 1  # 192 pairs: one thread
    ps = run_case(
        Case("main", golden("golden_small_1sp"), TORCH64, repeats=1, what="power_spectrum"),
        frames,
    )
    assert ps["what"] == "power_spectrum" and ps["status"] == "ok"
    assert ps["n_features"] == 44


def test_reference_case_is_timed_or_skipped_with_the_reason():
    frames = build_system(golden("golden_small_1sp"))
    row = run_case(Case("main", golden("golden_small_1sp"), REFERENCE, repeats=1), frames)
    ok, why = reference_status()
    if ok:
        assert row["status"] == "ok" and row["warm_median_s"] > 0 and row["n_pairs"] == 192
    else:
        assert row["status"] == "skipped" and row["reason"] == why
        assert why.startswith(NOT_INSTALLED)


def test_cpu_burners_spin_and_are_killed():
    import psutil

    with cpu_burners(2) as procs:
        assert len(procs) == 2 and all(p.poll() is None for p in procs)
        cpu = [psutil.Process(p.pid).cpu_times().user for p in procs]
    assert all(p.poll() is not None for p in procs)
    assert max(cpu) > 0.05


def test_cuda_case_is_recorded_as_skipped_without_a_gpu():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    frames = build_system(golden("golden_small_1sp"))
    row = run_case(Case("main", golden("golden_small_1sp"), CUDA64), frames)
    assert row["status"] == "skipped" and row["reason"] == NO_GPU


def test_run_cases_writes_rows_to_the_log_and_interleaves_groups(tmp_path):
    small = golden("golden_small_1sp")
    cases = [
        Case("main", small, TORCH32, repeats=1, warmup=0),
        Case("main", small, TORCH32, repeats=3, warmup=0, interleave="g"),
        Case("main", small, NUMPY, repeats=2, warmup=1, interleave="g"),
        Case("main", small, CUDA64, interleave="g"),
    ]
    seen = []
    with RunLog(tmp_path / "x.jsonl") as log:
        rows = run_cases(cases, log, run_id="r1", progress=lambda g: seen.append(len(g)) or g)
    assert seen == [2]  # two groups: the lone case, then the interleaved three
    back = RunLog.read(tmp_path / "x.jsonl")
    assert len(back) == 4 and back[0]["run_id"] == "r1" == rows[0]["run_id"]
    assert [len(r.get("warm_s", [])) for r in back] == [1, 3, 2, 0]
    assert [r["interleaved"] for r in back] == [False, True, True, True]
    import torch

    df = metrics_frame(back)
    gpu = "ok" if torch.cuda.is_available() else "skipped"
    assert df["status"].to_list() == ["ok", "ok", "ok", gpu]


def _row(**kw):
    base = dict(run_id="r", sweep="main", family="golden", status="ok", n_particles=400)
    return {**base, **kw}


def test_acceptance_and_scaling_are_computed_from_rows():
    rows = [
        _row(system="golden_bench_2sp", backend="reference", warm_median_s=5.0, cpu_median_s=4.0),
        _row(system="golden_bench_2sp", backend="numpy", warm_median_s=2.0),
        _row(
            system="golden_bench_2sp",
            backend="torch-cpu-float64",
            warm_median_s=0.1,
            cpu_median_s=0.2,
        ),
        _row(system="golden_bench_2sp", backend="torch-cpu-float32", warm_median_s=0.5),
        _row(
            system="golden_bench_2sp", backend="torch-cuda-float64", status="skipped", reason=NO_GPU
        ),
    ]
    for n, tpp in ((100, 1e-6), (1000, 1.5e-6), (10000, 1.9e-6)):
        rows.append(
            _row(
                family="fluid",
                system=f"fluid_{n}",
                backend="torch-cpu-float64",
                n_particles=n,
                time_per_pair_s=tpp,
                pairs_per_particle=35.0,
                warm_median_s=tpp * n * 35,
                cpu_per_pair_s=2 * tpp,
            )
        )
    for n, tpp in ((100, 1e-6), (10000, 3e-6)):
        rows.append(
            _row(
                family="fluid",
                system=f"fluid_{n}",
                backend="torch-cpu-float32",
                n_particles=n,
                time_per_pair_s=tpp,
                pairs_per_particle=35.0,
                warm_median_s=tpp * n * 35,
                cpu_per_pair_s=2 * tpp,
            )
        )
    df = metrics_frame(rows)
    acc = acceptance(df)
    assert acc["reference_s"] == 5.0 and acc["reference_status"] == "measured"
    assert acc["torch_cpu_float64_vs_reference"] == pytest.approx(50.0)
    assert acc["torch_cpu_float64_vs_reference_cpu"] == pytest.approx(20.0)
    assert acc["torch_cpu_float64_vs_numpy"] == pytest.approx(20.0)
    assert acc["pass_vs_reference"] and acc["pass_vs_numpy"]
    assert acc["torch_cpu_float32_vs_numpy"] == pytest.approx(4.0)
    by_system = {r["backend"]: r for r in reference_by_system(df)}
    assert by_system["numpy"]["speedup_wall"] == pytest.approx(2.5)
    sc = scaling(df)
    assert sc["torch-cpu-float64"]["spread"] == pytest.approx(1.9)
    assert sc["torch-cpu-float64"]["flat_within_2x"]
    assert sc["torch-cpu-float64"]["cpu_spread"] == pytest.approx(1.9)
    assert not sc["torch-cpu-float32"]["flat_within_2x"]
    text = " ".join(takeaways(df, acc, sc))
    assert "50x faster (wall)" in text and "NOT flat" in text
    assert NO_GPU in text
    slow = metrics_frame(rows[:2] + [{**rows[2], "warm_median_s": 0.5}])
    assert acceptance(slow)["pass_vs_reference"] is False
    # without the reference package: no ratio, the reason instead of a number
    why = f"{NOT_INSTALLED}: no module 'anisoap'"
    missing = metrics_frame([{**rows[0], "status": "skipped", "reason": why}, *rows[1:]])
    acc_missing = acceptance(missing)
    assert acc_missing["reference_s"] is None and acc_missing["pass_vs_reference"] is None
    assert acc_missing["reference_status"] == why
    assert NOT_INSTALLED in " ".join(takeaways(missing, acc_missing, {}))
    # a run without the acceptance system (e.g. the tiny preset) has no verdict, not a failure
    unmeasured = acceptance(df.filter(pl.col("system") != "golden_bench_2sp"))
    assert unmeasured["pass_vs_reference"] is None and unmeasured["pass_vs_numpy"] is None
    assert verdict(None) == "not measured in this run" and verdict(False) == "NOT met"


def test_thread_and_species_summaries_are_computed_from_rows():
    rows = []
    for burners, (auto, one, two) in ((0, (0.011, 0.010, 0.2)), (2, (0.04, 0.02, 0.5))):
        for threads, t in (("auto", auto), ("1", one), ("2", two)):
            rows.append(
                _row(
                    sweep="threads",
                    system="golden_bench_2sp",
                    backend="torch-cpu-float64",
                    threads=threads,
                    threads_used=1 if threads != "2" else 2,
                    burners=burners,
                    warm_median_s=t,
                )
            )
    for k, t in ((1, 1.0), (2, 1.5), (6, 3.0)):
        for what in ("expansion", "power_spectrum"):
            rows.append(
                _row(
                    sweep="species",
                    system=f"benzene_{k}sp",
                    backend="numpy",
                    what=what,
                    n_species=k,
                    n_particles=480,
                    time_per_n2_s=t if what == "expansion" else 2 * t,
                )
            )
    df = metrics_frame(rows)
    th = thread_acceptance(df)
    assert [t["burners"] for t in th] == [0, 2]
    assert th[0]["auto_vs_one"] == pytest.approx(1.1) and th[0]["within_1_5x"]
    assert th[1]["auto_vs_one"] == pytest.approx(2.0) and not th[1]["within_1_5x"]
    assert th[0]["torch_default_vs_one"] == pytest.approx(20.0)
    sp = {c["what"]: c for c in species_curves(df)}
    assert sp["expansion"]["last_over_first"] == pytest.approx(3.0)
    assert sp["power_spectrum"]["s_per_n2_6sp"] == pytest.approx(6.0)


def test_timings_summary_and_combined_csvs(tmp_path):
    rows = [
        _row(
            system="s",
            backend="numpy",
            what="expansion",
            threads="1",
            warm_s=[0.1, 0.2],
            cpu_s=[0.1, 0.15],
            warm_median_s=0.15,
        ),
    ]
    t = timings_frame(rows)
    assert t["wall_s"].to_list() == [0.1, 0.2] and t["repeat"].to_list() == [0, 1]
    write_metrics_csv(metrics_frame(rows), tmp_path / "summary_r1.csv")
    write_metrics_csv(metrics_frame([{**rows[0], "run_id": "r2"}]), tmp_path / "summary_r2.csv")
    combined = combine_summaries(tmp_path)
    assert combined["run_id"].to_list() == ["r", "r2"]
    assert combined.columns == metrics_frame(rows).columns


def test_presets_keep_the_largest_sizes_out_of_the_smoke_tier():
    tiny = plan_cases("tiny", ["species", "threads", "batch"], smoke=True)
    assert (
        max(int(c.system.param("n_particles", 0) or 0) for cs in tiny.values() for c in cs) <= 100
    )
    cpu = plan_cases("cpu", [], smoke=False)["main"]
    sizes = {c.system.param("n_particles") for c in cpu if c.system.family == "fluid"}
    assert {100, 10000} <= sizes
    assert any(c.system.name == "golden_bench_2sp" and c.backend is NUMPY for c in cpu)
    with pytest.raises(ValueError, match="preset"):
        plan_cases("huge", [], smoke=False)


def test_threads_pins_only_the_main_torch_cpu_cases():
    default = plan_cases("cpu", ["threads"], smoke=False)
    pinned = plan_cases("cpu", ["threads"], smoke=False, threads=1)
    assert len(default["main"]) == len(pinned["main"])
    for d, p in zip(default["main"], pinned["main"], strict=True):
        assert d.system == p.system and d.backend.label == p.backend.label
        is_torch_cpu = d.backend.backend == "torch" and d.backend.device == "cpu"
        assert d.backend.threads is None
        assert p.backend.threads == (1 if is_torch_cpu else None)
    assert default["threads"] == pinned["threads"]  # the sweep sets its own thread counts
    th = default["threads"]
    assert {c.backend.threads_label for c in th} >= {"auto", "1"}
    assert {c.burners for c in th} == {0, 2}
    assert {c.system.name for c in th} == {"golden_bench_2sp"}
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="threads"):
            plan_cases("cpu", [], smoke=False, threads=bad)


def test_species_sweep_has_1_to_6_species_and_both_methods_at_constant_n():
    cases = plan_cases("cpu", ["species"], smoke=False)["species"]
    assert sorted({c.system.param("n_species") for c in cases}) == [1, 2, 3, 4, 5, 6]
    assert {c.what for c in cases} == {"expansion", "power_spectrum"}
    sizes = {sum(len(f) for f in build_system(c.system)) for c in cases if c.backend is TORCH64}
    assert sizes == {480}


def test_presets_time_the_reference_beside_our_backends():
    cpu = plan_cases("cpu", [], smoke=False)["main"]
    ref = [c for c in cpu if c.backend is REFERENCE]
    assert {c.system.name for c in ref} == {
        "golden_small_1sp",
        "golden_small_3sp",
        "golden_bench_2sp",
    }
    for c in ref:  # interleaved with the other backends of its system
        group = [d for d in cpu if d.interleave == c.interleave]
        assert len(group) > 1


def test_round_orders_balance_who_follows_whom():
    from collections import Counter

    from perflab.soap.bench.runner import round_orders

    orders = round_orders(3)
    assert len(orders) == 6 and all(sorted(o) == [0, 1, 2] for o in orders)
    follows = Counter((o[i], o[i + 1]) for o in orders for i in range(2))
    assert len(set(follows.values())) == 1  # every ordered pair equally often
    assert len(round_orders(6)) == 6 and all(sorted(o) == list(range(6)) for o in round_orders(6))


def test_dashboard_filters_over_the_published_run():
    """The soap dashboard reads the newest recorded run and filters it per control."""
    from pathlib import Path

    from perflab.soap.bench.report import filter_choices, filter_metrics, latest_run

    root = Path(__file__).resolve().parents[2]
    df = latest_run(root / "reports/soap")
    assert df["run_id"].n_unique() == 1
    systems = filter_choices(df, "system")
    assert systems[0] == "all" and len(systems) > 2
    one = filter_metrics(df, system=systems[1], backend="all")
    assert 0 < len(one) < len(df) and set(one["system"].to_list()) == {systems[1]}
    assert filter_metrics(df, n_species="1")["n_species"].unique().to_list() == [1]
    with pytest.raises(FileNotFoundError, match="summary"):
        latest_run(root / "notebooks")


def test_report_images_are_embedded_for_the_dashboard(tmp_path):
    """The published soap report links 9 PNGs relative to its folder; served by marimo they
    were broken images. Embedded as data URIs, each carries its file's bytes."""
    import base64
    import re
    from pathlib import Path

    from perflab.soap.bench.report import inline_images

    folder = Path(__file__).resolve().parents[2] / "reports/soap"
    md = (folder / "report.md").read_text()
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", md)
    assert len(linked) >= 5
    out = inline_images(md, folder)
    uris = re.findall(r"!\[[^\]]*\]\(data:image/png;base64,([^)]+)\)", out)
    assert len(uris) == len(linked)
    assert [base64.b64decode(u) for u in uris] == [(folder / p).read_bytes() for p in linked]
    assert inline_images("![x](gone.png)", tmp_path) == "![x](gone.png)"  # left visibly broken
