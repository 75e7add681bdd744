"""Volume of a convex polytope in any dimension.

vol(K) is computed from Qhull's triangulation of the boundary: the sum over boundary
simplices of the volumes of the cones over an interior point, i.e. exact up to floating
point rounding (``scipy.spatial.ConvexHull.volume``). In R^2 it is the area.

It is computed on the unit-frame copy U of ``P = s U + c`` and scaled back,
vol(P) = s^d vol(U) (``s`` a power of two: exact): ``inf`` when the volume exceeds the
float64 range (a cube of half-width 1e77 in R^4), :class:`OutOfFloatRange` when it lies
below the normal range (half-width 1e-77 in R^4); :func:`log_volume` is finite for every
polytope.
"""

from __future__ import annotations

import math

from scipy.spatial import ConvexHull

from perflab.symplectic.frame import OutOfFloatRange, scale_back
from perflab.symplectic.polytope import InvalidPolytope, Polytope

__all__ = ["OutOfFloatRange", "log_volume", "unit_volume", "volume"]


def unit_volume(P: Polytope) -> tuple[float, float]:
    """``(vol(U), s)`` for ``P = s U + c`` in its unit frame: vol(P) = s^d vol(U)."""
    if not isinstance(P, Polytope):
        raise InvalidPolytope(f"volume expects a Polytope, got {type(P).__name__}")
    U, _, s = P.normalised()
    return float(ConvexHull(U.vertices).volume), s


def volume(P: Polytope) -> float:
    """The d-dimensional volume of ``P`` (its area when d = 2).

    Computed on the unit-frame copy ``U`` of ``P = s U + c`` (Qhull's facet volumes) and
    scaled back by s^d.

    Parameters
    ----------
    P : Polytope
        Any polytope in R^d, d >= 2.

    Returns
    -------
    float
        vol(P); ``inf`` past the float64 range.

    Raises
    ------
    OutOfFloatRange
        A volume below float64's normal range (use :func:`log_volume`).

    Examples
    --------
    >>> from perflab.symplectic import Polytope
    >>> volume(Polytope.from_vertices([[0, 0], [2, 0], [2, 1], [0, 1]]))
    2.0
    """
    v, s = unit_volume(P)
    return scale_back(v, s, P.dim, "the volume")


def log_volume(P: Polytope) -> float:
    """The natural logarithm of the volume of ``P``: finite for every polytope."""
    v, s = unit_volume(P)
    return math.log(v) + P.dim * math.log(s)
