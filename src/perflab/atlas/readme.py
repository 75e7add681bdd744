"""The README of a built atlas folder: what it holds, its schema, how to load and rebuild it.

Written from the manifest (plan, per-family counts, failures) and the schema by code, so it
always describes the files next to it. It holds no timings (see the benchmark report).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from perflab.atlas.load import read_manifest
from perflab.atlas.plan import WORK_BUDGET_METHODS
from perflab.atlas.schema import CAPACITY_METHODS, SCHEMA_VERSION, schema_description
from perflab.harness import atomic_write_text, markdown_table

__all__ = [
    "dataset_readme",
    "write_dataset_readme",
]


def dataset_readme(folder: str | os.PathLike[str]) -> str:
    folder = Path(folder)
    m = read_manifest(folder)
    plan = m["params"]["plan"]
    extra = m["extra"]
    atlas = plan["atlas"]
    fams = []
    for spec in plan["families"]:
        f = extra["families"][spec["family"]]
        sc = f["status_counts"]
        fams.append(
            {
                "family": spec["family"],
                "planned": f["planned"],
                "rows": f["rows"],
                "with capacity": f["with_capacity"],
                "billiards ok": sc["billiards"].get("ok", 0),
                "reeb ok": sc["reeb"].get("ok", 0),
                "branch_bound ok": sc.get("branch_bound", {}).get("ok", 0),
                "haim_kislev ok": sc["haim_kislev"].get("ok", 0),
                "capacity work-budget stops": sum(
                    sc[q].get("work_budget", 0) for q in CAPACITY_METHODS
                ),
            }
        )
    tot = extra["totals"]
    failures = extra["failures"]
    lines = [
        # dataset card metadata: `datasets.load_dataset("<folder>")` reads its files from here
        "---",
        f"pretty_name: {atlas}",
        "tags:",
        "- symplectic-geometry",
        "- convex-polytopes",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        "    path: data/*/*.parquet",
        "---",
        "",
        f"# {atlas}",
        "",
        plan.get("description", ""),
        "",
        f"Schema version {SCHEMA_VERSION}. {tot['rows']} polytopes "
        f"({tot['planned']} planned, {tot['missing_rows']} not generated), "
        f"{tot['with_capacity']} with an EHZ capacity; {tot['work_budget']} capacity "
        f"searches stopped by their work budget and {tot['errors']} errors recorded (work "
        f"budget {_budget_text(plan)}: the same stop on every machine; wall-clock safety "
        f"net {plan['time_budget_s']:g} s per quantity, never reached in a finished build). "
        f"Build complete: {extra['complete']}.",
        "",
        "Files: `data/<family>/shard-<k>.parquet` (rows in plan order), `manifest.json` "
        "(plan, per-shard SHA-256, counts, failures, environment). Raw per-row timings: "
        f"`timings.jsonl` in the build's benchmarks folder (`artefacts/benchmarks/{atlas}/` "
        f"for the default build); summary: `{atlas}_benchmark.md` in its reports folder "
        "(`reports/` by default).",
        "",
        "## Load",
        "",
        "```python",
        "import perflab.atlas",
        f'ds = perflab.atlas.load("{atlas}")              # datasets.Dataset, offline',
        f'ds = perflab.atlas.load("{atlas}", family="polygon_product", with_timings=True)',
        "",
        "# without perflab (plain Hugging Face datasets):",
        "import datasets",
        f'files = "artefacts/datasets/{atlas}/data/*/*.parquet"  # shards sorted by family',
        'ds = datasets.load_dataset("parquet", data_files=files, split="train")',
        "```",
        "",
        "## Rebuild or resume",
        "",
        "```bash",
        f"python -m perflab.atlas build {atlas}            # resume (skips finished shards)",
        f"python -m perflab.atlas build {atlas} --fresh    # start afresh",
        f"python -m perflab.atlas build {atlas} --only cube --fresh   # rebuild one family",
        "```",
        "",
        "A killed build (even `kill -9`) resumes where it stopped and writes the same bytes "
        "as an uninterrupted build.",
        "",
        "## Families",
        "",
        markdown_table(fams),
        "## Schema",
        "",
        markdown_table(schema_description()),
    ]
    if failures:
        lines += ["## Recorded failures and work-budget stops", ""]
        lines.append(
            markdown_table(
                [
                    {k: f.get(k) for k in ("polytope_id", "family", "quantity", "algorithm")}
                    | {"status": f["status"], "message": f.get("message", "")[:120]}
                    for f in failures
                ]
            )
        )
    return "\n".join(lines) + "\n"


def write_dataset_readme(folder: str | os.PathLike[str]) -> Path:
    """Write ``<folder>/README.md`` from the manifest, atomically; a README that already
    says exactly that is left untouched (a finished build is not rewritten)."""
    path = Path(folder) / "README.md"
    text = dataset_readme(folder)
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except (OSError, UnicodeDecodeError):
        pass
    return atomic_write_text(path, text)


def _budget_text(plan: dict[str, Any]) -> str:
    """The plan's work budgets in words, with the families that override them."""

    def words(wb: dict[str, int]) -> str:
        return ", ".join(f"{m} {n:,} {WORK_BUDGET_METHODS[m]}" for m, n in sorted(wb.items()))

    text = words(plan.get("work_budget", {})) or "none"
    over = [f for f in plan["families"] if f.get("work_budget")]
    if over:
        text += "; " + "; ".join(f"{f['family']}: {words(f['work_budget'])}" for f in over)
    return text
