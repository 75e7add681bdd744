"""Benchmarks of the symplectic core: volume, H<->V conversion, each capacity method by size.

Run with ``make bench`` (or ``.venv/bin/python -m pytest benchmarks/symplectic
--benchmark-enable --benchmark-only``). Each benchmark runs a few rounds so the suite stays
quick; the inputs are built outside the timed region.
"""

import pytest

from perflab.harness import env_snapshot
from perflab.symplectic import Polytope, ehz_capacity, volume
from perflab.symplectic import generators as gen


@pytest.fixture(autouse=True)
def _env_info(benchmark):
    benchmark.extra_info["env"] = env_snapshot()


def _run(benchmark, fn, *args, rounds=5, **kwargs):
    return benchmark.pedantic(fn, args=args, kwargs=kwargs, rounds=rounds, warmup_rounds=1)


@pytest.mark.parametrize("points", [8, 16, 32])
def test_bench_volume(benchmark, points):
    benchmark.group = "symplectic-volume"
    benchmark.extra_info["points"] = points
    P, _ = gen.hull_sphere_4d(points, points=points)
    benchmark.extra_info["facets"] = P.num_facets
    _run(benchmark, volume, P, rounds=20)


@pytest.mark.parametrize("facets", [8, 16, 32])
def test_bench_h_to_v(benchmark, facets):
    benchmark.group = "symplectic-h-to-v"
    benchmark.extra_info["halfspaces"] = facets
    P, _ = gen.halfspace_polytope_4d(facets, facets=facets)
    _run(benchmark, Polytope.from_halfspaces, P.normals, P.offsets, rounds=10)


@pytest.mark.parametrize("points", [8, 16, 32])
def test_bench_v_to_h(benchmark, points):
    benchmark.group = "symplectic-v-to-h"
    benchmark.extra_info["points"] = points
    P, _ = gen.hull_sphere_4d(points, points=points)

    def convert():
        return Polytope.from_vertices(P.vertices).normals

    _run(benchmark, convert, rounds=10)


@pytest.mark.parametrize("facets", [6, 8, 10])
def test_bench_haim_kislev(benchmark, facets):
    benchmark.group = "symplectic-haim_kislev"
    P, _ = gen.halfspace_polytope_4d(1000 + facets, facets=facets)
    benchmark.extra_info["facets"] = P.num_facets
    r = _run(benchmark, ehz_capacity, P, "haim_kislev", rounds=3)
    benchmark.extra_info["cycles"] = r.candidates


@pytest.mark.parametrize("facets", [6, 8, 10])
def test_bench_reeb(benchmark, facets):
    benchmark.group = "symplectic-reeb"
    P, _ = gen.halfspace_polytope_4d(1000 + facets, facets=facets)
    benchmark.extra_info["facets"] = P.num_facets
    _run(benchmark, ehz_capacity, P, "reeb", rounds=3)


def _facet_param(f):
    return f if f <= 20 else pytest.param(f, marks=pytest.mark.deep)


@pytest.mark.parametrize("facets", [_facet_param(f) for f in (10, 15, 20, 30, 40, 50)])
def test_bench_reeb_by_facets(benchmark, facets):
    """The tube search on random 4D polytopes with exactly ``facets`` facets (tangent
    halfspaces of B^4; goals: 20 facets < 1 s, 30 < 3 s, 50 < 10 s per polytope)."""
    benchmark.group = "symplectic-reeb-facets"
    P, _ = gen.circumscribed_4d(0, facets=facets)
    benchmark.extra_info["facets"] = P.num_facets
    r = benchmark.pedantic(ehz_capacity, args=(P, "reeb"), rounds=3, warmup_rounds=0)
    benchmark.extra_info["tubes"] = r.details["nodes"]


@pytest.mark.parametrize("body", ["cross_polytope", "hurwitz_24_cell"])
def test_bench_reeb_regular_bodies(benchmark, body):
    """Acceptance: the cross-polytope (c = 1) and the 24-cell (c = 2) under 5 s each."""
    import itertools

    import numpy as np

    benchmark.group = "symplectic-reeb-regular"
    if body == "cross_polytope":
        P, _ = gen.cross_polytope(0)
    else:
        V = [s * e for e in np.eye(4) for s in (1.0, -1.0)]
        V += [np.array(x) / 2 for x in itertools.product([1.0, -1.0], repeat=4)]
        P = Polytope.from_vertices(np.array(V))
    r = benchmark.pedantic(ehz_capacity, args=(P, "reeb"), rounds=3, warmup_rounds=0)
    benchmark.extra_info["capacity"] = r.value
    benchmark.extra_info["tubes"] = r.details["nodes"]


@pytest.mark.parametrize(
    "body, method",
    [
        ("cube6", "branch_bound"),
        pytest.param("cube6", "haim_kislev", marks=pytest.mark.deep),
        ("random6-12", "branch_bound"),
        ("random6-12", "haim_kislev"),
        pytest.param("random6-16", "branch_bound", marks=pytest.mark.deep),
    ],
)
def test_bench_branch_bound_6d(benchmark, body, method):
    """R^6: the general branch-and-bound against the enumeration, in the same run
    ([-1,1]^6: 12 facets, c = 4; 12 and 16 random tangent halfspaces of B^6)."""
    benchmark.group = f"symplectic-6d-{body}"
    if body == "cube6":
        P, _ = gen.cube(0, dim=6)
    else:
        facets = int(body.split("-")[1])
        P = gen.circumscribed(facets, dim=6, facets=facets)
    benchmark.extra_info["facets"] = P.num_facets
    r = benchmark.pedantic(
        ehz_capacity,
        args=(P, method),
        kwargs={"max_work": 1_000_000, "time_limit": 600},
        rounds=3,
        warmup_rounds=0,
    )
    benchmark.extra_info["capacity"] = r.value
    benchmark.extra_info["work"] = r.details.get("lps", r.candidates)


@pytest.mark.parametrize("n", [3, 5, 8])
def test_bench_billiards(benchmark, n):
    benchmark.group = "symplectic-billiards"
    P, _ = gen.polygon_product(0, n=n, m=n, r=1, s=4)
    benchmark.extra_info["facets"] = P.num_facets
    _run(benchmark, ehz_capacity, P, "billiards", rounds=20)


@pytest.mark.parametrize("method", ["haim_kislev", "billiards"])
def test_bench_pentagon_product(benchmark, method):
    """The acceptance benchmark: pentagon x pentagon rotated by 90 degrees (10 facets)."""
    benchmark.group = "symplectic-pentagon"
    P, _ = gen.polygon_product(0, n=5, m=5, r=1, s=4)
    r = _run(benchmark, ehz_capacity, P, method, rounds=5 if method == "haim_kislev" else 30)
    benchmark.extra_info["capacity"] = r.value
