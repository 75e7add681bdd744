"""Exact c_EHZ of a 4D polytope without Lagrangian 2-faces by combinatorial Reeb orbits.

Chaidez-Hutchings (arXiv:2008.10111). On a 4D polytope K with 0 inside, the Reeb flow on the
interior of a 3-face (facet) F_i is the constant vector field along J n_i. A 2-face
E = F_a n F_b is Lagrangian iff omega(n_a, n_b) = 0; when no 2-face is Lagrangian the flow
crosses every 2-face transversally, from F_a into F_b when omega(n_a, n_b) > 0 (the velocity
J n_a increases <n_b, x>) and the other way round otherwise. A combinatorial Reeb orbit is a
cyclic sequence of facets (F_1 .. F_k) together with a closed orbit of this piecewise-linear
flow through them: points x_0 .. x_{k-1} and times t_i >= 0 with

    x_i = x_{i-1} + t_i J n_i,   <n_{i+1}, x_i> = h_{i+1}   (x_i enters F_{i+1}),
    sum_i t_i J n_i = 0          (closed),
    x_i in K                     (so every segment lies in its closed facet),

a fixed point of the affine return map of the cycle. Its action is 1/2 sum_i t_i h_i. Type-1
orbits cross the relative interiors of 2-faces; Type-2 orbits pass through lower-dimensional
faces.

c_EHZ(K) is the least action of a closed characteristic (Clarke), and by Haim-Kislev (GAFA
2019, Thm 1.5) some action minimiser visits each facet at most once. The search over facet
sequences is the best-first branch-and-bound of :mod:`perflab.symplectic.capacity.tube`: it
carries, per sequence of 2-faces, the polygon of start points and affine maps for position
and action, and drops every sequence whose least action reaches the best orbit found. Its
cost follows the number of tubes it expands, not the number of cycles of the facet graph.
The orbit it finds is re-solved exactly on its facet sequence
(:func:`perflab.symplectic.cycles.least_action_orbit`).

Raises :class:`LagrangianFaceError` (a ``ValueError``) for polytopes with a Lagrangian 2-face
(every Lagrangian product has one), ``InvalidPolytope`` outside R^4 and
``WorkBudgetExceeded`` past ``max_nodes`` tubes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from perflab.symplectic.capacity.result import CapacityResult, require_symplectic
from perflab.symplectic.capacity.tube import tube, two_faces
from perflab.symplectic.cycles import omega_matrix
from perflab.symplectic.polytope import InvalidPolytope, Polytope

__all__ = ["LagrangianFaceError", "lagrangian_two_faces", "reeb"]


class LagrangianFaceError(ValueError):
    """The polytope has a Lagrangian 2-face, where combinatorial Reeb dynamics is undefined."""


def lagrangian_two_faces(P: Polytope, omega_tol: float = 1e-9) -> list[tuple[int, int]]:
    """2-faces F_a n F_b with omega(n_a, n_b) = 0 (within ``omega_tol``)."""
    Om = omega_matrix(P.normals)
    return [(a, b) for a, b in two_faces(P) if abs(Om[a, b]) <= omega_tol]


def reeb(
    P: Polytope,
    *,
    max_nodes: int | None = None,
    incumbent: float | None = None,
    time_limit: float | None = None,
) -> CapacityResult:
    """c_EHZ of a 4D polytope without Lagrangian 2-faces (see the module docstring).

    ``max_nodes``: the work budget in tubes expanded (default
    :data:`perflab.symplectic.capacity.tube.DEFAULT_MAX_NODES`); ``incumbent``: a known upper
    bound on c_EHZ (prunes from the start; the result then holds no cycle when nothing
    shorter exists, ``details["below_incumbent"] = False``); ``time_limit``: a wall-clock
    safety net in seconds.
    """
    n = require_symplectic(P, "reeb")
    if n != 2:
        raise InvalidPolytope(f"reeb applies to polytopes in R^4, got dimension {P.dim}")
    lag = lagrangian_two_faces(P)
    if lag:
        a, b = lag[0]
        raise LagrangianFaceError(
            f"reeb needs a polytope without Lagrangian 2-faces; facets {a} and {b} meet in "
            f"a Lagrangian 2-face (omega(n_{a}, n_{b}) = 0) and {len(lag) - 1} more do"
        )
    r = tube(P, max_nodes=max_nodes, incumbent=incumbent, time_limit=time_limit, label="reeb")
    details = dict(r.details)
    if len(r.cycle):
        # Type 1 when every transition point lies on exactly two facets (a 2-face interior)
        on = np.sum(np.abs(r.cycle @ P.normals.T - P.offsets) <= 1e3 * P.tol, axis=1)
        details["type"] = 1 if np.all(on == 2) else 2
    return replace(r, method="reeb", details=details)
