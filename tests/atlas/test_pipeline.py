"""Notebook flag handling and the folder conventions of the build pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from perflab.atlas.load import REPO_ROOT
from perflab.atlas.pipeline import BarProgress, atlas_flags, notebook_options, paths_for
from perflab.harness.nbargs import NotebookArgsError, parse_flags, typed_flags


def test_paths_default_to_build_publish_to_the_committed_folders(tmp_path):
    p = paths_for("atlas-small")  # everyday runs: git-ignored build/
    assert p.dataset == REPO_ROOT / "build/datasets/atlas-small"
    assert p.bench == REPO_ROOT / "build/benchmarks/atlas-small"
    assert p.reports == REPO_ROOT / "build/reports"
    p = paths_for("atlas-small", publish=True)
    assert p.dataset == REPO_ROOT / "artefacts/datasets/atlas-small"
    assert p.bench == REPO_ROOT / "artefacts/benchmarks/atlas-small"
    assert p.reports == REPO_ROOT / "reports"
    q = paths_for("atlas-small", tmp_path)
    for path in (q.dataset, q.bench, q.reports):
        assert Path(path).is_relative_to(tmp_path)
    with pytest.raises(ValueError, match="publish"):
        paths_for("atlas-small", tmp_path, publish=True)


def _flags(text: str, workers: int = 1):
    return typed_flags(parse_flags(text), **atlas_flags(workers=workers))


def test_notebook_options():
    o = notebook_options("atlas-small", _flags("--smoke --out /x --"), "script")
    assert o.smoke and o.out == "/x" and not o.resume and o.plan.atlas == "atlas-small-smoke"
    assert o.plan.size == 3 and o.workers == 1 and o.only is None and not o.publish
    o = notebook_options("atlas-tiny", _flags("--resume --only cube --workers 2"), "script")
    assert o.resume and o.only == "cube" and o.workers == 2 and o.plan.atlas == "atlas-tiny"
    assert notebook_options("atlas-small", _flags("", workers=2), "script").workers == 2
    assert notebook_options("atlas-tiny", _flags(""), "run").resume  # dashboards: committed
    o = notebook_options("atlas-tiny", _flags("--publish"), "script")
    assert o.publish and o.paths.dataset == REPO_ROOT / "artefacts/datasets/atlas-tiny"
    smoke = notebook_options("atlas-tiny", _flags("--smoke"), "script")
    assert smoke.paths.dataset == REPO_ROOT / "build/datasets/atlas-tiny-smoke"
    with pytest.raises(NotebookArgsError, match="--workers needs a whole number"):
        notebook_options("atlas-tiny", _flags("--workers two"), "script")
    with pytest.raises(NotebookArgsError, match="--workers must be a positive"):
        notebook_options("atlas-tiny", _flags("--workers 0"), "script")
    with pytest.raises(NotebookArgsError, match="never published"):
        notebook_options("atlas-tiny", _flags("--smoke --publish"), "script")
    with pytest.raises(NotebookArgsError, match="unknown flag --wrokers"):
        _flags("--wrokers 2")


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
