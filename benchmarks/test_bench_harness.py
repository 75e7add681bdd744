"""Benchmarks of the harness itself (overheads every measurement pays)."""

import pytest

from perflab.harness import RunLog, env_snapshot, time_budget


@pytest.fixture(autouse=True)
def _env_info(benchmark):
    benchmark.extra_info["env"] = env_snapshot()


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
