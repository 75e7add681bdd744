"""Statistics of a build, computed from the files on disk (plus the manifest's bookkeeping).

``dataset_stats`` reads every shard: records and bytes per backend and category, record-size
quantiles, id uniqueness, validation counts and pass rates. ``build_stats`` adds what only the
manifest knows (generator failures, dropped duplicates, wall time and throughput of each run)
and the environment. A test recomputes ``dataset_stats`` from disk and compares it with the
stats file, so the file always describes the shards next to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from perflab.harness import atomic_write_text, env_snapshot
from perflab.warpgen.records import BACKENDS, NOT_RUN, PASSED
from perflab.warpgen.storage import Layout, iter_records

VALIDATION_CHECKS = ("cpu_compiled", "launched", "outputs_finite", "ptx_compiled", "cuda_launched")


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
    return {
        "records": len(line_sizes),
        "bytes": int(sum(p.stat().st_size for p in files)),
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


def dataset_stats(layout: Layout) -> dict[str, Any]:
    """Everything derivable from the shard files alone, per backend."""
    return {b: backend_stats(layout, b) for b in BACKENDS}


def manifest_stats(manifest) -> dict[str, Any]:
    """Generator failures, dropped duplicates and the runs, from the build manifest."""
    failures, dups, kernels = [], [], 0
    for k in sorted(manifest.done):
        info = manifest.done[k]
        failures += info["failures"]
        dups += info["duplicates"]
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
        },
        "config": {
            "target_mb": cfg.target_mb,
            "seed": cfg.seed,
            "workers": cfg.n_workers,
            "shard_kernels": cfg.shard_kernels,
            "sample_rate": cfg.sample_rate,
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
