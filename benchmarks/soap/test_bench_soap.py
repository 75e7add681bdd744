"""pytest-benchmark suite of AniSOAP on the acceptance system ``golden_bench_2sp``.

Compare the groups' medians: the reference package (anisoap 0.1.1, when installed with
``make reference``; skipped with the reason otherwise), numpy (per-pair path) and torch CPU
float64/float32, all measured in the same session (`make bench`, then `make bench-compare`
across runs). ``soap-threads``: the default per-call thread choice against one thread and
torch's default count, alone and beside two CPU-burning processes.
"""

import os

import pytest

from perflab.harness import env_snapshot
from perflab.soap import AniSOAP
from perflab.soap.bench.cases import BURNERS, HYPERS
from perflab.soap.bench.runner import cpu_burners
from perflab.soap.reference import reference_status
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


def test_bench_reference_golden_bench_2sp(benchmark, bench_frames):
    ok, why = reference_status()
    if not ok:
        pytest.skip(why)
    from perflab.soap.bench.reference_runner import ReferenceRunner

    benchmark.group = "soap-golden_bench_2sp"
    ref = ReferenceRunner(HYPERS)
    benchmark.extra_info.update(backend="reference", dtype="float64")
    benchmark.pedantic(ref.expansion, args=(bench_frames,), rounds=2, iterations=1)


@pytest.mark.parametrize("burners", [0, BURNERS])
@pytest.mark.parametrize("threads", ["auto", 1, "torch-default"])
def test_bench_threads_golden_bench_2sp(benchmark, bench_frames, threads, burners):
    import torch

    benchmark.group = f"soap-threads-burners{burners}"
    t = torch.get_num_threads() if threads == "torch-default" else threads
    calc = AniSOAP(**HYPERS, threads=t)
    calc.expansion(bench_frames)
    benchmark.extra_info.update(threads=str(threads), threads_count=t, burners=burners)
    with cpu_burners(burners):
        benchmark.pedantic(calc.expansion, args=(bench_frames,), rounds=7, iterations=1)
