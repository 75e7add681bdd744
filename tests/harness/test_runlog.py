import json

import pytest

from perflab.harness import RunLog


def test_roundtrip(tmp_path):
    p = tmp_path / "log.jsonl"
    with RunLog(p) as log:
        log.write({"a": 1})
        log.write({"b": [1, 2]})
    assert RunLog.read(p) == [{"a": 1}, {"b": [1, 2]}]
    assert RunLog.read(tmp_path / "absent.jsonl") == []


def test_torn_last_line_is_ignored_and_reopen_continues(tmp_path):
    p = tmp_path / "log.jsonl"
    with RunLog(p) as log:
        log.write({"i": 0})
        log.write({"i": 1})
    # simulate a crash in the middle of writing record 2
    with open(p, "ab") as fh:
        fh.write(b'{"i": 2, "payl')
    assert RunLog.read(p) == [{"i": 0}, {"i": 1}]
    with RunLog(p) as log:  # reopen after the crash
        log.write({"i": 3})
    assert RunLog.read(p) == [{"i": 0}, {"i": 1}, {"i": 3}]
    # every line in the file parses: nothing torn remains
    for line in p.read_text().splitlines():
        json.loads(line)


def test_torn_line_that_happens_to_parse_is_still_dropped(tmp_path):
    p = tmp_path / "log.jsonl"
    p.write_bytes(b'{"i": 0}\n{"i": 1}')  # last record lacks its newline: never acknowledged
    assert RunLog.read(p) == [{"i": 0}]


def test_corruption_in_the_middle_is_an_error(tmp_path):
    p = tmp_path / "log.jsonl"
    p.write_bytes(b'{"i": 0}\nGARBAGE\n{"i": 2}\n')
    with pytest.raises(ValueError, match="line 2"):
        RunLog.read(p)


def test_numpy_values_are_serialised(tmp_path):
    np = pytest.importorskip("numpy")
    p = tmp_path / "log.jsonl"
    with RunLog(p) as log:
        log.write({"x": np.float64(1.5), "v": np.arange(3)})
    assert RunLog.read(p) == [{"v": [0, 1, 2], "x": 1.5}]
    with RunLog(p) as log, pytest.raises(TypeError):
        log.write(["not", "a", "dict"])
