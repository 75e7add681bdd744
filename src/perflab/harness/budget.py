"""Time budgets for solvers that can run long.

``time_budget(seconds)`` is both a decorator and a context manager. In the main thread of
the main interpreter it arms a real-time interval timer (``signal.setitimer(ITIMER_REAL)``)
whose ``SIGALRM`` handler raises :class:`TimeBudgetExceeded` inside the running code, so a
stuck pure-Python loop is interrupted. (A long call inside one C function is interrupted when
it next returns to the interpreter.) Anywhere else (worker threads, platforms without
``setitimer``) a signal cannot be used, and the budget degrades to an after-the-fact check:
the code runs to completion and ``TimeBudgetExceeded`` is raised afterwards if it overran.
Budgets nest: an inner budget never extends an outer one.

A signal handler's exception can be lost: when the signal lands inside a garbage-collector
callback, a ``__del__`` or a weakref callback, Python passes it to ``sys.unraisablehook``
and the interrupted code carries on. While a signal budget is active it wraps that hook: when
the lost exception is its own, the timer is re-armed to fire again after ``RETRY_SECONDS``
(instead of printing "Exception ignored"), until the exception gets through. If the block
still finishes normally, its exit raises the recorded ``TimeBudgetExceeded``: an overrun is
never silently accepted. An interrupt can also be swallowed by ordinary code (a library's
``except Exception``): after each interrupt the timer is re-armed to fire again after
``REPEAT_SECONDS``, so the block is interrupted until it ends.

The default budget is read from the environment variable ``PERFLAB_SOLVER_TIMEOUT``
(seconds, 30 when unset); a non-positive budget disables the check.
"""

from __future__ import annotations

import functools
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "DEFAULT_SECONDS",
    "ENV_VAR",
    "REPEAT_SECONDS",
    "RETRY_SECONDS",
    "TimeBudgetExceeded",
    "WorkBudgetExceeded",
    "default_budget",
    "time_budget",
]

ENV_VAR = "PERFLAB_SOLVER_TIMEOUT"
DEFAULT_SECONDS = 30.0
RETRY_SECONDS = 0.01
#: After an interrupt, the next one follows this much later unless the block has ended
#: (long enough for the exception to unwind, short enough that a swallowed one costs little).
REPEAT_SECONDS = 0.1

F = TypeVar("F", bound=Callable[..., Any])


class TimeBudgetExceeded(TimeoutError):
    """A call ran over its time budget."""

    def __init__(self, seconds: float, elapsed: float | None = None, what: str = "call"):
        self.seconds = seconds
        self.elapsed = elapsed
        msg = f"{what} exceeded its time budget of {seconds:g} s"
        if elapsed is not None:
            msg += f" (ran {elapsed:.3f} s)"
        super().__init__(msg)


class WorkBudgetExceeded(RuntimeError):
    """A search ran out of its work budget (nodes, cycles or candidates examined).

    Unlike :class:`TimeBudgetExceeded` this depends only on the input and the budget, never
    on the machine's speed or load: the same call exceeds it on every machine, so a dataset
    row that records it is reproducible."""

    def __init__(self, message: str, *, used: int, what: str = "search"):
        self.used = used
        self.what = what
        super().__init__(message)


def default_budget() -> float:
    """The budget from ``PERFLAB_SOLVER_TIMEOUT`` (seconds), or 30 s when unset or empty."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_SECONDS
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV_VAR} must be a number of seconds, got {raw!r}") from exc
    if math.isnan(value):
        raise ValueError(f"{ENV_VAR} must be a number of seconds, got {raw!r}")
    return 0.0 if math.isinf(value) else value


def _signals_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@dataclass
class _Entry:
    """One active ``with time_budget(...)``: what its exit must restore and check."""

    seconds: float
    start: float
    mode: str  # "off" | "after" | "signal"
    deadline: float = float("inf")  # monotonic time the timer was armed for
    fired: bool = False  # the deadline passed while the block ran (signal mode)
    exc: TimeBudgetExceeded | None = None  # the exception the handler raises
    old_handler: Any = None
    old_timer: tuple[float, float] = (0.0, 0.0)
    old_hook: Any = None
    hook: Any = None  # the sys.unraisablehook this entry installed


class time_budget:  # noqa: N801 - used like a function
    """Raise :class:`TimeBudgetExceeded` when a block or call runs over ``seconds``.

    ``seconds=None`` reads the environment default at entry. ``seconds <= 0`` or ``inf``
    disables it; NaN or a non-number raises ``ValueError`` naming ``seconds``.
    ``mode`` is ``"signal"`` or ``"after"`` once entered (see the module docstring).
    """

    def __init__(self, seconds: float | None = None, *, what: str = "call") -> None:
        if seconds is not None:
            try:
                seconds = float(seconds)
            except (TypeError, ValueError):
                raise ValueError(
                    f"time_budget: seconds must be a number (None for the default), got {seconds!r}"
                ) from None
            if math.isnan(seconds):
                raise ValueError("time_budget: seconds must be a number, got NaN")
            if math.isinf(seconds):
                seconds = 0.0  # no limit: the same as <= 0 (off)
        self._seconds = seconds
        self.what = what
        self.mode: str | None = None
        self._stack: list[_Entry] = []

    @property
    def seconds(self) -> float:
        return default_budget() if self._seconds is None else float(self._seconds)

    def __enter__(self) -> time_budget:
        seconds = self.seconds
        start = time.monotonic()
        if seconds <= 0 or not _signals_usable():
            self.mode = "off" if seconds <= 0 else "after"
            self._stack.append(_Entry(seconds, start, self.mode))
            return self

        entry = _Entry(seconds, start, "signal", exc=TimeBudgetExceeded(seconds, what=self.what))

        def _handler(signum: int, frame: Any) -> None:
            if not entry.fired and time.monotonic() < entry.deadline - 1e-3:
                return  # a stale SIGALRM meant for an inner budget that has just ended
            entry.fired = True
            entry.exc.elapsed = time.monotonic() - start
            entry.exc.args = (
                f"{self.what} exceeded its time budget of {seconds:g} s "
                f"(interrupted after {entry.exc.elapsed:.3f} s)",
            )
            if frame is not None and frame.f_code is _ENTER_CODE:
                signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)  # raise in the block
                return
            if frame is not None and frame.f_code is _EXIT_CODE:
                if frame.f_locals.get("self") is not self:
                    # an inner budget is ending: interrupt this block once it has
                    signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
                return  # leaving the budget: __exit__ raises it after cleanup
            # library code may swallow the exception (``except Exception``, e.g. numpy's
            # array_equal): keep interrupting until the block ends (__exit__ disarms)
            signal.setitimer(signal.ITIMER_REAL, REPEAT_SECONDS)
            raise entry.exc.with_traceback(None)

        entry.old_hook = sys.unraisablehook

        def _unraisable(unraisable: Any) -> None:
            if unraisable.exc_value is entry.exc:
                # our interrupt landed where exceptions are swallowed: try again shortly
                signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
                return
            entry.old_hook(unraisable)

        entry.old_handler = signal.signal(signal.SIGALRM, _handler)
        entry.old_timer = signal.setitimer(signal.ITIMER_REAL, 0)
        delay = seconds
        if entry.old_timer[0] > 0:
            delay = min(delay, entry.old_timer[0])  # never extend an outer budget
        entry.deadline = start + delay
        self._stack.append(entry)
        self.mode = "signal"
        sys.unraisablehook = entry.hook = _unraisable
        signal.setitimer(signal.ITIMER_REAL, delay)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        entry = self._stack.pop()
        if entry.mode == "signal":
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, entry.old_handler)
            if sys.unraisablehook is entry.hook:  # unless the block installed its own
                sys.unraisablehook = entry.old_hook
        elapsed = time.monotonic() - entry.start
        if entry.mode == "signal" and entry.old_timer[0] > 0:
            remaining = entry.old_timer[0] - elapsed
            # re-arm the outer timer; if it has already expired, fire it almost at once
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-6), entry.old_timer[1])
        if exc_type is None:
            if entry.fired:
                # the interrupt was swallowed but the block still overran
                raise entry.exc.with_traceback(None)
            if entry.mode == "after" and elapsed > entry.seconds:
                raise TimeBudgetExceeded(entry.seconds, elapsed, what=self.what)
        return False

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with time_budget(
                self._seconds, what=self.what if self.what != "call" else fn.__qualname__
            ):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


# frames in which the handler must not raise: the budget's own bookkeeping
_ENTER_CODE = time_budget.__enter__.__code__
_EXIT_CODE = time_budget.__exit__.__code__
