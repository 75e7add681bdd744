"""Symplectic polytopes: volume, EHZ capacity, systolic ratio, minimal-action cycles.

Coordinates in R^{2n} are (q_1..q_n, p_1..p_n), omega(x, y) = <J x, y> with
J = [[0, I], [-I, 0]]. See ``README.md`` ("Symplectic core") for an overview.
"""

from perflab.symplectic.capacity import (
    CapacityResult,
    applicable_methods,
    auto_method,
    ehz_capacity,
)
from perflab.symplectic.capacity.reeb import LagrangianFaceError
from perflab.symplectic.cycles import CycleCheck, action, check_cycle
from perflab.symplectic.polytope import InvalidPolytope, Polytope
from perflab.symplectic.systolic import systolic_ratio
from perflab.symplectic.volume import volume

__all__ = [
    "CapacityResult",
    "CycleCheck",
    "InvalidPolytope",
    "LagrangianFaceError",
    "Polytope",
    "action",
    "applicable_methods",
    "auto_method",
    "check_cycle",
    "ehz_capacity",
    "systolic_ratio",
    "volume",
]
