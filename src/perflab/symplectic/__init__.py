"""Symplectic polytopes: volume, EHZ capacity, systolic ratio, minimal-action cycles.

Coordinates in R^{2n} are (q_1..q_n, p_1..p_n), omega(x, y) = <J x, y> with
J = [[0, I], [-I, 0]]. See ``README.md`` ("Symplectic core") for an overview.
"""

from perflab.symplectic.polytope import InvalidPolytope, Polytope
from perflab.symplectic.volume import volume

__all__ = ["InvalidPolytope", "Polytope", "volume"]
