"""Scalar categories: elementwise arithmetic, math builtins, integer/bit ops, conversions."""

from __future__ import annotations

from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import KernelSpec, arr, scalar

__all__ = [
    "MATH_UNARY",
    "N",
    "SAFE_ARG",
    "elementwise",
    "int_bitops",
    "math_builtins",
    "type_conversions",
]

N = 64


def elementwise(g: Gen) -> KernelSpec:
    """Element-wise arithmetic over 1-3 input arrays and scalar parameters."""
    variant = g.choice(("map", "axpby", "fused", "inplace", "multi_out"))
    n_in = g.int(1, 3)
    ins = [arr(f"{c}", "float", (N,)) for c in g.sample(("x", "y", "z", "u", "v", "w"), n_in)]
    params = [scalar(p, "float", round(float(g.rng.uniform(-2, 2)), 3)) for p in ("alpha", "beta")]
    params = params[: g.int(0, 2)]
    leaves_src = [a.name for a in ins]
    body = ["i = wp.tid()"]
    leaves = []
    for a in leaves_src:
        body.append(f"{a}_i = {a}[i]")
        leaves.append(f"{a}_i")
    leaves += [p.name for p in params]
    args = list(ins) + list(params)
    if variant == "axpby":
        a0 = leaves[0]
        b0 = leaves[-1]
        body.append(f"out[i] = {g.flit()} * {a0} + {g.flit()} * {b0}")
        args.append(arr("out", "float", (N,), "zeros"))
    elif variant == "fused":
        t = g.fexpr(leaves, 2)
        body.append(f"t = {t}")
        body.append(f"out[i] = t * t + {g.fexpr(leaves + ['t'], 2)}")
        args.append(arr("out", "float", (N,), "zeros"))
    elif variant == "inplace":
        tgt = ins[0].name
        body.append(f"{tgt}[i] = {g.fexpr(leaves, 3)}")
    elif variant == "multi_out":
        for o in ("out_a", "out_b"):
            body.append(f"{o}[i] = {g.fexpr(leaves, 2)}")
            args.append(arr(o, "float", (N,), "zeros"))
    else:
        body.append(f"out[i] = {g.fexpr(leaves, 3)}")
        args.append(arr("out", "float", (N,), "zeros"))
    return KernelSpec("elementwise", variant, "", args, body, (N,))


MATH_UNARY = (
    "wp.sin",
    "wp.cos",
    "wp.tan",
    "wp.tanh",
    "wp.sinh",
    "wp.cosh",
    "wp.atan",
    "wp.exp",
    "wp.log",
    "wp.log10",
    "wp.sqrt",
    "wp.cbrt",
    "wp.erf",
    "wp.erfc",
    "wp.floor",
    "wp.abs",
    "wp.degrees",
    "wp.radians",
)

# arguments that keep each builtin inside its domain and away from overflow, given |x| <= 1
SAFE_ARG = {
    "wp.tan": "wp.clamp({x}, -1.2, 1.2)",
    "wp.exp": "wp.clamp({x}, -8.0, 8.0)",
    "wp.sinh": "wp.clamp({x}, -8.0, 8.0)",
    "wp.cosh": "wp.clamp({x}, -8.0, 8.0)",
    "wp.log": "(wp.abs({x}) + 1.0e-3)",
    "wp.log10": "(wp.abs({x}) + 1.0e-3)",
    "wp.sqrt": "wp.abs({x})",
}


def math_builtins(g: Gen) -> KernelSpec:
    """Chains of transcendental and rounding builtins, with domain guards."""
    variant = g.choice(("chain", "poly", "smooth", "stats", "angles"))
    args = [arr("x", "float", (N,)), arr("out", "float", (N,), "zeros")]
    body = ["tid = wp.tid()", "v = x[tid]"]
    if variant == "chain":
        for f in g.sample(MATH_UNARY, g.int(2, 5)):
            a = SAFE_ARG.get(f, "{x}").format(x="v")
            body.append(f"v = wp.clamp({f}({a}), -1.0, 1.0)")
        body.append("out[tid] = v")
    elif variant == "poly":
        deg = g.int(2, 6)
        coef = [g.flit(-2.0, 2.0) for _ in range(deg + 1)]
        body.append(f"acc = {coef[-1]}")
        for c in reversed(coef[:-1]):
            body.append(f"acc = acc * v + {c}")
        f = g.choice(MATH_UNARY)
        body.append(f"out[tid] = acc + {f}({SAFE_ARG.get(f, '{x}').format(x='v')})")
    elif variant == "smooth":
        e0, e1 = sorted(
            (round(float(g.rng.uniform(-1, 0)), 3), round(float(g.rng.uniform(0.1, 1)), 3))
        )
        body.append(f"s = wp.smoothstep({e0}, {e1}, v)")
        body.append(f"l = wp.lerp({g.flit()}, {g.flit()}, s)")
        body.append(f"out[tid] = wp.step(v) * l + wp.nonzero(v) * {g.fexpr(['v', 's'], 1)}")
    elif variant == "stats":
        args.insert(1, arr("y", "float", (N,)))
        body.append("w = y[tid]")
        body.append("m = 0.5 * (v + w)")
        body.append("d = wp.sqrt(0.5 * ((v - m) * (v - m) + (w - m) * (w - m)))")
        body.append(f"out[tid] = m + {g.flit(0.0, 2.0)} * d + wp.erf(m)")
    else:
        body.append(f"a = wp.radians(v * {g.flit(45.0, 360.0)})")
        body.append("s = wp.sin(a)")
        body.append("c = wp.cos(a)")
        body.append(f"out[tid] = wp.atan2(s, c) + {g.fexpr(['s', 'c'], 2)}")
    return KernelSpec("math_builtins", variant, "", args, body, (N,))


def int_bitops(g: Gen) -> KernelSpec:
    """Integer arithmetic and bit manipulation: hashes, masks, shifts, popcounts."""
    variant = g.choice(("hash", "mask", "popcount", "arith", "morton"))
    body = ["tid = wp.tid()"]
    if variant == "hash":
        args = [arr("keys", "wp.uint32", (N,), "bits"), arr("out", "wp.uint32", (N,), "zeros")]
        body.append("h = keys[tid]")
        for _ in range(g.int(2, 4)):
            op = g.choice(("xorshift", "mul", "add"))
            if op == "xorshift":
                body.append(f"h = h ^ (h >> wp.uint32({g.int(5, 17)}))")
                body.append(f"h = h ^ (h << wp.uint32({g.int(3, 13)}))")
            elif op == "mul":
                body.append(f"h = h * wp.uint32({g.int(3, 2_000_000_000) | 1})")
            else:
                body.append(f"h = h + wp.uint32({g.int(1, 1_000_000)}) + wp.uint32(tid)")
        body.append("out[tid] = h")
    elif variant == "mask":
        args = [arr("flags", "int", (N,), "bits"), arr("out", "int", (N,), "zeros")]
        lo = g.int(0, 12)
        width = g.int(1, 8)
        body.append("f = flags[tid]")
        body.append(f"field = (f >> {lo}) & {(1 << width) - 1}")
        body.append(f"setb = f | (1 << {g.int(0, 30)})")
        body.append(f"clr = setb & ~(1 << {g.int(0, 30)})")
        body.append(f"out[tid] = (field ^ clr) {g.choice(('|', '&', '^'))} {g.int(0, 255)}")
    elif variant == "popcount":
        args = [arr("words", "wp.uint32", (N,), "bits"), arr("counts", "int", (N,), "zeros")]
        body += [
            "w = words[tid]",
            "c = int(0)",
            f"for b in range({g.int(0, 8)}, {g.int(16, 32)}):",
            "    c += int((w >> wp.uint32(b)) & wp.uint32(1))",
            f"counts[tid] = c * {g.int(1, 9)} + {g.int(-50, 50)}",
        ]
    elif variant == "arith":
        args = [
            arr("a", "int", (N,), "small"),
            arr("b", "int", (N,), "small"),
            arr("out", "int", (N,), "zeros"),
        ]
        body.append("x = a[tid]")
        body.append(f"y = wp.abs(b[tid]) % {g.int(3, 9)} + 1")
        ops = ["x // y", "x % y", "x * y", "x - y", "wp.min(x, y)", "wp.max(x, y)", "wp.abs(x)"]
        terms = g.sample(ops, g.int(2, 4))
        body.append("r = " + " + ".join(f"({t})" for t in terms))
        body.append(f"out[tid] = wp.clamp(r, {-g.int(10, 100)}, {g.int(10, 100)})")
    else:
        args = [arr("cells", "wp.vec3i", (N,), "small"), arr("codes", "wp.uint32", (N,), "zeros")]
        body += [
            "c = cells[tid]",
            "code = wp.uint32(0)",
            f"for b in range({g.int(4, 10)}):",
            "    bit = wp.uint32(1) << wp.uint32(b)",
            "    x = wp.uint32(c[0] & 255) & bit",
            "    y = wp.uint32(c[1] & 255) & bit",
            "    z = wp.uint32(c[2] & 255) & bit",
            "    code = code | (x << wp.uint32(2 * b)) | (y << wp.uint32(2 * b + 1))",
            "    code = code | (z << wp.uint32(2 * b + 2))",
            f"codes[tid] = code ^ wp.uint32({g.int(0, 1 << 20)})",
        ]
    return KernelSpec("int_bitops", variant, "", args, body, (N,))


def type_conversions(g: Gen) -> KernelSpec:
    """Casts between float16/32/64 and signed/unsigned integers, quantization."""
    variant = g.choice(("quantize", "precision", "int_float", "vector_cast", "half"))
    body = ["tid = wp.tid()"]
    if variant == "quantize":
        levels = g.int(7, 255)
        args = [
            arr("x", "float", (N,)),
            arr("q", "wp.uint8", (N,), "zeros"),
            arr("back", "float", (N,), "zeros"),
        ]
        body += [
            f"v = wp.clamp(x[tid] * {g.flit(0.1, 1.0)} + 0.5, 0.0, 1.0)",
            f"k = int(v * {float(levels)} + 0.5)",
            "q[tid] = wp.uint8(k)",
            f"back[tid] = float(k) / {float(levels)}",
        ]
    elif variant == "precision":
        args = [arr("x", "float", (N,)), arr("out", "wp.float64", (N,), "zeros")]
        body += [
            "d = wp.float64(x[tid])",
            f"acc = wp.float64({g.flit(0.0, 1.0)})",
            f"for k in range({g.int(2, 6)}):",
            f"    acc = acc * d + wp.float64({g.flit()})",
            "out[tid] = acc + wp.float64(wp.sin(float(acc)))",
        ]
    elif variant == "int_float":
        args = [
            arr("x", "float", (N,)),
            arr("i_out", "int", (N,), "zeros"),
            arr("f_out", "float", (N,), "zeros"),
        ]
        body += [
            f"s = x[tid] * {g.flit(1.0, 50.0)}",
            "i = int(s)",
            "r = wp.int64(i) * wp.int64(3)",
            "i_out[tid] = int(r) + int(wp.floor(s))",
            f"f_out[tid] = float(i) - s + float(wp.int8(i % {g.int(20, 100)}))",
        ]
    elif variant == "vector_cast":
        args = [
            arr("p", "wp.vec3", (N,)),
            arr("cell", "wp.vec3i", (N,), "zeros"),
            arr("frac", "wp.vec3", (N,), "zeros"),
        ]
        h = g.flit(0.05, 0.5)
        body += [
            f"s = p[tid] / {h}",
            "c = wp.vec3i(int(wp.floor(s[0])), int(wp.floor(s[1])), int(wp.floor(s[2])))",
            "cell[tid] = c",
            "frac[tid] = s - wp.vec3(float(c[0]), float(c[1]), float(c[2]))",
        ]
    else:
        args = [
            arr("x", "float", (N,)),
            arr("h", "wp.float16", (N,), "zeros"),
            arr("err", "float", (N,), "zeros"),
        ]
        body += [
            f"v = x[tid] * {g.flit(1.0, 100.0)}",
            "hv = wp.float16(v)",
            "h[tid] = hv",
            "err[tid] = wp.abs(float(hv) - v)",
        ]
    return KernelSpec("type_conversions", variant, "", args, body, (N,))
