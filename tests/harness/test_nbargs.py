"""notebook_args: marimo's flags under marimo, PERFLAB_NOTEBOOK_ARGS elsewhere (Jupyter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perflab.harness.nbargs import (
    ENV_VAR,
    NotebookArgsError,
    may_write,
    notebook_args,
    parse_flags,
    raw_args,
    typed_flags,
)


def test_outside_marimo_flags_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "--smoke --out '/tmp/a b' --n 3")
    assert raw_args() == {"smoke": "", "out": "/tmp/a b", "n": 3}
    a = notebook_args(n=int)
    assert (a.smoke, a.out, a.n, a.publish) == (True, Path("/tmp/a b"), 3, False)
    monkeypatch.delenv(ENV_VAR)
    a = notebook_args(n=int)
    assert (a.smoke, a.out, a.n, a.given) == (False, None, None, frozenset())


def test_typed_flags_declared_in_one_keyword_each():
    a = typed_flags(
        parse_flags("--workers 3 --device cpu,cuda --target-mb 0.5 --resume --"),
        workers=2,
        device=list[str],
        threads=list[int],
        target_mb=float,
        resume=bool,
        only=str,
        history=Path,
    )
    assert (a.workers, a.device, a.target_mb, a.resume) == (3, ["cpu", "cuda"], 0.5, True)
    assert (a.threads, a.only, a.history) == (None, None, None)  # declared defaults
    assert "workers" in a and "only" not in a  # given on the command line or not
    assert typed_flags({}, workers=2).workers == 2
    assert typed_flags(parse_flags("--threads 1,2"), threads=list[int]).threads == [1, 2]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--wrokers 2", "unknown flag --wrokers; known: --smoke, --out, --publish, --workers"),
        ("--workers two", "--workers needs a whole number, got 'two'"),
        ("--workers 1.5", "--workers needs a whole number"),
        ("--workers", "--workers needs a whole number"),  # a bare flag has no value
        ("--smoke maybe", "--smoke needs true or false"),
        ("--publish --out /tmp/x", "exclude each other"),
    ],
)
def test_bad_flags_raise_naming_the_flag(line, message):
    with pytest.raises(NotebookArgsError, match=message.replace(".", r"\.")):
        typed_flags(parse_flags(line), workers=2)


def test_destination_out_publish_or_build():
    assert typed_flags({}).destination("nb", "reports/x") == Path("build/nb")
    assert typed_flags(parse_flags("--publish")).destination("nb", "reports/x") == Path("reports/x")
    assert typed_flags(parse_flags("--out /o")).destination("nb", "reports/x") == Path("/o")
    with pytest.raises(NotebookArgsError, match="publishes nothing"):
        typed_flags(parse_flags("--publish")).destination("nb", None)


def test_parse_flags_matches_marimo_semantics():
    assert parse_flags("--smoke") == {"smoke": ""}  # a bare flag is "", not True
    assert parse_flags("--out=x --flag true") == {"out": "x", "flag": True}


def test_inside_a_marimo_script_the_real_cli_args_win(tmp_path, monkeypatch):
    nb = tmp_path / "nb.py"
    nb.write_text(
        "import marimo\napp = marimo.App()\n\n\n@app.cell\ndef _():\n"
        "    from perflab.harness.nbargs import notebook_args\n"
        "    a = notebook_args()\n"
        "    print('ARGS', a.smoke, a.out, sorted(a.raw.items()))\n    return\n\n\n"
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
    assert "ARGS True d [('out', 'd'), ('smoke', '')]" in r.stdout


@pytest.mark.parametrize(
    ("mode", "args", "expected"),
    [
        ("run", {}, False),
        ("run", {"smoke": "", "out": "/tmp/x"}, False),  # whatever its flags
        ("edit", {}, False),
        ("edit", {"smoke": ""}, False),
        ("edit", {"out": "/tmp/x"}, True),
        ("edit", {"publish": ""}, True),
        ("run", {"publish": ""}, False),
        ("script", {}, True),
        ("test", {}, True),
        (None, {"out": "/tmp/x"}, True),  # Jupyter / nbval
    ],
)
def test_may_write(mode, args, expected):
    assert may_write(mode, args) is expected
    assert may_write(mode, typed_flags(args)) is expected  # typed flags alike
