"""Categories built from :mod:`perflab.warpgen.blocks`: typed building blocks composed into
kernels, so that structure (which operations, in what order, under which control flow)
varies from kernel to kernel, not only names and constants."""

from __future__ import annotations

from perflab.warpgen.blocks import (
    CONVERT,
    INTBITS,
    RANDOM,
    ROTATION,
    SCALAR,
    VECTOR,
    compose_kernel,
    dataflow,
    reduce_to,
)
from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import KernelSpec, arr, scalar

__all__ = [
    "N",
    "PHYS",
    "bit_mixing",
    "conversions",
    "elementwise_composed",
    "gather_composed",
    "linalg_composed",
    "loops_composed",
    "particles_composed",
    "random_composed",
    "reduction_composed",
    "rotations",
    "stencil_composed",
]

N = 64


def rotations(g: Gen) -> KernelSpec:
    """Quaternions, transforms and spatial vectors chained with vector algebra."""
    loads = g.sample([("rot", "q"), ("pose", "t"), ("pos", "v3"), ("w", "f"), ("vel", "v3")], 3)
    if not any(t == "v3" for _, t in loads):
        loads.append(("p", "v3"))
    outs = g.sample([("out_v", "v3"), ("out_s", "f")], g.int(1, 2))
    return compose_kernel(g, "quaternions_transforms", "composed", loads, ROTATION + VECTOR, outs)


def conversions(g: Gen) -> KernelSpec:
    """Chains of casts between warp's scalar and vector types, with arithmetic in each."""
    loads = [("x", "f"), *g.sample([("y", "f"), ("v", "v3")], g.int(0, 2))]
    return compose_kernel(
        g, "type_conversions", "composed", loads, CONVERT, [("out", "f")], n_steps=(5, 10)
    )


def bit_mixing(g: Gen) -> KernelSpec:
    """Integer hashing and bit manipulation chains (shifts, masks, rotations, popcount)."""
    args = [arr("keys", "int", (N,), "small"), arr("out", "float", (N,), "zeros")]
    if g.coin(0.5):
        args.insert(1, arr("salt", "wp.uint32", (N,), "bits"))
    body = ["i = wp.tid()", "k = keys[i]", "h = wp.uint32(k) * wp.uint32(747796405)"]
    vt: dict[str, list[str]] = {"i": ["k"], "u": ["h"]}
    if len(args) == 3:
        body.append("s = salt[i]")
        vt["u"].append("s")
    body += dataflow(g, vt, INTBITS, g.int(4, 9), "b")
    fs = vt.get("f", [])
    body.append(f"out[i] = {fs[-1] if fs else 'float(' + vt['i'][-1] + ')'}")
    return KernelSpec("int_bitops", "composed", "", args, body, (N,))


def stencil_composed(g: Gen) -> KernelSpec:
    """A 2-D stencil: neighbour reads (clamped) combined by composed scalar blocks."""
    nx, ny = 16, 12
    offs = g.sample([(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (2, 0), (0, 2)], 4)
    body = ["i, j = wp.tid()", "c = u[i, j]"]
    names = ["c"]
    for k, (di, dj) in enumerate(offs):
        ii = f"wp.clamp(i + {di}, 0, {nx - 1})" if di else "i"
        jj = f"wp.clamp(j + {dj}, 0, {ny - 1})" if dj else "j"
        body.append(f"n{k} = u[{ii}, {jj}]")
        names.append(f"n{k}")
    vt: dict[str, list[str]] = {"f": names}
    body.append(f"lap = {' + '.join(names[1:])} - {float(len(offs))} * c")
    vt["f"].append("lap")
    body += dataflow(g, vt, SCALAR, g.int(3, 7), "s")
    body.append(f"out[i, j] = c + {g.flit(0.01, 0.2)} * ({reduce_to(g, vt, 'f')})")
    args = [arr("u", "float", (nx, ny)), arr("out", "float", (nx, ny), "zeros")]
    return KernelSpec("stencils", "composed", "", args, body, (nx, ny))


def loops_composed(g: Gen) -> KernelSpec:
    """Loops over a row with composed per-element work, early exit and accumulation."""
    m = g.int(4, 12)
    body = ["i = wp.tid()", "acc = float(0.0)", "best = float(-1.0e6)"]
    inner_vars: dict[str, list[str]] = {"f": ["x", "acc"], "i": ["k"]}
    inner = dataflow(g, inner_vars, SCALAR, g.int(2, 5), "e", branch_p=0.3, loop_p=0.0)
    last = inner_vars["f"][-1]
    body += [f"for k in range({m}):", f"    x = data[i, k] * {g.flit(0.5, 2.0)}"]
    body += [f"    {line}" for line in inner]
    body += [f"    acc += {last}", f"    best = wp.max(best, {last})"]
    if g.coin(0.6):
        body += [f"    if acc > {g.flit(2.0, 6.0)}:", "        break"]
    if g.coin(0.4):
        body += [f"    if x < {g.flit(-0.9, -0.5)}:", "        continue"]
    body += ["out[i] = acc", "peak[i] = best"]
    args = [
        arr("data", "float", (N, m)),
        arr("out", "float", (N,), "zeros"),
        arr("peak", "float", (N,), "zeros"),
    ]
    return KernelSpec("loops_early_exit", "composed", "", args, body, (N,))


def random_composed(g: Gen) -> KernelSpec:
    """Random sampling and noise (rand_init, samplers, Perlin/curl noise) composed."""
    prologue = [
        f"r = wp.rand_init(seed, i * {g.int(2, 9)} + {g.int(0, 999)})  # type: r",
        "x0 = pos[i]  # type: v3",
    ]
    seed = scalar("seed", "int", g.int(0, 100_000))
    outs = g.sample([("out", "f"), ("dirs", "v3")], g.int(1, 2))
    return compose_kernel(
        g,
        "random_noise",
        "composed",
        [],
        RANDOM,
        outs,
        prologue=prologue,
        extra_args=[seed, arr("pos", "wp.vec3", (N,))],
    )


PHYS = [
    *VECTOR[:16],
    *SCALAR[:14],
]


def particles_composed(g: Gen) -> KernelSpec:
    """One particle update: a random set of force terms, then an integration scheme."""
    args = [
        arr("x", "wp.vec3", (N,)),
        arr("v", "wp.vec3", (N,)),
        arr("m", "float", (N,), "pos"),
        scalar("dt", "float", round(float(g.rng.uniform(0.001, 0.02)), 4)),
    ]
    body = ["i = wp.tid()", "p = x[i]", "u = v[i]", "inv_m = 1.0 / m[i]", "f = wp.vec3(0.0)"]
    forces = {
        "gravity": [f"f = f + wp.vec3(0.0, {g.flit(-12.0, -1.0)}, 0.0) * m[i]"],
        "drag": [f"f = f - u * {g.flit(0.01, 1.0)} * wp.length(u)"],
        "spring": [f"f = f - (p - wp.vec3(0.0, 1.0, 0.0)) * {g.flit(1.0, 50.0)}"],
        "wind": [f"f = f + wp.vec3({g.flit(-2.0, 2.0)}, 0.0, {g.flit(-2.0, 2.0)})"],
        "vortex": [
            "r = wp.vec3(p[0], 0.0, p[2])",
            f"f = f + wp.cross(wp.vec3(0.0, 1.0, 0.0), r) * {g.flit(0.1, 3.0)}",
        ],
        "attractor": [
            f"d = wp.vec3({g.flit(-1.0, 1.0)}, {g.flit(-1.0, 1.0)}, 0.0) - p",
            f"f = f + d * ({g.flit(0.5, 5.0)} / (wp.length_sq(d) + 0.1))",
        ],
    }
    for name in g.sample(list(forces), g.int(2, 5)):
        body += forces[name]
    vt: dict[str, list[str]] = {"v3": ["p", "u", "f"], "f": ["inv_m", "dt"]}
    extra = dataflow(g, vt, PHYS, g.int(1, 4), "w", branch_p=0.2, loop_p=0.0)
    body += extra
    body.append(f"f = f + {vt['v3'][-1]} * {g.flit(0.01, 0.1)}")
    scheme = g.choice(("symplectic", "explicit", "verlet"))
    if scheme == "symplectic":
        body += ["u = u + f * inv_m * dt", "p = p + u * dt"]
    elif scheme == "explicit":
        body += ["p_new = p + u * dt", "u = u + f * inv_m * dt", "p = p_new"]
    else:
        body += ["a = f * inv_m", "p = p + u * dt + a * (0.5 * dt * dt)", "u = u + a * dt"]
    for c in g.sample(["ground", "box", "sphere", "speed"], g.int(1, 3)):
        if c == "ground":
            body += [
                "if p[1] < 0.0:",
                "    p = wp.vec3(p[0], 0.0, p[2])",
                f"    u = wp.vec3(u[0], -u[1] * {g.flit(0.1, 0.9)}, u[2])",
            ]
        elif c == "box":
            body += ["p = wp.min(wp.max(p, wp.vec3(-2.0)), wp.vec3(2.0))"]
        elif c == "sphere":
            body += [
                "n = p - wp.vec3(0.0, 0.5, 0.0)",
                "dn = wp.length(n)",
                "if dn < 0.5:",
                "    p = p + wp.normalize(n) * (0.5 - dn)",
            ]
        else:
            lim = g.flit(2.0, 10.0)
            body += ["s = wp.length(u)", f"if s > {lim}:", f"    u = u * ({lim} / s)"]
    body += ["x[i] = p", "v[i] = u"]
    return KernelSpec("particles", "composed", "", args, body, (N,))


def elementwise_composed(g: Gen) -> KernelSpec:
    """Element-wise maps composed of scalar building blocks over 1-3 inputs."""
    loads = g.sample([("x", "f"), ("y", "f"), ("z", "f")], g.int(1, 3))
    outs = [("out", "f")] + ([("out2", "f")] if g.coin(0.3) else [])
    return compose_kernel(g, "elementwise", "composed", loads, SCALAR, outs, n_steps=(3, 8))


def reduction_composed(g: Gen) -> KernelSpec:
    """A per-element composed value reduced with atomics (sum, min, max, per-bin sums)."""
    loads = g.sample([("x", "f"), ("y", "f"), ("v", "v3")], g.int(1, 3))
    if not any(t == "f" for _, t in loads):
        loads.append(("w", "f"))
    spec = compose_kernel(
        g,
        "reductions_atomics",
        "composed",
        loads,
        SCALAR + VECTOR[:20],
        [("per_item", "f")],
        n_steps=(3, 7),
    )
    spec.args.append(arr("acc", "float", (4,), "zeros"))
    val = spec.body[-1].split(" = ", 1)[1]
    spec.body.insert(-1, f"val = {val}")
    spec.body[-1] = "per_item[i] = val"
    for k, op in enumerate(g.sample(["atomic_add", "atomic_min", "atomic_max", "bins"], 2)):
        if op == "bins":
            spec.body.append("wp.atomic_add(acc, 3, val * float(i % 2))")
        else:
            spec.body.append(f"wp.{op}(acc, {k}, val)")
    return spec


def gather_composed(g: Gen) -> KernelSpec:
    """Indirect reads (gather), composed work, indirect atomic writes (scatter)."""
    spec = compose_kernel(
        g,
        "gather_scatter",
        "composed",
        [],
        SCALAR,
        [("gathered", "f")],
        prologue=["j = idx[i]", "a = src[j]  # type: f", "b = src[(j + 1) % 64]  # type: f"],
        extra_args=[arr("idx", "int", (N,), f"index:{N}"), arr("src", "float", (N,))],
        n_steps=(3, 7),
    )
    spec.args += [arr("dst_idx", "int", (N,), f"index:{N}"), arr("dst", "float", (N,), "zeros")]
    val = spec.body[-1].split(" = ", 1)[1]
    spec.body[-1:] = [
        f"val = {val}",
        "gathered[i] = val",
        "wp.atomic_add(dst, dst_idx[i], val)",
    ]
    return spec


def linalg_composed(g: Gen) -> KernelSpec:
    """Small dense linear algebra (3x3 matrices, vectors) composed per element."""
    loads = [("a", "m33"), ("v", "v3")] + g.sample([("b", "m33"), ("s", "f")], g.int(0, 2))
    outs = g.sample([("out_v", "v3"), ("out_s", "f")], g.int(1, 2))
    return compose_kernel(g, "linalg_loops", "composed", loads, VECTOR, outs, n_steps=(4, 8))
