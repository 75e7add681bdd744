"""Volume of a convex polytope in any dimension.

vol(K) is computed from Qhull's triangulation of the boundary: the sum over boundary
simplices of the volumes of the cones over an interior point, i.e. exact up to floating
point rounding (``scipy.spatial.ConvexHull.volume``). In R^2 it is the area.
"""

from __future__ import annotations

from scipy.spatial import ConvexHull

from perflab.symplectic.polytope import InvalidPolytope, Polytope

__all__ = ["volume"]


def volume(P: Polytope) -> float:
    """The d-dimensional volume of ``P`` (its area when d = 2)."""
    if not isinstance(P, Polytope):
        raise InvalidPolytope(f"volume expects a Polytope, got {type(P).__name__}")
    return float(ConvexHull(P.vertices).volume)
