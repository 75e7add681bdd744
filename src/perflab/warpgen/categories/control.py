"""Control flow categories: branching, loops with early exit, helper ``@wp.func`` calls."""

from __future__ import annotations

from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import KernelSpec, arr, scalar

__all__ = [
    "HELPER_SHAPES",
    "MONOTONE",
    "N",
    "branching",
    "helper_funcs",
    "loops_early_exit",
]

N = 64


def branching(g: Gen) -> KernelSpec:
    """if/elif/else chains, nested branches, ternaries and ``wp.where`` selects."""
    variant = g.choice(("chain", "nested", "select", "piecewise", "classify"))
    args = [arr("x", "float", (N,)), arr("y", "float", (N,)), arr("out", "float", (N,), "zeros")]
    body = ["i = wp.tid()", "a = x[i]", "b = y[i]"]
    leaves = ["a", "b"]
    if variant == "chain":
        k = g.int(1, 4)
        body.append(f"r = {g.flit()}")
        body.append(f"if {g.cond(leaves)}:")
        body.append(f"    r = {g.fexpr(leaves, 2)}")
        for _ in range(k - 1):
            body.append(f"elif {g.cond(leaves)}:")
            body.append(f"    r = {g.fexpr(leaves, 2)}")
        if g.coin():
            body.append("else:")
            body.append(f"    r = {g.fexpr(leaves, 2)}")
        body.append("out[i] = r")
    elif variant == "nested":
        body += [
            f"r = {g.fexpr(leaves, 1)}",
            f"if {g.cond(leaves)}:",
            f"    if {g.cond(leaves)}:",
            f"        r = {g.fexpr(leaves, 2)}",
            "    else:",
            f"        r = r * {g.flit()}",
            "else:",
            f"    r = r + {g.fexpr(leaves, 2)}",
            "out[i] = r",
        ]
    elif variant == "select":
        body.append(f"r = wp.where({g.cond(leaves)}, {g.fexpr(leaves, 2)}, {g.fexpr(leaves, 2)})")
        body.append(f"s = {g.fexpr(leaves, 1)} if {g.cond(leaves)} else {g.fexpr(leaves, 1)}")
        body.append("out[i] = r + s")
    elif variant == "piecewise":
        cuts = sorted(round(float(c), 3) for c in g.rng.uniform(-1, 1, size=g.int(2, 4)))
        body.append("r = 0.0")
        for j, c in enumerate(cuts):
            kw = "if" if j == 0 else "elif"
            body.append(f"{kw} a < {c}:")
            body.append(f"    r = {g.flit()} * a + {g.flit()}")
        body.append("else:")
        body.append(f"    r = {g.fexpr(leaves, 2)}")
        body.append("out[i] = r")
    else:
        args = [
            arr("x", "float", (N,)),
            arr("y", "float", (N,)),
            arr("label", "int", (N,), "zeros"),
        ]
        body += [
            "c = int(0)",
            "if a > 0.0 and b > 0.0:",
            "    c = 1",
            "elif a <= 0.0 and b > 0.0:",
            "    c = 2",
            "elif a <= 0.0:",
            "    c = 3",
            "else:",
            "    c = 4",
            f"if a * a + b * b < {g.flit(0.05, 0.5)}:",
            "    c = 0",
            "label[i] = c",
        ]
    return KernelSpec("branching", variant, "", args, body, (N,))


MONOTONE = ("wp.tanh(mid)", "mid * mid * mid * 0.1", "wp.atan(mid)", "mid + wp.sin(mid) * 0.5")


def loops_early_exit(g: Gen) -> KernelSpec:
    """Loops with ``break``/``continue``: searches, fixed-point and Newton iterations."""
    variant = g.choice(("search", "newton", "fixed_point", "bisection", "skip_sum"))
    body = ["i = wp.tid()"]
    if variant == "search":
        args = _loops_early_exit_search(g, body)
    elif variant == "newton":
        args = _loops_early_exit_newton(g, body)
    elif variant == "fixed_point":
        args = _loops_early_exit_fixed_point(g, body)
    elif variant == "bisection":
        args = _loops_early_exit_bisection(g, body)
    else:
        args = _loops_early_exit_skip_sum(g, body)
    return KernelSpec("loops_early_exit", variant, "", args, body, (N,))


def _loops_early_exit_search(g: Gen, body: list[str]):
    """The ``search`` variant: appends to ``body``, returns the arguments."""
    m = g.int(8, 32)
    args = [
        arr("data", "float", (N, m)),
        scalar("threshold", "float", round(float(g.rng.uniform(-0.5, 0.9)), 3)),
        arr("first", "int", (N,), "zeros"),
    ]
    body += [
        "found = int(-1)",
        f"for j in range({m}):",
        f"    if data[i, j] * {g.flit(0.2, 2.0)} > threshold:",
        "        found = j",
        "        break",
        "first[i] = found",
    ]
    return args


def _loops_early_exit_newton(g: Gen, body: list[str]):
    """The ``newton`` variant: appends to ``body``, returns the arguments."""
    k = g.choice((2.0, 3.0))
    args = [
        arr("x", "float", (N,)),
        arr("root", "float", (N,), "zeros"),
        arr("iters", "int", (N,), "zeros"),
    ]
    body += [
        f"c = wp.abs(x[i]) + {g.flit(0.1, 2.0)}",
        "r = c",
        "n = int(0)",
        f"for it in range({g.int(8, 40)}):",
        f"    f = wp.pow(r, {k}) - c",
        f"    df = {k} * wp.pow(r, {k - 1.0})",
        "    step = f / df",
        "    r = r - step",
        "    n = it + 1",
        f"    if wp.abs(step) < {g.choice(('1.0e-6', '1.0e-5', '1.0e-4'))}:",
        "        break",
        "root[i] = r",
        "iters[i] = n",
    ]
    return args


def _loops_early_exit_fixed_point(g: Gen, body: list[str]):
    """The ``fixed_point`` variant: appends to ``body``, returns the arguments."""
    args = [arr("x", "float", (N,)), arr("out", "float", (N,), "zeros")]
    body += [
        "v = x[i]",
        "k = int(0)",
        f"while k < {g.int(10, 50)}:",
        f"    nv = wp.cos(v) * {g.flit(0.2, 0.9)} + {g.flit(-0.5, 0.5)}",
        "    k += 1",
        "    if wp.abs(nv - v) < 1.0e-6:",
        "        v = nv",
        "        break",
        "    v = nv",
        "out[i] = v",
    ]
    return args


def _loops_early_exit_bisection(g: Gen, body: list[str]):
    """The ``bisection`` variant: appends to ``body``, returns the arguments."""
    args = [arr("target", "float", (N,)), arr("out", "float", (N,), "zeros")]
    body += [
        f"lo = float({g.flit(-4.0, -2.0)})",
        f"hi = float({g.flit(2.0, 4.0)})",
        "t = target[i]",
        f"for it in range({g.int(10, 40)}):",
        "    mid = 0.5 * (lo + hi)",
        f"    fm = {g.choice(MONOTONE)} - t",
        "    if wp.abs(fm) < 1.0e-7:",
        "        break",
        "    if fm > 0.0:",
        "        hi = mid",
        "    else:",
        "        lo = mid",
        "out[i] = 0.5 * (lo + hi)",
    ]
    return args


def _loops_early_exit_skip_sum(g: Gen, body: list[str]):
    """The ``skip_sum`` variant: appends to ``body``, returns the arguments."""
    m = g.int(4, 24)
    args = [arr("data", "float", (N, m)), arr("out", "float", (N,), "zeros")]
    body += [
        "s = float(0.0)",
        f"for j in range({m}):",
        "    v = data[i, j]",
        f"    if v < {g.flit(-0.8, 0.0)}:",
        "        continue",
        f"    if v > {g.flit(0.5, 0.99)}:",
        "        break",
        f"    s += {g.fexpr(['v'], 1)}",
        "out[i] = s",
    ]
    return args


HELPER_SHAPES = ("poly", "blend", "vec", "multi_return", "chain")


def _helper(g: Gen, idx: int) -> tuple[str, str, str]:
    """One ``@wp.func`` (its source, its name, and the call kind) of a random shape."""
    shape = g.choice(HELPER_SHAPES)
    name = f"{shape}_fn{idx}"
    if shape == "poly":
        c = [g.flit(-1.5, 1.5) for _ in range(g.int(2, 4))]
        expr = c[0]
        for ci in c[1:]:
            expr = f"({expr}) * x + {ci}"
        src = f"@wp.func\ndef {name}(x: float) -> float:\n    return {expr}\n"
        return src, name, "f1"
    if shape == "blend":
        src = (
            f"@wp.func\ndef {name}(a: float, b: float) -> float:\n"
            f"    t = wp.clamp({g.fexpr(['a', 'b'], 1)}, 0.0, 1.0)\n"
            f"    return a * (1.0 - t) + b * t\n"
        )
        return src, name, "f2"
    if shape == "vec":
        src = (
            f"@wp.func\ndef {name}(a: float, b: float) -> float:\n"
            "    v = wp.vec3(a, b, a * b)\n"
            f"    w = {g.vexpr(['v'], ['a', 'b'], 3, 2)}\n"
            "    return wp.length(w)\n"
        )
        return src, name, "f2"
    if shape == "multi_return":
        src = (
            f"@wp.func\ndef {name}(x: float) -> float:\n"
            f"    if x < {g.flit(-0.5, 0.5)}:\n"
            f"        return {g.fexpr(['x'], 2)}\n"
            f"    return {g.fexpr(['x'], 2)}\n"
        )
        return src, name, "f1"
    src = (
        f"@wp.func\ndef {name}(x: float) -> float:\n"
        f"    y = {g.fexpr(['x'], 2)}\n"
        f"    z = {g.fexpr(['x', 'y'], 2)}\n"
        "    return y + z\n"
    )
    return src, name, "f1"


def helper_funcs(g: Gen) -> KernelSpec:
    """Kernels composed of 1-3 user ``@wp.func`` helpers, some calling each other."""
    k = g.int(1, 3)
    helpers, calls = [], []
    for j in range(k):
        src, name, kind = _helper(g, j)
        helpers.append(src)
        calls.append((name, kind))
    variant = "+".join(sorted({n.split("_fn")[0] for n, _ in calls}))
    if g.coin(0.4):
        # a helper that calls the previous ones
        inner = []
        for name, kind in calls:
            inner.append(f"{name}(x)" if kind == "f1" else f"{name}(x, 0.5 * x)")
        helpers.append(
            f"@wp.func\ndef combined_fn(x: float) -> float:\n    return {' + '.join(inner)}\n"
        )
        calls = [("combined_fn", "f1")]
        variant = "nested_" + variant
    args = [arr("x", "float", (N,)), arr("y", "float", (N,)), arr("out", "float", (N,), "zeros")]
    body = ["i = wp.tid()", "a = x[i]", "b = y[i]", "acc = float(0.0)"]
    for name, kind in calls:
        arg = g.fexpr(["a", "b"], 1)
        call = f"{name}({arg})" if kind == "f1" else f"{name}({arg}, {g.fexpr(['a', 'b'], 1)})"
        body.append(f"acc += wp.clamp({call}, -100.0, 100.0)")
    body.append("out[i] = acc")
    return KernelSpec("helper_funcs", variant, "", args, body, (N,), helpers=helpers)
