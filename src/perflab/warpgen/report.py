"""The chief scientist's report: a short Markdown document whose numbers all come from stats.

:func:`render_chief_report` takes the stats dict written by the build
(``reports/warp_dataset_stats.json``), one sample kernel (its CPU and CUDA records) and the
summaries of the other reports found under ``reports/`` and returns Markdown. It computes no
number of its own beyond unit conversions (bytes to MB) and ratios of numbers in the stats.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = [
    "MB",
    "MIB",
    "OTHER_REPORTS_HEADING",
    "function_excerpt",
    "pick_example",
    "render_chief_report",
    "summarise_reports",
]

OTHER_REPORTS_HEADING = "## Other reports in `reports/`"
MB = 1_000_000  # 10^6 bytes
MIB = 1_048_576  # 2^20 bytes


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100.0 * x:.1f} %"


def _mb(n: int | float) -> str:
    """Bytes as MB (10^6 bytes) with MiB (2^20 bytes) beside."""
    return f"{n / MB:.1f} MB ({n / MIB:.1f} MiB)"


def _load(thr: dict[str, Any]) -> str:
    load = thr.get("load_average_at_end") or [None]
    return "" if load[0] is None else f"; 1-min load average {load[0]:.1f} at the end"


def _quality(ds: dict[str, Any], build: dict[str, Any]) -> list[str]:
    """The corpus-quality table: near-duplicates, coverage, body sizes, tokens, boilerplate."""
    c = ds["corpus"]
    sk, bi = c["skeletons"], c["builtins"]
    cpu, cuda = ds["cpu"], ds["cuda"]
    capped = build.get("skeleton_capped", {}).get("count", 0)
    generated = build["kernels_generated"]
    worst = min(sk["per_category"].items(), key=lambda kv: kv[1]) if sk["per_category"] else None
    rows = [
        (
            "modules repeating an earlier skeleton",
            f"{sk['repeats']:,} of {c['modules']:,} ({_pct(sk['repeat_rate'])}); "
            f"cap dropped {capped:,} of {generated:,}",
        ),
        (
            "distinct skeletons",
            f"{sk['distinct']:,}; fewest in a category: "
            + (f"{worst[1]:,} (`{worst[0]}`)" if worst else "n/a"),
        ),
        (
            "kernels / multi-kernel modules / `@wp.func` / `@wp.struct`",
            f"{c['kernels']:,} / {c['multi_kernel_modules']:,} / {c['wp_funcs']:,} / "
            f"{c['wp_structs']:,}",
        ),
        (
            "kernel bodies under 5 statements",
            f"{c['short_bodies']['kernels']:,} ({_pct(c['short_bodies']['rate'])})",
        ),
        (
            "warp builtins used (non-tile)",
            f"{bi['used_non_tile']} of {bi['registry_non_tile']} ({_pct(bi['coverage_non_tile'])})",
        ),
        ("tile builtins used", f"{bi['used_tile']} of {bi['registry_tile']}"),
        ("warp types used", f"{c['types']['used']} of {c['types']['registry']}"),
        (
            "tokens (perflab-code-v1): Python / C++ / CUDA",
            f"{cpu['tokens']['python']:,} / {cpu['tokens']['generated_code']:,} / "
            f"{cuda['tokens']['generated_code']:,}",
        ),
        (
            "preamble share if it stayed in every record: C++ / CUDA",
            f"{_pct(cpu['boilerplate']['share_if_inline'])} / "
            f"{_pct(cuda['boilerplate']['share_if_inline'])} (now stored once: "
            f"{cpu['boilerplate']['preambles']} + {cuda['boilerplate']['preambles']} files)",
        ),
        (
            "split train / validation / test (modules)",
            " / ".join(
                f"{cpu['splits'].get(k, {}).get('records', 0):,}"
                for k in ("train", "validation", "test")
            ),
        ),
    ]
    out = ["| measure | value |", "|---|---|"]
    out += [f"| {a} | {b} |" for a, b in rows]
    return out


def pick_example(cpu_samples: list[dict], cuda_samples: list[dict]) -> tuple[dict, dict] | None:
    """The shortest validated sample kernel (by Python source) with both backends' records."""
    cuda_by_id = {r["id"]: r for r in cuda_samples}
    pairs = [(r, cuda_by_id[r["id"]]) for r in cpu_samples if r["id"] in cuda_by_id]
    if not pairs:
        return None
    pairs.sort(key=lambda p: (not p[0]["validation"]["sampled"], len(p[0]["python_source"])))
    return pairs[0]


def function_excerpt(code: str, marker: str, max_lines: int = 24) -> str:
    """Signature of the generated function containing ``marker``, then its first statements.

    The statements shown start at the first ``<L n>`` line comment (the first Python line).
    """
    lines = code.splitlines()
    for i, line in enumerate(lines):
        if marker in line and not line.lstrip().startswith("//"):
            start = i
            while start > 0 and lines[start - 1].strip() and not lines[start - 1].startswith("}"):
                start -= 1
            brace = next((j for j in range(i, len(lines)) if lines[j].strip() == "{"), i)
            head = lines[start : brace + 1]
            first = next((j for j in range(brace, len(lines)) if "<L " in lines[j]), brace + 1)
            room = max(max_lines - len(head), 4)
            body = lines[first : first + room]
            return "\n".join(
                [*head, "    // ... declarations ...", *body, "    // ... (truncated)"]
            )
    return "\n".join(lines[:max_lines])


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a sentence end (else a word end)."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    stop = head.rfind(". ")
    if stop >= limit // 3:
        return head[: stop + 1]
    return head[: head.rfind(" ")].rstrip(",;:") + " …"


def summarise_reports(reports_dir: Path, exclude: set[str]) -> list[dict[str, Any]]:
    """Title and a highlight line of every other report (``.md``, or ``.json`` without ``.md``)."""
    out = []
    if not reports_dir.exists():
        return out
    md_folders = {p.parent for p in reports_dir.rglob("*.md")}
    for p in sorted(reports_dir.rglob("*")):
        if not p.is_file() or p.name in exclude or p.suffix not in (".md", ".json"):
            continue
        if p.suffix == ".json" and (
            p.with_suffix(".md").exists() or (p.parent != reports_dir and p.parent in md_folders)
        ):
            continue  # its Markdown twin, or its sub-folder's Markdown report, speaks for it
        rel = str(p.relative_to(reports_dir.parent))
        if p.suffix == ".md":
            text = p.read_text(encoding="utf-8", errors="replace")
            title = next(
                (ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), p.stem
            )
            para = next(
                (
                    ln.strip()
                    for ln in text.splitlines()
                    if ln.strip() and not ln.startswith(("#", "|", "```"))
                ),
                "",
            )
            out.append({"file": rel, "title": title, "highlight": _shorten(para, 240)})
        else:
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                out.append({"file": rel, "title": p.stem, "highlight": f"unreadable JSON: {exc}"})
                continue
            nums = []
            if isinstance(data, dict):
                nums = [
                    f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
                    for k, v in data.items()
                    if isinstance(v, int | float) and not isinstance(v, bool)
                ]
                keys = ", ".join(list(data)[:8])
                hl = "; ".join(nums[:6]) or f"keys: {keys}"
            else:
                hl = f"a JSON {type(data).__name__} of {len(data)} items"
            out.append({"file": rel, "title": p.stem.replace("_", " "), "highlight": hl})
    return out


def render_chief_report(
    stats: dict[str, Any],
    example: tuple[dict, dict] | None,
    others: list[dict[str, Any]],
    stats_path: str = "reports/warp_dataset_stats.json",
) -> str:
    """The report (Markdown). Every number is read from ``stats``.

    Parameters
    ----------
    stats : dict
        The build's stats (``reports/warp_dataset_stats.json``, :mod:`perflab.warpgen.stats`).
    example : (dict, dict) or None
        A CPU record and its CUDA twin to show (:func:`pick_example`), or None.
    others : list of dict
        Other reports to list at the end (:func:`summarise_reports`).
    stats_path : str
        Where the report says its figures come from.

    Returns
    -------
    str
        Markdown, one section per phase: summary, JIT primer with the example, dataset,
        limitations, how to reproduce, other reports.

    Raises
    ------
    KeyError
        When ``stats`` lacks a field the report needs.
    """
    lines = [
        *_summary_section(stats),
        *_primer_section(example),
        *_dataset_section(stats),
        *_limitations_section(stats),
        *_reproduce_section(stats, stats_path),
        *_others_section(others),
    ]
    return "\n".join(lines) + "\n"


def _summary_section(stats: dict[str, Any]) -> list[str]:
    """The title and the one-paragraph summary."""
    ds, build, thr, cfg = stats["dataset"], stats["build"], stats["throughput"], stats["config"]
    cpu, cuda = ds["cpu"], ds["cuda"]
    cats = sorted(set(cpu["categories"]) | set(cuda["categories"]))
    vc = cpu["validation"]["checks"]
    env = stats.get("env", {})
    lines: list[str] = []
    add = lines.append
    add("# Warp kernel dataset: report for the chief scientist")
    add("")
    add(
        f"**In short.** {cpu['records']:,} generated NVIDIA Warp modules in {len(cats)} "
        "categories, each "
        f"stored with the C++ that Warp generates for the CPU ({_mb(cpu['bytes'])} on disk) and "
        "the "
        f"CUDA C++ it generates for the GPU ({_mb(cuda['bytes'])}). A random "
        f"{_pct(cfg['sample_rate'])} "
        f"of the modules ({cpu['validation']['sampled']:,}) was compiled and run on the CPU: "
        f"{_pct(vc['cpu_compiled']['rate'])} compiled, {_pct(vc['outputs_finite']['rate'])} ran "
        "with finite "
        f"outputs; their CUDA code compiled to PTX in {_pct(vc['ptx_compiled']['rate'])} of cases. "
        f"Built in {thr['wall_s_total'] / 60:.1f} min on {cfg['workers']} worker processes "
        f"({env.get('cpu_count', '?')} cores, shared), seed {cfg['seed']}, warp-lang "
        f"{build['params']['warp_version']}."
    )
    add("")
    return lines


def _primer_section(example: tuple[dict, dict] | None) -> list[str]:
    """JIT, IR and Warp in brief, with a real example from the dataset."""
    lines: list[str] = []
    add = lines.append
    add("## JIT, IR and Warp in brief")
    add("")
    add(
        "A just-in-time (JIT) compiler translates code while the program runs, specialised to "
        "the types and device it sees (`torch.compile`, JAX, Warp). An intermediate "
        "representation (IR) is the typed, one-operation-per-statement form a compiler works on; "
        "Warp's is readable C++/CUDA with `<L n>` comments pointing back to the Python line and, "
        "optionally, adjoint code for differentiation. Clang/LLVM compiles the C++ for the CPU, "
        "NVRTC the CUDA to PTX. Pairs (Python, generated code) teach a model the translation "
        "exactly, with no labelling, and each pair can be checked by running it."
    )
    if example is not None:
        c, g = example
        add("")
        add(
            f"A real example from the dataset (`{c['id']}`, category `{c['category']}`, "
            f"backward pass {'on' if c['options']['enable_backward'] else 'off'}):"
        )
        add("")
        add("```python")
        add(c["python_source"].rstrip())
        add("```")
        add("")
        add("The start of the generated CPU forward function:")
        add("")
        add("```cpp")
        add(function_excerpt(c["generated_code"], f"{c['kernel_name']}_cpu_kernel_forward", 16))
        add("```")
        add("")
        add("and of the CUDA kernel:")
        add("")
        add("```cpp")
        add(function_excerpt(g["generated_code"], f"{c['kernel_name']}_cuda_kernel_forward", 11))
        add("```")
    return lines


def _dataset_section(stats: dict[str, Any]) -> list[str]:
    """Sizes, quality, validation and throughput of the dataset."""
    ds, build, thr, cfg = stats["dataset"], stats["build"], stats["throughput"], stats["config"]
    cpu, cuda = ds["cpu"], ds["cuda"]
    vc = cpu["validation"]["checks"]
    lines: list[str] = []
    add = lines.append
    add("")
    add("## The dataset")
    add("")
    add("Sizes: MB = 10^6 bytes, MiB = 2^20 bytes.")
    add("")
    add("| backend | records | size on disk | shards | median record | categories |")
    add("|---|---|---|---|---|---|")
    for name, d in (("CPU (C++)", cpu), ("CUDA (CUDA C++)", cuda)):
        add(
            f"| {name} | {d['records']:,} | {_mb(d['bytes'])} | {d['shards']} | "
            f"{d['record_bytes'].get('median', 0) / 1000:.1f} KB | {len(d['categories'])} |"
        )
    add("")
    add(
        "A record holds the Python, the generated code (Warp's fixed preamble is stored once "
        "per backend), `licence`, `synthetic`, `tokens`, `skeleton_id`, `split` (by skeleton), "
        "`compile_options`, `launches` and `validation` (README lists all fields). "
        f"Of {build['kernels_generated']:,} modules generated, "
        f"{build['duplicates_dropped']['count']:,} exact duplicates were dropped and "
        f"{build['generator_failures']['count']:,} rejected by Warp. "
        f"Duplicate ids: {cpu['duplicate_ids']} (CPU), {cuda['duplicate_ids']} (CUDA)."
    )
    add("")
    add("Corpus quality, computed from the shards on disk:")
    add("")
    for line in _quality(ds, build):
        add(line)
    add("")
    add("Validation of the sampled kernels:")
    add("")
    add("| check | tried | passed | rate |")
    add("|---|---|---|---|")
    for label, key in (
        ("CPU compile (Clang/LLVM)", "cpu_compiled"),
        ("CPU launch on random inputs", "launched"),
        ("outputs finite", "outputs_finite"),
        ("same outputs as a numpy re-implementation", "equivalence"),
        (f"CUDA to PTX ({cfg['ptx_arch']}, NVRTC)", "ptx_compiled"),
        ("CUDA launch on a GPU", "cuda_launched"),
    ):
        v = vc[key]
        add(f"| {label} | {v['tried']:,} | {v['passed']:,} | {_pct(v['rate'])} |")
    add("")
    add(
        f"Build: {thr['wall_s_total']:.0f} s wall in {thr['runs_building']} building run(s), "
        f"{thr['kernels_processed']:,} modules processed, "
        f"{thr['kernels_per_s']:.1f} modules/s, {thr['mb_per_s_both_backends']:.2f} MB/s "
        f"(both backends){_load(thr)}."
    )
    return lines


def _limitations_section(stats: dict[str, Any]) -> list[str]:
    """What the dataset does not show."""
    ds, build, cfg = stats["dataset"], stats["build"], stats["config"]
    cpu, cuda = ds["cpu"], ds["cuda"]
    vc = cpu["validation"]["checks"]
    gpu_runs = vc["cuda_launched"]["tried"]
    lines: list[str] = []
    add = lines.append
    add("")
    add("## Limitations")
    add("")
    if gpu_runs == 0:
        add(
            "- **CUDA code was compiled to PTX, not executed**: no GPU on the build machine "
            f"({cuda['validation']['cuda_not_executed']:,} sampled records say so)."
        )
    else:
        add(f"- CUDA code was launched on a GPU for {gpu_runs:,} sampled kernels.")
    eq = vc["equivalence"]
    add(
        f"- Only a {_pct(cfg['sample_rate'])} sample is compiled and run. Outputs are compared "
        f"with numpy for {eq['tried']:,} of the {cpu['validation']['sampled']:,} sampled "
        "modules; the others use builtins the re-implementation lacks (meshes, volumes, tiles)."
    )
    add(
        "- Synthetic: modules composed from building blocks that mimic simulation, geometry, "
        "ML and numerics code, not written by people."
    )
    add(
        f"- One Warp release ({build['params']['warp_version']}), pinned: generated code "
        "changes between releases."
    )
    return lines


def _reproduce_section(stats: dict[str, Any], stats_path: str) -> list[str]:
    """The commands that rebuild the dataset and the report."""
    cfg = stats["config"]
    lines: list[str] = []
    add = lines.append
    add("")
    add("## How to reproduce")
    add("")
    add("```bash")
    add("make venv")
    add(
        f".venv/bin/python notebooks/warp_dataset.py -- --target-mb {cfg['target_mb']:g} "
        f"--seed {cfg['seed']}   # or: python -m perflab.warpgen.build --target-mb "
        f"{cfg['target_mb']:g} --seed {cfg['seed']}"
    )
    add(".venv/bin/python notebooks/chief_report.py          # rewrites reports/chief_report.md")
    add("```")
    add("")
    add(
        "Same seed, same bytes; rerunning the command resumes an interrupted build. Load with "
        '`datasets.load_dataset("json", data_files={"cpu": "artefacts/datasets/warp-kernels/'
        'cpu/*.jsonl", "cuda": "artefacts/datasets/warp-kernels/cuda/*.jsonl"})`. '
        f"All figures above are read from `{stats_path}`."
    )
    return lines


def _others_section(others: list[dict[str, Any]]) -> list[str]:
    """The other reports, one line each."""
    lines: list[str] = []
    add = lines.append
    add("")
    add(OTHER_REPORTS_HEADING)
    add("")
    if not others:
        add("_None yet._")
    for o in others:
        hl = re.sub(r"\s+", " ", o["highlight"]).strip()
        add(f"- **{o['title']}** (`{o['file']}`){': ' + hl if hl else ''}")
    return lines
