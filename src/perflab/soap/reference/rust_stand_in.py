"""Stand-in for ``anisoap_rust_lib``, the compiled Rust extension of anisoap 0.1.1.

The extension is built from Rust crates (pyo3, numpy) that cannot be fetched on machines
without the crates registry, so the package is installed without it (see
:mod:`perflab.soap.reference.install`). anisoap imports ``compute_moments`` from it at module
import time even when the pure-Python moment path (``rust_moments=False``) is used; this
module satisfies that import. Calling it is an error: the reference is always run with
``rust_moments=False`` here, so every number it produces comes from its own Python code.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "MODULE_NAME",
    "compute_moments",
]

MODULE_NAME = "anisoap_rust_lib"


def compute_moments(*args: Any, **kwargs: Any) -> Any:
    """Always raises: the Rust moment kernel is not built (use ``rust_moments=False``)."""
    raise NotImplementedError(
        "anisoap_rust_lib is a stand-in (the Rust extension is not built): call anisoap "
        "with rust_moments=False"
    )
