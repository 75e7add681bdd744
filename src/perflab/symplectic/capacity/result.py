"""The result type shared by every capacity method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from perflab.symplectic.polytope import InvalidPolytope, Polytope

__all__ = ["CapacityResult", "require_symplectic"]


@dataclass(frozen=True)
class CapacityResult:
    """c_EHZ of a polytope with its witness.

    value: the capacity.
    cycle: (k, d) vertices of a closed characteristic of minimal action ``value`` (in the
        coordinates of the polytope that was passed in), traversed along +J n.
    method: "haim_kislev" | "billiards" | "reeb" | "area".
    facets: for each edge of ``cycle``, the facet (index into ``P.normals``) it runs on, or
        -1 where an edge runs along a lower-dimensional face (billiards at a corner).
    candidates: how many combinatorial candidates (cycles / edge triples) were examined.
    details: method-specific extras (JSON-serialisable).
    """

    value: float
    cycle: np.ndarray
    method: str
    facets: tuple[int, ...] = ()
    candidates: int = 0
    details: dict[str, Any] = field(default_factory=dict)


def require_symplectic(P: Polytope, what: str = "a symplectic quantity") -> int:
    """Return n for P in R^{2n}; raise InvalidPolytope for odd dimension or a non-Polytope."""
    if not isinstance(P, Polytope):
        raise InvalidPolytope(f"{what} needs a Polytope, got {type(P).__name__}")
    if P.dim % 2:
        raise InvalidPolytope(f"{what} needs an even dimension 2n, got dimension {P.dim}")
    return P.dim // 2
