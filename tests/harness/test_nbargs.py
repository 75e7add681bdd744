"""notebook_args: marimo's flags under marimo, PERFLAB_NOTEBOOK_ARGS elsewhere (Jupyter)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from perflab.harness.nbargs import ENV_VAR, may_write, notebook_args, parse_flags


def test_outside_marimo_flags_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "--smoke --out '/tmp/a b' --n 3")
    assert notebook_args() == {"smoke": "", "out": "/tmp/a b", "n": 3}
    monkeypatch.delenv(ENV_VAR)
    assert notebook_args() == {}


def test_parse_flags_matches_marimo_semantics():
    assert parse_flags("--smoke") == {"smoke": ""}  # a bare flag is "", not True
    assert parse_flags("--out=x --flag true") == {"out": "x", "flag": True}


def test_inside_a_marimo_script_the_real_cli_args_win(tmp_path, monkeypatch):
    nb = tmp_path / "nb.py"
    nb.write_text(
        "import marimo\napp = marimo.App()\n\n\n@app.cell\ndef _():\n"
        "    from perflab.harness.nbargs import notebook_args\n"
        "    print('ARGS', sorted(notebook_args().items()))\n    return\n\n\n"
        "if __name__ == '__main__':\n    app.run()\n"
    )
    monkeypatch.setenv(ENV_VAR, "--ignored")
    r = subprocess.run(
        [sys.executable, str(nb), "--smoke", "--out", "d"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "ARGS [('out', 'd'), ('smoke', '')]" in r.stdout


@pytest.mark.parametrize(
    ("mode", "args", "expected"),
    [
        ("run", {}, False),
        ("run", {"smoke": "", "out": "/tmp/x"}, False),  # whatever its flags
        ("edit", {}, False),
        ("edit", {"smoke": ""}, False),
        ("edit", {"out": "/tmp/x"}, True),
        ("script", {}, True),
        ("test", {}, True),
        (None, {"out": "/tmp/x"}, True),  # Jupyter / nbval
    ],
)
def test_may_write(mode, args, expected):
    assert may_write(mode, args) is expected
