"""Shared measurement and bookkeeping helpers used by every perflab domain.

- :func:`measure`, :class:`Timer`, :class:`SampleStats`: cold/warm wall-clock timing.
- :func:`env_snapshot`: what machine and software produced a number.
- :class:`time_budget`, :class:`TimeBudgetExceeded`: wall-clock safety nets for long-running
  solvers; :class:`WorkBudgetExceeded`: a search out of its work budget (machine-independent).
- :class:`RunLog`: crash-safe JSON-lines event log.
- :class:`Manifest`: atomic JSON manifest for resumable builds.
- :func:`write_report`, :func:`save_chart`: Markdown + JSON reports, offline charts.
- :func:`notebook_args`: a notebook's flags under marimo and under Jupyter.
- :func:`plain`: numpy values (scalars, arrays, nested in dicts and lists) as plain JSON.
- :mod:`perflab.harness.pool`: the one process pool of every domain (ordered results,
  workers that die with their parent; import ``process_pool`` from there).

Modules imported on demand (not re-exported): :mod:`perflab.harness.pool`,
:mod:`perflab.harness.lock`, :mod:`perflab.harness.progress`, :mod:`perflab.harness.tiers`,
:mod:`perflab.harness.workloads`. Developer tools (browser checks, profiler CLI, benchmark
history, escalation verdicts) live in :mod:`perflab.devtools`, not here.
"""

from perflab.harness.atomic import atomic_write_bytes, atomic_write_text
from perflab.harness.budget import (
    TimeBudgetExceeded,
    WorkBudgetExceeded,
    default_budget,
    time_budget,
)
from perflab.harness.env import env_snapshot, env_summary
from perflab.harness.jsonutil import plain
from perflab.harness.manifest import Manifest, ManifestError
from perflab.harness.nbargs import notebook_args
from perflab.harness.report import markdown_table, save_chart, write_report
from perflab.harness.runlog import RunLog
from perflab.harness.timing import Measurement, SampleStats, Timer, measure

__all__ = [
    "Manifest",
    "ManifestError",
    "Measurement",
    "RunLog",
    "SampleStats",
    "TimeBudgetExceeded",
    "WorkBudgetExceeded",
    "Timer",
    "atomic_write_bytes",
    "atomic_write_text",
    "default_budget",
    "env_snapshot",
    "env_summary",
    "markdown_table",
    "measure",
    "notebook_args",
    "plain",
    "save_chart",
    "time_budget",
    "write_report",
]
