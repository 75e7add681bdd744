"""AniSOAP benchmark harness: cases (presets, sweeps), runner, profiles, report.

Entry point: :func:`run_benchmark` (used by ``notebooks/soap_benchmark.py``).
"""

from perflab.soap.bench.cases import PRESETS, SWEEPS, Backend, Case, preset_cases, sweep_cases
from perflab.soap.bench.pipeline import BenchmarkResult, plan_cases, run_benchmark
from perflab.soap.bench.runner import NO_GPU, build_system, run_case

__all__ = [
    "NO_GPU",
    "PRESETS",
    "SWEEPS",
    "Backend",
    "BenchmarkResult",
    "Case",
    "build_system",
    "plan_cases",
    "preset_cases",
    "run_benchmark",
    "run_case",
    "sweep_cases",
]
