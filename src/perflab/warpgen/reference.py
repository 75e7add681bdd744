"""A numpy re-implementation of warp kernels, for the equivalence check of sampled kernels.

The kernel module's own Python source is executed by the Python interpreter with ``wp``
bound to :class:`NumpyWarp`, a small numpy implementation of the warp builtins listed in
:data:`SUPPORTED`, and the kernels are run thread by thread (in the order warp's CPU backend
runs them: ``numpy.ndindex(dim)``) on copies of the inputs the CPU launch used. The outputs
are compared with warp's (``|ref - warp| <= ATOL + RTOL * |warp|``, element-wise). Semantics
follow warp 1.19's documentation and were checked against its CPU backend: ``sign(0) = 1``,
``step(x) = 1 if x < 0 else 0``, ``round`` rounds half away from zero, ``mod`` and float ``%``
are C ``fmod``, integer ``%``, ``/`` and ``//`` truncate toward zero (the source's ``/``, ``%``
and ``//`` are rewritten into calls with these semantics), ``normalize(0) = 0``,
``where(c, a, b)``, atomics return the old value. Values are float32 (numpy >= 2 keeps
Python literals weak), so results match to rounding; transcendental functions may differ by
an ulp, hence the tolerances.

A module is checked only when every ``wp.X`` it names is in :data:`SUPPORTED`, every
argument is an array or a scalar, and no kernel is a tile kernel; otherwise the check is
``not_run`` with the reason. An exception in the reference (a construct it does not model)
is ``not_run`` too, with the exception - never a pass.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from perflab.warpgen.records import FAILED, NOT_RUN, PASSED
from perflab.warpgen.spec import KernelSpec

__all__ = [
    "ATOL",
    "F32",
    "RTOL",
    "SUPPORTED",
    "Mat",
    "NumpyWarp",
    "RefArray",
    "check_equivalence",
    "run_reference",
    "unsupported",
]

RTOL = 2e-3
ATOL = 2e-3
F32 = np.float32


def _trunc_int(x: Any) -> int:
    return int(x)


def _vec(n: int) -> Callable[..., np.ndarray]:
    def make(*args: Any) -> np.ndarray:
        if not args:
            return np.zeros(n, F32)
        if len(args) == 1:
            return np.full(n, args[0], F32) if np.ndim(args[0]) == 0 else np.array(args[0], F32)
        return np.array([F32(a) for a in args], F32)

    return make


class Mat(np.ndarray):
    """A warp matrix: ``*`` with a vector or matrix is the matrix product."""

    def __mul__(self, o: Any) -> Any:
        if isinstance(o, np.ndarray) and o.ndim >= 1:
            r = np.asarray(self) @ np.asarray(o)
            return r.view(Mat) if r.ndim == 2 else r
        return (np.asarray(self) * o).view(Mat)

    def __rmul__(self, o: Any) -> Any:
        if isinstance(o, np.ndarray) and o.ndim == 1:
            return np.asarray(o) @ np.asarray(self)
        return (np.asarray(self) * o).view(Mat)


def _mat(n: int) -> Callable[..., Mat]:
    def make(*args: Any) -> Mat:
        if not args:
            return np.zeros((n, n), F32).view(Mat)
        if len(args) == n * n:
            return np.array([F32(a) for a in args], F32).reshape(n, n).view(Mat)
        if len(args) == 1 and np.ndim(args[0]) == 0:
            return np.full((n, n), args[0], F32).view(Mat)
        # as warp 1.19 does in a kernel (codegen): wp.matrix_from_rows / _cols build those
        raise TypeError(
            "Passing vectors to `wp.matrix()` isn't supported, use `wp.matrix_from_rows()` or "
            "`wp.matrix_from_cols()` instead."
        )

    return make


def _normalize(v: np.ndarray) -> np.ndarray:
    n = F32(np.sqrt(np.dot(v, v)))
    return (v / n).astype(F32) if n > 0 else np.zeros_like(v)


def _round(x: Any) -> Any:
    return F32(np.sign(x) * np.floor(np.abs(x) + F32(0.5)))


def _clamp(x: Any, lo: Any, hi: Any) -> Any:
    return np.minimum(np.maximum(x, lo), hi)


def _atomic(op: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def run(arr: RefArray, *idx_and_val: Any) -> Any:
        *idx, val = idx_and_val
        key = tuple(int(i) for i in idx)
        old = arr.data[key].copy() if arr.data.ndim > len(key) else arr.data[key]
        arr.data[key] = op(old, val)
        return old

    return run


class NumpyWarp:
    """The ``wp`` namespace of the reference (only :data:`SUPPORTED` builtins)."""

    def __init__(self) -> None:
        self.tid_value: tuple[int, ...] = (0,)
        fns: dict[str, Any] = {
            "sin": np.sin,
            "cos": np.cos,
            "tan": np.tan,
            "asin": np.arcsin,
            "acos": np.arccos,
            "atan": np.arctan,
            "atan2": np.arctan2,
            "sinh": np.sinh,
            "cosh": np.cosh,
            "tanh": np.tanh,
            "exp": np.exp,
            "log": np.log,
            "log2": np.log2,
            "log10": np.log10,
            "sqrt": np.sqrt,
            "cbrt": np.cbrt,
            "abs": np.abs,
            "floor": np.floor,
            "ceil": np.ceil,
            "trunc": np.trunc,
            "rint": np.rint,
            "round": _round,
            "frac": lambda x: x - np.trunc(x),
            "sign": lambda x: F32(-1.0 if x < 0 else 1.0),
            "step": lambda x: F32(1.0 if x < 0 else 0.0),
            "nonzero": lambda x: F32(1.0 if x != 0 else 0.0),
            "clamp": _clamp,
            "min": np.minimum,
            "max": np.maximum,
            "pow": np.power,
            "mod": np.fmod,
            "lerp": lambda a, b, t: a + (b - a) * t,
            "smoothstep": lambda e0, e1, x: (lambda t: t * t * (F32(3.0) - F32(2.0) * t))(
                _clamp((x - e0) / (e1 - e0), F32(0.0), F32(1.0))
            ),
            "degrees": lambda x: x * F32(180.0 / math.pi),
            "radians": lambda x: x * F32(math.pi / 180.0),
            "erf": lambda x: F32(math.erf(float(x))),
            "erfc": lambda x: F32(math.erfc(float(x))),
            "isfinite": lambda x: bool(np.all(np.isfinite(x))),
            "isnan": lambda x: bool(np.any(np.isnan(x))),
            "isinf": lambda x: bool(np.any(np.isinf(x))),
            "copysign": np.copysign,
            "where": lambda c, a, b: a if c else b,
            "dot": lambda a, b: F32(np.dot(a, b)),
            "cross": lambda a, b: np.cross(a, b),
            "length": lambda v: F32(np.sqrt(np.dot(v, v))),
            "length_sq": lambda v: F32(np.dot(v, v)),
            "normalize": _normalize,
            "cw_mul": lambda a, b: a * b,
            "cw_div": lambda a, b: a / b,
            "transpose": lambda m: np.asarray(m).T.copy().view(Mat),
            "determinant": lambda m: F32(np.linalg.det(np.asarray(m, np.float64))),
            "trace": lambda m: F32(np.trace(m)),
            "outer": lambda a, b: np.outer(a, b).astype(F32).view(Mat),
            "float32": F32,
            "float64": np.float64,
            "int32": _trunc_int,
            "int64": _trunc_int,
            "atomic_add": _atomic(lambda o, v: o + v),
            "atomic_sub": _atomic(lambda o, v: o - v),
            "atomic_min": _atomic(np.minimum),
            "atomic_max": _atomic(np.maximum),
        }
        for n in (2, 3, 4):
            fns[f"vec{n}"] = _vec(n)
        for n in (2, 3, 4):
            fns[f"mat{n}{n}"] = _mat(n)
        self.__dict__.update(fns)

    def tid(self) -> Any:
        return self.tid_value[0] if len(self.tid_value) == 1 else self.tid_value

    @staticmethod
    def kernel(f: Callable) -> Callable:
        return f

    func = kernel


SUPPORTED = (
    frozenset(NumpyWarp().__dict__) - {"tid_value"}
    | {"tid", "kernel", "func"}
    | {"array", "array2d", "array3d", "uint64", "int32", "float32"}
)


def _is_int(x: Any) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _c_div(a: Any, b: Any) -> Any:
    """warp ``/``: integer division truncates toward zero (C), floats divide."""
    if _is_int(a) and _is_int(b):
        q = abs(int(a)) // abs(int(b))
        return q if (a >= 0) == (b >= 0) else -q
    return a / b


def _c_mod(a: Any, b: Any) -> Any:
    """warp ``%``: C remainder (sign of the dividend) for ints, ``fmod`` for floats."""
    if _is_int(a) and _is_int(b):
        return int(a) - _c_div(a, b) * int(b)
    return np.fmod(a, b)


def _c_floordiv(a: Any, b: Any) -> Any:
    """warp ``//``: truncating division for ints, ``floor(a / b)`` for floats."""
    if _is_int(a) and _is_int(b):
        return _c_div(a, b)
    return np.floor(a / b)


class _COperators(ast.NodeTransformer):
    """``a / b``, ``a % b``, ``a // b`` -> calls with warp's (C) semantics."""

    FUNCS = {ast.Div: "_wp_div", ast.Mod: "_wp_mod", ast.FloorDiv: "_wp_floordiv"}

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        fn = self.FUNCS.get(type(node.op))
        if fn is None:
            return node
        call = ast.Call(ast.Name(fn, ast.Load()), [node.left, node.right], [])
        return ast.copy_location(call, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        fn = self.FUNCS.get(type(node.op))
        if fn is None:
            return node
        load = ast.parse(ast.unparse(node.target), mode="eval").body
        value = ast.Call(ast.Name(fn, ast.Load()), [load, node.value], [])
        return ast.copy_location(ast.Assign([node.target], value), node)


class RefArray:
    """A numpy array with warp's value semantics: reading an element gives a copy."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.shape = data.shape

    def __getitem__(self, key: Any) -> Any:
        v = self.data[key]
        return v.copy() if isinstance(v, np.ndarray) else v

    def __setitem__(self, key: Any, value: Any) -> None:
        self.data[key] = value

    def __len__(self) -> int:
        return len(self.data)


_MAT_DTYPES = ("wp.mat22", "wp.mat33", "wp.mat44")


def unsupported(spec: KernelSpec) -> str:
    """Why the reference cannot check ``spec`` ("" when it can)."""
    names = set()
    for node in ast.walk(ast.parse(spec.python_source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "wp":
                names.add(node.attr)
    missing = sorted(names - SUPPORTED)
    if missing:
        return "uses " + ", ".join(f"wp.{m}" for m in missing[:6])
    for k in spec.kernels:
        if k.block_dim:
            return "tile kernel"
        for a in k.args:
            if a.kind not in ("array", "scalar"):
                return f"argument {a.name} is a {a.kind}"
    return ""


def _wrap(value: np.ndarray, dtype: str) -> Any:
    if dtype in _MAT_DTYPES:
        return RefArray(np.asarray(value, F32))
    return RefArray(value)


def run_reference(spec: KernelSpec, initial: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run the module's kernels thread by thread in numpy; return the arrays afterwards."""
    shim = NumpyWarp()
    glb: dict[str, Any] = {
        "wp": shim,
        "float": F32,
        "int": _trunc_int,
        "min": np.minimum,
        "max": np.maximum,
        "abs": np.abs,
        "_wp_div": _c_div,
        "_wp_mod": _c_mod,
        "_wp_floordiv": _c_floordiv,
        "__builtins__": __builtins__,
    }
    src = "from __future__ import annotations\n" + spec.python_source.replace(
        "import warp as wp\n", "", 1
    )
    tree = ast.fix_missing_locations(_COperators().visit(ast.parse(src)))
    exec(compile(tree, "<reference>", "exec"), glb)  # noqa: S102 - our own generated source
    arrays = {k: v.copy() for k, v in initial.items()}
    for k in spec.kernels:
        fn = glb[k.kernel_name]
        args = []
        for a in k.args:
            if a.kind == "array":
                ref = _wrap(arrays[a.name], a.dtype)
                arrays[a.name] = ref.data
                args.append(ref)
            else:
                args.append(F32(a.value) if isinstance(a.value, float) else int(a.value))
        for idx in np.ndindex(*k.dim):
            shim.tid_value = tuple(int(i) for i in idx)
            fn(*args)
    return arrays


def check_equivalence(
    spec: KernelSpec, initial: dict[str, np.ndarray], outputs: dict[str, np.ndarray]
) -> tuple[str, str]:
    """(outcome, note) of comparing warp's CPU outputs with :func:`run_reference`."""
    why = unsupported(spec)
    if why:
        return NOT_RUN, f"not run: {why}"
    try:
        with np.errstate(all="ignore"):
            ref = run_reference(spec, initial)
    except Exception as exc:  # a construct the reference does not model: no verdict
        return NOT_RUN, f"not run: reference raised {type(exc).__name__}: {exc}"[:300]
    worst, where = 0.0, ""
    for name, out in outputs.items():
        r = np.asarray(ref[name], np.float64)
        o = np.asarray(out, np.float64)
        err = np.abs(r - o) - (ATOL + RTOL * np.abs(o))
        if err.size and np.nanmax(err) > worst:
            worst, where = float(np.nanmax(err)), name
        if np.any(np.isnan(r) != np.isnan(o)):
            return FAILED, f"NaN pattern differs in {name}"
    if worst > 0:
        return FAILED, f"{where} differs from the numpy reference by {worst:.3g} beyond tolerance"
    return PASSED, f"matches the numpy reference (rtol {RTOL:g}, atol {ATOL:g})"
