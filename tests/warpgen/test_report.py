"""The chief scientist's report: numbers from stats, other reports summarised."""

from __future__ import annotations

import json
import re

from perflab.warpgen.report import (
    OTHER_REPORTS_HEADING,
    pick_example,
    render_chief_report,
    summarise_reports,
)
from perflab.warpgen.samples import read_samples_dir
from perflab.warpgen.stats import read_stats


def _render(smoke_build, others=()):
    cfg, _ = smoke_build
    stats = read_stats(cfg.stats_path)
    example = pick_example(*read_samples_dir(cfg.root / "samples"))
    return stats, render_chief_report(stats, example, list(others))


def test_report_numbers_come_from_the_stats(smoke_build):
    stats, md = _render(smoke_build)
    cpu, cuda = stats["dataset"]["cpu"], stats["dataset"]["cuda"]
    assert f"{cpu['records']:,} generated NVIDIA Warp modules" in md
    mib = cpu["bytes"] / 1_048_576
    assert f"({cpu['bytes'] / 1e6:.1f} MB ({mib:.1f} MiB) on disk)" in md
    assert "MB = 10^6 bytes, MiB = 2^20 bytes" in md
    cuda_mib = cuda["bytes"] / 1_048_576
    assert (
        f"| CUDA (CUDA C++) | {cuda['records']:,} | {cuda['bytes'] / 1e6:.1f} MB "
        f"({cuda_mib:.1f} MiB) |"
    ) in md
    c = stats["dataset"]["corpus"]
    sk, bi = c["skeletons"], c["builtins"]
    assert f"{sk['repeats']:,} of {c['modules']:,} ({100 * sk['repeat_rate']:.1f} %)" in md
    assert f"{bi['used_non_tile']} of {bi['registry_non_tile']}" in md
    assert f"| tile builtins used | {bi['used_tile']} of {bi['registry_tile']} |" in md
    assert f"{cpu['tokens']['python']:,} / {cpu['tokens']['generated_code']:,}" in md
    v = cpu["validation"]["checks"]["ptx_compiled"]
    assert f"| {v['tried']:,} | {v['passed']:,} | {100 * v['rate']:.1f} % |" in md
    assert "compiled to PTX, not executed" in md  # no GPU on the build machine
    assert "```python" in md and "_cpu_kernel_forward" in md and "__global__" in md

    # change a number in the stats: the report follows
    stats2 = json.loads(json.dumps(stats))
    stats2["dataset"]["cpu"]["records"] = 123457
    stats2["dataset"]["corpus"]["builtins"]["used_tile"] = 61
    md2 = render_chief_report(stats2, None, [])
    assert "123,457 generated NVIDIA Warp modules" in md2
    assert "| tile builtins used | 61 of 74 |" in md2


def test_report_is_short_enough_to_read_in_three_minutes(smoke_build):
    _, md = _render(smoke_build)
    prose = re.sub(r"```.*?```", "", md, flags=re.S)
    assert len(prose.split()) < 750  # ~250 words per minute


def test_other_reports_are_summarised(tmp_path, smoke_build):
    (tmp_path / "bench.md").write_text("# Sort benchmark\n\nSorting is 2.5x faster.\n")
    (tmp_path / "bench.json").write_text('{"speedup": 2.5}')
    (tmp_path / "atlas_stats.json").write_text('{"polytopes": 120, "ratio": 0.25}')
    (tmp_path / "chief_report.md").write_text("# me\n")
    others = summarise_reports(tmp_path, {"chief_report.md"})
    titles = {o["title"] for o in others}
    assert titles == {"Sort benchmark", "atlas stats"}
    _, md = _render(smoke_build, others)
    tail = md.split(OTHER_REPORTS_HEADING)[1]
    assert "Sort benchmark" in tail and "Sorting is 2.5x faster." in tail
    assert "polytopes = 120" in tail


def test_report_folders_are_summarised_by_their_markdown(tmp_path):
    sub = tmp_path / "bench"
    sub.mkdir()
    first = "A first sentence " + "that goes on " * 8 + "and ends."
    (sub / "report.md").write_text("# Bench\n\n" + first + " " + "word " * 100 + "\n")
    (sub / "results.json").write_text('{"wall_s": 3.0}')
    (sub / "env.json").write_text('{"cpu_count": 2}')
    others = summarise_reports(tmp_path, set())
    assert [o["file"] for o in others] == [f"{tmp_path.name}/bench/report.md"]
    # long paragraphs are cut at a sentence end, never mid-word
    assert others[0]["highlight"] == first
    (sub / "report.md").write_text("# Bench\n\n" + "word " * 100 + "\n")
    hl = summarise_reports(tmp_path, set())[0]["highlight"]
    assert hl.endswith("word …") and len(hl) <= 242
