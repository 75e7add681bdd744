"""Environment capture: what machine and software produced a number."""

from __future__ import annotations

import datetime as _dt
import importlib
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "env_snapshot",
    "env_summary",
    "git_dirty",
]


def _git(args: list[str], cwd: str | os.PathLike[str] | None = None) -> str | None:
    """Stdout of ``git ARGS`` run in ``cwd`` (default: this package's folder), or None when
    git is missing, fails, or ``cwd`` is not in a checkout."""
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=cwd or Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def _git_commit(cwd: str | os.PathLike[str] | None = None) -> str | None:
    out = _git(["rev-parse", "HEAD"], cwd)
    return (out.strip() or None) if out is not None else None


def git_dirty(
    cwd: str | os.PathLike[str] | None = None, exclude: tuple[str, ...] = ()
) -> bool | None:
    """True when tracked files (outside the ``exclude`` paths) have uncommitted changes.

    None outside a git checkout or without git.
    """
    spec = ["--", ".", *(f":(exclude){p}" for p in exclude)] if exclude else []
    out = _git(["status", "--porcelain", "--untracked-files=no", *spec], cwd)
    return bool(out.strip()) if out is not None else None


_git_dirty = git_dirty


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_bytes() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except Exception:  # psutil missing or unsupported platform
        try:
            return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            return None


def _load_avg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import PackageNotFoundError, version

        dist = {"warp": "warp-lang"}.get(module, module)
        try:
            return version(dist)
        except PackageNotFoundError:
            return getattr(importlib.import_module(module), "__version__", None)
    except Exception:
        return None


def _torch_info() -> dict[str, Any]:
    info: dict[str, Any] = {"torch_threads": None, "cuda_available": False, "gpu_name": None}
    try:
        import torch
    except Exception as exc:  # torch is a dependency, but report rather than crash
        info["torch_error"] = f"{type(exc).__name__}: {exc}"
        return info
    info["torch_threads"] = int(torch.get_num_threads())
    try:
        info["cuda_available"] = bool(torch.cuda.is_available())
        if info["cuda_available"]:
            info["gpu_name"] = torch.cuda.get_device_name(0)
            info["cuda_version"] = torch.version.cuda
    except Exception as exc:
        info["cuda_error"] = f"{type(exc).__name__}: {exc}"
    return info


def env_snapshot() -> dict[str, Any]:
    """A JSON-serialisable description of the machine and software in use.

    Keys: ``git_commit`` (or None outside a git checkout), ``git_dirty``, ``python``,
    ``implementation``, ``platform``, ``machine``, ``cpu_model``, ``cpu_count``,
    ``memory_bytes``, ``versions`` (numpy, scipy, torch, warp, ...), ``torch_threads``,
    ``cuda_available``, ``gpu_name``, ``env`` (thread-related variables), ``load_avg`` (the
    1/5/15-minute load averages when taken: other work on the machine skews timings) and
    ``timestamp`` (UTC, ISO 8601).
    """
    snap: dict[str, Any] = {
        "git_commit": _git_commit(),
        "git_dirty": _git_dirty(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "load_avg": _load_avg(),
        "versions": {
            name: _version(name)
            for name in ("perflab", "numpy", "scipy", "torch", "warp", "datasets", "polars")
        },
        "env": {
            k: os.environ[k]
            for k in (
                "OMP_NUM_THREADS",
                "MKL_NUM_THREADS",
                "OPENBLAS_NUM_THREADS",
                "OPENBLAS_CORETYPE",
                "PERFLAB_SOLVER_TIMEOUT",
                "CI",
            )
            if k in os.environ
        },
        "timestamp": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    snap.update(_torch_info())
    return snap


def env_summary(snap: dict[str, Any] | None = None) -> str:
    """One line naming the machine, for tables and history files."""
    s = snap or env_snapshot()
    return (
        f"{s['cpu_model']} x{s['cpu_count']} | py{s['python']} | "
        f"numpy {s['versions'].get('numpy')} | torch {s['versions'].get('torch')} | "
        f"gpu {s.get('gpu_name') or 'none'}"
    )
