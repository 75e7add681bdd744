"""Harness-level workloads: real numerical kernels the project's domains lean on.

Each entry of :data:`PROFILE_TARGETS` maps a name to a zero-argument *factory*. Calling the
factory does the set-up (random inputs from a fixed seed) and returns the zero-argument
callable that is timed or profiled, so set-up never shows in a profile. The same convention
is used by every domain's ``perflab.<domain>.workloads`` module (see
:mod:`perflab.devtools.profile`), and ``benchmarks/harness/test_bench_workloads.py``
benchmarks each one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "PROFILE_TARGETS",
    "Factory",
    "convex_hull_4d",
    "linprog_highs",
    "numpy_sort",
    "python_pairwise",
]

Factory = Callable[[], Callable[[], Any]]


def numpy_sort() -> Callable[[], np.ndarray]:
    """Sort 200 000 uniform float64 values (numpy's introsort/radix paths)."""
    x = np.random.default_rng(0).random(200_000)
    return lambda: np.sort(x)


def convex_hull_4d() -> Callable[[], Any]:
    """Qhull convex hull of 2 000 points on the unit sphere S^3 (the V->H step of polytopes).

    Every point is a vertex, so the hull has ~13 000 facets: Qhull's worst case per point.
    """
    from scipy.spatial import ConvexHull

    pts = np.random.default_rng(1).standard_normal((2_000, 4))
    pts /= np.linalg.norm(pts, axis=1, keepdims=True)
    return lambda: ConvexHull(pts)


def linprog_highs() -> Callable[[], Any]:
    """A dense feasible LP with 60 variables and 400 constraints, solved by HiGHS.

    ``min c.x`` s.t. ``A x <= b``, ``0 <= x <= 1`` with ``b = A x0 + 1`` for an interior
    ``x0``, so the problem is feasible and bounded.
    """
    from scipy.optimize import linprog

    rng = np.random.default_rng(2)
    a = rng.standard_normal((400, 60))
    x0 = rng.random(60)
    b = a @ x0 + 1.0
    c = rng.standard_normal(60)

    def run() -> Any:
        res = linprog(c, A_ub=a, b_ub=b, bounds=(0.0, 1.0), method="highs")
        if res.status != 0:
            raise RuntimeError(f"linprog failed: {res.message}")
        return res

    return run


def python_pairwise() -> Callable[[], float]:
    """Pure-Python O(n^2) minimum pairwise distance of 300 points in R^3.

    A deliberately interpreted hot loop: its profile shows Python frames, which is what
    line_profiler and py-spy are for (see docs/performance.md).
    """
    pts = np.random.default_rng(3).random((300, 3)).tolist()

    def dist2(p: list[float], q: list[float]) -> float:
        return (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 + (p[2] - q[2]) ** 2

    def run() -> float:
        best = float("inf")
        for i, p in enumerate(pts):
            for q in pts[i + 1 :]:
                d = dist2(p, q)
                if d < best:
                    best = d
        return best**0.5

    return run


PROFILE_TARGETS: dict[str, Factory] = {
    "numpy_sort": numpy_sort,
    "convex_hull_4d": convex_hull_4d,
    "linprog_highs": linprog_highs,
    "python_pairwise": python_pairwise,
}
