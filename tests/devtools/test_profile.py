"""The profile registry (lazy discovery, skipped domains) and the profiler's outputs."""

from __future__ import annotations

import json
import pstats
import subprocess
import sys
from pathlib import Path

import pytest

import perflab
from perflab.devtools import profile as prof
from perflab.harness.workloads import PROFILE_TARGETS

ROOT = Path(__file__).resolve().parents[2]


def test_harness_targets_are_discovered_and_missing_domains_skipped():
    d = prof.discover(["harness", "no_such_domain"])
    assert {f"harness.{k}" for k in PROFILE_TARGETS} <= set(d.targets)
    t = d.targets["harness.convex_hull_4d"]
    assert t.module == "perflab.harness.workloads" and "Qhull" in t.description
    assert d.skipped == [
        "perflab.no_such_domain.workloads: not present (no workloads from 'no_such_domain' yet)"
    ]


def test_broken_or_incomplete_domain_modules_are_skipped_with_reason(tmp_path, monkeypatch):
    for name, body in {
        "broken": "raise ImportError('needs a missing solver')\n",
        "notable": "X = 1\n",
        "good": (
            "def f():\n    'A fake workload.'\n    return lambda: 42\nPROFILE_TARGETS = {'f': f}\n"
        ),
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
        (tmp_path / name / "workloads.py").write_text(body)
    monkeypatch.setattr(perflab, "__path__", [*perflab.__path__, str(tmp_path)])
    d = prof.discover()  # the default scan also finds packages beyond the known domains
    assert "good.f" in d.targets and d.targets["good.f"].description == "A fake workload."
    text = "\n".join(d.skipped)
    assert "perflab.broken.workloads: import failed: ImportError: needs a missing solver" in text
    assert "perflab.notable.workloads: has no PROFILE_TARGETS dict" in text
    for m in ("perflab.broken", "perflab.notable", "perflab.good", "perflab.good.workloads"):
        sys.modules.pop(m, None)


def test_register_and_unknown_target(monkeypatch):
    monkeypatch.setattr(prof, "_registered", {})
    prof.register("adhoc.sum", lambda: lambda: sum(range(10)))
    assert prof.get_target("adhoc.sum").factory()() == 45
    with pytest.raises(prof.UnknownTargetError, match="known targets: .*adhoc.sum"):
        prof.get_target("adhoc.nope")
    with pytest.raises(TypeError, match="not callable"):
        prof.register("adhoc.bad", 3)
    with pytest.raises(ValueError, match="non-empty name"):
        prof.register("")


def test_profile_target_writes_html_prof_and_finds_the_hot_spot(tmp_path):
    r = prof.profile_target("harness.python_pairwise", out_dir=tmp_path, top=5)
    assert r.html_path.read_text().lstrip().lower().startswith("<!doctype html")
    st = pstats.Stats(str(r.prof_path))  # a valid cProfile dump
    assert st.total_calls > 40_000  # 300 * 299 / 2 calls of dist2, at least
    assert 2 <= len(r.top) <= 5
    assert r.html_path.name == "harness.python_pairwise.html"
    assert r.top[0]["function"].startswith(("dist2", "run"))  # the Python hot loop
    assert sum(row["self_pct"] for row in r.top) <= 100.0 + 1e-9
    assert "dist2" in r.call_tree or "run" in r.call_tree
    summary = json.loads(r.json_path.read_text())
    assert summary["target"] == "harness.python_pairwise" and summary["top"] == r.top
    with pytest.raises(ValueError, match="repeat"):
        prof.profile_target("harness.numpy_sort", out_dir=tmp_path, repeat=0)


def test_command_line(tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "perflab.devtools.profile", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    r = run("--list")
    assert r.returncode == 0 and "harness.linprog_highs" in r.stdout
    r = run("harness.nope")
    assert r.returncode == 2 and "unknown profile target 'harness.nope'" in r.stderr
    r = run("harness.linprog_highs", "--out", str(tmp_path), "--top", "3")
    assert r.returncode == 0, r.stderr
    assert "top 3 functions by self time" in r.stdout
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".html", ".json", ".prof", ".txt"]


def test_cprofile_is_loaded_even_when_a_profile_py_shadows_the_stdlib(tmp_path, monkeypatch):
    # a folder holding a profile.py is first on sys.path when a script there runs
    (tmp_path / "profile.py").write_text("NOTEBOOK = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    saved = {m: sys.modules.pop(m) for m in ("profile", "cProfile") if m in sys.modules}
    try:
        cprofile = prof._cprofile()
        assert not hasattr(sys.modules["profile"], "NOTEBOOK")
        p = cprofile.Profile()
        p.enable()
        sum(range(100))
        p.disable()
        assert pstats.Stats(p).total_calls >= 1
    finally:
        sys.modules.update(saved)


def test_any_benchmark_node_id_is_a_target(tmp_path):
    node = "benchmarks/harness/test_bench_harness.py::test_bench_sample_stats[10000]"
    r = subprocess.run(
        [sys.executable, "-m", "perflab.devtools.profile", node, "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "top 20 functions by self time" in r.stdout
    summary = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert summary["target"] == node
    # only the test call is profiled: nothing of pytest's fixture set-up, collection or
    # runtest protocol. (pytest-benchmark's own fixture.py, the `benchmark(...)` call the
    # test makes, is in the call path and may enter the top rows; it is not set-up.)
    stats = pstats.Stats(str(next(tmp_path.glob("*.prof"))))
    files = {Path(f).as_posix() for f, _line, _fn in stats.stats}  # type: ignore[attr-defined]
    # the benchmarked function is profiled (wherever it ranks by self time)
    assert any(
        fn == "from_samples" and Path(f).as_posix().endswith("perflab/harness/timing.py")
        for f, _line, fn in stats.stats  # type: ignore[attr-defined]
    )
    for setup in ("_pytest/fixtures.py", "_pytest/runner.py", "_pytest/main.py"):
        assert not any(f.endswith(setup) for f in files), setup
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "perflab.devtools.profile",
            "benchmarks/nope.py::test_x",
            "--out",
            str(tmp_path / "no"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert r.returncode == 2 and "no benchmark ran for 'benchmarks/nope.py::test_x'" in r.stderr


def test_profile_target_without_out_dir_writes_nothing(tmp_path, monkeypatch):
    """out_dir=None (read-only dashboards): the same measurements, no file anywhere."""
    monkeypatch.chdir(tmp_path)
    r = prof.profile_target("harness.python_pairwise", out_dir=None, top=5)
    assert list(tmp_path.iterdir()) == []
    assert r.html_path is r.prof_path is r.text_path is r.json_path is None
    assert 2 <= len(r.top) <= 5 and "dist2" in r.call_tree + str(r.top)
    assert r.to_dict()["html_path"] is None
