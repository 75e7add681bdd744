"""The bragg package's shape (issue 19): short functions, ``__all__`` everywhere, and the
docstring examples of its public entry points run (``doctest``, smoke tier)."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import perflab.bragg

MODULES = ["perflab.bragg"] + [
    m.name for m in pkgutil.walk_packages(perflab.bragg.__path__, "perflab.bragg.")
]
MAX_LINES = 80
SECTIONS = ("Parameters", "Returns", "Raises", "References", "Examples")


def _tree(name: str) -> ast.Module:
    return ast.parse(Path(importlib.import_module(name).__file__).read_text())


def test_no_function_is_longer_than_80_lines():
    long = [
        f"{name}.{n.name}: {n.end_lineno - n.lineno + 1} lines"
        for name in MODULES
        for n in ast.walk(_tree(name))
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        and n.end_lineno - n.lineno + 1 > MAX_LINES
    ]
    assert not long, long


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_it_resolves(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), name
    assert [x for x in module.__all__ if not hasattr(module, x)] == []


@pytest.mark.parametrize("entry", [x for x in perflab.bragg.__all__ if x != "BACKENDS"])
def test_public_entry_points_have_numpydoc_sections(entry):
    doc = getattr(perflab.bragg, entry).__doc__ or ""
    if entry == "DetectorSettings":  # a result record: its fields are documented
        assert "thickness" in doc
        return
    missing = [s for s in SECTIONS if f"\n{s}\n" not in doc.replace("    ", "")]
    assert not missing, (entry, missing)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, name


def test_entry_points_have_examples():
    n = sum(doctest.testmod(importlib.import_module(m)).attempted for m in MODULES)
    assert n >= 30
