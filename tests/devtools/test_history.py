"""Benchmark history: JSON -> CSV rows, atomic idempotent append, the noise rule, the CLI."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from perflab.devtools.history import (
    COLUMNS,
    HistoryError,
    HistoryRow,
    append_history,
    benchmark_domain,
    classify,
    code_dirty,
    compare_runs,
    history_chart,
    history_records,
    machine_id,
    noise_threshold,
    read_history,
    rows_from_benchmark_json,
)
from perflab.devtools.history.cli import main as _main

ROOT = Path(__file__).resolve().parents[2]


def _row(run: str, median: float, iqr: float, *, machine="m1", name="b", rounds=10):
    return HistoryRow(
        run_id=run,
        timestamp="2026-01-01T00:00:00",
        git_commit="c" + run,
        git_dirty=False,
        branch="perf",
        machine_id=machine,
        env_summary="cpu x2",
        load_1m=0.5,
        tier="smoke",
        name=name,
        fullname=f"benchmarks/x.py::{name}",
        group="g",
        params="",
        median_s=median,
        iqr_s=iqr,
        q1_s=median - iqr / 2,
        q3_s=median + iqr / 2,
        mean_s=median,
        stddev_s=iqr,
        min_s=median - iqr,
        max_s=median + iqr,
        rounds=rounds,
        iterations=1,
    )


@pytest.fixture(scope="module")
def real_run_json(tmp_path_factory) -> Path:
    """A real pytest-benchmark JSON from the repo's own benchmarks/conftest.py."""
    out = tmp_path_factory.mktemp("bench") / "run.json"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "benchmarks/harness/test_bench_harness.py",
            "-k",
            "sample_stats",
            "-m",
            "smoke",
            "-q",
            "-p",
            "no:cacheprovider",
            "--benchmark-enable",
            "--benchmark-only",
            f"--benchmark-json={out}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out


def test_rows_from_real_pytest_benchmark_json(real_run_json, tmp_path):
    rows = rows_from_benchmark_json(real_run_json)
    assert len(rows) == 2
    assert {r.params for r in rows} == {'{"n": 10}', '{"n": 10000}'}
    doc = json.loads(real_run_json.read_text())
    for r, b in zip(rows, doc["benchmarks"], strict=True):
        assert r.median_s == b["stats"]["median"] > 0
        assert r.iqr_s == b["stats"]["iqr"] >= 0
        assert r.rounds == b["stats"]["rounds"] >= 3  # the smoke tier's min_rounds
        assert r.tier == "smoke"  # from benchmarks/conftest.py's extra_info
        assert r.group == "harness:sample_stats"
        env = b["extra_info"]["env"]
        assert r.machine_id == machine_id(
            env["cpu_model"], env["cpu_count"], env["memory_bytes"], env["machine"], None
        )
        assert env["cpu_model"] in r.env_summary
        assert r.load_1m == env["load_avg"][0] >= 0
        assert r.git_dirty == env["code_dirty"]
    assert rows[0].git_commit == doc["commit_info"]["id"]

    csv_path = tmp_path / "h" / "history.csv"
    assert append_history(rows, csv_path) == 2
    assert append_history(rows, csv_path) == 0  # the same run is not added twice
    back = read_history(csv_path)
    assert back == rows  # floats round-trip exactly
    assert csv_path.read_text().splitlines()[0].split(",") == COLUMNS


def test_cli_append_then_compare(real_run_json, tmp_path, capsys):
    csv_path = tmp_path / "history.csv"
    assert _main(["append", str(real_run_json), "--csv", str(csv_path)]) == 0
    assert "appended to" in capsys.readouterr().out
    # one run only: comparing is an error with a clear message, not an empty table
    assert _main(["compare", "--csv", str(csv_path)]) == 2
    assert "1 run(s)" in capsys.readouterr().err
    # a second (synthetic, slower) run of the same machine. The real run's IQR can be
    # as large as its median on a busy machine, so the slowdown is set well past the
    # noise rule's threshold max(2*hypot(IQR, IQR), 10 % of the median) for any IQR.
    rows = read_history(csv_path)
    slower = [
        dataclasses.replace(r, run_id="next", median_s=3 * r.median_s + 10 * r.iqr_s) for r in rows
    ]
    append_history(slower, csv_path)
    assert _main(["compare", "--csv", str(csv_path)]) == 0
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "2 regression" in out
    assert _main(["compare", "--csv", str(csv_path), "--fail-on-regression"]) == 1


def test_noise_rule_threshold_and_verdicts():
    old, new = _row("a", 1.0, 0.03), _row("b", 1.0, 0.04)
    k1 = {"k": 1.0, "min_rel": 0.05}
    assert noise_threshold(old, new, **k1) == pytest.approx(0.05)  # hypot(0.03, 0.04)
    assert classify(old, _row("b", 1.049, 0.04), **k1).verdict == "same"
    assert classify(old, _row("b", 1.051, 0.04), **k1).verdict == "regression"
    assert classify(old, _row("b", 0.949, 0.04), **k1).verdict == "improvement"
    c = classify(old, _row("b", 2.0, 0.04), **k1)
    assert c.ratio == pytest.approx(2.0) and c.threshold_s == pytest.approx(0.05)
    # the defaults: k = 2, min_rel = 10 %
    assert noise_threshold(old, new) == pytest.approx(0.1)
    assert noise_threshold(_row("a", 1.0, 0.3), _row("b", 1.0, 0.4)) == pytest.approx(1.0)
    assert classify(old, _row("b", 1.09, 0.04)).verdict == "same"
    assert classify(old, _row("b", 1.11, 0.04)).verdict == "regression"
    # the min_rel floor: zero IQRs still need a min_rel change to be flagged
    assert classify(_row("a", 1.0, 0.0), _row("b", 1.04, 0.0), **k1).verdict == "same"
    assert classify(_row("a", 1.0, 0.0), _row("b", 1.06, 0.0), **k1).verdict == "regression"
    # wide IQRs widen the band (k scales it)
    assert classify(_row("a", 1.0, 0.3), _row("b", 1.3, 0.3), **k1).verdict == "same"
    assert classify(_row("a", 1.0, 0.3), _row("b", 1.3, 0.3), k=0.5).verdict == "regression"
    # too few rounds: the IQR is not trustworthy
    assert classify(_row("a", 1.0, 0.0, rounds=2), _row("b", 2.0, 0.0)).verdict == "few-rounds"
    with pytest.raises(ValueError, match="k and min_rel"):
        classify(old, new, k=-1)


def test_compare_uses_previous_run_of_the_same_machine():
    hist = [
        _row("r1", 1.0, 0.01, machine="A"),
        _row("r2", 5.0, 0.01, machine="B"),
        _row("r3", 2.0, 0.01, machine="A"),
        _row("r3", 1.0, 0.01, machine="A", name="only_new"),
        _row("r4", 5.0, 0.01, machine="B"),
    ]
    old, new, comps = compare_runs(hist, machine="A")
    assert (old, new) == ("r1", "r3")
    verdicts = {c.fullname.split("::")[1]: c.verdict for c in comps}
    assert verdicts == {"b": "regression", "only_new": "new"}
    old, new, comps = compare_runs(hist)  # default: the machine of the last row (B)
    assert (old, new) == ("r2", "r4")
    assert [c.verdict for c in comps] == ["same"]
    gone = compare_runs([*hist, _row("r5", 1.0, 0.0, machine="A", name="x")], machine="A")[2]
    assert {c.verdict for c in gone} == {"gone", "new"}
    # a deep run is compared with the previous deep run, never with a smoke run
    deep = [
        dataclasses.replace(_row(r, t, 0.0, machine="A"), tier="deep")
        for r, t in (("d1", 1.0), ("d2", 1.5))
    ]
    hist2 = [deep[0], *hist, deep[1]]
    assert compare_runs(hist2, machine="A")[:2] == ("d1", "d2")
    with pytest.raises(HistoryError, match="1 run\\(s\\) of tier deep"):
        compare_runs([*hist, deep[1]], machine="A")


def test_bad_inputs_raise_history_error(tmp_path):
    with pytest.raises(HistoryError, match="not found"):
        rows_from_benchmark_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(HistoryError, match="not valid JSON"):
        rows_from_benchmark_json(bad)
    bad.write_text(json.dumps({"benchmarks": []}))
    with pytest.raises(HistoryError, match="no benchmarks"):
        rows_from_benchmark_json(bad)
    bad.write_text(json.dumps({"datetime": "x", "benchmarks": [{"name": "b", "stats": {}}]}))
    with pytest.raises(HistoryError, match="malformed"):
        rows_from_benchmark_json(bad)
    csv_path = tmp_path / "h.csv"
    csv_path.write_text("run_id,name\nx,y\n")
    with pytest.raises(HistoryError, match="missing columns"):
        read_history(csv_path)
    with pytest.raises(HistoryError, match="empty"):
        compare_runs([])
    assert read_history(tmp_path / "absent.csv") == []


def test_history_records_and_chart_filter_by_machine_and_group():
    hist = [
        _row("r1", 0.002, 0.0002, machine="A"),
        _row("r2", 0.003, 0.0001, machine="A"),
        dataclasses.replace(_row("r2", 1.0, 0.1, machine="A", name="other"), group="h"),
        _row("r3", 9.0, 0.1, machine="B"),
    ]
    recs = history_records(hist)  # the latest row's machine: B
    assert [r["median_ms"] for r in recs] == [9000.0]
    recs = history_records(hist, "A", groups=["g"])
    assert [r["median_ms"] for r in recs] == pytest.approx([2.0, 3.0])
    assert recs[0]["q1_ms"] == pytest.approx(1.9) and recs[0]["commit"] == "cr1"
    spec = history_chart(hist, "A").to_dict()
    values = spec["data"]["values"]
    assert len(values) == 3 and {v["benchmark"] for v in values} == {"b", "other"}
    assert [lay["mark"]["type"] for lay in spec["spec"]["layer"]] == ["area", "line"]
    with pytest.raises(HistoryError, match="no benchmark history"):
        history_chart(hist, "A", groups=["nope"])


def test_history_chart_has_one_panel_per_domain_and_no_legend():
    """Issue 13: 86 benchmarks in one panel with an 86-entry legend were unreadable; the
    committed reference history draws as one panel per domain, without a legend."""
    hist = read_history(ROOT / "artefacts" / "benchmarks" / "history.csv")
    machine = hist[-1].machine_id
    spec = history_chart(hist).to_dict()
    assert spec["facet"]["field"] == "domain"
    domains = {v["domain"] for v in spec["data"]["values"]}
    assert domains == {r.fullname.split("/")[1] for r in hist if r.machine_id == machine}
    assert len(domains) >= 4
    assert spec["resolve"]["scale"]["y"] == "independent"
    line = spec["spec"]["layer"][1]
    assert line["encoding"]["color"]["legend"] is None


def test_benchmark_domain_from_node_id_or_group():
    assert benchmark_domain("benchmarks/atlas/test_bench_atlas.py::test_x[1]") == "atlas"
    assert benchmark_domain("benchmarks/x.py::b", "g:y") == "g"
    assert benchmark_domain("b", "") == "other"


def test_code_dirty_ignores_outputs(tmp_path):
    def git(*a):
        subprocess.run(["git", *a], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "artefacts").mkdir()
    (tmp_path / "artefacts" / "h.csv").write_text("a\n")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", ".")
    git(
        "-c",
        "user.email=a@b",
        "-c",
        "user.name=n",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-qm",
        "init",
    )
    assert code_dirty(tmp_path) is False
    (tmp_path / "artefacts" / "h.csv").write_text("a\nb\n")
    assert code_dirty(tmp_path) is False  # the history file changing is not dirt
    (tmp_path / "code.py").write_text("x = 2\n")
    assert code_dirty(tmp_path) is True
    assert code_dirty(tmp_path / "nonexistent") is None


def _rows_of(run_id, machine, medians, tier="smoke"):
    from perflab.devtools.history import HistoryRow

    out = []
    for name, med in medians.items():
        out.append(
            HistoryRow(
                run_id=run_id,
                timestamp="2026-12-06T00:00:00",
                git_commit="abc",
                git_dirty=False,
                branch="main",
                machine_id=machine,
                env_summary="cpu",
                load_1m=0.1,
                tier=tier,
                name=name,
                fullname=f"b.py::{name}",
                group="g",
                params="",
                median_s=med,
                iqr_s=med * 0.01,
                q1_s=med,
                q3_s=med,
                mean_s=med,
                stddev_s=0.0,
                min_s=med,
                max_s=med,
                rounds=10,
                iterations=1,
            )
        )
    return out


def test_first_run_on_a_new_machine_compares_with_the_reference(tmp_path, capsys):
    """Regression: `make bench-compare` after the first `make bench` on a new machine
    exited 2, because the committed history belonged to another machine."""
    from perflab.devtools.history import append_history

    ref = tmp_path / "reference.csv"
    local = tmp_path / "local.csv"
    append_history(_rows_of("r1", "otherbox", {"a": 1.0, "b": 2.0}), ref)
    append_history(_rows_of("l1", "thisbox", {"a": 3.0, "b": 2.0}), local)
    assert _main(["compare", "--csv", str(local)]) == 2  # no earlier run of this machine
    capsys.readouterr()
    assert _main(["compare", "--csv", str(local), "--reference", str(ref)]) == 0
    out = capsys.readouterr().out
    assert "another machine" in out and "not comparable" in out
    assert "other-machine" in out and "REGRESSION" not in out
    # a second local run: compared with this machine's own previous run, and judged
    append_history(_rows_of("l2", "thisbox", {"a": 9.0, "b": 2.0}), local)
    assert _main(["compare", "--csv", str(local), "--reference", str(ref)]) == 0
    out = capsys.readouterr().out
    assert "run l1 -> run l2" in out and "REGRESSION" in out


def test_reference_from_the_same_machine_is_judged(tmp_path, capsys):
    from perflab.devtools.history import append_history

    ref = tmp_path / "reference.csv"
    local = tmp_path / "local.csv"
    append_history(_rows_of("r1", "box", {"a": 1.0}), ref)
    append_history(_rows_of("l1", "box", {"a": 5.0}), local)
    assert _main(["compare", "--csv", str(local), "--reference", str(ref)]) == 0
    out = capsys.readouterr().out
    assert "this machine" in out and "REGRESSION" in out
