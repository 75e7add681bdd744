"""Every notebook served by ``marimo run`` renders in headless Chromium (``make e2e``).

Per notebook: serve it with ``-- --smoke --out TMP`` (a dashboard run by ``marimo run``
gets its flags after ``--``, like a script), open it in Chromium, wait for the kernel to
finish, and require no error cell (kernel messages and the page), every chart the kernel
sent drawn, at least one chart when the notebook uses altair, and a screenshot in
``reports/screenshots/<notebook>.png``. Skipped, with the reason, only when Chromium or
chromedriver is missing (``make e2e`` installs them first through ``make browser-deps``).
The last test serves a deliberately broken notebook to show the check can fail.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from perflab.harness.dashboard import browser_missing_reason, check_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
SCREENSHOTS = ROOT / "reports" / "screenshots"

pytestmark = [
    pytest.mark.deep,
    pytest.mark.e2e,
    pytest.mark.timeout(600),  # above the server start (90 s) + kernel (240 s) waits
    pytest.mark.skipif(
        browser_missing_reason() is not None,
        reason=f"browser test not possible: {browser_missing_reason()}",
    ),
]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_dashboard_renders_without_errors(nb: Path):
    check = check_notebook(nb, screenshot_dir=SCREENSHOTS, timeout=240)
    log = check.server_log_tail
    assert check.cells >= 1, f"{nb.name}: the kernel reported no cells\n{log}"
    assert not check.errors, f"{nb.name}: cells show errors: {check.errors}\n{log}"
    assert set(check.statuses.values()) <= {"idle"}, check.statuses
    assert check.charts_drawn >= check.charts_sent, (
        f"{nb.name}: {check.charts_sent} charts sent, only {check.charts_drawn} drawn"
    )
    if "import altair" in nb.read_text(encoding="utf-8"):
        assert check.charts_sent >= 1, f"{nb.name} uses altair but displayed no chart"
    w, h = _png_size(Path(check.screenshot))
    assert w >= 1000 and h >= 600, (w, h)


BROKEN = """
import marimo

app = marimo.App()


@app.cell
def _():
    x = 1 / 0
    return


@app.cell
def _():
    import altair as alt
    import polars as pl

    alt.Chart(pl.DataFrame({"a": [1, 2], "b": [3, 4]})).mark_line().encode(x="a", y="b")
    return


if __name__ == "__main__":
    app.run()
"""


def test_a_broken_dashboard_is_reported(tmp_path: Path):
    nb = tmp_path / "broken.py"
    nb.write_text(BROKEN)
    check = check_notebook(nb, screenshot_dir=tmp_path, timeout=120)
    assert not check.ok
    assert any("kernel:" in e and "ZeroDivisionError" in e for e in check.errors), check.errors
    assert any(e.startswith("page:") for e in check.errors), check.errors
    assert check.charts_sent == 1 and check.charts_drawn == 1  # the good cell still drew
