"""The browser check's bookkeeping, without a browser (the browser tests are in make e2e)."""

from __future__ import annotations

import json

from perflab.devtools.dashboard import DashboardCheck, KernelState, browser_missing_reason


def _op(op, **data):
    return json.dumps({"op": op, "data": {"op": op, **data}})


def _cell(cid, status=None, output=None):
    return _op("cell-op", cell_id=cid, status=status, output=output, console=None)


ERR = {
    "channel": "marimo-error",
    "mimetype": "application/vnd.marimo+error",
    "data": [
        {"type": "exception", "msg": "division by zero", "exception_type": "ZeroDivisionError"}
    ],
}
CHART = {"channel": "output", "mimetype": "application/vnd.vegalite.v6+json", "data": {}}
MD = {"channel": "output", "mimetype": "text/markdown", "data": "<span>hi</span>"}


def test_kernel_state_tracks_status_errors_and_charts():
    msgs = [
        _op("kernel-ready", cell_ids=["a", "b", "c"], codes=["", "", ""]),
        _cell("a", "queued"),
        _cell("b", "queued"),
        _cell("c", "queued"),
        _cell("a", "running"),
        _cell("a", output=MD),
        _cell("a", "idle"),
        _cell("b", "running"),
        _cell("b", output=ERR),
        _cell("b", "idle"),
        _cell("c", "running"),
    ]
    st = KernelState.from_messages(msgs + ["not json", "[]"])
    assert st.cells == ["a", "b", "c"] and st.busy == ["c"] and not st.finished
    assert st.errors == {"b": "ZeroDivisionError: division by zero"}
    st = KernelState.from_messages([*msgs, _cell("c", output=CHART), _cell("c", "idle")])
    assert not st.finished  # idle, but the kernel has not reported the run complete
    st = KernelState.from_messages(
        [*msgs, _cell("c", output=CHART), _cell("c", "idle"), _op("completed-run")]
    )
    assert st.finished and st.charts == {"c": 1} and st.n_charts == 1
    # a re-run that replaces the error and the chart clears both
    st = KernelState.from_messages(
        [*msgs, _cell("c", output=CHART), _cell("b", output=MD), _cell("c", output=MD)]
    )
    assert st.errors == {} and st.charts == {}
    # charts nested in a layout arrive inside an HTML output, one mime renderer each
    nested = {
        "channel": "output",
        "mimetype": "text/html",
        "data": "<div><marimo-mime-renderer data-mime='&quot;application/vnd.vegalite.v6+json"
        "&quot;'></marimo-mime-renderer><marimo-mime-renderer data-mime='&quot;application/"
        "vnd.vegalite.v6+json&quot;'></marimo-mime-renderer></div>",
    }
    st = KernelState.from_messages([*msgs, _cell("a", output=nested)])
    assert st.charts == {"a": 2} and st.n_charts == 2


def test_check_ok_needs_no_errors_and_all_charts_drawn():
    base = dict(notebook="n.py", url="u", cells=2, statuses={}, seconds=1.0, screenshot=None)
    assert DashboardCheck(errors=[], charts_sent=2, charts_drawn=2, **base).ok
    assert not DashboardCheck(errors=[], charts_sent=2, charts_drawn=1, **base).ok
    assert not DashboardCheck(errors=["x"], charts_sent=0, charts_drawn=0, **base).ok


def test_missing_browser_reason_is_a_message_or_none():
    reason = browser_missing_reason()
    assert reason is None or "browser-deps" in reason or "selenium" in reason


def test_outputs_are_kept_and_a_failed_step_fails_the_check():
    from perflab.devtools.dashboard import Step, StepResult

    st = KernelState.from_messages([_cell("a", output=MD), _cell("a", output=CHART)])
    assert st.outputs == {"a": "{}"}  # the newest output replaces the old one
    st = KernelState.from_messages([_cell("a", output=MD)])
    assert st.outputs == {"a": "<span>hi</span>"}
    base = dict(notebook="n.py", url="u", cells=1, statuses={}, seconds=1.0, screenshot=None)
    ok = StepResult(Step("family", "cube", "1 of"), True, 1, 0.5)
    bad = StepResult(Step("family", "cube", "1 of"), False, 0, 0.5, "not shown")
    check = DashboardCheck(errors=[], charts_sent=0, charts_drawn=0, steps=[ok], **base)
    assert check.ok
    check.steps.append(bad)
    assert not check.ok
    check.outputs = {"a": "x", "b": "y"}
    assert check.text() == "x\ny"
