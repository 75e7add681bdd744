"""On-disk layout of a build: JSON-lines shards per backend, a manifest, samples.

```
<root>/cpu/shard-00000.jsonl   <root>/cuda/shard-00000.jsonl   (git-ignored)
<root>/manifest.json           what is committed: shards, their sizes and hashes, dedupe keys
<root>/preambles/cpu-<sha16>.h  the preamble stripped from every record (committed; a record
<root>/preambles/cuda-<sha16>.h names its own by ``preamble_sha256``)
<root>/samples/cpu.jsonl       <root>/samples/cuda.jsonl        (committed, <= 100 each)
<root>/_work/                  per-worker warp kernel caches; removed after a build
```
A shard is written to a temporary file and renamed (``atomic_write_bytes``) and is committed
only when the manifest, also written atomically, lists it. On resume anything not listed
(a torn temporary file, a shard whose manifest entry never landed) is deleted and redone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perflab.harness import atomic_write_bytes
from perflab.warpgen.errors import StorageError
from perflab.warpgen.records import BACKENDS, decode

__all__ = [
    "Layout",
    "iter_backend",
    "iter_records",
    "read_preamble",
    "remove_tree",
    "remove_uncommitted",
    "shard_key",
    "shard_name",
    "verify_shard",
    "write_preamble",
    "write_shard",
]


def shard_name(shard: int) -> str:
    return f"shard-{shard:05d}.jsonl"


def shard_key(shard: int) -> str:
    return f"{shard:05d}"


@dataclass(frozen=True)
class Layout:
    """Paths of one dataset build rooted at ``root``."""

    root: Path

    def backend_dir(self, backend: str) -> Path:
        if backend not in BACKENDS:
            raise StorageError(f"unknown backend {backend!r}")
        return self.root / backend

    def shard_path(self, backend: str, shard: int) -> Path:
        return self.backend_dir(backend) / shard_name(shard)

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def samples_dir(self) -> Path:
        return self.root / "samples"

    @property
    def preambles_dir(self) -> Path:
        return self.root / "preambles"

    def preamble_path(self, backend: str, sha256: str) -> Path:
        if backend not in BACKENDS:
            raise StorageError(f"unknown backend {backend!r}")
        return self.preambles_dir / f"{backend}-{sha256[:16]}.h"

    @property
    def work_dir(self) -> Path:
        return self.root / "_work"

    def shard_files(self, backend: str) -> list[Path]:
        d = self.backend_dir(backend)
        return sorted(d.glob("shard-*.jsonl")) if d.exists() else []

    def data_files(self) -> dict[str, list[str]]:
        """``data_files`` for ``datasets.load_dataset("json", ...)``: one split per backend."""
        return {b: [str(p) for p in self.shard_files(b)] for b in BACKENDS}


def write_shard(path: Path, data: bytes) -> dict[str, Any]:
    """Write a shard atomically; return its size and SHA-256."""
    atomic_write_bytes(path, data)
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_preamble(layout: Layout, backend: str, sha256: str, text: str) -> None:
    """Store a preamble once (content-addressed); raise if a stored one differs."""
    path = layout.preamble_path(backend, sha256)
    data = text.encode("utf-8")
    if path.exists():
        if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            raise StorageError(f"{path}: stored preamble does not match its hash")
        return
    if hashlib.sha256(data).hexdigest() != sha256:
        raise StorageError(f"preamble text does not match the hash {sha256[:16]}")
    atomic_write_bytes(path, data)


def read_preamble(layout: Layout, backend: str, sha256: str) -> str:
    """The preamble a record names; ``preamble + generated_code`` is the whole module."""
    path = layout.preamble_path(backend, sha256)
    if not path.exists():
        raise StorageError(f"{path}: preamble missing")
    return path.read_text(encoding="utf-8")


def remove_uncommitted(layout: Layout, committed: set[int]) -> list[Path]:
    """Delete temporary files and shards not listed as committed; return what was removed."""
    removed = []
    for b in BACKENDS:
        d = layout.backend_dir(b)
        if not d.exists():
            continue
        for p in sorted(d.iterdir()):
            is_tmp = p.name.endswith(".tmp")
            is_shard = p.name.startswith("shard-") and p.name.endswith(".jsonl")
            if is_tmp or (is_shard and int(p.name[6:11]) not in committed):
                p.unlink()
                removed.append(p)
    shutil.rmtree(layout.work_dir, ignore_errors=True)
    return removed


def verify_shard(path: Path, info: dict[str, Any]) -> None:
    """Raise :class:`StorageError` unless ``path`` has the size and hash the manifest lists."""
    if not path.exists():
        raise StorageError(f"{path}: committed shard is missing; remove the build folder")
    data = path.read_bytes()
    if len(data) != info["bytes"] or hashlib.sha256(data).hexdigest() != info["sha256"]:
        raise StorageError(f"{path}: shard differs from its manifest entry (edited or corrupt)")


def iter_records(path: Path) -> Iterator[tuple[dict[str, Any], int]]:
    """Yield ``(record, line_bytes)`` of one shard; raises :class:`StorageError` on a bad line."""
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, 1):
            if not line.endswith(b"\n"):
                raise StorageError(f"{path}:{n}: torn last line (shard was not written atomically)")
            try:
                yield decode(line), len(line)
            except ValueError as exc:
                raise StorageError(f"{path}:{n}: {exc}") from exc


def iter_backend(layout: Layout, backend: str) -> Iterator[tuple[dict[str, Any], int]]:
    for p in layout.shard_files(backend):
        yield from iter_records(p)


def remove_tree(path: os.PathLike[str] | str) -> None:
    shutil.rmtree(path, ignore_errors=True)
