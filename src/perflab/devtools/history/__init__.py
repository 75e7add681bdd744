"""Benchmark history: a store (CSV rows per run), a comparison (noise rule), a chart, a CLI.

- :mod:`perflab.devtools.history.store`: :class:`HistoryRow`, reading pytest-benchmark JSON,
  atomic idempotent append to a CSV.
- :mod:`perflab.devtools.history.compare`: the noise rule and run-to-run comparison.
- :mod:`perflab.devtools.history.chart`: altair charts, one panel per domain.
- :mod:`perflab.devtools.history.cli`: ``python -m perflab.devtools.history append|compare``.
"""

from perflab.devtools.history.chart import benchmark_domain, history_chart, history_records
from perflab.devtools.history.compare import (
    CROSS_MACHINE_NOTE,
    DEFAULT_K,
    DEFAULT_MIN_REL,
    MIN_ROUNDS_FOR_IQR,
    OTHER_MACHINE,
    Comparison,
    classify,
    compare_runs,
    compare_with_reference,
    format_comparison,
    noise_threshold,
    run_tiers,
    runs_of_machine,
)
from perflab.devtools.history.store import (
    COLUMNS,
    DEFAULT_CSV,
    OUTPUT_PATHS,
    HistoryError,
    HistoryRow,
    append_history,
    code_dirty,
    default_history_path,
    latest_machine,
    machine_id,
    read_history,
    rows_from_benchmark_json,
)

__all__ = [
    "COLUMNS",
    "CROSS_MACHINE_NOTE",
    "DEFAULT_CSV",
    "DEFAULT_K",
    "DEFAULT_MIN_REL",
    "MIN_ROUNDS_FOR_IQR",
    "OTHER_MACHINE",
    "OUTPUT_PATHS",
    "Comparison",
    "HistoryError",
    "HistoryRow",
    "append_history",
    "benchmark_domain",
    "classify",
    "code_dirty",
    "compare_runs",
    "compare_with_reference",
    "default_history_path",
    "format_comparison",
    "history_chart",
    "history_records",
    "latest_machine",
    "machine_id",
    "noise_threshold",
    "read_history",
    "rows_from_benchmark_json",
    "run_tiers",
    "runs_of_machine",
]
