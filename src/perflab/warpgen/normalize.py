"""Canonical text for dedupe (Python side) and for storage (generated C++/CUDA side).

Python: two kernels are duplicates when their sources are equal after parsing and
re-printing (``ast.unparse`` drops comments and formatting) with the names of the kernel,
helper functions and structs replaced by positional placeholders (``kernel_0``, ``func_0``,
``struct_0``): the generator names kernels after their index, which must not hide a repeat.

Generated code: warp 1.19 writes ``// <file>:<line>`` comments before each function and
``<L n>`` comments with line numbers of the Python file. Kernels are loaded from their own
virtual file, so the line numbers are those of ``python_source`` and are kept (they map C++
back to Python); any file path is reduced to its base name, line endings to ``\\n``, and the
text ends with exactly one newline. Kernel and module hashes are removed at the source
(``strip_hash``); :func:`assert_normalized` rejects text that still carries an absolute path
or a hashed kernel symbol. Struct type names keep warp's suffix (``Particle_9de5ed98``): it is
a hash of the struct's own definition, so it is the same on every run and in every process.
"""

from __future__ import annotations

import ast
import hashlib
import re

__all__ = [
    "PREAMBLE_END",
    "assert_normalized",
    "normalize_generated",
    "normalize_python",
    "python_key",
    "split_preamble",
]

_PATH_COMMENT = re.compile(r"^(\s*//\s*)(\S*[/\\])([^/\\\s]+\.py:\d+)\s*$", re.MULTILINE)
_ABS_PATH = re.compile(r"(?<![\w.])/(?:tmp|home|root|usr|work|var|opt)/[\w./-]+")


class _Renamer(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.mapping:
            node.id = self.mapping[node.id]
        return node

    def _rename_def(self, node):
        node.name = self.mapping.get(node.name, node.name)
        self.generic_visit(node)
        return node

    visit_FunctionDef = _rename_def
    visit_ClassDef = _rename_def


def normalize_python(source: str) -> str:
    """Canonical form of a kernel module for exact dedupe (see module docstring)."""
    tree = ast.parse(source)
    mapping: dict[str, str] = {}
    counts = {"kernel": 0, "func": 0, "struct": 0}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            deco = ast.unparse(node.decorator_list[0]) if node.decorator_list else ""
            kind = "kernel" if "kernel" in deco else "struct" if "struct" in deco else "func"
            mapping[node.name] = f"{kind}_{counts[kind]}"
            counts[kind] += 1
    return ast.unparse(_Renamer(mapping).visit(tree)) + "\n"


def python_key(source: str) -> str:
    """SHA-256 (hex) of :func:`normalize_python` of ``source``: the dedupe key."""
    return hashlib.sha256(normalize_python(source).encode("utf-8")).hexdigest()


def normalize_generated(text: str) -> str:
    """Canonical generated C++/CUDA text: base-name paths, ``\\n`` endings, one final newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _PATH_COMMENT.sub(lambda m: m.group(1) + m.group(3), text)
    return text.rstrip("\n") + "\n"


def assert_normalized(text: str, kernel_name: str) -> None:
    """Raise ``ValueError`` if ``text`` embeds an absolute path or a hashed kernel symbol."""
    m = _ABS_PATH.search(text)
    if m:
        raise ValueError(f"generated code embeds the path {m.group(0)!r}")
    if re.search(rf"\b{re.escape(kernel_name)}_[0-9a-f]{{8}}(?![0-9a-zA-Z])", text):
        raise ValueError(f"generated code carries a hashed symbol of {kernel_name!r}")


PREAMBLE_END = "#define adj_int(x, adj_x, adj_ret) adj_cast_int(x, adj_x, adj_ret)\n"


def split_preamble(text: str) -> tuple[str, str]:
    """(preamble, rest) of normalised generated code; ``preamble + rest == text``.

    The preamble is warp's fixed header of every module (defines, includes, the ``tid``
    and cast macros): everything up to and including the ``adj_int`` cast macro line (the
    blank lines after it vary with the module and stay in ``rest``). Raises ``ValueError``
    if the marker is missing (a warp release with another header).
    """
    at = text.find(PREAMBLE_END)
    if at < 0:
        raise ValueError("generated code has no preamble end marker (adj_int macro)")
    end = at + len(PREAMBLE_END)
    return text[:end], text[end:]
