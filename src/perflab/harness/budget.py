"""Time budgets for solvers that can run long.

``time_budget(seconds)`` is both a decorator and a context manager. In the main thread of
the main interpreter it arms a real-time interval timer (``signal.setitimer(ITIMER_REAL)``)
whose ``SIGALRM`` handler raises :class:`TimeBudgetExceeded` inside the running code, so a
stuck pure-Python loop is interrupted. (A long call inside one C function is interrupted when
it next returns to the interpreter.) Anywhere else (worker threads, platforms without
``setitimer``) a signal cannot be used, and the budget degrades to an after-the-fact check:
the code runs to completion and ``TimeBudgetExceeded`` is raised afterwards if it overran.
Budgets nest: an inner budget never extends an outer one.

The default budget is read from the environment variable ``PERFLAB_SOLVER_TIMEOUT``
(seconds, 30 when unset); a non-positive budget disables the check.
"""

from __future__ import annotations

import functools
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

ENV_VAR = "PERFLAB_SOLVER_TIMEOUT"
DEFAULT_SECONDS = 30.0

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


def default_budget() -> float:
    """The budget from ``PERFLAB_SOLVER_TIMEOUT`` (seconds), or 30 s when unset or empty."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_SECONDS
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV_VAR} must be a number of seconds, got {raw!r}") from exc


def _signals_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class time_budget:  # noqa: N801 - used like a function
    """Raise :class:`TimeBudgetExceeded` when a block or call runs over ``seconds``.

    ``seconds=None`` reads the environment default at entry. ``seconds <= 0`` disables it.
    ``mode`` is ``"signal"`` or ``"after"`` once entered (see the module docstring).
    """

    def __init__(self, seconds: float | None = None, *, what: str = "call") -> None:
        self._seconds = seconds
        self.what = what
        self.mode: str | None = None
        self._stack: list[tuple[float, float, Any, tuple[float, float], str]] = []

    @property
    def seconds(self) -> float:
        return default_budget() if self._seconds is None else float(self._seconds)

    def __enter__(self) -> time_budget:
        seconds = self.seconds
        start = time.monotonic()
        if seconds <= 0:
            self._stack.append((seconds, start, None, (0.0, 0.0), "off"))
            self.mode = "off"
            return self
        if not _signals_usable():
            self._stack.append((seconds, start, None, (0.0, 0.0), "after"))
            self.mode = "after"
            return self

        deadline_exc = TimeBudgetExceeded(seconds, what=self.what)

        def _handler(signum: int, frame: Any) -> None:
            deadline_exc.elapsed = time.monotonic() - start
            deadline_exc.args = (
                f"{self.what} exceeded its time budget of {seconds:g} s "
                f"(interrupted after {deadline_exc.elapsed:.3f} s)",
            )
            raise deadline_exc

        old_handler = signal.signal(signal.SIGALRM, _handler)
        old_timer = signal.setitimer(signal.ITIMER_REAL, 0)
        delay = seconds
        if old_timer[0] > 0:
            delay = min(delay, old_timer[0])  # never extend an outer budget
        signal.setitimer(signal.ITIMER_REAL, delay)
        self._stack.append((seconds, start, old_handler, old_timer, "signal"))
        self.mode = "signal"
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        seconds, start, old_handler, old_timer, mode = self._stack.pop()
        elapsed = time.monotonic() - start
        if mode == "signal":
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
            if old_timer[0] > 0:
                remaining = old_timer[0] - elapsed
                # re-arm the outer timer; if it has already expired, fire it almost at once
                signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-6), old_timer[1])
        if exc_type is None and mode == "after" and elapsed > seconds:
            raise TimeBudgetExceeded(seconds, elapsed, what=self.what)
        return False

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with time_budget(
                self._seconds, what=self.what if self.what != "call" else fn.__qualname__
            ):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
