"""Parquet shards with reproducible bytes.

A shard is written from rows in plan order with a fixed arrow schema (the HF features
travel in its metadata), fixed writer options and no timestamps, so the same rows always
give the same bytes with the same pyarrow (pinned in ``constraints.txt``). The bytes are
built in memory and written with :func:`perflab.harness.atomic_write_bytes` (temporary
file, fsync, rename): a crash leaves either no shard or a complete one.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perflab.atlas.schema import COLUMNS, arrow_schema
from perflab.harness import atomic_write_bytes

__all__ = [
    "MAX_SHARD_BYTES",
    "ShardError",
    "read_rows",
    "shard_bytes",
    "write_shard",
]

#: Hard cap on a shard file (the issue asks for shards under 100 MB).
MAX_SHARD_BYTES = 100_000_000


class ShardError(RuntimeError):
    """A shard cannot be written as asked (wrong columns, too large)."""


def shard_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    """The parquet bytes of ``rows`` (dicts with exactly the schema's columns)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = set(COLUMNS)
    for r in rows:
        if set(r) != cols:
            raise ShardError(
                f"row {r.get('polytope_id')!r} does not match the schema (missing "
                f"{sorted(cols - set(r))}, unexpected {sorted(set(r) - cols)})"
            )
    ordered = [{c: r[c] for c in COLUMNS} for r in rows]
    table = pa.Table.from_pylist(ordered, schema=arrow_schema())
    buf = io.BytesIO()
    pq.write_table(
        table,
        buf,
        compression="zstd",
        compression_level=9,
        use_dictionary=["family", "generator", "capacity_method", "schema_version"],
        write_statistics=True,
        row_group_size=max(1, len(rows)),
        data_page_version="2.0",
        version="2.6",
    )
    return buf.getvalue()


def write_shard(path: str | Path, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Write ``rows`` to ``path`` atomically; return ``{"rows", "bytes", "sha256"}``."""
    data = shard_bytes(rows)
    if len(data) >= MAX_SHARD_BYTES:
        raise ShardError(
            f"{path}: shard would be {len(data)} bytes (limit {MAX_SHARD_BYTES}); "
            "lower rows_per_shard in the plan"
        )
    atomic_write_bytes(path, data)
    return {"rows": len(rows), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """The rows of one shard as Python dicts (for tests and checks)."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()
