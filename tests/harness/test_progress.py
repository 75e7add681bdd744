"""The progress reporter: plain lines at most every interval, rate and ETA of the work it
watched, a tqdm bar on a terminal, silence when quiet, and the shared CLI flags."""

from __future__ import annotations

import argparse
import io
import json
import math
import re

import pytest

from perflab.harness.progress import (
    ProgressReporter,
    add_output_flags,
    emit_result,
    format_duration,
)


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_are_throttled_to_the_interval_and_close_writes_the_last_state():
    clock, out = Clock(), io.StringIO()
    p = ProgressReporter("job", 10, unit="rows", stream=out, interval_s=5.0, clock=clock)
    assert p.mode == "lines"  # a StringIO is not a terminal
    for i in range(10):
        p.update(i, errors=i // 4)
        clock.t += 1.0
    p.update(10, errors=2)
    p.close()
    lines = out.getvalue().splitlines()
    # events at t = 100..110: lines at 100, 105, 110 (the last event), none more on close
    assert [ln.split(" | ")[0] for ln in lines] == [
        "[job] 0/10 rows (0.0%)",
        "[job] 5/10 rows (50.0%)",
        "[job] 10/10 rows (100.0%)",
    ]
    assert lines[1] == "[job] 5/10 rows (50.0%) | 1.00 rows/s | errors 1 | 0:05 | ETA 0:05"
    p.update(11)  # ignored once closed
    assert out.getvalue().splitlines() == lines


def test_close_writes_a_line_for_events_since_the_last_one():
    clock, out = Clock(), io.StringIO()
    p = ProgressReporter("job", 4, stream=out, interval_s=60.0, clock=clock)
    p.update(0)
    clock.t += 2
    p.update(3)
    p.close()
    assert [ln.split(" | ")[0] for ln in out.getvalue().splitlines()] == [
        "[job] 0/4 items (0.0%)",
        "[job] 3/4 items (75.0%)",
    ]


def test_rate_and_eta_count_only_the_work_watched():
    # a resumed build starts at 900 of 1000: the rate must not count those 900
    clock = Clock()
    p = ProgressReporter("b", 1000, stream=io.StringIO(), clock=clock, mode="lines")
    clock.t += 7.0  # start-up before the first event does not count either
    p.update(900)
    assert p.rate() == 0.0 and p.eta_s() == math.inf
    clock.t += 10.0
    p.update(920)
    assert p.rate() == pytest.approx(2.0)
    assert p.eta_s() == pytest.approx(40.0)
    assert p.elapsed_s() == pytest.approx(17.0)
    assert p.line().endswith("| 0:17 | ETA 0:40")


def test_unknown_total_has_no_percentage_or_eta():
    p = ProgressReporter("u", None, unit="MB", stream=io.StringIO(), clock=Clock())
    p.update(1.5)
    assert p.line().startswith("[u] 1.50 MB | ") and "ETA" not in p.line()


def test_a_note_is_one_line_before_the_first_event():
    out = io.StringIO()
    p = ProgressReporter("n", 2, stream=out, interval_s=0, clock=Clock())
    p.note("starting 2 workers")
    assert out.getvalue() == "[n] starting 2 workers\n" and not p.started
    tty = Tty()
    with ProgressReporter("n", 2, stream=tty) as bar:
        bar.note("before the bar")
        bar.update(1)
        bar.note("beside the bar")
    assert "[n] before the bar" in tty.getvalue() and "[n] beside the bar" in tty.getvalue()


def test_quiet_writes_nothing():
    out = io.StringIO()
    with ProgressReporter("q", 3, mode="quiet", stream=out, interval_s=0) as p:
        p.note("hello")
        for i in range(4):
            p.update(i)
    assert out.getvalue() == ""


def test_a_terminal_gets_a_live_bar():
    out = Tty()
    with ProgressReporter("bar", 4, unit="rows", stream=out, interval_s=0) as p:
        assert p.mode == "bar"
        for i in range(5):
            p.update(i, errors=0)
    text = out.getvalue()
    assert "\r" in text and "[job]" not in text  # redrawn in place, not plain lines
    assert re.search(r"bar: 100%.*4/4 \[.*rows/s.*errors 0", text), text[-300:]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="mode"):
        ProgressReporter("x", 1, mode="loud")
    with pytest.raises(ValueError, match="interval_s"):
        ProgressReporter("x", 1, interval_s=-1)
    ap = argparse.ArgumentParser()
    add_output_flags(ap)
    for bad in ("-1", "soon", "inf"):
        with pytest.raises(SystemExit):
            ap.parse_args(["--progress-every", bad])
    a = ap.parse_args(["--quiet", "--json", "--progress-every", "0.5"])
    assert a.quiet and a.json and a.progress_every == 0.5


def test_emit_result_puts_json_alone_on_stdout_with_json(capsys):
    emit_result(argparse.Namespace(json=True), "the summary", {"a": 1})
    out, err = capsys.readouterr()
    assert json.loads(out) == {"a": 1} and err == "the summary\n"
    emit_result(argparse.Namespace(json=False), "the summary", {"a": 1})
    out, err = capsys.readouterr()
    assert out == "the summary\n" and err == ""


def test_format_duration():
    assert [format_duration(s) for s in (0, 59.4, 61, 3600 + 62, math.inf)] == [
        "0:00",
        "0:59",
        "1:01",
        "1:01:02",
        "?",
    ]
