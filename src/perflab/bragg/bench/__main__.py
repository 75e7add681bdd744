"""``python -m perflab.bragg.bench [--smoke] [--out DIR] ...``: the tricubic/absorption baseline.

Tricubic: ``--points`` query points on ``--grids`` cubic F grids, one row per backend, dtype
(``--dtypes``, float32 and float64) and torch thread count (``--threads``, 1 and 2; Warp's
CPU launch and the C loop run on one thread whatever the setting, so they get one row).
Warm: ``--repeats`` samples after one untimed warm-up call in this process. Cold: each
backend and dtype in a fresh process with empty Warp and Inductor caches (imports,
initialisation, compilation and the first call; :mod:`perflab.bragg.bench.cold`), bounded
by ``--cold-budget``. The target is the C loop (nanoBragg's polin3 structure, compiled here
with gcc; :mod:`perflab.bragg.bench.cloop`) on the same inputs, measured in the same run,
in rounds alternating with each backend. Absorption: ``--sizes`` detector edges with
``--layers`` sensor layers on the per-layer path (layer positions, a parallax per layer,
capture fractions, ``absorb``). A parity section measures every backend and the C loop
against the scalar reference. GPU rows are recorded as not measured, with the reason, when
CUDA is absent (the GPU check is ``python -m perflab.bragg.gpu_check``). Writes
``results.json``, ``report.md``, ``env.json`` and PNG charts to ``--out`` (default the
git-ignored ``build/tricubic_baseline``; ``--publish``: the committed
``reports/tricubic_baseline``); progress on stderr, a short summary on stdout.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from perflab.bragg.bench.cases import BenchConfig
from perflab.bragg.bench.pipeline import parse_args, planned_steps, run_bench
from perflab.harness.progress import emit_result, reporter_from_args

__all__ = ["main", "summary"]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark with its progress on stderr (cases done/total, the case running),
    write the report, then a short summary on stdout (``--json``: the results on stdout)."""
    from perflab.bragg.bench.report import write_bench_report

    cfg, args = parse_args(argv, with_flags=True)
    reporter = reporter_from_args(args, "bragg bench", planned_steps(cfg), unit="cases")
    started = [0]

    def progress(msg: str) -> None:  # called as a case starts: the one before it is done
        reporter.update(started[0], now=msg)
        started[0] += 1

    try:
        results = run_bench(cfg, progress)
        reporter.update(started[0], now=f"writing the report to {cfg.out}")
        paths = write_bench_report(results, Path(cfg.out))
    finally:
        reporter.close()
    emit_result(args, summary(cfg, results, paths, started[0]), results)
    return 0 if all(r["passed"] for r in results["parity"]) else 1


def summary(cfg: BenchConfig, results: dict[str, Any], paths: list[Path], cases: int) -> str:
    """A few lines for a person: what was measured, where, how long, what failed or was
    skipped, how to rerun."""
    parity = results["parity"]
    failed = [p for p in parity if not p["passed"]]
    target = results["target"]
    lines = [
        f"bragg bench: {cases} cases in {results['wall_s']:.1f} s "
        f"({len(results['tricubic'])} tricubic rows, {len(results['absorption'])} absorption "
        f"rows, {len(results['cold'])} cold starts)",
        f"  report    {paths[0]} (+ {len(paths) - 1} files in {cfg.out})",
        f"  parity    {len(parity) - len(failed)}/{len(parity)} passed"
        + "".join(f"; FAILED {p['backend']} {p['dtype']} {p['mode']}" for p in failed),
    ]
    if target.get("measured_in_this_run"):
        ratios = ", ".join(f"{b} {r:.2f}x" for b, r in target["ratio_to_c_loop"].items())
        lines.append(f"  target    warm throughput against the C loop: {ratios}")
    for sk in results["skipped"][:3]:
        lines.append(f"  skipped   {sk['what']}: {sk['reason']}")
    if len(results["skipped"]) > 3:
        lines.append(f"  skipped   ... {len(results['skipped']) - 3} more (report)")
    if results["warnings"]:
        lines.append(f"  warnings  {len(results['warnings'])} (report): {results['warnings'][0]}")
    lines.append(f"  rerun     {cfg.command}")
    return "\n".join(lines)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
