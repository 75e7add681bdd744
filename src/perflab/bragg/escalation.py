"""docs/performance.md's escalation policy applied to the Warp tricubic backend.

    python -m perflab.bragg.escalation [--out FILE | --publish]   (default: under build/;
    --publish: reports/tricubic_baseline/escalation_warp.json)

The candidate is the Warp kernel (native code), the baseline the best pure-PyTorch backend,
eager ``torch``; both on the CPU, float64, one thread, on the ``bragg.tricubic_1e6``
workload (10^6 random points on a 41^3 grid; :mod:`perflab.bragg.workloads`). Ten timed
runs of each, alternated, after one untimed call; outputs compared element for element; the
hot-spot share is the eager forward kernel's (``tricubic_torch.forward``) cumulative share
of the profiled workload under cProfile. :func:`perflab.devtools.escalation.escalation_verdict`
names every criterion that fails.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from perflab.bragg.workloads import tricubic_call
from perflab.devtools.escalation import escalation_verdict
from perflab.harness import atomic_write_text, env_snapshot

__all__ = ["RUNS", "hot_spot_share", "main", "measure_verdict"]

RUNS = 10


def hot_spot_share(points: int) -> float:
    """Share of the eager workload's wall time spent in ``tricubic_torch.forward``."""
    run = tricubic_call(points, "torch")
    run()
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.runcall(run)
    wall = time.perf_counter() - t
    stats = pstats.Stats(prof).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    kernel = sum(
        v[3]
        for (f, _, name), v in stats.items()
        if f.endswith("tricubic_torch.py") and name == "forward"
    )
    return min(kernel / wall, 1.0)


def measure_verdict(points: int = 1_000_000, runs: int = RUNS) -> dict[str, Any]:
    """Time both backends ``runs`` times (alternated) and return the verdict as a dict."""
    torch.set_num_threads(1)
    fns = {"torch": tricubic_call(points, "torch"), "warp": tricubic_call(points, "warp")}
    outs = {name: fn() for name, fn in fns.items()}  # warm-up, and the outputs compared
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t)
    share = hot_spot_share(points)
    v = escalation_verdict(samples["torch"], samples["warp"], outs["torch"], outs["warp"],
                           hot_spot_share=share)  # fmt: skip
    diff = (outs["torch"] - outs["warp"]).abs() / outs["warp"].abs()
    return {
        "candidate": "warp (CPU, float64, one thread)",
        "baseline": "eager torch (CPU, float64, one thread)",
        "workload": f"bragg.tricubic_1e6 ({points:,} points, 41^3 grid)",
        "samples_s": samples,
        "max_rel_difference": float(diff.max()),
        "differing_elements": int((outs["torch"] != outs["warp"]).sum()),
        "verdict": {**asdict(v), "justified": v.justified},
        "env": env_snapshot(),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m perflab.bragg.escalation")
    p.add_argument("--out", default=None, help="default build/tricubic_baseline/...")
    p.add_argument("--publish", action="store_true", help="write the committed report's copy")
    p.add_argument("--points", type=int, default=1_000_000)
    a = p.parse_args(argv)
    if a.publish and a.out:
        p.error("--publish writes the committed reports/tricubic_baseline/: give no --out")
    folder = "reports" if a.publish else "build"
    a.out = a.out or f"{folder}/tricubic_baseline/escalation_warp.json"
    result = measure_verdict(a.points)
    atomic_write_text(Path(a.out), json.dumps(result, indent=2) + "\n")
    v = result["verdict"]
    verdict = "justified" if v["justified"] else "not justified: " + "; ".join(v["failures"])
    print(
        f"speed-up {v['speedup']:.2f}x, CV torch {v['baseline_cv']:.1%} warp "
        f"{v['candidate_cv']:.1%}, identical {v['outputs_identical']} (max rel diff "
        f"{result['max_rel_difference']:.2e}), hot spot {v['hot_spot_share']:.0%}: {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
