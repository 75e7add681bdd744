"""Every notebook served by ``marimo run`` renders in headless Chromium (``make e2e``).

Per notebook: serve it with no flags (the published view: what a researcher opens), open it
in Chromium, wait for the kernel to finish, and require no error cell (kernel messages and
the page), every chart the kernel sent drawn, at least one chart when the notebook uses
altair, a screenshot of the published view in ``build/screenshots/<notebook>.png``
(git-ignored; ``make publish-screenshots`` writes the committed ``reports/screenshots/``), and
that serving it wrote nothing in the repository. Then use its controls as a person would
(:data:`STEPS`: pick a value, see an output change to show it). Further tests: ``marimo
edit`` runs the cells on start-up (the project's ``[tool.marimo.runtime]``), the atlas smoke
path (a smoke build opened with ``--out``), and a deliberately broken notebook to show the
check can fail. Skipped, with the reason, only when Chromium or chromedriver is missing
(``make e2e`` installs them first through ``make browser-deps``).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from perflab.devtools.dashboard import Step, browser_missing_reason, check_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
#: where screenshots go: git-ignored build/ unless PERFLAB_SCREENSHOTS names another folder
#: (``make publish-screenshots`` sets it to reports/screenshots, the committed ones)
SCREENSHOTS = Path(os.environ.get("PERFLAB_SCREENSHOTS") or ROOT / "build" / "screenshots")
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "__marimo__"}

pytestmark = [
    pytest.mark.deep,
    pytest.mark.e2e,
    pytest.mark.timeout(600),  # above the server start (90 s) + kernel (240 s) waits
    pytest.mark.skipif(
        browser_missing_reason() is not None,
        reason=f"browser test not possible: {browser_missing_reason()}",
    ),
]


def _rows(atlas: str) -> int:
    from perflab.atlas import load

    return len(load(atlas))


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def _tree(root: Path, skip: tuple[Path, ...] = (SCREENSHOTS,)) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file under ``root`` but caches, ``skip`` and Python sources
    (no notebook writes code; a source edited while the tests run is not their doing)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and Path(dirpath, d) not in skip]
        for f in filenames:
            if f.endswith(".py"):
                continue
            st = Path(dirpath, f).stat()
            out[os.path.join(dirpath, f)] = (st.st_size, st.st_mtime_ns)
    return out


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _steps(nb: str) -> list[Step]:
    """What a person does on each page, and what must appear once it has run."""
    small, tiny = (_rows("atlas-small"), _rows("atlas-tiny")) if "atlas" in nb else (0, 0)
    return {
        "atlas_small": [
            Step("family", "cube", f"of {small} polytopes"),
            Step("facets", "17+", "0 of"),
        ],
        "atlas_tiny": [
            Step("family", "cube", f"1 of {tiny} polytopes"),
            Step("family", "all", f"{tiny} of {tiny} polytopes"),
            Step("facets", "17+", f"of {tiny} polytopes"),
        ],
        "tricubic_baseline": [
            Step("run a quick measurement now", "", "1 quick measurement(s) now", "button"),
            Step("backend", "torch", "backend torch"),
            Step("dtype", "float32", "dtype float32"),
        ],
        "soap_benchmark": [
            Step("system", "golden_small_1sp", "system golden_small_1sp"),
            Step("backend", "numpy", "backend numpy"),
        ],
        "warp_dataset": [Step("category", "stencils", "category stencils")],
        "chief_report": [Step("category", "stencils", "category stencils")],
        "profile": _profile_steps() if nb == "profile" else [],
        "example": [Step("largest array", "1000", "up to 1000 elements")],
    }[nb]


def _profile_steps() -> list[Step]:
    """Pick the last benchmark (by name) of the latest machine in the committed history
    (the picker opens on the first): its run count must show."""
    from perflab.devtools.history import default_history_path, latest_machine, read_history

    hist = read_history(default_history_path())
    m = latest_machine(hist)
    name = max(r.name for r in hist if r.machine_id == m)
    runs = sum(r.machine_id == m and r.name == name for r in hist)
    return [Step("benchmark", name, f"{runs} run(s) of {name}")]


def _check(check, nb: str) -> None:
    log = check.server_log_tail
    assert check.cells >= 1, f"{nb}: the kernel reported no cells\n{log}"
    assert not check.errors, f"{nb}: cells show errors: {check.errors}\n{log}"
    assert set(check.statuses.values()) <= {"idle"}, check.statuses
    assert check.charts_drawn >= check.charts_sent, (
        f"{nb}: {check.charts_sent} charts sent, only {check.charts_drawn} drawn"
    )
    for r in check.steps:
        assert r.ok, f"{nb}: {r.step}: {r.missing}\n{log}"


def _elsewhere(tmp: Path) -> set[str]:
    """Places outside the repository a perflab run writes to: its temporary folders
    (``perflab-*`` in the server's temporary directory ``tmp``) and a ``~/.perflab``."""
    return {str(p) for p in tmp.glob("perflab-*")} | {
        str(p) for p in (Path.home() / ".perflab").glob("**/*")
    }


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_dashboard_published_view(nb: Path, monkeypatch):
    """Served with its DEFAULT arguments (what a researcher opens): renders, its controls
    work, and it writes nothing: the repository tree (ignored folders such as build/ and
    .profiles/ included) and the places a run could write outside it are unchanged (the
    server gets a temporary directory of its own, so other processes' files do not count)."""
    # short: Chromium, which inherits it, puts its sockets there (108-byte path limit)
    tmp = Path(tempfile.mkdtemp(prefix="e2e-"))
    monkeypatch.setenv("TMPDIR", str(tmp))
    before, elsewhere = _tree(ROOT), _elsewhere(tmp)
    check = check_notebook(nb, screenshot_dir=SCREENSHOTS, timeout=240, steps=_steps(nb.stem))
    _check(check, nb.name)
    if "import altair" in nb.read_text(encoding="utf-8"):
        assert check.charts_sent >= 1, f"{nb.name} uses altair but displayed no chart"
    w, h = _png_size(Path(check.screenshot))
    assert w >= 1000 and h >= 600, (w, h)
    assert not _changed(before, _tree(ROOT)), f"marimo run {nb.name} wrote files"
    assert not _elsewhere(tmp) - elsewhere, f"marimo run {nb.name} wrote outside the repository"
    shutil.rmtree(tmp, ignore_errors=True)


def test_atlas_small_dashboard_shows_the_published_atlas():
    n = _rows("atlas-small")
    assert n > 100  # the committed atlas, not a smoke build
    check = check_notebook(ROOT / "notebooks/atlas_small.py", screenshot_dir=None, timeout=240)
    _check(check, "atlas_small.py")
    assert f"{n} of {n} polytopes" in check.text()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_marimo_edit_shows_outputs_without_a_click(nb: Path):
    """The project config runs the cells on start-up: with no click, every cell has run
    (no error, charts drawn), the status line says the notebook is read-only (plain
    ``marimo edit`` writes nothing, and nothing was written), and atlas-tiny shows its
    committed row count."""
    before = _tree(ROOT)
    check = check_notebook(nb, screenshot_dir=None, timeout=240, command="edit")
    _check(check, nb.name)
    assert "read-only" in check.text(), f"{nb.name}: no status line in the outputs"
    if "import altair" in nb.read_text(encoding="utf-8"):
        assert check.charts_sent >= 1, f"{nb.name} uses altair but displayed no chart"
    if nb.stem == "atlas_tiny":
        n = _rows("atlas-tiny")
        assert f"{n} of {n} polytopes" in check.text()
    assert not _changed(before, _tree(ROOT)), f"marimo edit {nb.name} wrote files"


def test_atlas_smoke_path(tmp_path: Path):
    """A smoke build (as a script) opened by the dashboard with ``--out``; even with
    ``--smoke`` given, ``marimo run`` writes nothing into that folder."""
    out = tmp_path / "out"
    nb = ROOT / "notebooks/atlas_tiny.py"
    r = subprocess.run(
        [sys.executable, str(nb), "--", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    before = _tree(out)
    steps = [Step("family", "regular_polygon", "1 of 3 polytopes")]
    args = ["--smoke", "--out", str(out)]
    check = check_notebook(nb, screenshot_dir=None, args=args, timeout=240, steps=steps)
    _check(check, nb.name)
    assert "3 of 3 polytopes" in check.text()
    assert "atlas-tiny-smoke" in check.text()
    assert not _changed(before, _tree(out))


@pytest.mark.parametrize("stem", ["example", "profile"])
def test_marimo_run_writes_nothing_whatever_its_flags(stem: str, tmp_path: Path):
    """Notebooks that measure in memory: served with ``--smoke --out DIR`` they render their
    smoke run, and neither DIR nor the repository gets a file."""
    out = tmp_path / "out"
    before = _tree(ROOT)
    nb = ROOT / f"notebooks/{stem}.py"
    check = check_notebook(nb, screenshot_dir=None, args=["--smoke", "--out", str(out)])
    _check(check, nb.name)
    assert "smoke" in check.text() and "read-only" in check.text()
    assert not out.exists(), sorted(out.rglob("*"))
    assert not _changed(before, _tree(ROOT))


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


def test_a_step_whose_output_never_appears_fails(tmp_path: Path):
    """A control step is a real check: expecting text that never shows fails it."""
    nb = ROOT / "notebooks/atlas_tiny.py"
    steps = [Step("family", "cube", "no such text anywhere")]
    check = check_notebook(nb, screenshot_dir=None, timeout=240, steps=steps)
    assert not check.ok and not check.steps[0].ok
    assert check.steps[0].changed_cells >= 1  # the page did react
