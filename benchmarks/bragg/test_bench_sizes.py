"""bragg kernels by size (issue 8, item 1): tricubic by query points, absorption by detector.

Complements ``test_bench_bragg.py`` (one size each, warp vs torch; absorption by layers).
Inputs are those of the ``bragg.*`` profile targets (:mod:`perflab.bragg.workloads`):
a random 41^3 float64 grid with uniform queries, and a 0.1 m detector with 100 um pixels
and 5 sensor layers. ``extra_info["points"]`` / ``["pixels"]`` give the size, so
size / median is the throughput. Small sizes are smoke; 1e6 points and 2048^2 pixels deep.
"""

from __future__ import annotations

import pytest

from perflab.bragg.workloads import absorption_call, tricubic_call


@pytest.mark.parametrize("backend", ["warp", pytest.param("torch", marks=pytest.mark.deep)])
@pytest.mark.parametrize(
    "points", [10_000, 100_000, pytest.param(1_000_000, marks=pytest.mark.deep)]
)
def test_bench_tricubic_by_points(benchmark, points, backend):
    benchmark.group = f"bragg-tricubic-by-points-{backend}"
    run = tricubic_call(points, backend)
    run()  # load/compile the kernel outside the timed rounds
    benchmark.extra_info.update(points=points, grid=41, backend=backend)
    out = benchmark(run)
    assert out.shape == (points,)


@pytest.mark.parametrize("size", [256, 1024, pytest.param(2048, marks=pytest.mark.deep)])
def test_bench_absorption_by_detector_size(benchmark, size):
    benchmark.group = "bragg-absorption-by-size"
    run = absorption_call(size, 5)
    benchmark.extra_info.update(pixels=size * size, layers=5)
    out = benchmark(run)
    assert out.shape == (size, size)
