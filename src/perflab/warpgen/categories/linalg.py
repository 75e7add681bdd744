"""Vector, matrix, quaternion and transform categories."""

from __future__ import annotations

from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import KernelSpec, arr, scalar

__all__ = [
    "COMPOSE",
    "N",
    "matrices",
    "quaternions_transforms",
    "vectors",
]

N = 64


def vectors(g: Gen) -> KernelSpec:
    """vec2/vec3/vec4 algebra: dot, cross, normalize, projections, reflections."""
    n = g.choice((2, 3, 3, 4))
    vt = f"wp.vec{n}"
    variant = g.choice(
        ("expr", "project", "reflect", "gram_schmidt" if n == 3 else "expr", "blend")
    )
    args = [arr("a", vt, (N,)), arr("b", vt, (N,))]
    body = ["i = wp.tid()", "va = a[i]", "vb = b[i]"]
    if variant == "project":
        body += [
            "denom = wp.dot(vb, vb) + 1.0e-6",
            "proj = vb * (wp.dot(va, vb) / denom)",
            "rej = va - proj",
            "out[i] = rej",
            f"norms[i] = {g.fexpr(['wp.length(proj)', 'wp.length(rej)', 'denom'], 2)} * {g.flit()}",
        ]
        args += [arr("out", vt, (N,), "zeros"), arr("norms", "float", (N,), "zeros")]
    elif variant == "reflect":
        body += [
            "nrm = wp.normalize(vb)",
            "r = va - nrm * (2.0 * wp.dot(va, nrm))",
            f"out[i] = r * {g.flit(0.1, 1.0)} + {g.vexpr(['va', 'vb', 'nrm'], ['1.0'], n, 1)}",
        ]
        args.append(arr("out", vt, (N,), "zeros"))
    elif variant == "gram_schmidt":
        body += [
            f"e0 = wp.normalize(va * {g.flit(0.2, 2.0)} + wp.vec3(1.0e-3, 0.0, 0.0))",
            "t = vb - e0 * wp.dot(vb, e0)",
            "e1 = wp.normalize(t)",
            "e2 = wp.cross(e0, e1)",
            f"basis[i] = wp.matrix_from_rows(e0, e1, e2) * {g.flit(0.2, 2.0)}",
        ]
        args.append(arr("basis", "wp.mat33", (N,), "zeros"))
    elif variant == "blend":
        args.insert(2, arr("w", "float", (N,)))
        body += [
            "t = wp.clamp(w[i] * 0.5 + 0.5, 0.0, 1.0)",
            "m = wp.lerp(va, vb, t)",
            f"out[i] = {g.sexpr_of_vec('m', n)} * {g.vexpr(['m', 'va'], ['t'], n, 2)}",
        ]
        args.append(arr("out", vt, (N,), "zeros"))
    else:
        body.append(f"v = {g.vexpr(['va', 'vb'], ['1.0', '0.5'], n, 3)}")
        body.append("out[i] = v")
        body.append(f"s_out[i] = {g.sexpr_of_vec('v', n)} * {g.flit()}")
        args += [arr("out", vt, (N,), "zeros"), arr("s_out", "float", (N,), "zeros")]
    return KernelSpec("vectors", f"{variant}_vec{n}", "", args, body, (N,))


def matrices(g: Gen) -> KernelSpec:
    """mat22/33/44: products, transposes, inverses of well-conditioned matrices, SVD, QR."""
    n = g.choice((2, 3, 3, 4))
    mt, vt = f"wp.mat{n}{n}", f"wp.vec{n}"
    variant = g.choice(("affine", "inverse", "polar", "outer", "decomp" if n == 3 else "inverse"))
    args = [arr("m", mt, (N,)), arr("v", vt, (N,))]
    body = ["i = wp.tid()", "A = m[i]", "x = v[i]"]
    if variant == "affine":
        body.append(f"B = A * {g.flit(0.2, 1.5)} + wp.transpose(A)")
        body.append(f"y = {g.choice(('wp.mul(B, x)', 'B @ x', 'wp.mul(x, B)'))}")
        body.append(f"out[i] = y + {g.vexpr(['x'], ['wp.trace(B)'], n, 1)}")
        args.append(arr("out", vt, (N,), "zeros"))
    elif variant == "inverse":
        shift = float(n + 2)
        body += [
            f"S = A + wp.identity(n={n}, dtype=float) * {shift}",
            "Si = wp.inverse(S)",
            "x_sol = wp.mul(Si, x)",
            "res = wp.mul(S, x_sol) - x",
            f"out[i] = {g.vexpr(['x_sol', 'x'], ['1.0'], n, 1)}",
            f"det[i] = {g.fexpr(['wp.determinant(S)', 'wp.length(res)'], 2)}",
        ]
        args += [arr("out", vt, (N,), "zeros"), arr("det", "float", (N,), "zeros")]
    elif variant == "polar":
        body += [
            f"S = A + wp.identity(n={n}, dtype=float) * {float(n + 1)}",
            "P = S",
            f"for it in range({g.int(2, 5)}):",
            "    P = 0.5 * (P + wp.transpose(wp.inverse(P)))",
            "out[i] = P",
            f"err[i] = wp.ddot(P, P) - wp.ddot(S, S) * {g.flit(0.5, 1.5)}",
        ]
        args += [arr("out", mt, (N,), "zeros"), arr("err", "float", (N,), "zeros")]
    elif variant == "outer":
        body += [
            "O = wp.outer(x, x)",
            f"D = wp.diag(x) * {g.flit()}",
            f"C = O + D - A * {g.flit()}",
            "out[i] = C",
            f"s[i] = C[{g.int(0, n - 1)}, {g.int(0, n - 1)}] + wp.trace(C)",
        ]
        args += [arr("out", mt, (N,), "zeros"), arr("s", "float", (N,), "zeros")]
    else:
        which = g.choice(("svd", "qr", "eig"))
        body.append(f"S = A + wp.transpose(A) * {g.flit(0.2, 2.0)}")
        if which == "svd":
            body += [
                "U = wp.mat33()",
                "sig = wp.vec3()",
                "V = wp.mat33()",
                "wp.svd3(S, U, sig, V)",
                "out[i] = sig",
                "rot[i] = wp.mul(U, wp.transpose(V))",
            ]
        elif which == "qr":
            body += [
                "Q = wp.mat33()",
                "R = wp.mat33()",
                "wp.qr3(S, Q, R)",
                "out[i] = wp.get_diag(R)",
                "rot[i] = Q",
            ]
        else:
            body += [
                "Q = wp.mat33()",
                "d = wp.vec3()",
                "wp.eig3(S, Q, d)",
                "out[i] = d",
                "rot[i] = Q",
            ]
        variant = which
        args += [arr("out", "wp.vec3", (N,), "zeros"), arr("rot", "wp.mat33", (N,), "zeros")]
    return KernelSpec("matrices", f"{variant}_mat{n}", "", args, body, (N,))


COMPOSE = (
    "wp.transform_multiply(ta, tb)",
    "ta * tb",
    "wp.transform_multiply(wp.transform_inverse(ta), tb)",
)


def quaternions_transforms(g: Gen) -> KernelSpec:
    """Quaternion rotations, slerp, rigid transforms and their composition."""
    variant = g.choice(("rotate", "axis_angle", "slerp", "compose", "rpy"))
    body = ["i = wp.tid()"]
    if variant == "rotate":
        args = [
            arr("q", "wp.quat", (N,), "quat"),
            arr("p", "wp.vec3", (N,)),
            arr("out", "wp.vec3", (N,), "zeros"),
        ]
        body += [
            "r = q[i]",
            f"v = {g.choice(('wp.quat_rotate(r, p[i])', 'wp.quat_rotate_inv(r, p[i])'))}",
            "R = wp.quat_to_matrix(r)",
            f"out[i] = v + wp.mul(R, p[i]) * {g.flit(-1.0, 1.0)}",
        ]
    elif variant == "axis_angle":
        args = [
            arr("axis", "wp.vec3", (N,)),
            arr("angle", "float", (N,)),
            arr("p", "wp.vec3", (N,)),
            arr("out", "wp.vec3", (N,), "zeros"),
            arr("q_out", "wp.quat", (N,), "zeros"),
        ]
        body += [
            "ax = wp.normalize(axis[i] + wp.vec3(0.0, 0.0, 1.0e-3))",
            f"r = wp.quat_from_axis_angle(ax, angle[i] * {g.flit(0.5, 3.14)})",
            f"r2 = r * wp.quat_from_axis_angle(wp.vec3(0.0, 1.0, 0.0), {g.flit()})",
            "out[i] = wp.quat_rotate(r2, p[i])",
            "q_out[i] = wp.normalize(wp.quat_inverse(r2))",
        ]
    elif variant == "slerp":
        args = [
            arr("q0", "wp.quat", (N,), "quat"),
            arr("q1", "wp.quat", (N,), "quat"),
            scalar("t", "float", round(float(g.rng.uniform(0, 1)), 3)),
            arr("out", "wp.quat", (N,), "zeros"),
            arr("ang", "float", (N,), "zeros"),
        ]
        body += [
            "a = q0[i]",
            "b = q1[i]",
            "if wp.dot(a, b) < 0.0:",
            "    b = -b",
            f"r = wp.quat_slerp(a, b, wp.clamp(t * {g.flit(0.1, 1.5)}, 0.0, 1.0))",
            "out[i] = r",
            "d = wp.mul(wp.quat_inverse(a), r)",
            "ang[i] = 2.0 * wp.acos(wp.clamp(wp.abs(d[3]), 0.0, 1.0))",
        ]
    elif variant == "compose":
        args = [
            arr("xa", "wp.transform", (N,), "xform"),
            arr("xb", "wp.transform", (N,), "xform"),
            arr("p", "wp.vec3", (N,)),
            arr("out", "wp.vec3", (N,), "zeros"),
            arr("x_out", "wp.transform", (N,), "zeros"),
        ]
        body += [
            "ta = xa[i]",
            "tb = xb[i]",
            f"tc = {g.choice(COMPOSE)}",
            "w = wp.transform_point(tc, p[i])",
            f"out[i] = w + wp.transform_vector(ta, p[i]) * {g.flit(-1.0, 1.0)}",
            "t_half = wp.transform_get_translation(tc) * 0.5",
            "x_out[i] = wp.transform(t_half, wp.transform_get_rotation(tc))",
        ]
    else:
        args = [
            arr("rpy", "wp.vec3", (N,)),
            arr("p", "wp.vec3", (N,)),
            arr("out", "wp.vec3", (N,), "zeros"),
        ]
        body += [
            f"e = rpy[i] * {g.flit(0.1, 3.14)}",
            "r = wp.quat_rpy(e[0], e[1], e[2])",
            "m = wp.quat_to_matrix(r)",
            "r_back = wp.quat_from_matrix(m)",
            "out[i] = wp.quat_rotate(r_back, p[i]) - wp.mul(m, p[i])",
        ]
    return KernelSpec("quaternions_transforms", variant, "", args, body, (N,))
