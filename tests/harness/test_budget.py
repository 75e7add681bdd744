import gc
import sys
import threading
import time

import pytest

from perflab.harness import TimeBudgetExceeded, default_budget, time_budget


def test_sleep_past_budget_raises_in_main_thread():
    t0 = time.monotonic()
    with pytest.raises(TimeBudgetExceeded, match="0.2 s"):
        with time_budget(0.2) as tb:
            assert tb.mode == "signal"
            time.sleep(10.0)
    # interrupted, not run to completion (5 s leaves room for a loaded machine)
    assert time.monotonic() - t0 < 5.0


def test_decorator_interrupts_pure_python_loop():
    @time_budget(0.2)
    def spin():
        while True:
            pass

    with pytest.raises(TimeBudgetExceeded) as info:
        spin()
    assert "spin" in str(info.value)


def test_within_budget_returns_value_and_disarms_timer():
    @time_budget(1.0)
    def quick(x):
        return x * 2

    assert quick(21) == 42
    time.sleep(1.2)  # a timer left armed would fire here


@pytest.mark.parametrize("seconds", [0, -1, 0.0])
def test_non_positive_budget_never_raises(seconds):
    with time_budget(seconds) as tb:
        time.sleep(0.05)
    assert tb.mode == "off"


def test_environment_default(monkeypatch):
    monkeypatch.delenv("PERFLAB_SOLVER_TIMEOUT", raising=False)
    assert default_budget() == 30.0
    monkeypatch.setenv("PERFLAB_SOLVER_TIMEOUT", "0.15")
    assert default_budget() == 0.15
    with pytest.raises(TimeBudgetExceeded):
        with time_budget():
            time.sleep(1.0)

    @time_budget()
    def slow():
        time.sleep(1.0)

    with pytest.raises(TimeBudgetExceeded):
        slow()
    monkeypatch.setenv("PERFLAB_SOLVER_TIMEOUT", "0")
    slow()  # disabled by the environment
    monkeypatch.setenv("PERFLAB_SOLVER_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="PERFLAB_SOLVER_TIMEOUT"):
        default_budget()


def test_nested_inner_budget_does_not_extend_outer():
    t0 = time.monotonic()
    with pytest.raises(TimeBudgetExceeded):
        with time_budget(0.2):
            with time_budget(30.0):
                time.sleep(10.0)
    assert time.monotonic() - t0 < 5.0


def test_outer_budget_still_fires_after_inner_finishes():
    with pytest.raises(TimeBudgetExceeded):
        with time_budget(0.3):
            with time_budget(5.0):
                time.sleep(0.05)
            time.sleep(2.0)


def test_worker_thread_degrades_to_after_the_fact_check():
    out = {}

    def work():
        try:
            with time_budget(0.05) as tb:
                out["mode"] = tb.mode
                time.sleep(0.2)
            out["raised"] = False
        except TimeBudgetExceeded as exc:
            out["raised"] = True
            out["elapsed"] = exc.elapsed

    th = threading.Thread(target=work)
    th.start()
    th.join()
    assert out["mode"] == "after"
    assert out["raised"] is True
    assert out["elapsed"] >= 0.2


def _busy(seconds: float) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        pass


@pytest.fixture
def swallowing_gc_callback():
    """A gc callback that spins past the deadline, so the SIGALRM lands inside it and the
    handler's exception is reported as unraisable instead of reaching the budgeted code."""

    def spin(phase, info):
        if phase == "start":
            _busy(0.15)

    gc.callbacks.append(spin)
    yield
    gc.callbacks.remove(spin)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_interrupt_swallowed_by_a_gc_callback_still_fails_the_block(swallowing_gc_callback):
    with pytest.raises(TimeBudgetExceeded, match="exceeded its time budget of 0.05 s"):
        with time_budget(0.05):
            gc.collect()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_stuck_loop_is_still_interrupted_after_a_swallowed_interrupt(swallowing_gc_callback):
    t0 = time.monotonic()
    with pytest.raises(TimeBudgetExceeded):
        with time_budget(0.05):
            gc.collect()
            _busy(10.0)  # stands in for a stuck loop
    assert time.monotonic() - t0 < 5.0


def test_other_unraisable_exceptions_still_reach_the_previous_hook(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_value))

    class Noisy:
        def __del__(self):
            raise ValueError("from __del__")

    with time_budget(5.0):
        Noisy()
    assert [type(e) for e in seen] == [ValueError]
    sys.unraisablehook(_Probe())  # after the block, the previous hook is back in place
    assert [type(e) for e in seen] == [ValueError, KeyError]


class _Probe:
    exc_value = KeyError("probe")
