"""Dataset records: one JSON object per kernel and backend, encoded deterministically.

Schema (``SCHEMA_VERSION``): ``id`` (``<category>-s<seed>-<16 hex of the dedupe key>``, the
same for a kernel's CPU and CUDA records), ``category``, ``variant``, ``kernel_name``,
``index`` (position in the seeded stream), ``python_source``, ``generated_code``, ``backend``
(``"cpu"`` or ``"cuda"``), ``warp_version``, ``options`` (code-generation options, identical
keys in every record), ``validation`` (:class:`~perflab.warpgen.validate.Validation`) and
``sha256`` (of ``generated_code`` as UTF-8). Lines are ``json.dumps(sort_keys=True)``, so equal
records give equal bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

SCHEMA_VERSION = "2"  # 2: validation checks are "passed"/"failed"/"not_run", never null
BACKENDS = ("cpu", "cuda")
# outcome of one validation check; never JSON null, so that every shard types it as a string
PASSED = "passed"
FAILED = "failed"
NOT_RUN = "not_run"
FIELDS = (
    "backend",
    "category",
    "generated_code",
    "id",
    "index",
    "kernel_name",
    "options",
    "python_source",
    "sha256",
    "validation",
    "variant",
    "warp_version",
)


def record_id(category: str, seed: int, key: str) -> str:
    """Deterministic id: category, seed and the first 16 hex digits of the content hash."""
    return f"{category}-s{seed}-{key[:16]}"


def make_record(
    *,
    backend: str,
    category: str,
    variant: str,
    kernel_name: str,
    index: int,
    seed: int,
    key: str,
    python_source: str,
    generated_code: str,
    warp_version: str,
    options: dict[str, Any],
    validation: dict[str, Any],
) -> dict[str, Any]:
    """One record (see module docstring)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    return {
        "id": record_id(category, seed, key),
        "category": category,
        "variant": variant,
        "kernel_name": kernel_name,
        "index": int(index),
        "python_source": python_source,
        "generated_code": generated_code,
        "backend": backend,
        "warp_version": warp_version,
        "options": dict(options, target=backend),
        "validation": dict(validation),
        "sha256": hashlib.sha256(generated_code.encode("utf-8")).hexdigest(),
    }


def encode(record: dict[str, Any]) -> bytes:
    """The record as one JSON line (UTF-8, sorted keys, trailing newline)."""
    return (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def decode(line: bytes | str) -> dict[str, Any]:
    """Parse one line; raises ``ValueError`` naming the problem if it is not a record."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a JSON record: {exc}") from exc
    if not isinstance(rec, dict):
        raise ValueError("record is not a JSON object")
    missing = [f for f in FIELDS if f not in rec]
    if missing:
        raise ValueError(f"record lacks field(s) {', '.join(missing)}")
    return rec
