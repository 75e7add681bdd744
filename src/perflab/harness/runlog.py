"""Append-only JSON-lines event log that survives crashes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from perflab.harness.jsonutil import json_default

__all__ = [
    "RunLog",
]


class RunLog:
    """Append JSON records, one per line, each flushed (and by default fsynced) before
    ``write`` returns.

    Reopening a log after a crash is safe: a torn last line (a record whose write was cut
    short, so it has no trailing newline and was never acknowledged) is cut off when the log
    is reopened for writing, and :meth:`read` ignores it. A line that does not parse in the
    middle of the file cannot come from a crash of this writer and raises ``ValueError``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._drop_torn_tail()
        self._fh = open(self.path, "ab")  # noqa: SIM115 - kept open for the log's life

    def _drop_torn_tail(self) -> None:
        if not self.path.exists():
            return
        with open(self.path, "r+b") as fh:
            data = fh.read()
            if not data or data.endswith(b"\n"):
                return
            fh.truncate(data.rfind(b"\n") + 1)
            fh.flush()
            os.fsync(fh.fileno())

    def write(self, record: dict[str, Any], *, sync: bool = True) -> None:
        """Append one record (a JSON-serialisable dict): flushed to the kernel before this
        returns (a killed process loses nothing), and fsynced unless ``sync=False`` (then
        call :meth:`sync` when it must survive a power cut)."""
        self.write_many([record], sync=sync)

    def write_many(self, records: list[dict[str, Any]], *, sync: bool = True) -> None:
        """Append several records with one write and at most one fsync."""
        lines = []
        for record in records:
            if not isinstance(record, dict):
                raise TypeError(f"record must be a dict, got {type(record).__name__}")
            lines.append(json.dumps(record, sort_keys=True, default=json_default).encode())
        if not lines:
            return
        self._fh.write(b"\n".join(lines) + b"\n")
        self._fh.flush()
        if sync:
            os.fsync(self._fh.fileno())

    def sync(self) -> None:
        """fsync what was written so far."""
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def read(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
        """All complete records of the log at ``path`` (an absent file reads as empty)."""
        return list(RunLog.iter(path))

    @staticmethod
    def iter(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
        """Yield the complete records of the log at ``path``, skipping a torn last line."""
        path = Path(path)
        if not path.exists():
            return
        with open(path, "rb") as fh:
            data = fh.read()
        lines = data.split(b"\n")
        # the last element is b"" when the file ends with a newline, else a torn fragment
        for i, raw in enumerate(lines[:-1]):
            if not raw.strip():
                continue
            try:
                yield json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: corrupt record on line {i + 1}: {exc}") from exc
