"""What a kernel module is made of, read from its Python source alone.

Skeleton. Two modules share a skeleton when they are equal after every identifier the
module chose is replaced by a placeholder numbered in order of first appearance (``n0``,
``n1``, ...; names of kernels, functions, structs, arguments, locals and struct fields alike),
every numeric literal by its kind (``F`` float, ``I`` int; a sign folded into the literal),
every string by ``S``, and docstrings and comments are dropped (``ast.unparse``). What stays
is the structure: statements, control flow, operators, the warp builtins and types called and
keyword names. ``skeleton_id`` is the first 16 hex digits of SHA-256 of that text. This is
the "normalised skeleton" near-duplicate test used for code corpora (identifiers and literals
abstracted, as in the token-type abstraction of CCFinder, Kamiya et al., TSE 2002).

Builtins. A module uses warp builtin ``X`` when its Python calls or names ``wp.X`` with ``X``
in warp's builtin registry, calls a Python name warp maps to a builtin (``int``, ``float``,
``min``, ``max``, ``abs``, ``range``, ``len``, ``reversed``, ``bool``), constructs a
vector/matrix/quaternion/transform/spatial type (``vector``, ``matrix``, ``quaternion``,
``transformation``, ``spatial_vector``), or uses an operator warp lowers to a builtin
(``+`` ``add``, ``-`` ``sub``, ``*`` ``mul``, ``/`` ``div``, ``//`` ``floordiv``, ``%`` ``mod``,
``**`` ``pow``, unary ``-`` ``neg``, ``~`` ``invert``, ``not`` ``unot``, ``<<`` ``lshift``,
``>>`` ``rshift``, ``&`` ``bit_and``, ``|`` ``bit_or``, ``^`` ``bit_xor``; ``a[i] += x`` on a
subscript ``add_inplace``, likewise ``sub_inplace`` and the ``bit_*_inplace``). Builtins that
only warp's code generator emits (``address``, ``load``, ``extract``...) are not visible in
Python and are never counted, though they stay in the denominator of the coverage.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field

__all__ = [
    "BINOPS",
    "CONSTRUCTORS",
    "INPLACE",
    "KEEP_NAMES",
    "PY_BUILTINS",
    "UNARYOPS",
    "ModuleFacts",
    "analyse",
    "skeleton_id",
    "skeleton_text",
]

KEEP_NAMES = frozenset(
    {"wp", "int", "float", "bool", "min", "max", "abs", "range", "len", "reversed", "True"}
    | {"False", "None", "print"}
)
PY_BUILTINS = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "min": "min",
    "max": "max",
    "abs": "abs",
    "range": "range",
    "len": "len",
    "reversed": "reversed",
}
BINOPS = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.FloorDiv: "floordiv",
    ast.Mod: "mod",
    ast.Pow: "pow",
    ast.LShift: "lshift",
    ast.RShift: "rshift",
    ast.BitAnd: "bit_and",
    ast.BitOr: "bit_or",
    ast.BitXor: "bit_xor",
}
UNARYOPS = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert", ast.Not: "unot"}
INPLACE = {
    ast.Add: "add_inplace",
    ast.Sub: "sub_inplace",
    ast.BitAnd: "bit_and_inplace",
    ast.BitOr: "bit_or_inplace",
    ast.BitXor: "bit_xor_inplace",
}
# constructor type name prefix -> builtin
CONSTRUCTORS = (
    ("spatial_vector", "spatial_vector"),
    ("spatial_matrix", "matrix"),
    ("transform", "transformation"),
    ("quat", "quaternion"),
    ("vec", "vector"),
    ("mat", "matrix"),
)


class _Skeletonizer(ast.NodeTransformer):
    """Names -> ``n<k>`` by first appearance; literals -> kinds; docstrings dropped."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _ph(self, name: str) -> str:
        if name in KEEP_NAMES:
            return name
        return self.names.setdefault(name, f"n{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._ph(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._ph(node.arg)
        self.generic_visit(node)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if not (isinstance(node.value, ast.Name) and node.value.id == "wp"):
            node.attr = self._ph(node.attr)  # struct fields
        return node

    def _def(self, node):
        node.name = self._ph(node.name)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            if isinstance(body[0].value.value, str) and len(body) > 1:
                node.body = body[1:]
        self.generic_visit(node)
        return node

    visit_FunctionDef = _def
    visit_ClassDef = _def

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if isinstance(node.op, ast.USub | ast.UAdd) and isinstance(node.operand, ast.Constant):
            if _kind(node.operand.value) in ("F", "I"):
                return ast.Name(id=_kind(node.operand.value), ctx=ast.Load())
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        kind = _kind(node.value)
        return node if kind is None else ast.Name(id=kind, ctx=ast.Load())


def _kind(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return "F"
    if isinstance(value, int):
        return "I"
    if isinstance(value, str):
        return "S"
    return None


def skeleton_text(source: str) -> str:
    """The normalised skeleton of a module (see module docstring)."""
    tree = _Skeletonizer().visit(ast.parse(source))
    return ast.unparse(tree) + "\n"


def skeleton_id(source: str) -> str:
    """First 16 hex digits of SHA-256 of :func:`skeleton_text`."""
    return hashlib.sha256(skeleton_text(source).encode("utf-8")).hexdigest()[:16]


def _is_decorated(node: ast.AST, name: str) -> bool:
    for d in getattr(node, "decorator_list", []):
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Attribute) and target.attr == name:
            return True
    return False


def _count_statements(body: list[ast.stmt]) -> int:
    n = 0
    for st in body:
        n += 1
        for field_name in ("body", "orelse", "finalbody"):
            n += _count_statements(getattr(st, field_name, []) or [])
    return n


def _constructor(name: str) -> str | None:
    for prefix, builtin in CONSTRUCTORS:
        if name.startswith(prefix) and name != "transform_identity":
            return builtin
    return None


@dataclass
class ModuleFacts:
    """What :func:`analyse` reads from one module's Python source."""

    skeleton_id: str
    kernels: list[str] = field(default_factory=list)
    kernel_statements: list[int] = field(default_factory=list)
    funcs: int = 0
    structs: int = 0
    builtins: set[str] = field(default_factory=set)
    wp_names: set[str] = field(default_factory=set)


def _builtin_of_call(node: ast.Call, builtins: frozenset[str]) -> str | None:
    f = node.func
    if isinstance(f, ast.Name) and f.id in PY_BUILTINS:
        return PY_BUILTINS[f.id]
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "wp":
        if f.attr in builtins:
            return f.attr
        return _constructor(f.attr)
    return None


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """ids of every node inside an annotation (argument, return, struct field)."""
    roots = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        elif isinstance(node, ast.FunctionDef) and node.returns is not None:
            roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    return {id(n) for r in roots for n in ast.walk(r)}


def analyse(source: str, builtins: frozenset[str]) -> ModuleFacts:
    """Skeleton, kernels and their statement counts, builtins and ``wp.`` names used.

    ``builtins`` is warp's builtin registry (:func:`perflab.warpgen.codegen.builtin_names`).
    """
    tree = ast.parse(source)
    facts = ModuleFacts(skeleton_id(source))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and _is_decorated(node, "kernel"):
            facts.kernels.append(node.name)
            facts.kernel_statements.append(_count_statements(node.body))
        elif isinstance(node, ast.FunctionDef) and _is_decorated(node, "func"):
            facts.funcs += 1
        elif isinstance(node, ast.ClassDef) and _is_decorated(node, "struct"):
            facts.structs += 1
    used = facts.builtins
    in_annotation = _annotation_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in in_annotation:
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                facts.wp_names.add(node.attr)  # a type, not a builtin call
        elif isinstance(node, ast.Call):
            b = _builtin_of_call(node, builtins)
            if b:
                used.add(b)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "wp":
                facts.wp_names.add(node.attr)
                if node.attr in builtins and node.attr not in ("kernel", "func", "struct"):
                    used.add(node.attr)  # passed as a value, e.g. wp.tile_map(wp.tanh, t)
        elif isinstance(node, ast.BinOp):
            used.add(BINOPS.get(type(node.op), ""))
        elif isinstance(node, ast.UnaryOp):
            if not (isinstance(node.operand, ast.Constant) and isinstance(node.op, ast.USub)):
                used.add(UNARYOPS[type(node.op)])  # a negative literal is a literal
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Subscript) and type(node.op) in INPLACE:
                used.add(INPLACE[type(node.op)])
            else:
                used.add(BINOPS.get(type(node.op), ""))
    used.discard("")
    facts.builtins = {b for b in used if b in builtins}
    return facts
