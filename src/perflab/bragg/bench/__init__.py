"""The tricubic/absorption baseline (``reports/tricubic_baseline``): cases, runner, report.

``python -m perflab.bragg.bench`` (:mod:`perflab.bragg.bench.__main__`) runs it from the
command line; ``notebooks/tricubic_baseline.py`` calls :func:`run_bench` and
:func:`write_bench_report`. Modules: :mod:`~perflab.bragg.bench.cases` (configuration and
inputs), :mod:`~perflab.bragg.bench.runner` (one function per measured section),
:mod:`~perflab.bragg.bench.pipeline` (all sections in order, the target, the command line),
:mod:`~perflab.bragg.bench.report` (markdown, charts, dashboard filters),
:mod:`~perflab.bragg.bench.cloop` (the C loop baseline, ``csrc/polin3_loop.c``) and
:mod:`~perflab.bragg.bench.cold` (fresh-process cold starts).
"""

from perflab.bragg.bench.cases import TARGET, BenchConfig, smoke_config
from perflab.bragg.bench.pipeline import parse_args, planned_steps, run_bench
from perflab.bragg.bench.report import write_bench_report
from perflab.bragg.bench.runner import quick_tricubic_rows

__all__ = [
    "TARGET",
    "BenchConfig",
    "parse_args",
    "planned_steps",
    "quick_tricubic_rows",
    "run_bench",
    "smoke_config",
    "write_bench_report",
]
