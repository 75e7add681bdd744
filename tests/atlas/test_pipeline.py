"""Notebook flag handling and the folder conventions of the build pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from perflab.atlas.load import REPO_ROOT
from perflab.atlas.pipeline import BarProgress, notebook_options, paths_for


def test_paths_default_to_the_checkout_and_stay_under_out(tmp_path):
    p = paths_for("atlas-small")
    assert p.dataset == REPO_ROOT / "artefacts/datasets/atlas-small"
    assert p.bench == REPO_ROOT / "artefacts/benchmarks/atlas-small"
    assert p.reports == REPO_ROOT / "reports"
    q = paths_for("atlas-small", tmp_path)
    for path in (q.dataset, q.bench, q.reports):
        assert Path(path).is_relative_to(tmp_path)


def test_notebook_options():
    o = notebook_options("atlas-small", {"smoke": "", "out": "/x", "": ""}, "script")
    assert o.smoke and o.out == "/x" and not o.resume and o.plan.atlas == "atlas-small-smoke"
    assert o.plan.size == 3 and o.workers == 1 and o.only is None
    o = notebook_options("atlas-tiny", {"resume": "", "only": "cube", "workers": "2"}, "script")
    assert o.resume and o.only == "cube" and o.workers == 2 and o.plan.atlas == "atlas-tiny"
    assert notebook_options("atlas-tiny", {}, "run").resume  # dashboards open the committed build
    smoke = notebook_options("atlas-tiny", {"smoke": ""}, "script")
    assert smoke.out and Path(smoke.out).is_dir()  # a fresh temporary folder
    Path(smoke.out).rmdir()
    with pytest.raises(ValueError, match="--workers"):
        notebook_options("atlas-tiny", {"workers": "two"}, "script")


def test_bar_progress_opens_once_and_counts_increments():
    events = []

    class Bar:
        def __init__(self, total):
            events.append(("open", total))

        def __enter__(self):
            return self

        def __exit__(self, *a):
            events.append(("close",))

        def update(self, increment=1):
            events.append(("inc", increment))

    bar = BarProgress(Bar)
    for done in (3, 3, 5, 9):
        bar(done, 9)
    bar.close()
    assert events == [("open", 9), ("inc", 3), ("inc", 2), ("inc", 4), ("close",)]
