"""The kernel browser's filters and layout over the committed sample kernels."""

from __future__ import annotations

from pathlib import Path

import marimo as mo

from perflab.warpgen import views
from perflab.warpgen.samples import read_samples_dir

ROOT = Path(__file__).resolve().parents[2]


def test_kernel_browser_filters_and_layout():
    cpu, cuda = read_samples_dir(ROOT / "artefacts/datasets/warp-kernels/samples")
    assert cpu and cuda
    cats = views.choices(cpu, "category")
    assert cats[0] == "all" and len(cats) > 2
    picked = views.filter_samples(cpu, cats[1])
    assert picked and {r["category"] for r in picked} == {cats[1]}
    assert views.filter_samples(cpu) == cpu
    assert views.filter_samples(cpu, cats[1], "no-such-variant") == []
    rec = picked[0]
    cu = {r["id"]: r for r in cuda}[rec["id"]]
    html = views.kernel_browser(mo, rec, cu).text
    assert f"category {rec['category']}" in html and "validation" in html
    for lang in ("Python", "C++ (CPU)", "CUDA C++"):
        assert lang in html
    assert "no sample kernel" in views.kernel_browser(mo, None, None).text
    assert views.validation_line({}) == "**validation**: none recorded"
