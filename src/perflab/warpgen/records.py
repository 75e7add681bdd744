"""Dataset records: one JSON object per kernel and backend, encoded deterministically.

A record is one generated warp module (one or more kernels, with their ``@wp.func`` helpers
and ``@wp.struct`` types) and one backend. Schema (``SCHEMA_VERSION``):

- ``id`` (``<category>-s<seed>-<16 hex of the dedupe key>``, the same for a module's CPU and
  CUDA records), ``category``, ``variant``, ``kernel_name`` (the first kernel),
  ``kernel_names`` (all kernels, in launch order), ``index`` (position in the seeded stream);
- ``python_source``; ``generated_code``: the C++ (CPU) or CUDA C++ warp generates, *without*
  the preamble warp writes at the top of every module: that is stored once per backend in
  ``preambles/<backend>-<preamble_sha256[:16]>.h`` next to the shards, and
  ``preamble + generated_code`` is the complete translation unit; ``preamble_sha256``;
- ``backend`` (``"cpu"`` or ``"cuda"``), ``warp_version``, ``options`` (code-generation
  options), ``compile_options`` (what the backend's compiler is given: compiler, level,
  flags, fast-math...; the CPU flags of warp 1.19 include ``-march=native``);
- ``launches``: per kernel its launch ``dim`` and per argument ``name``, ``kind`` and
  ``shape`` (``[]`` for scalars and object handles) - known for every record;
- ``validation`` (:class:`~perflab.warpgen.validate.Validation`: compile, launch, finite
  outputs, PTX, numpy equivalence, and for sampled kernels the SHA-256 of the outputs);
- ``sha256`` (of ``generated_code`` as UTF-8);
- ``licence`` (:data:`LICENCE`, the project's), ``synthetic`` (always ``true``: programs
  written by the generators, not by people);
- ``tokens``: ``python`` and ``generated_code`` counts of the tokenizer named in
  ``tokenizer`` (:mod:`perflab.warpgen.tokens`);
- ``skeleton_id`` (:mod:`perflab.warpgen.skeleton`) and ``split`` (``train``,
  ``validation`` or ``test``, a function of ``skeleton_id`` alone: :func:`split_of`).

Lines are ``json.dumps(sort_keys=True)``, so equal records give equal bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = [
    "BACKENDS",
    "FAILED",
    "FIELDS",
    "LICENCE",
    "NOT_RUN",
    "PASSED",
    "SCHEMA_VERSION",
    "SPLITS",
    "decode",
    "encode",
    "make_record",
    "record_id",
    "split_of",
]

# 2: validation checks are "passed"/"failed"/"not_run", never null
# 3: preamble stored once per backend; licence, synthetic, tokens, skeleton_id, split,
#    compile_options, launches, kernel_names; equivalence and output checksum in validation
SCHEMA_VERSION = "3"
LICENCE = "MIT"  # the project's licence (pyproject.toml)
SPLITS = (("train", 0.8), ("validation", 0.1), ("test", 0.1))
BACKENDS = ("cpu", "cuda")
# outcome of one validation check; never JSON null, so that every shard types it as a string
PASSED = "passed"
FAILED = "failed"
NOT_RUN = "not_run"
FIELDS = (
    "backend",
    "category",
    "compile_options",
    "generated_code",
    "id",
    "index",
    "kernel_name",
    "kernel_names",
    "launches",
    "licence",
    "options",
    "preamble_sha256",
    "python_source",
    "sha256",
    "skeleton_id",
    "split",
    "synthetic",
    "tokens",
    "validation",
    "variant",
    "warp_version",
)


def split_of(skeleton: str) -> str:
    """``train`` / ``validation`` / ``test`` (80/10/10) from the skeleton id alone.

    ``u = int(sha256("split:" + skeleton)[:8], 16) / 2**32``; every module of a skeleton
    falls on the same side, in every build and for every seed.
    """
    u = int(hashlib.sha256(f"split:{skeleton}".encode()).hexdigest()[:8], 16) / 2**32
    acc = 0.0
    for name, share in SPLITS:
        acc += share
        if u < acc:
            return name
    return SPLITS[-1][0]


def record_id(category: str, seed: int, key: str) -> str:
    """Deterministic id: category, seed and the first 16 hex digits of the content hash."""
    return f"{category}-s{seed}-{key[:16]}"


def make_record(
    *,
    backend: str,
    category: str,
    variant: str,
    kernel_names: list[str],
    index: int,
    seed: int,
    key: str,
    python_source: str,
    generated_code: str,
    preamble_sha256: str,
    warp_version: str,
    options: dict[str, Any],
    compile_options: dict[str, Any],
    launches: list[dict[str, Any]],
    validation: dict[str, Any],
    skeleton_id: str,
    python_tokens: int,
) -> dict[str, Any]:
    """One record (see module docstring)."""
    from perflab.warpgen.tokens import TOKENIZER, count_tokens

    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    return {
        "id": record_id(category, seed, key),
        "category": category,
        "variant": variant,
        "kernel_name": kernel_names[0],
        "kernel_names": list(kernel_names),
        "index": int(index),
        "python_source": python_source,
        "generated_code": generated_code,
        "preamble_sha256": preamble_sha256,
        "backend": backend,
        "warp_version": warp_version,
        "options": dict(options, target=backend),
        "compile_options": dict(compile_options),
        "launches": launches,
        "validation": dict(validation),
        "sha256": hashlib.sha256(generated_code.encode("utf-8")).hexdigest(),
        "licence": LICENCE,
        "synthetic": True,
        "tokens": {
            "python": int(python_tokens),
            "generated_code": count_tokens(generated_code),
            "tokenizer": TOKENIZER,
        },
        "skeleton_id": skeleton_id,
        "split": split_of(skeleton_id),
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
