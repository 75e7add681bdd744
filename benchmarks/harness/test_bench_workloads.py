"""Every registered profile target is also a benchmark (one workload definition, two uses).

Targets come from :func:`perflab.devtools.profile.discover`: the harness's own workloads are
``smoke``; those of the domains (``perflab.<domain>.workloads.PROFILE_TARGETS``) are
``deep`` here, because a domain benchmarks its hot paths at smoke sizes in its own
``benchmarks/<domain>/`` suite.
"""

import pytest

from perflab.devtools.profile import discover

_DISCOVERY = discover()
_PARAMS = [
    pytest.param(
        name,
        id=name,
        marks=[] if name.startswith("harness.") else [pytest.mark.deep],
    )
    for name in sorted(_DISCOVERY.targets)
]


@pytest.mark.parametrize("target", _PARAMS)
def test_bench_workload(benchmark, target):
    t = _DISCOVERY.targets[target]
    benchmark.group = "workload:" + target.split(".", 1)[0]
    benchmark.extra_info["workload"] = t.module
    fn = t.factory()
    benchmark(fn)
