"""Dashboards in a real browser: serve a notebook with ``marimo run``, open it in Chromium.

``marimo run`` executes a notebook's cells only when a browser session connects, so
checking a dashboard needs a browser. :func:`check_notebook` does what a person would:

1. serve the notebook: ``marimo run NB --headless --host 127.0.0.1 --port P --no-token
   --show-tracebacks -- ARGS`` (by default ``ARGS = --smoke --out TMP``: the app reads them
   through ``mo.cli_args()`` exactly as a script does, so the dashboard runs its fast mode
   and writes nowhere but TMP). ``--show-tracebacks`` matters: without it ``marimo run``
   hides a failed cell from viewers entirely, so a broken dashboard would look clean;
2. open it in headless Chromium (Debian's ``/usr/bin/chromium`` driven by
   ``/usr/bin/chromedriver`` through selenium; no browser is downloaded). A script injected
   before the page loads records the messages the marimo kernel sends over its websocket;
3. wait until the kernel reports a completed run and no cell is queued or running, then
   until every chart the kernel sent (outputs of mimetype ``application/vnd.vegalite.*``)
   is drawn: a ``.vega-embed`` holding a non-empty ``canvas`` or ``svg``;
4. collect errors from both sides: cell outputs on the ``marimo-error`` channel in the
   kernel's messages, and cells the page marks ``has-error``;
5. save a screenshot of the whole app.

Command line (writes ``reports/screenshots/<notebook>.png`` by default)::

    python -m perflab.devtools.dashboard notebooks/*.py [--out reports/screenshots]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMEDRIVER",
    "CHROMIUM",
    "CHROMIUM_FLAGS",
    "DEFAULT_SCREENSHOTS",
    "MAX_SCREENSHOT_HEIGHT",
    "REPO_ROOT",
    "VEGA_MIME",
    "BrowserUnavailable",
    "DashboardCheck",
    "DashboardError",
    "KernelState",
    "Step",
    "StepResult",
    "browser_missing_reason",
    "check_notebook",
    "free_port",
    "inspect_page",
    "main",
    "serve_notebook",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
)
DEFAULT_SCREENSHOTS = Path("reports/screenshots")
REPO_ROOT = Path(__file__).resolve().parents[3]
MAX_SCREENSHOT_HEIGHT = 12_000

# Recorded before any page script runs: every text message of every websocket.
_WS_RECORDER = """
window.__perflabWs = [];
const _PerflabWS = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const ws = protocols === undefined ? new _PerflabWS(url) : new _PerflabWS(url, protocols);
  ws.addEventListener('message', (ev) => {
    if (typeof ev.data === 'string') { window.__perflabWs.push(ev.data); }
  });
  return ws;
};
window.WebSocket.prototype = _PerflabWS.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""

# Per .vega-embed (also inside the shadow roots of marimo's custom elements, where charts
# nested in mo.vstack & co. live): is there a canvas with painted pixels, or an svg with marks?
_CHARTS_DRAWN = """
const found = [];
const walk = (root) => {
  for (const el of root.querySelectorAll('*')) {
    if (el.classList && el.classList.contains('vega-embed')) { found.push(el); }
    if (el.shadowRoot) { walk(el.shadowRoot); }
  }
};
walk(document);
return found.map((el) => {
  for (const c of el.querySelectorAll('canvas')) {
    if (c.width > 0 && c.height > 0) {
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < px.length; i += 4) { if (px[i] !== 0) { return true; } }
    }
  }
  const svg = el.querySelector('svg.marks');
  return !!(svg && svg.querySelector('path, rect, line, circle, text, symbol'));
});
"""
VEGA_MIME = "application/vnd.vegalite"


class BrowserUnavailable(RuntimeError):
    """Chromium or chromedriver (or selenium) is not installed: run ``make browser-deps``."""


class DashboardError(RuntimeError):
    """The notebook server did not start, or the page never finished running."""


@dataclass
class DashboardCheck:
    """What a browser saw of one served notebook."""

    notebook: str
    url: str
    cells: int
    statuses: dict[str, str]
    errors: list[str]
    charts_sent: int
    charts_drawn: int
    seconds: float
    screenshot: str | None
    server_log_tail: str = field(default="", repr=False)
    outputs: dict[str, str] = field(default_factory=dict, repr=False)
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and self.charts_drawn >= self.charts_sent
            and all(r.ok for r in self.steps)
        )

    def text(self) -> str:
        """Every cell's output as opened (HTML/text), one string, for tests to search."""
        return "\n".join(self.outputs.values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def browser_missing_reason() -> str | None:
    """Why the browser test cannot run here, or None when everything is installed."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        return f"{', '.join(missing)} not installed (run `make browser-deps`)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed in this environment (make venv)"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-n:]
    except OSError:
        return ""


@contextlib.contextmanager
def serve_notebook(
    notebook: str | os.PathLike[str],
    args: Sequence[str],
    *,
    log_path: Path,
    port: int | None = None,
    startup_timeout: float = 90.0,
    command: str = "run",
) -> Iterator[str]:
    """Run ``marimo run`` (or ``marimo edit`` when ``command="edit"``) on ``notebook``
    (loopback only, from the repository root so the project's ``[tool.marimo]`` settings
    apply) and yield its URL.

    Waits until ``GET /`` answers 200; the server is terminated on exit. Raises
    :class:`DashboardError` with the server's log when it dies or never answers.
    """
    if command not in ("run", "edit"):
        raise ValueError(f"command must be 'run' or 'edit', got {command!r}")
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [sys.executable, "-m", "marimo", command, str(Path(notebook).resolve())]
    cmd += ["--headless", "--host", "127.0.0.1", "--port", str(port), "--no-token"]
    cmd += ["--no-sandbox"]
    cmd += ["--show-tracebacks"] if command == "run" else ["--skip-update-check"]
    if args:
        cmd += ["--", *args]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO_ROOT
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise DashboardError(
                    f"marimo run exited with code {proc.returncode}:\n{_tail(log_path)}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise DashboardError(
                    f"marimo run did not answer on {url} within {startup_timeout:g} s:\n"
                    f"{_tail(log_path)}"
                )
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _driver(profile_dir: Path) -> Any:
    reason = browser_missing_reason()
    if reason:
        raise BrowserUnavailable(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile_dir}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _WS_RECORDER})
    return driver


@dataclass
class KernelState:
    """The kernel's view of the page, rebuilt from its websocket messages."""

    cells: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    charts: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    completed_runs: int = 0
    drawn: int = 0

    @classmethod
    def from_messages(cls, raw: Sequence[str]) -> KernelState:
        st = cls()
        for text in raw:
            try:
                msg = json.loads(text)
            except json.JSONDecodeError:
                continue
            data = msg.get("data") if isinstance(msg, dict) else None
            if not isinstance(data, dict):
                continue
            op = msg.get("op")
            if op == "kernel-ready":
                st.cells = list(data.get("cell_ids") or [])
            elif op == "completed-run":
                st.completed_runs += 1
            elif op == "cell-op":
                cid = str(data.get("cell_id"))
                if data.get("status"):
                    st.statuses[cid] = str(data["status"])
                out = data.get("output")
                if isinstance(out, dict):
                    st.errors.pop(cid, None)  # a new output replaces the old one
                    st.charts.pop(cid, None)
                    st.outputs[cid] = str(out.get("data", ""))
                    mime = str(out.get("mimetype", ""))
                    if out.get("channel") == "marimo-error":
                        st.errors[cid] = _error_text(out.get("data"))
                    elif mime.startswith(VEGA_MIME):
                        st.charts[cid] = 1
                    elif mime == "text/html" and VEGA_MIME in str(out.get("data", "")):
                        # charts nested in layouts: one mime renderer per chart
                        st.charts[cid] = str(out["data"]).count(VEGA_MIME)
        return st

    @property
    def n_charts(self) -> int:
        return sum(self.charts.values())

    @property
    def busy(self) -> list[str]:
        return [c for c, s in self.statuses.items() if s in ("queued", "running")]

    @property
    def finished(self) -> bool:
        return bool(self.cells) and self.completed_runs > 0 and not self.busy


def _error_text(data: Any) -> str:
    if isinstance(data, list) and data and isinstance(data[0], dict):
        e = data[0]
        return f"{e.get('exception_type') or e.get('type')}: {e.get('msg')}"
    return str(data)[:300]


def _screenshot(driver: Any, path: Path) -> Path:
    """Screenshot of the whole app: the app scrolls inside ``#App``, so grow the window
    until the content fits (its height changes with the width of a scroll bar)."""
    height = 0
    for _ in range(4):
        want = driver.execute_script(
            "const a = document.getElementById('App');"
            "return Math.max(a ? a.scrollHeight : 0, document.body.scrollHeight);"
        )
        want = int(min(max(int(want) + 40, 800), MAX_SCREENSHOT_HEIGHT))
        if want <= height:
            break
        height = want
        driver.set_window_size(1280, height)
        time.sleep(0.5)  # let the layout settle at the new size
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    if not driver.save_screenshot(str(tmp)):
        raise DashboardError(f"chromium could not save a screenshot to {tmp}")
    os.replace(tmp, path)
    return path


@dataclass(frozen=True)
class Step:
    """One thing a person does on the page: pick ``value`` in the control whose label
    contains ``label`` (``kind="dropdown"``: a ``mo.ui.dropdown``; ``kind="button"``: click a
    ``mo.ui.button``/``run_button``, ``value`` unused), then expect ``expect`` in the text of
    some cell's output once the kernel is idle again."""

    label: str
    value: str
    expect: str
    kind: str = "dropdown"


@dataclass
class StepResult:
    """What a :class:`Step` did: whether ``expect`` appeared and which cells changed."""

    step: Step
    ok: bool
    changed_cells: int
    seconds: float
    missing: str = ""


# Set a control inside the shadow root of its marimo custom element, as a click would.
_SET_CONTROL = """
const [kind, label, value] = arguments;
const tag = 'MARIMO-' + kind.toUpperCase();
const hosts = [];
const walk = (root) => {
  for (const el of root.querySelectorAll('*')) {
    if (el.tagName === tag && (el.getAttribute('data-label') || '').includes(label)) {
      hosts.push(el);
    }
    if (el.shadowRoot) { walk(el.shadowRoot); }
  }
};
walk(document);
if (hosts.length === 0) { return 'no ' + kind + ' labelled ' + label; }
const root = hosts[0].shadowRoot || hosts[0];
if (kind === 'button') {
  const b = root.querySelector('button');
  if (!b) { return 'no button inside'; }
  b.click();
  return '';
}
const sel = root.querySelector('select');
if (!sel) { return 'no select inside'; }
if (!Array.from(sel.options).some((o) => o.value === value || o.text === value)) {
  return 'no option ' + value + ' in ' + Array.from(sel.options).map((o) => o.text).join(',');
}
for (const o of sel.options) { if (o.text === value) { sel.value = o.value; } }
if (Array.from(sel.options).some((o) => o.value === value)) { sel.value = value; }
sel.dispatchEvent(new Event('change', {bubbles: true}));
return '';
"""


def _wait_idle(driver: Any, notebook: str, timeout: float, settle: float) -> KernelState:
    """Poll the recorded messages until the run is finished, quiet for ``settle`` s and
    every chart sent is drawn; :class:`DashboardError` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    quiet_since, last_n = time.monotonic(), -1
    while True:
        raw = driver.execute_script("return window.__perflabWs || [];")
        st = KernelState.from_messages(raw)
        if len(raw) != last_n:
            quiet_since, last_n = time.monotonic(), len(raw)
        drawn = driver.execute_script(_CHARTS_DRAWN)
        st.drawn = sum(bool(d) for d in drawn)
        done = st.finished and time.monotonic() - quiet_since >= settle
        if done and st.drawn >= st.n_charts:
            return st
        if time.monotonic() > deadline:
            raise DashboardError(
                f"{notebook}: not finished after {timeout:g} s: kernel-ready="
                f"{bool(st.cells)}, completed runs={st.completed_runs}, busy cells="
                f"{st.busy}, charts sent={st.n_charts}, drawn={st.drawn}"
            )
        time.sleep(0.25)


def _do_step(driver: Any, step: Step, before: KernelState, notebook: str, timeout: float):
    t0 = time.monotonic()
    problem = driver.execute_script(_SET_CONTROL, step.kind, step.label, step.value)
    if problem:
        return StepResult(step, False, 0, 0.0, missing=str(problem)), before
    deadline = t0 + timeout
    while True:
        time.sleep(0.5)
        st = _wait_idle(driver, notebook, max(deadline - time.monotonic(), 1.0), 1.0)
        changed = sum(st.outputs.get(c) != before.outputs.get(c) for c in st.outputs)
        if changed and any(step.expect in text for text in st.outputs.values()):
            return StepResult(step, True, changed, time.monotonic() - t0), st
        if time.monotonic() > deadline:
            miss = f"{step.expect!r} not in any output ({changed} cells changed)"
            return StepResult(step, False, changed, time.monotonic() - t0, miss), st


def _page_errors(driver: Any, st: KernelState) -> list[str]:
    dom_errors = driver.execute_script(
        "return Array.from(document.querySelectorAll('.marimo-cell.has-error'))"
        ".map(c => (c.getAttribute('data-cell-id') || '?') + ': ' +"
        " c.innerText.trim().split('\\n').slice(0, 3).join(' | '));"
    )
    errors = [f"kernel: cell {c}: {msg}" for c, msg in sorted(st.errors.items())]
    return errors + [f"page: cell {e}" for e in dom_errors]


def inspect_page(
    url: str,
    *,
    notebook: str,
    screenshot: Path | None,
    timeout: float = 120.0,
    settle: float = 1.0,
    work_dir: Path,
    steps: Sequence[Step] = (),
    step_timeout: float = 60.0,
) -> DashboardCheck:
    """Open ``url`` in headless Chromium, wait for the run to finish, collect what it shows,
    take the screenshot (the view as opened), then perform ``steps`` one by one.

    Raises :class:`DashboardError` when the kernel does not finish within ``timeout`` s.
    """
    t0 = time.monotonic()
    driver = _driver(work_dir / "chromium-profile")
    try:
        driver.get(url)
        st = _wait_idle(driver, notebook, timeout, settle)
        errors = _page_errors(driver, st)
        first = st
        shot = _screenshot(driver, screenshot) if screenshot else None
        results = []
        for step in steps:
            res, st = _do_step(driver, step, st, notebook, step_timeout)
            results.append(res)
        if steps:
            errors += [e for e in _page_errors(driver, st) if e not in errors]
        return DashboardCheck(
            notebook=notebook,
            url=url,
            cells=len(first.cells),
            statuses=dict(st.statuses),
            errors=errors,
            charts_sent=first.n_charts,
            charts_drawn=first.drawn,
            seconds=time.monotonic() - t0,
            screenshot=None if shot is None else str(shot),
            outputs=dict(first.outputs),
            steps=results,
        )
    finally:
        driver.quit()


def check_notebook(
    notebook: str | os.PathLike[str],
    *,
    screenshot_dir: Path | None = DEFAULT_SCREENSHOTS,
    args: Sequence[str] = (),
    timeout: float = 120.0,
    steps: Sequence[Step] = (),
    command: str = "run",
) -> DashboardCheck:
    """Serve ``notebook`` with ``marimo run`` (or ``edit``) and check it in Chromium (see
    the module docstring). ``args`` are the notebook's flags (none: the published view)."""
    notebook = Path(notebook)
    reason = browser_missing_reason()
    if reason:
        raise BrowserUnavailable(reason)
    with tempfile.TemporaryDirectory(prefix=f"dash-{notebook.stem}-") as tmp:
        work = Path(tmp)
        log = work / "marimo.log"
        shot = None if screenshot_dir is None else Path(screenshot_dir) / f"{notebook.stem}.png"
        with serve_notebook(notebook, list(args), log_path=log, command=command) as url:
            check = inspect_page(
                url,
                notebook=notebook.name,
                screenshot=shot,
                timeout=timeout,
                work_dir=work,
                steps=steps,
            )
        check.server_log_tail = _tail(log)
        return check


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m perflab.devtools.dashboard",
        description="Serve each notebook with marimo run and check it in headless Chromium.",
    )
    p.add_argument("notebooks", nargs="+", type=Path)
    p.add_argument("--out", type=Path, default=DEFAULT_SCREENSHOTS, help="screenshot folder")
    p.add_argument("--timeout", type=float, default=120.0)
    a = p.parse_args(argv)
    failed = 0
    for nb in a.notebooks:
        try:
            c = check_notebook(nb, screenshot_dir=a.out, timeout=a.timeout)
        except (BrowserUnavailable, DashboardError) as exc:
            print(f"{nb}: FAILED: {exc}")
            failed += 1
            continue
        status = "ok" if c.ok else "FAILED"
        failed += not c.ok
        print(
            f"{nb}: {status}: {c.cells} cells, {len(c.errors)} errors, charts drawn "
            f"{c.charts_drawn}/{c.charts_sent}, {c.seconds:.1f} s, screenshot {c.screenshot}"
        )
        for e in c.errors:
            print(f"    {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
