"""Benchmark history store: one CSV row per benchmark per ``make bench`` run.

``make bench`` runs pytest-benchmark, which writes a JSON file (``--benchmark-json`` and the
autosaved copy under ``.benchmarks/``). :func:`rows_from_benchmark_json` turns that file into
:class:`HistoryRow` records and :func:`append_history` appends them to a history CSV
(atomically: the whole file is rewritten to a temporary file and renamed, so a crash never
leaves a torn CSV; a run already in the file is not added twice).

Everyday runs append to a per-machine history that git ignores (``make bench``:
``.benchmarks/history.csv``); the committed ``artefacts/benchmarks/history.csv`` is the
published reference, changed only on purpose (``make bench HISTORY=artefacts/...``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from perflab.harness.atomic import atomic_write_text

__all__ = [
    "COLUMNS",
    "DEFAULT_CSV",
    "OUTPUT_PATHS",
    "HistoryError",
    "HistoryRow",
    "append_history",
    "code_dirty",
    "default_history_path",
    "latest_machine",
    "machine_id",
    "read_history",
    "rows_from_benchmark_json",
]

DEFAULT_CSV = Path("artefacts/benchmarks/history.csv")


def default_history_path() -> Path:
    """The history CSV of the checkout perflab runs from (any working directory), else
    ``artefacts/benchmarks/history.csv`` relative to the working directory."""
    import perflab

    root = Path(perflab.__file__).resolve().parents[2]
    return root / DEFAULT_CSV if (root / "pyproject.toml").exists() else DEFAULT_CSV


#: Paths whose changes do not make a measured tree "dirty": outputs, not code (the history
#: file itself changes on every ``make bench``).
OUTPUT_PATHS = ("artefacts", "reports")


def code_dirty(root: str | os.PathLike[str] | None = None) -> bool | None:
    """True when tracked files outside :data:`OUTPUT_PATHS` have uncommitted changes.

    ``root`` defaults to the working directory; None outside a git checkout (or without git).
    """
    from perflab.harness.env import git_dirty

    return git_dirty(root or Path.cwd(), exclude=OUTPUT_PATHS)


class HistoryError(ValueError):
    """A benchmark JSON file or history CSV is missing, malformed, or inconsistent."""


@dataclass(frozen=True)
class HistoryRow:
    """One benchmark of one run. Times are seconds per call (pytest-benchmark's stats)."""

    run_id: str
    timestamp: str
    git_commit: str
    git_dirty: bool
    branch: str
    machine_id: str
    env_summary: str
    load_1m: float
    tier: str
    name: str
    fullname: str
    group: str
    params: str
    median_s: float
    iqr_s: float
    q1_s: float
    q3_s: float
    mean_s: float
    stddev_s: float
    min_s: float
    max_s: float
    rounds: int
    iterations: int

    @property
    def key(self) -> str:
        """Identity of a benchmark across runs (its pytest node id, parameters included)."""
        return self.fullname


COLUMNS = [f.name for f in fields(HistoryRow)]
_FLOAT_COLS = {f.name for f in fields(HistoryRow) if f.type == "float"}
_INT_COLS = {f.name for f in fields(HistoryRow) if f.type == "int"}


def machine_id(
    cpu_model: str, cpu_count: int | None, memory_bytes: int | None, arch: str, gpu: str | None
) -> str:
    """A short stable id of the hardware: sha256 of CPU model, cores, memory (GiB), arch, GPU.

    Software versions are deliberately not part of it (they go in ``env_summary``), so the
    history of one machine continues across dependency upgrades, which are visible per row.
    """
    mem_gib = round(memory_bytes / 2**30) if memory_bytes else None
    text = f"{cpu_model}|{cpu_count}|{mem_gib}|{arch}|{gpu or 'none'}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _dirty(commit: dict[str, Any], env: dict[str, Any] | None) -> bool:
    """``env["code_dirty"]`` (changes outside outputs) when recorded, else pytest-benchmark's."""
    if env and env.get("code_dirty") is not None:
        return bool(env["code_dirty"])
    return bool(commit.get("dirty"))


def _load_1m(env: dict[str, Any] | None) -> float:
    """The 1-minute load average when the run started (NaN when not recorded)."""
    load = (env or {}).get("load_avg")
    return float(load[0]) if isinstance(load, list) and load else math.nan


def _machine_from(doc: dict[str, Any], env: dict[str, Any] | None) -> tuple[str, str]:
    """(machine_id, env_summary) from the env snapshot in extra_info, else machine_info."""
    from perflab.harness.env import env_summary

    if env:
        mid = machine_id(
            env.get("cpu_model", "?"),
            env.get("cpu_count"),
            env.get("memory_bytes"),
            env.get("machine", "?"),
            env.get("gpu_name"),
        )
        try:
            summary = env_summary(env)
        except (KeyError, TypeError, AttributeError):
            summary = json.dumps(env, sort_keys=True)[:200]
        return mid, summary
    mi = doc.get("machine_info") or {}
    cpu = mi.get("cpu") or {}
    model = cpu.get("brand_raw") or mi.get("processor") or "?"
    count = cpu.get("count")
    mid = machine_id(model, count, None, mi.get("machine", "?"), None)
    summary = f"{model} x{count} | py{mi.get('python_version')} | (no env snapshot)"
    return mid, summary


def rows_from_benchmark_json(path: str | os.PathLike[str]) -> list[HistoryRow]:
    """Read a pytest-benchmark JSON file into history rows (one per benchmark).

    The run id is the sha256 of the file's ``datetime`` and commit, so appending the same
    file twice is detected. Raises :class:`HistoryError` on a missing file, invalid JSON, or
    a file without benchmarks.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise HistoryError(f"benchmark JSON not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise HistoryError(f"benchmark JSON {path} is not valid JSON: {exc}") from exc
    benches = doc.get("benchmarks")
    if not isinstance(benches, list) or not benches:
        raise HistoryError(f"{path} holds no benchmarks (was the run empty or skipped?)")
    commit = doc.get("commit_info") or {}
    stamp = str(doc.get("datetime") or "")
    if not stamp:
        raise HistoryError(f"{path} has no 'datetime' field; not a pytest-benchmark file?")
    run_id = hashlib.sha256(f"{stamp}|{commit.get('id')}".encode()).hexdigest()[:12]
    rows = []
    for b in benches:
        try:
            st = b["stats"]
            extra = b.get("extra_info") or {}
            mid, summary = _machine_from(doc, extra.get("env"))
            rows.append(
                HistoryRow(
                    run_id=run_id,
                    timestamp=stamp,
                    git_commit=str(commit.get("id") or ""),
                    git_dirty=_dirty(commit, extra.get("env")),
                    branch=str(commit.get("branch") or ""),
                    machine_id=mid,
                    env_summary=summary,
                    load_1m=_load_1m(extra.get("env")),
                    tier=str(extra.get("tier") or ""),
                    name=str(b["name"]),
                    fullname=str(b.get("fullname") or b["name"]),
                    group=str(b.get("group") or ""),
                    params=json.dumps(b.get("params"), sort_keys=True, default=str)
                    if b.get("params")
                    else "",
                    median_s=float(st["median"]),
                    iqr_s=float(st["iqr"]),
                    q1_s=float(st["q1"]),
                    q3_s=float(st["q3"]),
                    mean_s=float(st["mean"]),
                    stddev_s=float(st["stddev"]),
                    min_s=float(st["min"]),
                    max_s=float(st["max"]),
                    rounds=int(st["rounds"]),
                    iterations=int(st.get("iterations", 1)),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HistoryError(
                f"{path}: benchmark {b.get('fullname', b.get('name'))!r} is malformed: {exc!r}"
            ) from exc
    return rows


def _parse_row(raw: dict[str, str], where: str) -> HistoryRow:
    missing = [c for c in COLUMNS if c not in raw]
    if missing:
        raise HistoryError(f"{where}: missing columns {missing}")
    vals: dict[str, Any] = {}
    try:
        for c in COLUMNS:
            v = raw[c]
            if c in _FLOAT_COLS:
                vals[c] = float(v)
            elif c in _INT_COLS:
                vals[c] = int(v)
            elif c == "git_dirty":
                vals[c] = v.strip().lower() in ("1", "true", "yes")
            else:
                vals[c] = v
    except ValueError as exc:
        raise HistoryError(f"{where}: bad value ({exc})") from exc
    return HistoryRow(**vals)


def read_history(path: str | os.PathLike[str] = DEFAULT_CSV) -> list[HistoryRow]:
    """All rows of a history CSV, in file order (an absent file is an empty history)."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None:
            return []
        return [_parse_row(r, f"{path}:{i + 2}") for i, r in enumerate(reader)]


def _to_csv(rows: Iterable[HistoryRow]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        d = asdict(r)
        for c in _FLOAT_COLS:
            d[c] = repr(d[c])  # full precision, round-trips exactly
        w.writerow(d)
    return buf.getvalue()


def append_history(rows: Sequence[HistoryRow], path: str | os.PathLike[str] = DEFAULT_CSV) -> int:
    """Append ``rows`` to the history CSV; returns how many were added.

    Rows of a run id already present are skipped (re-appending a file is a no-op). The file
    is rewritten atomically (temp file + rename).
    """
    path = Path(path)
    existing = read_history(path)
    seen = {r.run_id for r in existing}
    new = [r for r in rows if r.run_id not in seen]
    if new:
        atomic_write_text(path, _to_csv([*existing, *new]))
    return len(new)


def latest_machine(history: Sequence[HistoryRow]) -> str | None:
    """The machine id of the most recently appended row (None for an empty history)."""
    return history[-1].machine_id if history else None
