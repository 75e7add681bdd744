"""Keep the standard library's ``profile`` module reachable when a notebook shadows it.

``notebooks/profile.py`` is a notebook name the project uses. Run as a script, a notebook's
folder is first on ``sys.path``, so a plain ``import profile`` (done by ``cProfile``) would
load that notebook instead of the standard library module and break every profiler. On
import of :mod:`perflab` the stdlib module is loaded from its own file and registered under
``profile`` when, and only when, the name would otherwise resolve elsewhere.
"""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from pathlib import Path

__all__ = [
    "ensure_stdlib_profile",
]


def ensure_stdlib_profile() -> None:
    """Register the stdlib ``profile`` module if ``import profile`` would find another file."""
    mod = sys.modules.get("profile")
    if mod is not None and hasattr(mod, "Profile") and hasattr(mod, "run"):
        return
    stdlib_file = Path(sysconfig.get_path("stdlib")) / "profile.py"
    try:
        spec = importlib.util.find_spec("profile")
    except (ImportError, ValueError):
        spec = None
    origin = Path(spec.origin).resolve() if spec is not None and spec.origin else None
    if mod is None and origin == stdlib_file.resolve():
        return  # the normal import will find the right module
    std_spec = importlib.util.spec_from_file_location("profile", stdlib_file)
    if std_spec is None or std_spec.loader is None:
        return
    std = importlib.util.module_from_spec(std_spec)
    sys.modules["profile"] = std
    try:
        std_spec.loader.exec_module(std)
    except Exception:
        sys.modules.pop("profile", None)
        return
    sys.modules.pop("cProfile", None)  # drop a half-made cProfile from a failed import
