"""Scalar reference for tricubic interpolation: a Python loop, one point at a time.

It follows nanoBragg.c (J. Holton) literally: the range test on the fractional index, the
4x4x4 block of F around ``floor(x)``, and ``polin3``: 4-point Lagrange interpolation
(``polint``, four explicit terms with the nodes as absolute coordinates) along l for each
(h, k) node, then along k, then along h. Out of range it takes the nearest node
``ceil(x - 0.5)`` when that is on the grid (``out_of_range="nearest"``), else ``default_F``.
Decisions are per point. Slow by design: it exists for parity tests of the fast kernels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from perflab.bragg.grid import check_out_of_range, parse_hkl_min

__all__ = ["lagrange4", "tricubic_reference"]


def lagrange4(nodes: tuple[float, float, float, float], values, x: float) -> float:
    """Cubic through (nodes[j], values[j]) at x, as the sum of four Lagrange terms."""
    total = 0.0
    for j in range(4):
        num = values[j]
        den = 1.0
        for m in range(4):
            if m != j:
                num *= x - nodes[m]
                den *= nodes[j] - nodes[m]
        total += num / den
    return total


def _interpolate_point(F: np.ndarray, mins, x: tuple[float, float, float]) -> float:
    floors = [math.floor(c) for c in x]
    nodes = [tuple(float(f + d) for d in (-1, 0, 1, 2)) for f in floors]
    start = [floors[a] - 1 - mins[a] for a in range(3)]
    block = F[start[0] : start[0] + 4, start[1] : start[1] + 4, start[2] : start[2] + 4]
    along_k = []
    for i in range(4):
        along_l = [lagrange4(nodes[2], block[i, j, :].tolist(), x[2]) for j in range(4)]
        along_k.append(lagrange4(nodes[1], along_l, x[1]))
    return lagrange4(nodes[0], along_k, x[0])


def tricubic_reference(
    F: Any,
    hkl_min: Any,
    h: Any,
    k: Any,
    l: Any,
    *,
    default_F: float = 0.0,
    out_of_range: str = "nearest",
) -> tuple[np.ndarray, np.ndarray]:
    """Values (float64) and in-range mask for the queries, computed point by point.

    Parameters
    ----------
    F : array-like, shape (H, K, L), non-empty.
    hkl_min : three integers.
    h, k, l : array-likes, broadcastable (converted to float64 numpy).
    default_F : float, value for out-of-range points without a usable nearest node.
    out_of_range : {"nearest", "default"}, as :func:`perflab.bragg.tricubic_interpolate`.

    Returns
    -------
    values : ndarray of float64, the broadcast shape.
    mask : ndarray of bool, True where the point was interpolated.

    Raises
    ------
    ValueError
        A bad grid, ``hkl_min`` or mode, or a non-finite query.

    References
    ----------
    J. Holton, nanoBragg.c (``polin3``, ``polint``); Press et al., Numerical Recipes, sec. 3.1.

    Examples
    --------
    >>> import numpy as np
    >>> v, mask = tricubic_reference(np.arange(216.0).reshape(6, 6, 6), (0, 0, 0), [2.5, 9.0],
    ...                              2.0, 2.0, out_of_range="default")
    >>> v.tolist(), mask.tolist()
    ([104.0, 0.0], [True, False])
    """
    check_out_of_range(out_of_range)
    F = np.asarray(F, dtype=np.float64)
    if F.ndim != 3 or F.size == 0:
        raise ValueError(f"F must be a non-empty 3-D grid, got shape {F.shape}")
    mins = parse_hkl_min(hkl_min)
    ranges = F.shape
    hh, kk, ll = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (h, k, l)))
    values = np.empty(hh.shape, dtype=np.float64)
    mask = np.zeros(hh.shape, dtype=bool)
    for pos in np.ndindex(hh.shape):
        x = (float(hh[pos]), float(kk[pos]), float(ll[pos]))
        if not all(math.isfinite(c) for c in x):
            raise ValueError(f"non-finite Miller index {x} at position {pos}")
        out = any((x[a] - mins[a] + 3) > ranges[a] or (x[a] - 2) < mins[a] for a in range(3))
        if not out:
            values[pos] = _interpolate_point(F, mins, x)
            mask[pos] = True
            continue
        near = [math.ceil(c - 0.5) for c in x]
        on_grid = all(mins[a] <= near[a] <= mins[a] + ranges[a] - 1 for a in range(3))
        if out_of_range == "nearest" and on_grid:
            values[pos] = F[near[0] - mins[0], near[1] - mins[1], near[2] - mins[2]]
        else:
            values[pos] = default_F
    return values, mask
