"""Benchmarks of the harness itself (overheads every measurement pays)."""

import numpy as np
import pytest

from perflab.harness import RunLog, SampleStats, atomic_write_bytes, time_budget


def test_bench_time_budget_overhead(benchmark):
    benchmark.group = "harness"

    def run():
        with time_budget(10.0):
            pass

    benchmark(run)


def test_bench_runlog_write(benchmark, tmp_path):
    benchmark.group = "harness"
    log = RunLog(tmp_path / "bench.jsonl")
    benchmark(log.write, {"polytope_id": "abc", "seconds": 0.001})
    log.close()


@pytest.mark.parametrize("nbytes", [1_000, 1_000_000])
def test_bench_atomic_write(benchmark, tmp_path, nbytes):
    benchmark.group = "harness:atomic_write"
    data = bytes(nbytes)
    benchmark(atomic_write_bytes, tmp_path / "f.bin", data)


@pytest.mark.parametrize("n", [10, 10_000, pytest.param(100_000, marks=pytest.mark.deep)])
def test_bench_sample_stats(benchmark, n):
    benchmark.group = "harness:sample_stats"
    x = np.random.default_rng(0).random(n)
    benchmark(SampleStats.from_samples, x)
