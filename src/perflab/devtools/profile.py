"""Profile a named workload: pyinstrument HTML + cProfile ``.prof`` + the top functions.

Usage::

    python -m perflab.devtools.profile --list
    python -m perflab.devtools.profile harness.convex_hull_4d [--out .profiles] [--repeat 3]
    python -m perflab.devtools.profile "benchmarks/harness/test_bench_harness.py::test_bench_x"

**Targets** come from a registry filled lazily, by module name, when a target is asked for
(this module imports no domain code at import time):

1. every ``perflab.<package>.workloads`` module that exists (the harness's own
   :mod:`perflab.harness.workloads`, then each domain: ``symplectic``, ``atlas``, ``bragg``,
   ``warpgen``, ``soap`` and any other subpackage of ``perflab``) and defines a dict
   ``PROFILE_TARGETS = {"key": factory}``; the target's name is ``"<package>.<key>"``.
   A domain without such a module, or whose module fails to import, is skipped with a
   message saying why (printed by the command line, kept in :attr:`Discovery.skipped`);
2. anything registered at run time with :func:`register`;
3. any pytest-benchmark test, by its pytest node id (``benchmarks/<domain>/test_x.py::
   test_y[param]``): :func:`profile_benchmark` runs it in-process with the benchmark
   fixture disabled (the benchmarked callable runs once) and profiles only the test call.

A *factory* is a zero-argument callable that does the set-up and returns the zero-argument
callable to profile, so input generation never shows in the profile.

**What a run does** (:func:`profile_target`): call the factory (set-up, timed), call the
workload once unprofiled (warm-up: imports, caches, JIT; its time is reported as
``warm_s``), then run it ``repeat`` times under pyinstrument (statistical, low overhead: the
call tree) and ``repeat`` times under cProfile (deterministic: exact call counts and
self-times; the top-functions table). The two profilers cannot run at the same time, so
they run one after the other. Files written under ``out_dir``: ``<target>.html``
(pyinstrument), ``<target>.prof`` (cProfile; open with ``snakeviz`` or ``pstats``),
``<target>.txt`` (the call tree as text) and ``<target>.json`` (the summary).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import json
import pkgutil
import pstats
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from perflab._stdlib_guard import ensure_stdlib_profile
from perflab.harness.atomic import atomic_write_text
from perflab.harness.workloads import Factory  # the factory convention, one definition

__all__ = [
    "DEFAULT_OUT",
    "KNOWN_PACKAGES",
    "TOOL_PACKAGES",
    "BenchmarkRunError",
    "Discovery",
    "Factory",
    "ProfileResult",
    "Target",
    "UnknownTargetError",
    "discover",
    "format_top",
    "get_target",
    "is_benchmark_node",
    "main",
    "profile_benchmark",
    "profile_target",
    "register",
    "top_functions",
    "top_functions_chart",
]


#: Packages searched for ``workloads.PROFILE_TARGETS`` (the harness first, then the domains).
KNOWN_PACKAGES = ("harness", "symplectic", "atlas", "bragg", "warpgen", "soap")
#: subpackages that are tools, not domains: they register no workloads and are not searched
TOOL_PACKAGES = ("devtools",)
DEFAULT_OUT = Path(".profiles")

_registered: dict[str, tuple[Factory, str]] = {}


def _cprofile() -> Any:
    """The stdlib ``cProfile`` module, even when ``notebooks/profile.py`` shadows ``profile``.

    ``cProfile`` does ``import profile``; run from ``notebooks/`` that import would load the
    notebook. :func:`perflab._stdlib_guard.ensure_stdlib_profile` registers the stdlib module
    first (``import perflab`` already does; calling it again is cheap and idempotent).
    """
    ensure_stdlib_profile()
    return importlib.import_module("cProfile")


class UnknownTargetError(KeyError):
    """The asked-for profile target is not in the registry."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


@dataclass(frozen=True)
class Target:
    """A registered workload: its name, factory, defining module and one-line description."""

    name: str
    factory: Factory
    module: str
    description: str


@dataclass
class Discovery:
    """Targets found, and one message per package that was skipped (with the reason)."""

    targets: dict[str, Target] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def register(name: str, factory: Factory | None = None, *, module: str = "") -> Any:
    """Register ``factory`` under ``name``; usable as ``@register("pkg.name")`` too."""
    if not name or not isinstance(name, str):
        raise ValueError(f"a profile target needs a non-empty name, got {name!r}")

    def _add(f: Factory) -> Factory:
        if not callable(f):
            raise TypeError(f"profile target {name!r}: factory {f!r} is not callable")
        _registered[name] = (f, module or getattr(f, "__module__", ""))
        return f

    return _add if factory is None else _add(factory)


def _describe(f: Callable[..., Any]) -> str:
    doc = (getattr(f, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


def _packages() -> list[str]:
    import perflab

    found = {m.name for m in pkgutil.iter_modules(perflab.__path__) if m.ispkg}
    return list(KNOWN_PACKAGES) + sorted(found - set(KNOWN_PACKAGES) - set(TOOL_PACKAGES))


def discover(packages: Sequence[str] | None = None) -> Discovery:
    """Import each ``perflab.<package>.workloads`` that exists and collect its targets."""
    out = Discovery()
    for pkg in packages if packages is not None else _packages():
        mod_name = f"perflab.{pkg}.workloads"
        try:
            spec = importlib.util.find_spec(mod_name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            out.skipped.append(f"{mod_name}: not present (no workloads from '{pkg}' yet)")
            continue
        try:
            mod = importlib.import_module(mod_name)
        except Exception as exc:  # a broken domain must not hide the others
            out.skipped.append(f"{mod_name}: import failed: {type(exc).__name__}: {exc}")
            continue
        table = getattr(mod, "PROFILE_TARGETS", None)
        if not isinstance(table, dict):
            out.skipped.append(f"{mod_name}: has no PROFILE_TARGETS dict")
            continue
        for key, factory in table.items():
            name = f"{pkg}.{key}"
            if not callable(factory):
                out.skipped.append(f"{name}: factory {factory!r} is not callable")
                continue
            out.targets[name] = Target(name, factory, mod_name, _describe(factory))
    for name, (factory, module) in _registered.items():
        out.targets[name] = Target(name, factory, module, _describe(factory))
    return out


def get_target(name: str, discovery: Discovery | None = None) -> Target:
    """The target called ``name``; :class:`UnknownTargetError` lists the known ones."""
    d = discovery or discover()
    try:
        return d.targets[name]
    except KeyError:
        known = ", ".join(sorted(d.targets)) or "(none)"
        raise UnknownTargetError(
            f"unknown profile target {name!r}; known targets: {known}"
        ) from None


@dataclass
class ProfileResult:
    """What :func:`profile_target` measured and wrote."""

    target: str
    repeat: int
    setup_s: float
    warm_s: float | None
    pyinstrument_s: float
    cprofile_s: float
    top: list[dict[str, Any]]
    call_tree: str
    html_path: Path | None  # None: profiled with out_dir=None, nothing written
    prof_path: Path | None
    text_path: Path | None
    json_path: Path | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("html_path", "prof_path", "text_path", "json_path"):
            d[k] = None if d[k] is None else str(d[k])
        return d


def top_functions(stats: pstats.Stats, n: int = 20) -> list[dict[str, Any]]:
    """The ``n`` functions with the most self time (cProfile's ``tottime``).

    Each row: ``function`` (``name (file:line)``), ``ncalls`` (primitive calls),
    ``tottime_s`` (self time), ``cumtime_s`` (including callees), ``self_pct`` (share of all
    self time, which sums to the profiled wall time).
    """
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values()) or 1.0
    rows = []
    for (filename, line, func), (cc, _nc, tt, ct, _callers) in raw.items():
        where = func if filename == "~" else f"{func} ({Path(filename).name}:{line})"
        rows.append(
            {
                "function": where,
                "ncalls": int(cc),
                "tottime_s": float(tt),
                "cumtime_s": float(ct),
                "self_pct": 100.0 * tt / total,
            }
        )
    rows.sort(key=lambda r: r["tottime_s"], reverse=True)
    return rows[:n]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _run_between(
    start: Callable[[], Any], stop: Callable[[], Any], fn: Callable[[], Any], repeat: int
) -> float:
    """Call ``fn`` ``repeat`` times between ``start()`` and ``stop()``; the wall time."""
    t0 = time.perf_counter()
    start()
    try:
        for _ in range(repeat):
            fn()
    finally:
        stop()
    return time.perf_counter() - t0


def profile_target(
    name: str,
    *,
    out_dir: str | Path | None = DEFAULT_OUT,
    repeat: int = 1,
    top: int = 20,
    warmup: bool = True,
    interval: float = 0.001,
    discovery: Discovery | None = None,
) -> ProfileResult:
    """Profile the target ``name`` (see the module docstring) and write its files
    (``out_dir=None``: write nothing, the result's paths are None; for read-only
    dashboards)."""
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    target = get_target(name, discovery)
    out_dir = None if out_dir is None else Path(out_dir)
    t0 = time.perf_counter()
    fn = target.factory()
    setup_s = time.perf_counter() - t0
    if not callable(fn):
        raise TypeError(f"factory of {name!r} returned {fn!r}, not a zero-argument callable")
    warm_s = None
    if warmup:
        t0 = time.perf_counter()
        fn()
        warm_s = time.perf_counter() - t0

    return _profile_and_write(
        name,
        lambda start, stop: _run_between(start, stop, fn, repeat),
        out_dir=out_dir,
        top=top,
        interval=interval,
        repeat=repeat,
        setup_s=setup_s,
        warm_s=warm_s,
    )


def _profile_and_write(
    name: str,
    run_between: Callable[[Callable[[], Any], Callable[[], Any]], float],
    *,
    out_dir: Path | None,
    top: int,
    interval: float,
    repeat: int,
    setup_s: float,
    warm_s: float | None,
) -> ProfileResult:
    """Run the workload under pyinstrument, then under cProfile, and write the files."""
    from pyinstrument import Profiler

    base = _safe(name)  # names hold dots: build file names by suffixing, not with_suffix

    def path_for(ext: str) -> Path:
        return out_dir / f"{base}{ext}"

    prof = Profiler(interval=interval, async_mode="disabled")
    pyinstrument_s = run_between(prof.start, prof.stop)
    cp = _cprofile().Profile()
    cprofile_s = run_between(cp.enable, cp.disable)
    result = ProfileResult(
        target=name,
        repeat=repeat,
        setup_s=setup_s,
        warm_s=warm_s,
        pyinstrument_s=pyinstrument_s,
        cprofile_s=cprofile_s,
        top=top_functions(pstats.Stats(cp), top),
        call_tree=prof.output_text(unicode=True, color=False),
        html_path=None,
        prof_path=None,
        text_path=None,
        json_path=None,
    )
    if out_dir is None:
        return result
    out_dir.mkdir(parents=True, exist_ok=True)
    cp.dump_stats(str(path_for(".prof")))
    result = dataclasses.replace(
        result,
        html_path=atomic_write_text(path_for(".html"), prof.output_html()),
        text_path=atomic_write_text(path_for(".txt"), result.call_tree),
        prof_path=path_for(".prof"),
        json_path=path_for(".json"),
    )
    summary = {k: v for k, v in result.to_dict().items() if k != "call_tree"}
    atomic_write_text(result.json_path, json.dumps(summary, indent=2) + "\n")
    return result


class BenchmarkRunError(RuntimeError):
    """A benchmark given by node id did not run (no such test, or it failed)."""


def is_benchmark_node(target: str) -> bool:
    """True for a pytest node id or file (``benchmarks/x/test_y.py::test_z[p]``)."""
    return "::" in target or target.endswith(".py")


def _run_pytest(nodeid: str, start: Callable[[], Any], stop: Callable[[], Any]) -> float:
    """Run the benchmark ``nodeid`` in this process, ``start``/``stop`` around each test call.

    pytest-benchmark is disabled (``--benchmark-disable``), so the benchmarked callable runs
    exactly once per test; only the test function's call is between start and stop (not
    collection, not fixtures). Returns the seconds spent in test calls.
    """
    import pytest

    class _Around:
        calls = 0
        seconds = 0.0

        @pytest.hookimpl(hookwrapper=True)
        def pytest_pyfunc_call(self, pyfuncitem: Any) -> Any:
            t0 = time.perf_counter()
            start()
            try:
                yield
            finally:
                stop()
                self.seconds += time.perf_counter() - t0
                self.calls += 1

    around = _Around()
    args = [nodeid, "-q", "-p", "no:cacheprovider", "--benchmark-disable", "--no-header"]
    code = pytest.main(args, plugins=[around])
    if around.calls == 0:
        raise BenchmarkRunError(f"no benchmark ran for {nodeid!r} (pytest exit code {code})")
    if code != 0:
        raise BenchmarkRunError(f"benchmark {nodeid!r} failed (pytest exit code {code})")
    return around.seconds


def profile_benchmark(
    nodeid: str,
    *,
    out_dir: str | Path = DEFAULT_OUT,
    top: int = 20,
    warmup: bool = True,
    interval: float = 0.001,
) -> ProfileResult:
    """Profile a pytest-benchmark test given by node id (every benchmark is a target).

    The test runs in this process with ``--benchmark-disable`` (its benchmarked callable
    once): once unprofiled as a warm-up (imports, JIT, caches), then under pyinstrument,
    then under cProfile. Input set-up written inside the test body is part of the profile;
    fixtures and collection are not. A node id matching several tests profiles them all.
    """
    warm_s = _run_pytest(nodeid, lambda: None, lambda: None) if warmup else None
    return _profile_and_write(
        nodeid,
        lambda start, stop: _run_pytest(nodeid, start, stop),
        out_dir=Path(out_dir),
        top=top,
        interval=interval,
        repeat=1,
        setup_s=0.0,
        warm_s=warm_s,
    )


def format_top(rows: list[dict[str, Any]]) -> str:
    """The top-functions table as fixed-width text."""
    lines = [f"{'self s':>9} {'self %':>7} {'cum s':>9} {'calls':>9}  function"]
    for r in rows:
        lines.append(
            f"{r['tottime_s']:9.4f} {r['self_pct']:6.1f}% {r['cumtime_s']:9.4f} "
            f"{r['ncalls']:9d}  {r['function']}"
        )
    return "\n".join(lines)


def top_functions_chart(rows: list[dict[str, Any]], *, n: int = 12, title: str = "") -> Any:
    """Altair bar chart of the ``n`` functions with the most self time (cProfile)."""
    import altair as alt

    data = [
        {**r, "self_ms": r["tottime_s"] * 1e3, "cum_ms": r["cumtime_s"] * 1e3} for r in rows[:n]
    ]
    return (
        alt.Chart(alt.Data(values=data))
        .mark_bar()
        .encode(
            x=alt.X("self_ms:Q", title="self time (ms, cProfile)"),
            y=alt.Y("function:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),
            tooltip=["function:N", "ncalls:Q", "self_ms:Q", "cum_ms:Q", "self_pct:Q"],
        )
        .properties(title=title or "Top functions by self time", width=360, height=18 * len(data))
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m perflab.devtools.profile",
        description="Profile a registered workload with pyinstrument and cProfile.",
    )
    p.add_argument(
        "target",
        nargs="?",
        help="target name (see --list), or a benchmark's pytest node id "
        "(benchmarks/<domain>/test_x.py::test_y[param])",
    )
    p.add_argument("--list", action="store_true", help="list the targets and exit")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (.profiles)")
    p.add_argument("--repeat", type=int, default=1, help="profiled calls per profiler")
    p.add_argument("--top", type=int, default=20, help="rows of the top-functions table")
    p.add_argument("--no-warmup", action="store_true", help="profile the cold first call")
    args = p.parse_args(argv)

    d = discover()
    for msg in d.skipped:
        print(f"skipped {msg}", file=sys.stderr)
    if args.list or not args.target:
        for t in sorted(d.targets.values(), key=lambda t: t.name):
            print(f"{t.name:40s} {t.description}")
        return 0 if args.list else 2
    try:
        if is_benchmark_node(args.target) and args.target not in d.targets:
            r = profile_benchmark(
                args.target, out_dir=args.out, top=args.top, warmup=not args.no_warmup
            )
        else:
            r = profile_target(
                args.target,
                out_dir=args.out,
                repeat=args.repeat,
                top=args.top,
                warmup=not args.no_warmup,
                discovery=d,
            )
    except (UnknownTargetError, BenchmarkRunError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    warm = "n/a" if r.warm_s is None else f"{r.warm_s:.4f} s"
    print(
        f"{r.target}: set-up {r.setup_s:.4f} s, one warm call {warm}, "
        f"{r.repeat} call(s) under pyinstrument {r.pyinstrument_s:.4f} s, "
        f"under cProfile {r.cprofile_s:.4f} s"
    )
    print(f"top {len(r.top)} functions by self time (cProfile):")
    print(format_top(r.top))
    print(f"wrote {r.html_path} {r.prof_path} {r.text_path} {r.json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
