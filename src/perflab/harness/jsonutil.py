"""JSON encoding of the scientific types that reports and logs carry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["json_default", "plain"]


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


def plain(obj: Any) -> Any:
    """``obj`` as plain JSON values, recursively: dict keys as strings, tuples as lists,
    numpy arrays as nested lists and numpy scalars as Python scalars (``.item()``).

    >>> import numpy as np
    >>> plain({1: (np.int64(2), np.array([0.5]))})
    {'1': [2, [0.5]]}
    """
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
