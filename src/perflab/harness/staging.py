"""Build into a staging folder, then swap it in: a rebuild never deletes the last good data
before the new data is complete.

A staging root (e.g. ``artefacts/datasets/.atlas-small.staging/``, git-ignored by the
``.*.staging/`` pattern) holds one staged folder per target (``ROOT/<name>``). A build
writes there; only once it is complete does :func:`swap_in` move each target aside
(``ROOT/old-<name>``) and the staged folder into its place (two ``rename`` calls on the same
file system, microseconds apart), then delete the old copies. A ``READY`` marker written
before the first rename makes the swap itself crash-safe: a process killed between the
renames leaves the marker, and :func:`recover` (called at the start of the next build)
finishes the swap. Killed at any other moment, the targets are untouched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from perflab.harness.atomic import _fsync_dir

__all__ = ["READY", "recover", "reset_stage", "staging_root", "swap_in"]

READY = "READY"


def staging_root(target: str | os.PathLike[str]) -> Path:
    """The staging root of ``target``: ``<parent>/.<name>.staging``."""
    target = Path(target)
    return target.parent / f".{target.name}.staging"


def reset_stage(root: Path, targets: Mapping[str, Path], *, seed: bool) -> dict[str, Path]:
    """Empty the staged folders of ``root`` (``seed=True``: start each as a copy of its
    target, for a partial rebuild such as one family) and return them by name."""
    staged = {}
    for name, target in targets.items():
        path = root / name
        shutil.rmtree(path, ignore_errors=True)
        if seed and Path(target).exists():
            shutil.copytree(target, path, symlinks=True)
        staged[name] = path
    return staged


def swap_in(root: Path, targets: Mapping[str, Path]) -> None:
    """Move each staged ``root/<name>`` onto its target (see the module docstring)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / READY).write_text("swap in progress\n", encoding="utf-8")
    _fsync_dir(root)
    for name, target in targets.items():
        staged, old = root / name, root / f"old-{name}"
        if not staged.exists():  # already moved by an interrupted swap
            continue
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.rename(target, old)
        os.rename(staged, target)
        _fsync_dir(target.parent)
    (root / READY).unlink()
    _fsync_dir(root)
    for name in targets:
        shutil.rmtree(root / f"old-{name}", ignore_errors=True)


def recover(root: Path, targets: Mapping[str, Path]) -> bool:
    """Finish a swap that was interrupted (its ``READY`` marker is there); True if it did."""
    if not (root / READY).exists():
        return False
    swap_in(root, targets)
    return True
