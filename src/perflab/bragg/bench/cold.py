"""Cold start of a tricubic backend, measured in a fresh Python process.

A cold figure is what a user pays on the first call of a new process: importing torch and
perflab, Warp's initialisation and kernel build (with an empty kernel cache), Inductor's
compilation (with an empty cache), then the first call itself. Each (backend, dtype) runs
in its own child process (``sys.executable -c CHILD``): the child takes the time before its
first import, imports, builds the inputs (timed apart and excluded), calls
``tricubic_interpolate`` once and prints one JSON line. A child that runs past the budget
is killed and recorded as not finished (the ``compile`` backend's first compilation can
take minutes on a loaded 2-core machine; that is why ``auto`` never picks it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

__all__ = ["CHILD", "cold_start"]

CHILD = r"""
import time
t0 = time.perf_counter()
import json, os, sys
backend, dtype_name, grid, points, threads, seed = sys.argv[1:7]
import numpy as np
import torch
torch.set_num_threads(int(threads))
from perflab.bragg import tricubic_interpolate, tricubic_warp
if os.environ.get("PERFLAB_WARP_CACHE"):
    tricubic_warp.warp_module(init=False).config.kernel_cache_dir = os.environ["PERFLAB_WARP_CACHE"]
t_import = time.perf_counter()
dtype = {"float32": torch.float32, "float64": torch.float64}[dtype_name]
grid, points = int(grid), int(points)
rng = np.random.default_rng(int(seed))
hmin = -(grid // 2)
F = torch.from_numpy(rng.uniform(10.0, 1000.0, (grid,) * 3)).to(dtype)
h, k, l = (torch.from_numpy(rng.uniform(hmin + 1.0, hmin + grid - 2.0, points)).to(dtype)
           for _ in range(3))
t_inputs = time.perf_counter()
tricubic_interpolate(F, (hmin,) * 3, h, k, l, backend=backend)
t_call = time.perf_counter()
t_second = time.perf_counter()
tricubic_interpolate(F, (hmin,) * 3, h, k, l, backend=backend)
t_end = time.perf_counter()
print(json.dumps({"import_s": t_import - t0, "inputs_s": t_inputs - t_import,
                  "first_call_s": t_call - t_inputs, "second_call_s": t_end - t_second}))
"""


def cold_start(
    backend: str,
    dtype: str,
    *,
    grid: int,
    points: int,
    threads: int,
    budget_s: float,
    cache_dir: str | None,
    seed: int = 0,
) -> dict[str, Any]:
    """One fresh-process cold measurement; ``finished`` False (with the reason) past budget."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if cache_dir is not None:
        env["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(cache_dir, "inductor")
        env["PERFLAB_WARP_CACHE"] = os.path.join(cache_dir, "warp")
    args = [sys.executable, "-c", CHILD, backend, dtype, str(grid), str(points), str(threads),
            str(seed)]  # fmt: skip
    row: dict[str, Any] = {"kernel": "tricubic_cold", "backend": backend, "dtype": dtype,
                           "grid": grid, "points": points, "threads": threads,
                           "budget_s": budget_s, "fresh_caches": cache_dir is not None}  # fmt: skip
    start = time.perf_counter()
    try:
        r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=budget_s)
    except subprocess.TimeoutExpired:
        row.update(finished=False, reason=f"did not finish within the {budget_s:.0f} s budget")
        return row
    row["process_s"] = time.perf_counter() - start
    if r.returncode != 0:
        row.update(finished=False, reason=f"child failed: {r.stderr.strip()[-400:]}")
        return row
    data = json.loads(r.stdout.strip().splitlines()[-1])
    row.update(data, finished=True, cold_s=data["import_s"] + data["first_call_s"])
    return row
