"""pytest-benchmark suites for the bragg kernels (few rounds each; `make bench`).

The full cold/warm baseline with its report is ``python -m perflab.bragg.bench``; these
benches track regressions of the same kernels between commits (`make bench-compare`).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import perflab.harness
from perflab.bragg import tricubic_interpolate
from perflab.bragg.workloads import absorption_call

ROUNDS = 3


@pytest.fixture(autouse=True)
def _env_info(benchmark):
    benchmark.extra_info["env"] = perflab.harness.env_snapshot()


@pytest.fixture(scope="module")
def tricubic_case():
    rng = np.random.default_rng(0)
    F = torch.from_numpy(rng.uniform(10.0, 1000.0, (41, 41, 41)))
    q = torch.from_numpy(rng.uniform(-19.0, 19.0, (3, 200_000)))
    return F, q


@pytest.mark.parametrize("backend", ["warp", "torch"])
def test_bench_tricubic_41cubed_2e5_float64(benchmark, tricubic_case, backend):
    F, q = tricubic_case
    benchmark.group = "bragg-tricubic"
    benchmark.extra_info["points"] = q.shape[1]
    tricubic_interpolate(F, (-20, -20, -20), *q[:, :100], backend=backend)  # compile/load
    benchmark.pedantic(
        tricubic_interpolate,
        args=(F, (-20, -20, -20), *q),
        kwargs={"backend": backend},
        rounds=ROUNDS,
        iterations=1,
        warmup_rounds=1,
    )


@pytest.mark.parametrize("layers", [1, 5])
def test_bench_absorption_512sq(benchmark, layers):
    """The per-layer path (layer positions, parallax per layer, capture, absorb)."""
    benchmark.group = "bragg-absorption"
    benchmark.pedantic(absorption_call(512, layers), rounds=ROUNDS, iterations=1, warmup_rounds=1)
