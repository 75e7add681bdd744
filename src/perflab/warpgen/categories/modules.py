"""Multi-kernel modules (a struct of parameters, ``@wp.func`` helpers shared by several
kernels launched in sequence), rigid-body dynamics with spatial vectors, and numerics
(atomics, binning with ``lower_bound``, compare-and-swap, CSR sparse matrix-vector)."""

from __future__ import annotations

from perflab.warpgen.blocks import ROTATION, SCALAR, VECTOR, compose_kernel, dataflow, reduce_to
from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import ArgSpec, FieldSpec, KernelSpec, arr, scalar

__all__ = [
    "B",
    "N",
    "multi_kernel",
    "numerics",
    "pipeline",
    "rigid_bodies",
    "two_stage",
]

N = 64
B = 8  # bins


def _helper(g: Gen, name: str, ins: list[tuple[str, str]], out: str, pool) -> str:
    """A ``@wp.func`` whose body is a composed data flow over its parameters."""
    from perflab.warpgen.blocks import WP_TYPE

    vt: dict[str, list[str]] = {}
    for n, t in ins:
        vt.setdefault(t, []).append(n)
    lines = dataflow(g, vt, pool, g.int(2, 5), "h", branch_p=0.2, loop_p=0.1)
    sig = ", ".join(f"{n}: {WP_TYPE[t]}" for n, t in ins)
    body = "".join(f"    {x}\n" for x in lines)
    return (
        f"@wp.func\ndef {name}({sig}) -> {WP_TYPE[out]}:\n{body}"
        f"    return {reduce_to(g, vt, out)}\n"
    )


def pipeline(g: Gen) -> KernelSpec:
    """clear -> scatter (atomics into bins) -> gather/normalise, sharing helpers and a struct."""
    fields = [FieldSpec("scale", "float", "pos"), FieldSpec("shift", "float")]
    struct = "@wp.struct\nclass Params:\n    scale: float\n    shift: float\n"
    helpers = [struct, _helper(g, "weight", [("a", "f"), ("b", "f")], "f", SCALAR)]
    vec_helper = g.coin(0.5)
    if vec_helper:
        helpers.append(_helper(g, "direction", [("p", "v3"), ("s", "f")], "v3", VECTOR[:16]))
    prm = ArgSpec("prm", "Params", "struct", "Params", fields=tuple(fields))
    clear = KernelSpec(
        "multi_kernel",
        "clear",
        "clear",
        [
            arr("bins", "float", (B,), "zeros"),
            arr("counts", "int", (B,), "zeros"),
            arr("centers", "float", (B,), "zeros"),
        ],
        [
            "b = wp.tid()",
            "bins[b] = 0.0",
            "counts[b] = 0",
            f"lo = float(b) / {float(B)}",
            f"centers[b] = lo + {0.5 / B}",
        ],
        (B,),
    )
    body = [
        "i = wp.tid()",
        "v = x[i] * prm.scale + prm.shift",
        f"b = wp.clamp(int(wp.abs(v) * {float(B)}), 0, {B - 1})",
        f"w = weight(v, {g.flit(-1.0, 1.0)})",
        "wp.atomic_add(bins, b, w)",
        "wp.atomic_add(counts, b, 1)",
    ]
    if vec_helper:
        body += ["d = direction(p[i], w)", "wp.atomic_max(peak, b, wp.length(d))"]
    scatter_args = [prm, arr("x", "float", (N,)), arr("bins", "float", (B,), "zeros")]
    scatter_args += [arr("counts", "int", (B,), "zeros")]
    if vec_helper:
        scatter_args += [arr("p", "wp.vec3", (N,)), arr("peak", "float", (B,), "zeros")]
    scatter = KernelSpec("multi_kernel", "scatter", "scatter", scatter_args, body, (N,))
    gather_body = [
        "i = wp.tid()",
        "v = x[i] * prm.scale + prm.shift",
        f"b = wp.clamp(int(wp.abs(v) * {float(B)}), 0, {B - 1})",
        "mean = bins[b] / float(wp.max(counts[b], 1))",
        f"y[i] = weight(v - mean, {g.flit(-1.0, 1.0)})",
    ]
    gather = KernelSpec(
        "multi_kernel",
        "gather",
        "gather",
        [
            prm,
            arr("x", "float", (N,)),
            arr("bins", "float", (B,), "zeros"),
            arr("counts", "int", (B,), "zeros"),
            arr("y", "float", (N,), "zeros"),
        ],
        gather_body,
        (N,),
    )
    clear.helpers = helpers
    clear.more = [scatter, gather]
    clear.variant = "histogram_pipeline"
    return clear


def two_stage(g: Gen) -> KernelSpec:
    """predict -> correct: two kernels over the same state sharing a vector helper."""
    helper = _helper(g, "accel", [("p", "v3"), ("u", "v3"), ("k", "f")], "v3", VECTOR[:16])
    predict = KernelSpec(
        "multi_kernel",
        "predict_correct",
        "predict",
        [
            arr("x", "wp.vec3", (N,)),
            arr("v", "wp.vec3", (N,)),
            arr("xp", "wp.vec3", (N,), "zeros"),
            scalar("dt", "float", round(float(g.rng.uniform(0.001, 0.02)), 4)),
        ],
        [
            "i = wp.tid()",
            "p = x[i]",
            "u = v[i]",
            f"a = accel(p, u, {g.flit(0.1, 2.0)})",
            "xp[i] = p + u * dt + a * (0.5 * dt * dt)",
        ],
        (N,),
        helpers=[helper],
    )
    corr_body = [
        "i = wp.tid()",
        f"a0 = accel(x[i], v[i], {g.flit(0.1, 2.0)})",
        f"a1 = accel(xp[i], v[i], {g.flit(0.1, 2.0)})",
        "v[i] = v[i] + (a0 + a1) * (0.5 * dt)",
    ]
    vt = {"v3": ["a0", "a1"], "f": ["dt"]}
    corr_body += dataflow(g, vt, VECTOR[:16], g.int(1, 3), "c", branch_p=0.2, loop_p=0.0)
    corr_body.append(f"x[i] = xp[i] + {vt['v3'][-1]} * 0.001")
    correct = KernelSpec(
        "multi_kernel",
        "correct",
        "correct",
        [
            arr("x", "wp.vec3", (N,)),
            arr("v", "wp.vec3", (N,)),
            arr("xp", "wp.vec3", (N,), "zeros"),
            predict.args[3],
        ],
        corr_body,
        (N,),
    )
    predict.more = [correct]
    return predict


def multi_kernel(g: Gen) -> KernelSpec:
    return pipeline(g) if g.coin(0.5) else two_stage(g)


def rigid_bodies(g: Gen) -> KernelSpec:
    """Rigid bodies: transforms, spatial twists/wrenches, quaternion integration."""
    loads = [("body_q", "t"), ("body_qd", "sv")]
    loads += g.sample([("com", "v3"), ("mass", "f"), ("axis", "v3")], g.int(1, 3))
    outs = g.sample([("out_v", "v3"), ("out_e", "f")], g.int(1, 2))
    return compose_kernel(
        g, "rigid_bodies", "composed", loads, ROTATION + VECTOR[:20], outs, n_steps=(5, 10)
    )


def numerics(g: Gen) -> KernelSpec:
    """Binning with lower_bound, atomics (and/or/xor/cas/exch/min/max), CSR SpMV, scans."""
    variant = g.choice(("binning", "atomics", "spmv", "scan"))
    body = ["i = wp.tid()"]
    if variant == "binning":
        args = [
            arr("edges", "float", (B,), "sorted"),
            arr("x", "float", (N,)),
            arr("hist", "int", (B + 1,), "zeros"),
            arr("out", "float", (N,), "zeros"),
        ]
        body += ["v = x[i]", "b = wp.lower_bound(edges, v)", "wp.atomic_add(hist, b, 1)"]
        vt = {"f": ["v"], "i": ["b"]}
        body += dataflow(g, vt, SCALAR, g.int(2, 5), "s", branch_p=0.2, loop_p=0.1)
        body.append(f"out[i] = {reduce_to(g, vt, 'f')}")
    elif variant == "atomics":
        args = [
            arr("keys", "int", (N,), f"index:{B}"),
            arr("vals", "int", (N,), "small"),
            arr("flags", "int", (B,), "zeros"),
            arr("owner", "int", (B,), "zeros"),
            arr("out", "int", (N,), "zeros"),
        ]
        body += ["k = keys[i]", "v = vals[i]"]
        ops = [
            "wp.atomic_or(flags, k, 1 << (v & 7))",
            "wp.atomic_and(flags, k, ~(1 << ((v + 3) & 7)))",
            "wp.atomic_xor(flags, k, v & 255)",
            "wp.atomic_min(owner, k, i)",
            "wp.atomic_max(owner, k, v)",
            "wp.atomic_cas(owner, k, 0, i + 1)",
            "wp.atomic_exch(owner, k, v)",
            "wp.atomic_sub(flags, k, 1)",
        ]
        for n, op in enumerate(g.sample(ops, g.int(3, 6))):
            body.append(f"o{n} = {op}")
        body.append(f"out[i] = o0 + wp.bit_count(wp.uint32(o1 & 0xFFFF)) * {g.int(1, 5)}")
    elif variant == "spmv":
        rows, per = N, 4
        args = [
            arr("row_start", "int", (rows + 1,), f"csr:{per}"),
            arr("cols", "int", (rows * per,), f"index:{rows}"),
            arr("vals", "float", (rows * per,)),
            arr("x", "float", (rows,)),
            arr("y", "float", (rows,), "zeros"),
        ]
        body += [
            "acc = float(0.0)",
            "for k in range(row_start[i], row_start[i + 1]):",
            "    a = vals[k]",
            "    xv = x[cols[k]]",
        ]
        vt = {"f": ["a", "xv"]}
        inner = dataflow(g, vt, SCALAR[:16], g.int(1, 3), "t", branch_p=0.2, loop_p=0.0)
        body += [f"    {x}" for x in inner]
        body += [f"    acc += {vt['f'][-1]}", f"y[i] = acc * {g.flit(0.5, 1.5)}"]
    else:
        m = g.int(4, 10)
        args = [arr("data", "float", (N, m)), arr("prefix", "float", (N, m), "zeros")]
        body += ["run = float(0.0)", f"for k in range({m}):", "    v = data[i, k]"]
        vt = {"f": ["v", "run"]}
        inner = dataflow(g, vt, SCALAR[:16], g.int(1, 3), "t", branch_p=0.2, loop_p=0.0)
        body += [f"    {x}" for x in inner]
        body += [f"    run = run + {vt['f'][-1]}", "    prefix[i, k] = run"]
        if g.coin(0.5):
            body += [
                f"for k in reversed(range({m})):",
                "    prefix[i, k] = prefix[i, k] - 0.5 * run",
            ]
    return KernelSpec("numerics", variant, "", args, body, (N,))
