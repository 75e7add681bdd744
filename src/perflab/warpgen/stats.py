"""Statistics of a build, computed from the files on disk (plus the manifest's bookkeeping).

``dataset_stats`` reads every shard: records and bytes per backend and category, record-size
quantiles, id uniqueness, validation counts and pass rates. ``build_stats`` adds what only the
manifest knows (generator failures, dropped duplicates, wall time and throughput of each run)
and the environment. A test recomputes ``dataset_stats`` from disk and compares it with the
stats file, so the file always describes the shards next to it.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import numpy as np

from perflab.harness import atomic_write_text, env_snapshot
from perflab.warpgen.records import BACKENDS, NOT_RUN, PASSED
from perflab.warpgen.storage import Layout, iter_backend, iter_records

__all__ = [
    "MB",
    "MIB",
    "VALIDATION_CHECKS",
    "backend_stats",
    "build_stats",
    "corpus_stats",
    "dataset_stats",
    "manifest_stats",
    "read_stats",
    "record_sizes",
    "write_stats",
]

VALIDATION_CHECKS = (
    "cpu_compiled",
    "launched",
    "outputs_finite",
    "equivalence",
    "ptx_compiled",
    "cuda_launched",
)
MB = 1_000_000
MIB = 1_048_576


def _rate(passed: int, tried: int) -> float | None:
    return None if tried == 0 else passed / tried


def _quantiles(values: list[int]) -> dict[str, float]:
    if not values:
        return {}
    q = np.quantile(np.asarray(values, dtype=np.float64), [0.0, 0.1, 0.5, 0.9, 1.0])
    return {
        "min": float(q[0]),
        "p10": float(q[1]),
        "median": float(q[2]),
        "p90": float(q[3]),
        "max": float(q[4]),
        "mean": float(np.mean(values)),
    }


def backend_stats(layout: Layout, backend: str) -> dict[str, Any]:
    """Counts, bytes, sizes and validation results of one backend's shards."""
    files = layout.shard_files(backend)
    ids: set[str] = set()
    dup_ids = 0
    per_cat: dict[str, dict[str, int]] = {}
    line_sizes, code_sizes = [], []
    splits: dict[str, dict[str, int]] = {}
    tokens = {"python": 0, "generated_code": 0}
    preambles: dict[str, int] = {}
    val = {c: {"tried": 0, "passed": 0} for c in VALIDATION_CHECKS}
    sampled = 0
    not_executed = 0
    failures: list[dict[str, str]] = []
    for p in files:
        for rec, nbytes in iter_records(p):
            if rec["id"] in ids:
                dup_ids += 1
            ids.add(rec["id"])
            c = per_cat.setdefault(rec["category"], {"records": 0, "bytes": 0})
            c["records"] += 1
            c["bytes"] += nbytes
            line_sizes.append(nbytes)
            code_sizes.append(len(rec["generated_code"].encode("utf-8")))
            sp = splits.setdefault(rec["split"], {"records": 0, "bytes": 0})
            sp["records"] += 1
            sp["bytes"] += nbytes
            for t in tokens:
                tokens[t] += rec["tokens"][t]
            preambles[rec["preamble_sha256"]] = preambles.get(rec["preamble_sha256"], 0) + 1
            v = rec["validation"]
            if v["sampled"]:
                sampled += 1
                if v["cuda_launched"] == NOT_RUN:
                    not_executed += 1
            for chk in VALIDATION_CHECKS:
                if v[chk] != NOT_RUN:
                    val[chk]["tried"] += 1
                    val[chk]["passed"] += int(v[chk] == PASSED)
            if v["error"] and len(failures) < 20:
                failures.append({"id": rec["id"], "error": v["error"][:300]})
    for chk in VALIDATION_CHECKS:
        val[chk]["rate"] = _rate(val[chk]["passed"], val[chk]["tried"])
    nbytes_total = int(sum(p.stat().st_size for p in files))
    pre_bytes = {
        sha: layout.preamble_path(backend, sha).stat().st_size for sha in sorted(preambles)
    }
    inline = sum(pre_bytes[sha] * n for sha, n in preambles.items())
    code_total = int(sum(code_sizes))
    return {
        "records": len(line_sizes),
        "bytes": nbytes_total,
        "mib": nbytes_total / MIB,
        "splits": dict(sorted(splits.items())),
        "tokens": tokens,
        "boilerplate": {
            "preambles": len(preambles),
            "preamble_file_bytes": int(sum(pre_bytes.values())),
            "preamble_bytes_if_inline": int(inline),
            "generated_code_bytes": code_total,
            # share of the generated code a record would repeat if the preamble stayed inline
            "share_if_inline": inline / (inline + code_total) if code_total else None,
            # share of this backend's bytes on disk that is preamble (stored once)
            "share_on_disk": sum(pre_bytes.values()) / (nbytes_total + sum(pre_bytes.values()))
            if nbytes_total
            else None,
        },
        "shards": len(files),
        "unique_ids": len(ids),
        "duplicate_ids": dup_ids,
        "categories": dict(sorted(per_cat.items())),
        "record_bytes": _quantiles(line_sizes),
        "generated_code_bytes": _quantiles(code_sizes),
        "validation": {
            "sampled": sampled,
            "checks": val,
            "cuda_not_executed": not_executed,
            "failures": failures,
        },
    }


def corpus_stats(layout: Layout) -> dict[str, Any]:
    """Skeletons, kernels, statement counts, builtin and type coverage, from the Python
    source of the CPU records (the CUDA records carry the same modules, same ids)."""
    from perflab.warpgen import codegen
    from perflab.warpgen.skeleton import analyse

    nontile, tile = codegen.builtin_names()
    types = codegen.type_names()
    seen: set[str] = set()
    repeats = mismatched = kernels = short = funcs = structs = multi = 0
    per_cat: dict[str, set[str]] = {}
    used: set[str] = set()
    used_types: set[str] = set()
    records = 0
    for rec, _ in iter_backend(layout, "cpu"):
        records += 1
        f = analyse(rec["python_source"], nontile | tile)
        mismatched += int(f.skeleton_id != rec["skeleton_id"])
        repeats += int(f.skeleton_id in seen)
        seen.add(f.skeleton_id)
        per_cat.setdefault(rec["category"], set()).add(f.skeleton_id)
        kernels += len(f.kernels)
        short += sum(1 for n in f.kernel_statements if n < 5)
        funcs += f.funcs
        structs += f.structs
        multi += int(len(f.kernels) > 1)
        used |= f.builtins
        used_types |= f.wp_names & types
    return {
        "modules": records,
        "kernels": kernels,
        "multi_kernel_modules": multi,
        "wp_funcs": funcs,
        "wp_structs": structs,
        "skeletons": {
            "distinct": len(seen),
            "repeat_rate": repeats / records if records else None,
            "repeats": repeats,
            "stored_id_mismatches": mismatched,
            "per_category": {c: len(v) for c, v in sorted(per_cat.items())},
            "min_per_category": min((len(v) for v in per_cat.values()), default=0),
        },
        "short_bodies": {
            "threshold_statements": 5,
            "kernels": short,
            "rate": short / kernels if kernels else None,
        },
        "builtins": {
            "registry_non_tile": len(nontile),
            "registry_tile": len(tile),
            "used_non_tile": len(used & nontile),
            "used_tile": len(used & tile),
            "coverage_non_tile": len(used & nontile) / len(nontile),
            "used": sorted(used),
            "unused_non_tile": sorted(nontile - used),
        },
        "types": {"registry": len(types), "used": len(used_types), "names": sorted(used_types)},
    }


def dataset_stats(layout: Layout) -> dict[str, Any]:
    """Everything derivable from the shard files alone: per backend, and the corpus."""
    out: dict[str, Any] = {b: backend_stats(layout, b) for b in BACKENDS}
    out["corpus"] = corpus_stats(layout)
    return out


def manifest_stats(manifest) -> dict[str, Any]:
    """Generator failures, dropped duplicates and the runs, from the build manifest."""
    failures, dups, capped, kernels = [], [], [], 0
    for k in sorted(manifest.done):
        info = manifest.done[k]
        failures += info["failures"]
        dups += info["duplicates"]
        capped += info["skeleton_capped"]
        kernels += info["kernels"][1] - info["kernels"][0]
    by_cat: dict[str, int] = {}
    for f in failures:
        by_cat[f["category"]] = by_cat.get(f["category"], 0) + 1
    dup_cat: dict[str, int] = {}
    for d in dups:
        dup_cat[d["category"]] = dup_cat.get(d["category"], 0) + 1
    runs = manifest.extra.get("runs", [])
    return {
        "kernels_generated": kernels,
        "generator_failures": {
            "count": len(failures),
            "by_category": by_cat,
            "examples": failures[:10],
        },
        "duplicates_dropped": {"count": len(dups), "by_category": dup_cat},
        "skeleton_capped": {
            "count": len(capped),
            "by_category": dict(sorted(collections.Counter(c["category"] for c in capped).items())),
        },
        "shards_committed": len(manifest.done),
        "params": manifest.params,
        "runs": runs,
    }


def build_stats(layout: Layout, manifest, cfg, env: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stats file's content: dataset (from disk), build (from the manifest), throughput, env."""
    ds = dataset_stats(layout)
    mf = manifest_stats(manifest)
    wall = sum(r.get("wall_s", 0.0) for r in mf["runs"])
    built = sum(r.get("kernels_processed", 0) for r in mf["runs"])
    total_bytes = sum(ds[b]["bytes"] for b in BACKENDS)
    import os

    load = os.getloadavg() if hasattr(os, "getloadavg") else (None, None, None)
    return {
        "dataset": ds,
        "build": mf,
        "throughput": {
            "wall_s_total": wall,
            "runs": len(mf["runs"]),
            "runs_building": sum(1 for r in mf["runs"] if r.get("shards_built", 0) > 0),
            "kernels_processed": built,
            "kernels_per_s": built / wall if wall > 0 else None,
            "mb_per_s_both_backends": total_bytes / 1e6 / wall if wall > 0 else None,
            "load_average_at_end": list(load),
        },
        "config": {
            "target_mb": cfg.target_mb,
            "seed": cfg.seed,
            "workers": cfg.n_workers,
            "shard_kernels": cfg.shard_kernels,
            "sample_rate": cfg.sample_rate,
            "skeleton_cap": cfg.skeleton_cap,
            "ptx_arch": f"sm_{cfg.ptx_arch}",
            "smoke": cfg.smoke,
            "root": str(layout.root),
        },
        "env": env if env is not None else env_snapshot(),
    }


def write_stats(path: Path, stats: dict[str, Any]) -> Path:
    path = Path(path)
    return atomic_write_text(path, json.dumps(stats, indent=2, sort_keys=True) + "\n")


def read_stats(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def record_sizes(layout: Layout, limit_per_backend: int | None = None) -> list[dict[str, Any]]:
    """Per-record sizes (for distribution charts): backend, category, record/code/python KB."""
    rows = []
    for b in BACKENDS:
        n = 0
        for p in layout.shard_files(b):
            for rec, nbytes in iter_records(p):
                rows.append(
                    {
                        "backend": b,
                        "category": rec["category"],
                        "record_kb": nbytes / 1000.0,
                        "code_kb": len(rec["generated_code"].encode("utf-8")) / 1000.0,
                        "python_lines": rec["python_source"].count("\n"),
                        "backward": rec["options"]["enable_backward"],
                    }
                )
                n += 1
                if limit_per_backend is not None and n >= limit_per_backend:
                    break
            if limit_per_backend is not None and n >= limit_per_backend:
                break
    return rows
