"""Developer tools: used by tests, benchmarks and command lines, never by a domain's runtime.

- :mod:`perflab.devtools.dashboard`: each notebook served by ``marimo run`` and checked in
  headless Chromium (``python -m perflab.devtools.dashboard notebooks/*.py``).
- :mod:`perflab.devtools.profile`: the profiler CLI over every domain's registered workloads
  (``python -m perflab.devtools.profile --list``).
- :mod:`perflab.devtools.history`: benchmark history store, comparison, chart and CLI
  (``python -m perflab.devtools.history append|compare``).
- :mod:`perflab.devtools.escalation`: the escalation verdict (when a faster backend is worth it).

The small runtime helpers every domain imports (timing, budgets, manifests, run logs, atomic
writes, process pool) stay in :mod:`perflab.harness`. Nothing here is imported at package
import time, so ``import perflab.devtools`` is cheap and pulls in no browser or profiler.
"""

__all__: list[str] = []
