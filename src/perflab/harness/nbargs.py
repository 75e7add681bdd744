"""Typed notebook flags that work under marimo *and* Jupyter, and who may write.

``mo.cli_args()`` raises ``ContextNotInitializedError`` outside a marimo runtime, so a
notebook exported with ``marimo export ipynb`` and opened in Jupyter (or executed by
``pytest --nbval-lax``) would fail in its first cell. :func:`raw_args` returns
``mo.cli_args()`` under marimo (script, ``marimo edit``, ``marimo run``), and elsewhere
parses the environment variable ``PERFLAB_NOTEBOOK_ARGS`` (e.g. ``"--smoke --out /tmp/x"``)
with marimo's own parser, so the flags mean the same thing everywhere.

:func:`notebook_args` turns them into a frozen dataclass with the flags every notebook has
(``smoke``, ``out``, ``publish``) and the notebook's own, declared in one keyword each::

    args = notebook_args(target=str, repeat=int, workers=2, device=list[str])
    args.smoke, args.out, args.workers          # False, None, 2 (typed, with defaults)

A declaration is a type (``bool``, ``int``, ``float``, ``str``, ``Path``, ``list[str]``,
``list[int]``: comma-separated; default ``False`` for ``bool``, else ``None``), a default
value (its type is the value's type) or a :class:`Flag`. ``target_mb`` is spelled
``--target-mb`` on the command line. An unknown flag or a value of the wrong type raises
:class:`NotebookArgsError` naming it (a typo must not silently run the full default job).

Where a run writes (:meth:`NotebookFlags.destination`): ``--out DIR`` if given; with
``--publish`` the committed location (the only way a notebook changes committed files);
otherwise the git-ignored ``build/<notebook>/`` of the current directory. Under
``marimo run`` a notebook never writes (:func:`may_write`).
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ENV_VAR",
    "may_write",
    "notebook_args",
    "parse_flags",
]

ENV_VAR = "PERFLAB_NOTEBOOK_ARGS"
BUILD_DIR = Path("build")
_TRUE = {"", "1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_KIND_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "a value"}


class NotebookArgsError(ValueError):
    """A notebook flag is unknown, has a value of the wrong type, or contradicts another."""


@dataclass(frozen=True)
class Flag:
    """A declared notebook flag: its type and default (``help`` is shown in errors)."""

    kind: Any
    default: Any = None
    help: str = ""


@dataclass(frozen=True)
class NotebookFlags:
    """The flags every notebook has; :func:`notebook_args` adds the notebook's own fields.

    ``given`` holds the names passed on the command line (``args.given``: was ``--workers``
    set, or is 2 its default?), ``raw`` the untyped flags as marimo parsed them.
    """

    smoke: bool = False
    out: Path | None = None
    publish: bool = False
    given: frozenset[str] = frozenset()
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __contains__(self, name: str) -> bool:
        return name in self.given

    def destination(self, name: str, published: str | os.PathLike[str] | None) -> Path:
        """Where this run writes: ``--out DIR``; with ``--publish`` the committed
        ``published`` location; else ``build/<name>`` (git-ignored)."""
        if self.out is not None:
            return self.out
        if self.publish:
            if published is None:
                raise NotebookArgsError(f"--publish: notebook {name!r} publishes nothing")
            return Path(published)
        return BUILD_DIR / name


_COMMON = {f.name for f in dataclasses.fields(NotebookFlags)} - {"given", "raw"}


def raw_args() -> dict[str, Any]:
    """The flags as marimo parses them (``mo.cli_args()``, or ``$PERFLAB_NOTEBOOK_ARGS``
    outside a marimo runtime); a flag without a value is ``""``."""
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


def _as_flag(decl: Any) -> Flag:
    if isinstance(decl, Flag):
        return decl
    if isinstance(decl, type) or typing.get_origin(decl) is list:
        return Flag(decl, False if decl is bool else None)
    return Flag(type(decl), decl)


def convert(name: str, value: Any, kind: Any) -> Any:
    """``value`` (as marimo parsed it) as ``kind``; :class:`NotebookArgsError` if it is not."""
    text = str(value).strip()
    try:
        if kind is bool:
            if value is True or text.lower() in _TRUE:
                return True
            if value is False or text.lower() in _FALSE:
                return False
            raise ValueError
        if typing.get_origin(kind) is list:
            (item,) = typing.get_args(kind)
            return [convert(name, v, item) for v in text.split(",") if v.strip()]
        if text == "":
            raise ValueError
        if kind is int:
            number = float(text)
            if number != int(number):
                raise ValueError
            return int(number)
        return kind(text)
    except (TypeError, ValueError):
        what = _KIND_NAMES.get(kind, getattr(kind, "__name__", str(kind)))
        flag = "--" + name.replace("_", "-")
        raise NotebookArgsError(f"{flag} needs {what}, got {value!r}") from None


def notebook_args(**declared: Any) -> NotebookFlags:
    """The notebook's flags, typed (see the module docstring); ``declared`` maps each of the
    notebook's own flags (``target_mb`` for ``--target-mb``) to a type, default or Flag."""
    return typed_flags(raw_args(), **declared)


def typed_flags(raw: dict[str, Any], **declared: Any) -> NotebookFlags:
    """:func:`notebook_args` over an already parsed flag dict (``{"smoke": "", ...}``)."""
    flags = {"smoke": Flag(bool, False), "out": Flag(Path), "publish": Flag(bool, False)}
    flags |= {k: _as_flag(v) for k, v in declared.items() if k not in _COMMON}
    values: dict[str, Any] = {}
    given = set()
    for key, value in raw.items():
        if key == "":  # the "--" separator
            continue
        name = key.replace("-", "_")
        if name not in flags or "_" in key:  # spelled --target-mb, never --target_mb
            known = ", ".join("--" + k.replace("_", "-") for k in flags)
            raise NotebookArgsError(f"unknown flag --{key}; known: {known}")
        values[name] = convert(name, value, flags[name].kind)
        given.add(name)
    if values.get("publish") and values.get("out") is not None:
        raise NotebookArgsError("--publish and --out DIR exclude each other")
    fields = [
        (name, Any, dataclasses.field(default=flag.default))
        for name, flag in flags.items()
        if name not in _COMMON
    ]
    cls = dataclasses.make_dataclass("NotebookArgs", fields, bases=(NotebookFlags,), frozen=True)
    defaults = {name: flag.default for name, flag in flags.items()}
    return cls(**(defaults | values), given=frozenset(given), raw=dict(raw))


def may_write(mode: str | None, args: NotebookFlags | dict[str, Any]) -> bool:
    """Whether a notebook may write files (``mode``: ``mo.app_meta().mode``).

    Under ``marimo run`` never, whatever its flags (a served dashboard runs once per viewer
    and must leave the tree as it is); under ``marimo edit`` only when asked with
    ``--out DIR`` (or ``--publish``); otherwise yes: as a script (``"script"``), in marimo's
    test mode (``"test"``) and under Jupyter/nbval (``None``: no marimo runtime), where the
    flags say where to write.
    """
    if mode == "run":
        return False
    if mode == "edit":
        return "out" in args or "publish" in args
    return True
