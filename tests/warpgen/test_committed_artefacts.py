"""The committed stats, samples and report describe the real 200 MB build and agree."""

from __future__ import annotations

import json
from pathlib import Path

from perflab.warpgen.generate import CATEGORY_NAMES
from perflab.warpgen.records import BACKENDS, FIELDS
from perflab.warpgen.report import OTHER_REPORTS_HEADING, pick_example, render_chief_report
from perflab.warpgen.samples import read_samples_dir

ROOT = Path(__file__).resolve().parents[2]
STATS = ROOT / "reports" / "warp_dataset_stats.json"
REPORT = ROOT / "reports" / "chief_report.md"
SAMPLES = ROOT / "artefacts" / "datasets" / "warp-kernels" / "samples"


def test_committed_stats_describe_a_full_size_build():
    stats = json.loads(STATS.read_text())
    assert stats["config"]["target_mb"] >= 200 and not stats["config"]["smoke"]
    for b in BACKENDS:
        d = stats["dataset"][b]
        assert d["bytes"] >= 200_000_000
        assert d["duplicate_ids"] == 0 and d["unique_ids"] == d["records"]
        assert sum(c["bytes"] for c in d["categories"].values()) == d["bytes"]
        assert sum(c["records"] for c in d["categories"].values()) == d["records"]
        assert set(d["categories"]) == set(CATEGORY_NAMES)
        assert d["validation"]["sampled"] > 0
    assert stats["dataset"]["cpu"]["records"] == stats["dataset"]["cuda"]["records"]


def test_committed_samples_are_valid_records():
    cpu, cuda = read_samples_dir(SAMPLES)
    assert 0 < len(cpu) <= 100 and 0 < len(cuda) <= 100
    assert [r["id"] for r in cpu] == [r["id"] for r in cuda]
    for r in cpu + cuda:
        assert set(FIELDS) <= set(r)
    assert {r["category"] for r in cpu} == set(CATEGORY_NAMES)


def test_committed_report_numbers_match_committed_stats():
    """Re-rendering from the committed stats and samples gives the committed report's text."""
    stats = json.loads(STATS.read_text())
    example = pick_example(*read_samples_dir(SAMPLES))
    expected = render_chief_report(stats, example, [])
    committed = REPORT.read_text()
    head = expected.split(OTHER_REPORTS_HEADING)[0]
    assert committed.split(OTHER_REPORTS_HEADING)[0] == head
