"""Memory stays bounded: beyond its output and mask, a call needs only chunk-sized buffers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    import torch
    from perflab.bragg import tricubic_interpolate
    n, backend, case = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    g = torch.Generator().manual_seed(0)
    if case == "plain":
        F = torch.rand(41, 41, 41, dtype=torch.float32) * 100
        h, k, l = (torch.rand(n, generator=g) * 36 - 18 for _ in range(3))
    elif case == "mixed":  # float32 queries on a float64 grid: converted block by block
        F = torch.rand(41, 41, 41, dtype=torch.float64) * 100
        h, k, l = (torch.rand(n, generator=g) * 36 - 18 for _ in range(3))
    else:  # broadcast (m, 1) x (1, m) x scalar: expanded block by block
        F = torch.rand(41, 41, 41, dtype=torch.float64) * 100
        m = int(round(n ** 0.5))
        h = torch.rand(m, 1, generator=g, dtype=torch.float64) * 36 - 18
        k = torch.rand(1, m, generator=g, dtype=torch.float64) * 36 - 18
        l = torch.tensor(0.25, dtype=torch.float64)
    w = [x.reshape(-1)[:10] for x in (h, k, l)]
    tricubic_interpolate(F, (-20, -20, -20), w[0], w[1], w[2][:1], backend=backend)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    v, m = tricubic_interpolate(F, (-20, -20, -20), h, k, l, backend=backend, return_mask=True)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"extra": after - before, "result": v.numel() * v.element_size() + m.numel()}))
    """
)


@pytest.mark.deep
@pytest.mark.parametrize(
    "backend, case", [("warp", "plain"), ("torch", "plain"), ("warp", "mixed"), ("warp", "bcast")]
)
def test_peak_memory_is_output_plus_bounded_buffers(backend, case):
    n = 20_000_000
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(n), backend, case],
        capture_output=True,
        text=True,
        check=True,
        timeout=1200,
    )
    data = json.loads(r.stdout.strip().splitlines()[-1])
    # the result itself (values + mask) plus at most 160 MiB of chunk-sized work buffers,
    # independent of n (an unchunked gather would need n * 64 * 8 bytes = 10 GB here)
    assert data["extra"] <= data["result"] + 160 * 2**20, data
