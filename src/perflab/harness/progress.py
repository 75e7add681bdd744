"""Progress of a long command-line run: a live bar on a terminal, plain lines in a log.

One :class:`ProgressReporter` per run. The command feeds it events (``update(done, **fields)``:
units done so far and a few counters such as failures); it draws

- on a terminal: a live ``tqdm`` bar (count, rate, ETA, the counters);
- otherwise (CI logs, a pipe, a file): one plain line at the first event, then at most one
  every ``interval_s`` seconds, and a last line on :meth:`close`, e.g.::

      [atlas-tiny] 120/1101 rows (10.9%) | 3.21 rows/s | work_budget 0, errors 0 | 0:37 | ETA 5:06

- nothing with ``mode="quiet"``.

The rate counts only the units done while it watched: ``(done - first done seen) / seconds
since then`` (a resumed build's reused rows do not inflate it), and the ETA is the units
left over that rate. Output goes to ``stream`` (stderr by default), so stdout stays free for
a summary or ``--json``. :func:`add_output_flags` gives every CLI the same ``--quiet``,
``--json`` and ``--progress-every`` flags.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

__all__ = [
    "DEFAULT_INTERVAL_S",
    "MODES",
    "ProgressReporter",
    "add_output_flags",
    "emit_result",
    "format_duration",
    "reporter_from_args",
]

MODES = ("auto", "bar", "lines", "quiet")
DEFAULT_INTERVAL_S = 5.0


def format_duration(seconds: float) -> str:
    """``H:MM:SS`` (``M:SS`` under an hour); ``?`` for an unknown (non-finite) duration."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _number(x: float) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:,.2f}"


def _fields_text(fields: dict[str, Any]) -> str:
    return ", ".join(
        f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in fields.items()
    )


class ProgressReporter:
    """Progress of ``total`` ``unit`` (``total=None``: unknown, no percentage or ETA).

    ``mode``: ``"auto"`` (a bar when ``stream`` is a terminal, else lines), ``"bar"``,
    ``"lines"`` or ``"quiet"``. ``interval_s``: the least time between two plain lines
    (0: a line per event). ``clock``: a monotonic clock in seconds (tests pass a fake one).
    """

    def __init__(
        self,
        title: str,
        total: float | None,
        *,
        unit: str = "items",
        mode: str = "auto",
        stream: TextIO | None = None,
        interval_s: float = DEFAULT_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if interval_s < 0 or not math.isfinite(interval_s):
            raise ValueError(f"interval_s must be a finite number >= 0, got {interval_s!r}")
        self.title, self.total, self.unit = title, total, unit
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            mode = "bar" if _isatty(self.stream) else "lines"
        self.mode, self.interval_s, self.clock = mode, interval_s, clock
        self.t_start = clock()
        self.done: float = 0
        self.fields: dict[str, Any] = {}
        self.lines_written = 0
        self._base: tuple[float, float] | None = None  # (done, time) of the first event
        self._last_line = -math.inf
        self._unwritten = False  # an event since the last plain line
        self._bar: Any = None
        self._closed = False

    # -- events --------------------------------------------------------------------------

    def update(self, done: float, total: float | None = None, **fields: Any) -> None:
        """``done`` units so far (absolute, not an increment); ``fields``: counters to show
        (replacing those of earlier events with the same name); ``total``: a new total."""
        if self._closed:
            return
        now = self.clock()
        if total is not None:
            self.total = total
        if self._base is None:
            self._base = (done, now)
        previous, self.done = self.done, done
        self.fields.update(fields)
        if self.mode == "bar":
            self._draw_bar(previous)
        elif self.mode == "lines":
            self._unwritten = True
            if now - self._last_line >= self.interval_s:
                self._write_line(now)

    def note(self, text: str) -> None:
        """One line ``[title] text`` (above the bar on a terminal; nothing when quiet): what
        a run is doing before its first event."""
        if self._closed or self.mode == "quiet":
            return
        if self.mode == "bar" and self._bar is not None:
            self._bar.write(f"[{self.title}] {text}", file=self.stream)
            return
        self.stream.write(f"[{self.title}] {text}\n")
        self.stream.flush()

    @property
    def started(self) -> bool:
        """Whether an event has arrived."""
        return self._base is not None

    def rate(self) -> float:
        """Units per second since the first event (0 before two distinct times)."""
        if self._base is None:
            return 0.0
        d0, t0 = self._base
        dt = self.clock() - t0
        return (self.done - d0) / dt if dt > 0 else 0.0

    def eta_s(self) -> float:
        """Seconds left at the current rate (``inf`` when unknown)."""
        if self.total is None:
            return math.inf
        left = max(self.total - self.done, 0)
        if left == 0:
            return 0.0
        r = self.rate()
        return left / r if r > 0 else math.inf

    def elapsed_s(self) -> float:
        return self.clock() - self.t_start

    def line(self) -> str:
        """The plain progress line of the current state."""
        count = f"{_number(self.done)}"
        if self.total is not None:
            pct = 100.0 * self.done / self.total if self.total else 100.0
            count += f"/{_number(self.total)} {self.unit} ({pct:.1f}%)"
        else:
            count += f" {self.unit}"
        parts = [f"[{self.title}] {count}", f"{self.rate():,.2f} {self.unit}/s"]
        if self.fields:
            parts.append(_fields_text(self.fields))
        parts.append(format_duration(self.elapsed_s()))
        if self.total is not None:
            parts.append(f"ETA {format_duration(self.eta_s())}")
        return " | ".join(parts)

    def close(self) -> None:
        """The last line (unless the last event has one already; or the bar's final state);
        later events are ignored."""
        if self._closed:
            return
        self._closed = True
        if self.mode == "lines" and self.started and (self._unwritten or not self.lines_written):
            self._write_line(self.clock())
        elif self.mode == "bar" and self._bar is not None:
            self._bar.close()

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- drawing -------------------------------------------------------------------------

    def _write_line(self, now: float) -> None:
        self.stream.write(self.line() + "\n")
        self.stream.flush()
        self._last_line = now
        self._unwritten = False
        self.lines_written += 1

    def _draw_bar(self, previous: float) -> None:
        from tqdm import tqdm

        if self._bar is None:  # opened at the first event: its rate excludes reused work
            self._bar = tqdm(
                total=self.total,
                initial=self.done,
                desc=self.title,
                unit=self.unit,
                file=self.stream,
                dynamic_ncols=True,
            )
            if self.fields:
                self._bar.set_postfix_str(_fields_text(self.fields))
            return
        if self.total is not None and self._bar.total != self.total:
            self._bar.total = self.total
        if self.fields:  # before the count, so one frame shows both
            self._bar.set_postfix_str(_fields_text(self.fields), refresh=False)
        if self.done != previous:
            self._bar.update(self.done - previous)  # redraws at most every 0.1 s
        else:
            self._bar.refresh()


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def add_output_flags(parser: argparse.ArgumentParser) -> None:
    """``--quiet`` (no progress), ``--json`` (the full JSON result on stdout, the summary on
    stderr) and ``--progress-every S`` (seconds between plain progress lines)."""
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--json", action="store_true", help="print the full JSON result on stdout")
    parser.add_argument(
        "--progress-every",
        type=_seconds,
        default=DEFAULT_INTERVAL_S,
        metavar="S",
        help="seconds between progress lines when not on a terminal "
        f"(default {DEFAULT_INTERVAL_S:g})",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"needs a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"needs a finite number >= 0, got {text!r}")
    return value


def reporter_from_args(
    args: argparse.Namespace, title: str, total: float | None, *, unit: str
) -> ProgressReporter:
    """The reporter the flags of :func:`add_output_flags` ask for (on stderr)."""
    return ProgressReporter(
        title,
        total,
        unit=unit,
        mode="quiet" if args.quiet else "auto",
        interval_s=args.progress_every,
    )


def emit_result(args: argparse.Namespace, summary: str, result: Any) -> None:
    """The end of a CLI run: the human ``summary`` on stdout, or with ``--json`` the JSON
    ``result`` on stdout and the summary on stderr."""
    import json

    if args.json:
        print(summary, file=sys.stderr, flush=True)
        print(json.dumps(result, indent=2, default=str), flush=True)
    else:
        print(summary, flush=True)
