import json

import altair as alt
import polars as pl
import pytest

from perflab.harness import markdown_table, save_chart, write_report


def test_write_report_writes_md_and_json_twin(tmp_path):
    md, js = write_report(tmp_path / "r.md", "# Title\n\nbody", {"x": 1.5})
    assert md.read_text() == "# Title\n\nbody\n"
    assert json.loads(js.read_text()) == {"x": 1.5}
    assert js.name == "r.json"


def test_save_chart_png_and_svg(tmp_path):
    df = pl.DataFrame({"a": [1, 2, 3], "b": [3.0, 1.0, 2.0]})
    chart = alt.Chart(df).mark_line().encode(x="a", y="b")
    png = save_chart(chart, tmp_path / "c.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = save_chart(chart, tmp_path / "c.svg")
    assert "<svg" in svg.read_text()
    with pytest.raises(ValueError, match="unsupported"):
        save_chart(chart, tmp_path / "c.pdf")


def test_markdown_table():
    t = markdown_table([{"a": 1, "b": 0.123456}, {"a": 2, "b": None}])
    assert t.splitlines()[0] == "| a | b |"
    assert "0.1235" in t
    assert markdown_table([]) == "_(no rows)_\n"
