"""JSON encoding of the scientific types that reports and logs carry."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def json_default(obj: Any) -> Any:
    """``default=`` hook for :func:`json.dumps`: numpy scalars and arrays, and paths.

    Anything else raises ``TypeError`` naming the type, as :mod:`json` itself does.
    """
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:
        pass
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable")
