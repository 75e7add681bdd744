"""Phases instead of long bodies: no function in ``src/perflab`` is longer than 80 lines.

Length is counted with :mod:`ast` as ``end_lineno - lineno + 1`` of every ``def`` (nested
ones included, decorators excluded), so a docstring counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "perflab"
MAX_LINES = 80


def _walk(node: ast.AST, prefix: str, rel: str, out: dict[str, int]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            name = prefix + child.name
            out[f"{rel}::{name}"] = child.end_lineno - child.lineno + 1
            _walk(child, name + ".", rel, out)
        elif isinstance(child, ast.ClassDef):
            _walk(child, prefix + child.name + ".", rel, out)
        else:
            _walk(child, prefix, rel, out)


def function_lengths(root: Path = SRC) -> dict[str, int]:
    """``{"<path>::<qualified name>": lines}`` of every function under ``root``."""
    out: dict[str, int] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        _walk(tree, "", path.relative_to(root).as_posix(), out)
    return out


def test_no_function_longer_than_80_lines():
    lengths = function_lengths()
    assert len(lengths) > 500  # the walk really saw the package
    long = {k: n for k, n in lengths.items() if n > MAX_LINES}
    assert not long, "functions over 80 lines (split into named phases): " + ", ".join(
        f"{k} ({n})" for k, n in sorted(long.items(), key=lambda kv: -kv[1])
    )
