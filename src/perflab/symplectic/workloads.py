"""Profile targets of the symplectic core (``python -m perflab.devtools.profile symplectic.X``).

Each entry of :data:`PROFILE_TARGETS` maps a name to a zero-argument *factory*: calling it
builds the input polytope from a fixed seed (set-up, never profiled) and returns the
zero-argument callable that is profiled (see :mod:`perflab.devtools.profile`). They are the
workloads of ``benchmarks/symplectic/``; each call takes well under a second here (2-core
machine), so a profile with ``--repeat 3`` stays a few seconds. Every target is also
benchmarked in the deep tier by ``benchmarks/harness/test_bench_workloads.py``.

Inputs:

- the Haim-Kislev-Ostrover pentagon product K x T (regular pentagon x the pentagon rotated
  by 90 degrees, 10 facets; c_EHZ = 2 cos(pi/10)(1 + cos(pi/5)));
- a random 4D halfspace polytope with exactly 10 facets
  (``generators.halfspace_polytope_4d(1000, facets=10)``: no halfspace is redundant);
- the hull of 256 points on S^3 (256 vertices, ~1 600 facets) for volume and H->V.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perflab.harness.workloads import Factory  # the factory convention, one definition

__all__ = [
    "PROFILE_TARGETS",
    "RANDOM_10_FACETS_SEED",
    "Factory",
    "billiards_16gon",
    "billiards_pentagon",
    "h_to_v_4d",
    "haim_kislev_pentagon",
    "haim_kislev_random10",
    "pentagon_product",
    "random_10_facets",
    "reeb_circumscribed30",
    "reeb_random10",
    "sphere_hull_4d",
    "v_to_h_4d",
    "volume_4d",
]


#: seed of the random 10-facet 4D halfspace polytope (checked to keep all 10 halfspaces)
RANDOM_10_FACETS_SEED = 1000


def pentagon_product() -> Any:
    """The Haim-Kislev-Ostrover pentagon product (10 facets, a Lagrangian product)."""
    from perflab.symplectic import generators as gen

    return gen.polygon_product(0, n=5, m=5, r=1, s=4)[0]


def random_10_facets() -> Any:
    """A random 4D halfspace polytope with exactly 10 facets (no Lagrangian 2-face)."""
    from perflab.symplectic import generators as gen

    P = gen.halfspace_polytope_4d(RANDOM_10_FACETS_SEED, facets=10)[0]
    if P.num_facets != 10:  # a generator change would silently change the workload
        raise RuntimeError(f"expected 10 facets from seed {RANDOM_10_FACETS_SEED}, got {P}")
    return P


def sphere_hull_4d(points: int = 256) -> Any:
    """Convex hull of ``points`` uniform points on S^3 (every point is a vertex)."""
    from perflab.symplectic import generators as gen

    return gen.hull_sphere_4d(0, points=points)[0]


def volume_4d() -> Callable[[], float]:
    """volume() of the hull of 256 points on S^3 (Qhull triangulation, ~1 600 facets)."""
    from perflab.symplectic import volume

    P = sphere_hull_4d()
    return lambda: volume(P)


def h_to_v_4d() -> Callable[[], Any]:
    """H->V: Polytope.from_halfspaces on the ~1 600 facets of a 256-vertex hull on S^3."""
    from perflab.symplectic import Polytope

    P = sphere_hull_4d()
    A, b = P.normals.copy(), P.offsets.copy()
    return lambda: Polytope.from_halfspaces(A, b)


def v_to_h_4d() -> Callable[[], Any]:
    """V->H: Polytope.from_vertices(...).normals for 256 points on S^3."""
    from perflab.symplectic import Polytope

    V = sphere_hull_4d().vertices.copy()
    return lambda: Polytope.from_vertices(V).normals


def _capacity(P: Any, method: str) -> Callable[[], Any]:
    from perflab.symplectic import ehz_capacity

    return lambda: ehz_capacity(P, method)


def haim_kislev_pentagon() -> Callable[[], Any]:
    """ehz_capacity(method="haim_kislev") of the pentagon product (10 facets)."""
    return _capacity(pentagon_product(), "haim_kislev")


def haim_kislev_random10() -> Callable[[], Any]:
    """ehz_capacity(method="haim_kislev") of a random 10-facet 4D halfspace polytope."""
    return _capacity(random_10_facets(), "haim_kislev")


def billiards_pentagon() -> Callable[[], Any]:
    """ehz_capacity(method="billiards") of the pentagon product (Minkowski billiards)."""
    return _capacity(pentagon_product(), "billiards")


def billiards_16gon() -> Callable[[], Any]:
    """ehz_capacity(method="billiards") of a regular 16-gon x 16-gon rotated by 1/4 turn."""
    from perflab.symplectic import generators as gen

    return _capacity(gen.polygon_product(0, n=16, m=16, r=1, s=4)[0], "billiards")


def reeb_random10() -> Callable[[], Any]:
    """ehz_capacity(method="reeb") of a random 10-facet 4D halfspace polytope."""
    return _capacity(random_10_facets(), "reeb")


def reeb_circumscribed30() -> Callable[[], Any]:
    """ehz_capacity(method="reeb") of a 30-facet circumscribed_4d polytope (the tube
    search past the enumeration wall: ~13,000 tubes)."""
    from perflab.symplectic import generators as gen

    return _capacity(gen.circumscribed_4d(0, facets=30)[0], "reeb")


PROFILE_TARGETS: dict[str, Factory] = {
    "volume_4d": volume_4d,
    "h_to_v_4d": h_to_v_4d,
    "v_to_h_4d": v_to_h_4d,
    "haim_kislev_pentagon": haim_kislev_pentagon,
    "haim_kislev_random10": haim_kislev_random10,
    "billiards_pentagon": billiards_pentagon,
    "billiards_16gon": billiards_16gon,
    "reeb_random10": reeb_random10,
    "reeb_circumscribed30": reeb_circumscribed30,
}
