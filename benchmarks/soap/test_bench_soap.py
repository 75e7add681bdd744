"""pytest-benchmark suite of AniSOAP on the acceptance system ``golden_bench_2sp``.

Compare the groups' medians: numpy (per-pair reference path) vs torch CPU float64/float32,
all measured in the same session (`make bench`, then `make bench-compare` across runs).
"""

import os

import pytest

from perflab.harness import env_snapshot
from perflab.soap import AniSOAP
from perflab.soap.bench.cases import HYPERS
from perflab.soap.systems import ellipsoid_fluid, golden_frames


@pytest.fixture(autouse=True)
def _env_info(benchmark):
    benchmark.extra_info["env"] = env_snapshot()
    benchmark.extra_info["omp_wait_policy"] = os.environ.get("OMP_WAIT_POLICY", "")


@pytest.fixture(scope="module")
def bench_frames():
    return golden_frames("golden_bench_2sp")


@pytest.mark.parametrize(
    ("backend", "dtype", "rounds"),
    [("numpy", "float64", 2), ("torch", "float64", 7), ("torch", "float32", 7)],
)
def test_bench_golden_bench_2sp(benchmark, bench_frames, backend, dtype, rounds):
    benchmark.group = "soap-golden_bench_2sp"
    calc = AniSOAP(**HYPERS, backend=backend, dtype=dtype)
    calc.expansion(bench_frames)  # warm (plans, caches)
    benchmark.extra_info.update(
        backend=backend, dtype=dtype, n_pairs=len(calc.prepare(bench_frames).pairs)
    )
    blocks = benchmark.pedantic(calc.expansion, args=(bench_frames,), rounds=rounds, iterations=1)
    assert len(blocks) == 2 * 7


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bench_fluid_1000(benchmark, dtype):
    benchmark.group = "soap-fluid_1000"
    frames = [ellipsoid_fluid(1000)]
    calc = AniSOAP(**HYPERS, backend="torch", dtype=dtype)
    calc.expansion(frames)
    n_pairs = len(calc.prepare(frames).pairs)
    benchmark.extra_info.update(dtype=dtype, n_pairs=n_pairs)
    benchmark.pedantic(calc.expansion, args=(frames,), rounds=5, iterations=1)
