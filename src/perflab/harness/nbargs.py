"""Notebook flags that work under marimo *and* Jupyter.

``mo.cli_args()`` raises ``ContextNotInitializedError`` outside a marimo runtime, so a
notebook exported with ``marimo export ipynb`` and opened in Jupyter (or executed by
``pytest --nbval-lax``) would fail in its first cell. :func:`notebook_args` returns
``mo.cli_args()`` under marimo (script, ``marimo edit``, ``marimo run``), and elsewhere
parses the environment variable ``PERFLAB_NOTEBOOK_ARGS`` (e.g. ``"--smoke --out /tmp/x"``)
with marimo's own parser, so the flags mean the same thing everywhere. As with marimo, a
flag without a value is an empty string: test ``"smoke" in args``.
"""

from __future__ import annotations

import os
import shlex
from typing import Any

__all__ = [
    "ENV_VAR",
    "may_write",
    "notebook_args",
    "parse_flags",
]

ENV_VAR = "PERFLAB_NOTEBOOK_ARGS"


def notebook_args() -> dict[str, Any]:
    """The notebook's flags as a dict (see the module docstring)."""
    import marimo as mo
    from marimo._runtime.context.types import ContextNotInitializedError

    try:
        return dict(mo.cli_args())
    except ContextNotInitializedError:
        return parse_flags(os.environ.get(ENV_VAR, ""))


def parse_flags(text: str) -> dict[str, Any]:
    """Parse a command line such as ``"--smoke --out DIR"`` exactly as ``marimo`` does."""
    from marimo._cli.parse_args import parse_args

    return dict(parse_args(shlex.split(text)))


def may_write(mode: str | None, args: dict[str, Any]) -> bool:
    """Whether a notebook may write files (``mode``: ``mo.app_meta().mode``).

    Under ``marimo run`` never, whatever its flags (a served dashboard runs once per viewer
    and must leave the tree as it is); under ``marimo edit`` only when asked with
    ``--out DIR``; otherwise yes: as a script (``"script"``), in marimo's test mode
    (``"test"``) and under Jupyter/nbval (``None``: no marimo runtime), where the flags say
    where to write.
    """
    if mode == "run":
        return False
    if mode == "edit":
        return "out" in args
    return True
