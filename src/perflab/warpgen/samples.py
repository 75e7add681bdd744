"""Committed samples: up to 100 records per backend, spread evenly over the categories."""

from __future__ import annotations

import math

from perflab.harness import atomic_write_bytes
from perflab.harness.lock import build_lock
from perflab.harness.staging import recover, reset_stage, staging_root, swap_in
from perflab.warpgen.generate import CATEGORY_NAMES
from perflab.warpgen.records import BACKENDS, encode
from perflab.warpgen.storage import Layout, iter_backend, iter_records, remove_tree

__all__ = [
    "MAX_SAMPLES",
    "read_samples",
    "read_samples_dir",
    "select_samples",
    "write_samples",
]

MAX_SAMPLES = 100


def select_samples(layout: Layout, backend: str, limit: int = MAX_SAMPLES) -> list[dict]:
    """The first ``ceil(limit / #categories)`` records of each category, in stream order.

    Validated records are preferred so that the samples show validation results. Deterministic:
    depends only on the shards.
    """
    per_cat = math.ceil(limit / len(CATEGORY_NAMES))
    picked: dict[str, list[dict]] = {c: [] for c in CATEGORY_NAMES}
    backup: dict[str, list[dict]] = {c: [] for c in CATEGORY_NAMES}
    for rec, _ in iter_backend(layout, backend):
        c = rec["category"]
        target = picked if rec["validation"]["sampled"] else backup
        if len(target[c]) < per_cat:
            target[c].append(rec)
        if all(len(v) >= per_cat for v in picked.values()):
            break
    out = []
    for c in CATEGORY_NAMES:
        out += (picked[c] + backup[c])[:per_cat]
    out.sort(key=lambda r: r["index"])
    return out[:limit]


def write_samples(layout: Layout, limit: int = MAX_SAMPLES) -> dict[str, int]:
    """Write ``samples/<backend>.jsonl``; return the number written per backend.

    The folder is written in a staging folder and swapped in whole
    (:mod:`perflab.harness.staging`): a build killed while writing leaves the previous
    samples of every backend as they were, never one backend's old file beside another's new.
    """
    root = staging_root(layout.samples_dir)
    targets = {"samples": layout.samples_dir}
    with build_lock(root, what="warp samples"):
        recover(root, targets)
        (staged,) = reset_stage(root, targets, seed=False).values()
        counts = {}
        for b in BACKENDS:
            recs = select_samples(layout, b, limit)
            atomic_write_bytes(staged / f"{b}.jsonl", b"".join(encode(r) for r in recs))
            counts[b] = len(recs)
        swap_in(root, targets)
    remove_tree(root)
    return counts


def read_samples(layout: Layout, backend: str) -> list[dict]:
    path = layout.samples_dir / f"{backend}.jsonl"
    return [r for r, _ in iter_records(path)] if path.exists() else []


def read_samples_dir(folder) -> tuple[list[dict], list[dict]]:
    """(cpu samples, cuda samples) from a ``samples/`` folder (empty lists if absent)."""
    from pathlib import Path

    folder = Path(folder)
    out = []
    for b in BACKENDS:
        p = folder / f"{b}.jsonl"
        out.append([r for r, _ in iter_records(p)] if p.exists() else [])
    return out[0], out[1]
