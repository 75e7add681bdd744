"""Benchmarks of the symplectic core's parts, by size (issue 8, item 1).

Complements ``test_bench_symplectic.py`` (whole solvers at small sizes, fixed rounds):

- ``symplectic-hk-enumeration`` / ``symplectic-hk-solve``: Haim-Kislev's two phases
  separately, by facet count: the candidate enumeration (``candidate_cycles`` on the
  centred polytope: facet-transition graph and its simple cycles, as ``haim_kislev`` runs
  it) and the per-ordering solve (the batched KKT solve of every candidate ordering,
  ``_kkt_batch`` over ``batches_by_length``, on cycles enumerated outside the timed call;
  ``extra_info["orderings"]`` is the number of orderings, so median / orderings is the cost
  of one);
- ``symplectic-ehz-<method>-by-facets``: each EHZ method by exact facet count (deep);
  billiards by polygon size (``2n`` facets for an n-gon x n-gon);
- ``symplectic-<op>-<d>d``: V->H (``Polytope.from_vertices(...).normals``), H->V
  (``Polytope.from_halfspaces``) and ``volume`` in 3D and 4D, for hulls of growing numbers
  of points on the unit sphere (every point is a vertex, so the vertex count is the size).

Tiers: the sizes that cost milliseconds are smoke (pytest-benchmark's smoke options: 3
rounds); the large sizes are ``deep``. Inputs are built outside the timed call.
"""

from __future__ import annotations

import numpy as np
import pytest

from perflab.symplectic import Polytope, ehz_capacity, volume
from perflab.symplectic import generators as gen
from perflab.symplectic.capacity.haim_kislev import _kkt_batch
from perflab.symplectic.cycles import batches_by_length, candidate_cycles, omega_matrix

deep = pytest.mark.deep


def exact_facets(facets: int) -> Polytope:
    """The first random 4D halfspace polytope (seeds 0, 1, ...) with exactly ``facets``
    facets (``halfspace_polytope_4d`` may drop redundant halfspaces)."""
    for seed in range(200):
        P, _ = gen.halfspace_polytope_4d(seed, facets=facets)
        if P.num_facets == facets:
            return P
    raise RuntimeError(f"no seed < 200 gives a polytope with exactly {facets} facets")


def sphere_points(n: int, d: int) -> np.ndarray:
    X = np.random.default_rng(n + 10 * d).standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


FACETS = [8, 10, 12, pytest.param(14, marks=deep)]


@pytest.mark.parametrize("facets", FACETS)
def test_bench_hk_enumeration(benchmark, facets):
    benchmark.group = "symplectic-hk-enumeration"
    P = exact_facets(facets)
    benchmark.extra_info["facets"] = facets

    def enumerate_candidates():
        return list(candidate_cycles(P.centred()[0]))

    cycles = benchmark(enumerate_candidates)
    benchmark.extra_info["orderings"] = len(cycles)
    assert cycles and all(len(c) >= 3 for c in cycles)


@pytest.mark.parametrize("facets", FACETS)
def test_bench_hk_solve(benchmark, facets):
    benchmark.group = "symplectic-hk-solve"
    Pc = exact_facets(facets).centred()[0]
    N, h = Pc.normals, Pc.offsets
    Om = omega_matrix(N)
    batches = list(batches_by_length(candidate_cycles(Pc)))
    orderings = sum(len(C) for C in batches)
    benchmark.extra_info.update(facets=facets, orderings=orderings, batches=len(batches))

    def solve_all():
        return [_kkt_batch(C, Om, N, h)["Q"] for C in batches]

    Qs = benchmark(solve_all)
    assert sum(len(q) for q in Qs) == orderings


@pytest.mark.parametrize("method", ["haim_kislev", "reeb"])
@pytest.mark.parametrize("facets", [8, 10, 12, 14])
@deep
def test_bench_ehz_by_facets(benchmark, method, facets):
    benchmark.group = f"symplectic-ehz-{method}-by-facets"
    P = exact_facets(facets)
    benchmark.extra_info["facets"] = facets
    r = benchmark(ehz_capacity, P, method)
    benchmark.extra_info.update(capacity=r.value, candidates=r.candidates)


@pytest.mark.parametrize("n", [12, 16, 24, pytest.param(32, marks=deep)])
def test_bench_billiards_by_polygon_size(benchmark, n):
    benchmark.group = "symplectic-ehz-billiards-by-facets"
    P, _ = gen.polygon_product(0, n=n, m=n, r=1, s=4)
    benchmark.extra_info.update(n=n, facets=P.num_facets)
    r = benchmark(ehz_capacity, P, "billiards")
    benchmark.extra_info.update(capacity=r.value, candidates=r.candidates)


SIZES = [16, 64, 256, pytest.param(1024, marks=deep)]
DIMS = [3, 4]


@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("vertices", SIZES)
def test_bench_v_to_h_by_vertices(benchmark, d, vertices):
    benchmark.group = f"symplectic-v-to-h-{d}d"
    X = sphere_points(vertices, d)
    normals = benchmark(lambda: Polytope.from_vertices(X).normals)
    benchmark.extra_info.update(vertices=vertices, facets=len(normals))


@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("vertices", SIZES)
def test_bench_h_to_v_by_vertices(benchmark, d, vertices):
    benchmark.group = f"symplectic-h-to-v-{d}d"
    P = Polytope.from_vertices(sphere_points(vertices, d))
    A, b = P.normals.copy(), P.offsets.copy()
    Q = benchmark(Polytope.from_halfspaces, A, b)
    benchmark.extra_info.update(vertices=vertices, facets=len(b))
    assert Q.num_vertices == vertices


@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("vertices", SIZES)
def test_bench_volume_by_vertices(benchmark, d, vertices):
    benchmark.group = f"symplectic-volume-{d}d"
    P = Polytope.from_vertices(sphere_points(vertices, d))
    v = benchmark(volume, P)
    benchmark.extra_info.update(vertices=vertices, facets=P.num_facets)
    assert 0 < v < (4 / 3 * np.pi if d == 3 else np.pi**2 / 2)  # inside the unit ball
