"""A JSON manifest for resumable builds, written atomically."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perflab.harness.atomic import atomic_write_text
from perflab.harness.env import env_snapshot

__all__ = [
    "Manifest",
    "ManifestError",
]


class ManifestError(ValueError):
    """A manifest file is unreadable or belongs to another schema version."""


@dataclass
class Manifest:
    """What a build has done, keyed by deterministic ids, plus its parameters.

    ``done`` maps an id to a small JSON-serialisable record (e.g. the shard it went to).
    :meth:`save` writes the whole manifest to a temporary file and renames it over the old
    one, so a crash at any moment leaves the previous manifest intact.
    """

    path: Path
    schema_version: str
    params: dict[str, Any] = field(default_factory=dict)
    done: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    record_env: bool = True

    @classmethod
    def load_or_create(
        cls,
        path: str | os.PathLike[str],
        *,
        schema_version: str,
        params: dict[str, Any] | None = None,
        record_env: bool = True,
    ) -> Manifest:
        """Open the manifest at ``path`` or start an empty one.

        ``record_env=False`` keeps the environment snapshot out of the file (a manifest
        whose other content is deterministic and committed must not change from machine to
        machine; an ``env`` read from an older file is dropped on the next save).

        Raises :class:`ManifestError` if an existing manifest has another schema version or
        other parameters (resuming it would mix two builds).
        """
        path = Path(path)
        params = dict(params or {})
        if not path.exists():
            return cls(
                path=path, schema_version=schema_version, params=params, record_env=record_env
            )
        m = cls.load(path)
        m.record_env = record_env
        if not record_env:
            m.env = None
        if m.schema_version != schema_version:
            raise ManifestError(
                f"{path}: schema_version {m.schema_version!r} differs from {schema_version!r}; "
                "remove the build folder to start afresh"
            )
        if params and _canon(m.params) != _canon(params):
            raise ManifestError(
                f"{path}: the existing build was made with other parameters; "
                "remove the build folder or resume with the same parameters"
            )
        return m

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Manifest:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ManifestError(f"{path}: cannot read manifest: {exc}") from exc
        if not isinstance(data, dict) or "schema_version" not in data:
            raise ManifestError(f"{path}: not a perflab manifest (no schema_version)")
        return cls(
            path=path,
            schema_version=str(data["schema_version"]),
            params=data.get("params", {}),
            done=data.get("done", {}),
            env=data.get("env"),
            extra=data.get("extra", {}),
        )

    def is_done(self, item_id: str) -> bool:
        return item_id in self.done

    def mark_done(self, item_id: str, info: Any = True, *, save: bool = True) -> None:
        self.done[item_id] = info
        if save:
            self.save()

    def to_dict(self) -> dict[str, Any]:
        out = {
            "schema_version": self.schema_version,
            "params": self.params,
            "done": self.done,
            "env": self.env,
            "extra": self.extra,
        }
        if not self.record_env:
            del out["env"]
        return out

    def save(self, *, capture_env: bool = False) -> Path:
        """Write atomically (temp file + fsync + rename); optionally refresh ``env`` (never
        with ``record_env=False``)."""
        if self.record_env and (capture_env or self.env is None):
            self.env = env_snapshot()
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"
        return atomic_write_text(self.path, text)


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str)
