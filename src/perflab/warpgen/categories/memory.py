"""Memory-access categories: atomics, stencils on 2D/3D arrays, structs, gathers, loops."""

from __future__ import annotations

from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import ArgSpec, FieldSpec, KernelSpec, arr, scalar

__all__ = [
    "MATMUL_OUT",
    "N",
    "gather_scatter",
    "linalg_loops",
    "reductions_atomics",
    "stencils",
    "structs",
]

N = 64


def reductions_atomics(g: Gen) -> KernelSpec:
    """Global reductions and histograms with ``wp.atomic_*`` and ``+=`` on arrays."""
    variant = g.choice(("sum", "minmax", "histogram", "dot", "segmented"))
    body = ["i = wp.tid()", f"xn = x[(i + {g.int(1, N - 1)}) % {N}]"]
    if variant == "dot":
        body = ["i = wp.tid()"]
    if variant == "sum":
        args = [arr("x", "float", (N,)), arr("total", "float", (1,), "zeros")]
        body.append(f"v = {g.fexpr(['x[i]', 'xn'], 2)}")
        body.append(g.choice(("wp.atomic_add(total, 0, v)", "total[0] += v")))
    elif variant == "minmax":
        args = [
            arr("x", "float", (N,)),
            arr("lo", "float", (1,), "zeros"),
            arr("hi", "float", (1,), "zeros"),
        ]
        body += [
            f"v = {g.fexpr(['x[i]', 'xn'], 2)}",
            "wp.atomic_min(lo, 0, v)",
            "wp.atomic_max(hi, 0, v)",
        ]
    elif variant == "histogram":
        bins = g.int(4, 32)
        args = [arr("x", "float", (N,)), arr("counts", "int", (bins,), "zeros")]
        body += [
            f"t = wp.clamp(({g.fexpr(['x[i]', 'xn'], 1)}) * {g.flit(0.2, 0.5)} + 0.5, 0.0, 1.0)",
            f"b = wp.min(int(t * {float(bins)}), {bins - 1})",
            "wp.atomic_add(counts, b, 1)",
        ]
    elif variant == "dot":
        n = g.choice((2, 3, 4))
        args = [
            arr("a", f"wp.vec{n}", (N,)),
            arr("b", f"wp.vec{n}", (N,)),
            arr("acc", "float", (2,), "zeros"),
        ]
        body += [
            f"d = {g.fexpr(['wp.dot(a[i], b[i])', 'wp.length(a[i])'], 2)} * {g.flit()}",
            "wp.atomic_add(acc, 0, d)",
            "wp.atomic_add(acc, 1, wp.length_sq(a[i] - b[i]))",
        ]
    else:
        seg = g.choice((4, 8, 16))
        args = [
            arr("x", "float", (N,)),
            arr("seg_sum", "float", (N // seg,), "zeros"),
            arr("seg_max", "float", (N // seg,), "zeros"),
        ]
        body += [
            f"s = i // {seg}",
            f"v = {g.fexpr(['x[i]', 'xn'], 2)}",
            "wp.atomic_add(seg_sum, s, v)",
            "wp.atomic_max(seg_max, s, v)",
        ]
    return KernelSpec("reductions_atomics", variant, "", args, body, (N,))


def stencils(g: Gen) -> KernelSpec:
    """2D/3D array indexing: Laplacians, blurs, gradients, Jacobi steps with clamped borders."""
    variant = g.choice(("laplace2d", "blur2d", "gradient2d", "jacobi2d", "laplace3d", "upwind3d"))
    if variant.endswith("3d"):
        return _stencils_3d(g, variant)
    return _stencils_2d(g, variant)


def _stencils_3d(g: Gen, variant: str) -> KernelSpec:
    """The 3D variants: a 7-point Laplacian or a first-order upwind advection step."""
    nx, ny, nz = g.choice(((8, 8, 8), (6, 8, 10), (4, 8, 8)))
    args = [arr("f", "float", (nx, ny, nz)), arr("out", "float", (nx, ny, nz), "zeros")]
    body = [
        "i, j, k = wp.tid()",
        "im = wp.max(i - 1, 0)",
        f"ip = wp.min(i + 1, {nx - 1})",
        "jm = wp.max(j - 1, 0)",
        f"jp = wp.min(j + 1, {ny - 1})",
        "km = wp.max(k - 1, 0)",
        f"kp = wp.min(k + 1, {nz - 1})",
        "c = f[i, j, k]",
    ]
    if variant == "laplace3d":
        body += [
            "lap = f[im, j, k] + f[ip, j, k] + f[i, jm, k] + f[i, jp, k]",
            "lap = lap + f[i, j, km] + f[i, j, kp] - 6.0 * c",
        ]
        body.append(f"out[i, j, k] = c + {g.flit(0.01, 0.16)} * lap")
    else:
        args.insert(1, arr("vel", "wp.vec3", (nx, ny, nz)))
        body += [
            "u = vel[i, j, k]",
            "dx = wp.where(u[0] > 0.0, c - f[im, j, k], f[ip, j, k] - c)",
            "dy = wp.where(u[1] > 0.0, c - f[i, jm, k], f[i, jp, k] - c)",
            "dz = wp.where(u[2] > 0.0, c - f[i, j, km], f[i, j, kp] - c)",
            f"out[i, j, k] = c - {g.flit(0.05, 0.3)} * (u[0] * dx + u[1] * dy + u[2] * dz)",
        ]
    return KernelSpec("stencils", variant, "", args, body, (nx, ny, nz))


def _stencils_2d(g: Gen, variant: str) -> KernelSpec:
    """The 2D variants: Laplacian, blur, gradient or a Jacobi step."""
    nx, ny = g.choice(((16, 16), (8, 32), (24, 12)))
    args = [arr("f", "float", (nx, ny)), arr("out", "float", (nx, ny), "zeros")]
    body = ["i, j = wp.tid()"]
    if variant == "laplace2d":
        body += [
            f"l = f[wp.max(i - 1, 0), j] + f[wp.min(i + 1, {nx - 1}), j]",
            f"r = f[i, wp.max(j - 1, 0)] + f[i, wp.min(j + 1, {ny - 1})]",
            f"out[i, j] = f[i, j] + {g.flit(0.01, 0.24)} * (l + r - 4.0 * f[i, j])",
        ]
    elif variant == "blur2d":
        rad = g.int(1, 3)
        body += [
            "s = float(0.0)",
            "w = float(0.0)",
            f"for di in range(-{rad}, {rad + 1}):",
            f"    for dj in range(-{rad}, {rad + 1}):",
            f"        ii = wp.clamp(i + di, 0, {nx - 1})",
            f"        jj = wp.clamp(j + dj, 0, {ny - 1})",
            f"        wt = wp.exp(-float(di * di + dj * dj) * {g.flit(0.1, 1.0)})",
            "        s += wt * f[ii, jj]",
            "        w += wt",
            "out[i, j] = s / w",
        ]
    elif variant == "gradient2d":
        args = [
            arr("f", "float", (nx, ny)),
            arr("grad", "wp.vec2", (nx, ny), "zeros"),
            arr("mag", "float", (nx, ny), "zeros"),
        ]
        h = g.flit(0.01, 1.0)
        body += [
            f"gx = (f[wp.min(i + 1, {nx - 1}), j] - f[wp.max(i - 1, 0), j]) / (2.0 * {h})",
            f"gy = (f[i, wp.min(j + 1, {ny - 1})] - f[i, wp.max(j - 1, 0)]) / (2.0 * {h})",
            "g = wp.vec2(gx, gy)",
            "grad[i, j] = g",
            "mag[i, j] = wp.length(g)",
        ]
    else:
        args = [
            arr("f", "float", (nx, ny)),
            arr("rhs", "float", (nx, ny)),
            arr("out", "float", (nx, ny), "zeros"),
        ]
        body += [
            f"if i == 0 or j == 0 or i == {nx - 1} or j == {ny - 1}:",
            "    out[i, j] = f[i, j]",
            "    return",
            "nb = f[i - 1, j] + f[i + 1, j] + f[i, j - 1] + f[i, j + 1]",
            f"out[i, j] = 0.25 * (nb - {g.flit(0.001, 0.1)} * rhs[i, j])",
        ]
    return KernelSpec("stencils", variant, "", args, body, (nx, ny))


def structs(g: Gen) -> KernelSpec:
    """``@wp.struct`` parameters and arrays of structs (particles, materials, settings)."""
    variant = g.choice(("params", "particles", "material", "nested"))
    body = ["i = wp.tid()"]
    if variant == "params":
        helpers, args = _structs_params(g, body)
    elif variant == "particles":
        helpers, args = _structs_particles(g, body)
    elif variant == "material":
        helpers, args = _structs_material(g, body)
    else:
        helpers, args = _structs_nested(g, body)
    return KernelSpec("structs", variant, "", args, body, (N,), helpers=helpers)


def _structs_params(g: Gen, body: list[str]):
    """The ``params`` variant: appends to ``body``, returns (struct sources, arguments)."""
    fields = [
        FieldSpec("scale", "float"),
        FieldSpec("offset", "wp.vec3"),
        FieldSpec("count", "int", "small"),
    ]
    extra = g.sample(
        [
            FieldSpec("gain", "float", "pos"),
            FieldSpec("bias", "float"),
            FieldSpec("axis", "wp.vec3"),
        ],
        g.int(0, 2),
    )
    fields += extra
    helpers = [_struct_src("SimParams", fields)]
    args = [
        ArgSpec("params", "SimParams", "struct", "SimParams", fields=tuple(fields)),
        arr("p", "wp.vec3", (N,)),
        arr("out", "wp.vec3", (N,), "zeros"),
    ]
    body.append(f"v = p[i] * params.scale + params.offset * {g.flit()}")
    body.append("v = wp.normalize(v) * wp.min(wp.length(v), float(params.count) + 1.0)")
    for fs in extra:
        body.append(
            f"v = v * params.{fs.name}"
            if fs.dtype == "float"
            else f"v = v + wp.cross(v, params.{fs.name}) * 0.1"
        )
    body.append(
        f"out[i] = v * float(params.count % {g.int(2, 5)} + 1) + "
        f"{g.vexpr(['v'], ['params.scale'], 3, 1)}"
    )
    return helpers, args


def _structs_particles(g: Gen, body: list[str]):
    """The ``particles`` variant: appends to ``body``, returns (struct sources, arguments)."""
    fields = [
        FieldSpec("pos", "wp.vec3"),
        FieldSpec("vel", "wp.vec3"),
        FieldSpec("mass", "float", "pos"),
    ]
    helpers = [_struct_src("Particle", fields)]
    args = [
        ArgSpec(
            "parts",
            "wp.array(dtype=Particle)",
            "struct",
            "Particle",
            (N,),
            fields=tuple(fields),
            struct_array=True,
        ),
        scalar("dt", "float", round(float(g.rng.uniform(0.001, 0.05)), 4)),
        arr("energy", "float", (N,), "zeros"),
    ]
    body += [
        "pt = parts[i]",
        f"acc = wp.vec3(0.0, {g.flit(-10.0, -1.0)}, 0.0) - pt.vel * {g.flit(0.0, 0.5)}",
        "pt.vel = pt.vel + acc * dt",
        "pt.pos = pt.pos + pt.vel * dt",
        "parts[i] = pt",
        "energy[i] = 0.5 * pt.mass * wp.dot(pt.vel, pt.vel)",
    ]
    return helpers, args


def _structs_material(g: Gen, body: list[str]):
    """The ``material`` variant: appends to ``body``, returns (struct sources, arguments)."""
    fields = [
        FieldSpec("youngs", "float", "pos"),
        FieldSpec("poisson", "float"),
        FieldSpec("density", "float", "pos"),
    ]
    helpers = [_struct_src("Material", fields)]
    args = [
        ArgSpec("mat", "Material", "struct", "Material", fields=tuple(fields)),
        arr("strain", "wp.mat33", (N,)),
        arr("stress", "wp.mat33", (N,), "zeros"),
        arr("energy", "float", (N,), "zeros"),
    ]
    body += [
        "nu = wp.clamp(mat.poisson, 0.0, 0.45)",
        "mu = mat.youngs / (2.0 * (1.0 + nu))",
        "lam = mat.youngs * nu / ((1.0 + nu) * (1.0 - 2.0 * nu))",
        "eps = 0.5 * (strain[i] + wp.transpose(strain[i]))",
        f"tr = lam * wp.trace(eps) * {g.flit(0.5, 2.0)}",
        "sig = eps * (2.0 * mu) + wp.identity(n=3, dtype=float) * tr",
        "stress[i] = sig",
        f"energy[i] = {g.fexpr(['wp.ddot(sig, eps)', 'mu', 'lam', 'mat.density'], 2)}",
    ]
    return helpers, args


def _structs_nested(g: Gen, body: list[str]):
    """The ``nested`` variant: appends to ``body``, returns (struct sources, arguments)."""
    inner = [FieldSpec("lo", "wp.vec3"), FieldSpec("hi", "wp.vec3")]
    helpers = [_struct_src("Bounds", inner)]
    helpers.append("@wp.struct\nclass Domain:\n    box: Bounds\n    cell: float\n")
    fields = [FieldSpec("box", "Bounds"), FieldSpec("cell", "float", "pos")]
    args = [
        ArgSpec("dom", "Domain", "struct", "Domain", fields=tuple(fields)),
        arr("p", "wp.vec3", (N,)),
        arr("inside", "int", (N,), "zeros"),
        arr("q", "wp.vec3", (N,), "zeros"),
    ]
    body += [
        f"lo = wp.min(dom.box.lo, dom.box.hi) - wp.vec3({g.flit(0.0, 0.5)})",
        "hi = wp.max(dom.box.lo, dom.box.hi)",
        "x = p[i]",
        "c = wp.min(wp.max(x, lo), hi)",
        "inside[i] = wp.where(wp.length(c - x) == 0.0, 1, 0)",
        f"q[i] = {g.vexpr(['(c - lo) / (wp.abs(dom.cell) + 0.1)', 'x'], ['dom.cell'], 3, 1)}",
    ]
    return helpers, args


def _struct_src(name: str, fields: list[FieldSpec]) -> str:
    lines = "".join(f"    {f.name}: {f.dtype}\n" for f in fields)
    return f"@wp.struct\nclass {name}:\n{lines}"


def gather_scatter(g: Gen) -> KernelSpec:
    """Indirect indexing through index arrays: gathers, scatters, CSR sparse mat-vec."""
    variant = g.choice(("gather", "scatter_add", "csr_spmv", "permute"))
    body = ["i = wp.tid()"]
    if variant == "gather":
        m = g.int(16, 128)
        args = [
            arr("src", "float", (m,)),
            arr("idx", "int", (N,), f"index:{m}"),
            arr("out", "float", (N,), "zeros"),
        ]
        body.append("j = idx[i]")
        body.append(
            f"out[i] = {g.fexpr(['src[j]', f'src[(j + {g.int(1, m - 1)}) % {m}]'], 2)} * {g.flit()}"
        )
    elif variant == "scatter_add":
        m = g.int(4, 32)
        args = [
            arr("val", "float", (N,)),
            arr("dst_idx", "int", (N,), f"index:{m}"),
            arr("dst", "float", (m,), "zeros"),
        ]
        body.append(
            f"wp.atomic_add(dst, dst_idx[i], {g.fexpr(['val[i]', 'float(i)'], 2)} * {g.flit()})"
        )
    elif variant == "csr_spmv":
        per_row = g.int(2, 6)
        cols = g.int(16, 64)
        args = [
            arr("row_start", "int", (N + 1,), f"csr:{per_row}"),
            arr("col", "int", (N * per_row,), f"index:{cols}"),
            arr("vals", "float", (N * per_row,)),
            arr("x", "float", (cols,)),
            arr("y", "float", (N,), "zeros"),
        ]
        body += [
            "s = float(0.0)",
            "for k in range(row_start[i], row_start[i + 1]):",
            "    s += vals[k] * x[col[k]]",
            f"y[i] = s * {g.flit(0.5, 2.0)}",
        ]
    else:
        args = [
            arr("src", "wp.vec3", (N,)),
            arr("perm", "int", (N,), f"perm:{N}"),
            arr("dst", "wp.vec3", (N,), "zeros"),
        ]
        body.append(f"dst[perm[i]] = {g.vexpr(['src[i]'], ['1.0', 'float(i)'], 3, 2)} * {g.flit()}")
    return KernelSpec("gather_scatter", variant, "", args, body, (N,))


MATMUL_OUT = ("s", "wp.tanh(s)", "(s * 0.5 + C[i, j])", "wp.max(s, 0.0)")


def linalg_loops(g: Gen) -> KernelSpec:
    """Dense linear algebra with explicit loops over 2D arrays: mat-vec, mat-mat, norms."""
    variant = g.choice(("matvec", "matmul", "row_norm", "axpy_rows"))
    m = g.int(4, 24)
    if variant == "matmul":
        r, c = g.int(4, 12), g.int(4, 12)
        args = [
            arr("A", "float", (r, m)),
            arr("B", "float", (m, c)),
            arr("C", "float", (r, c), "zeros"),
        ]
        body = [
            "i, j = wp.tid()",
            "s = float(0.0)",
            f"for k in range({m}):",
            "    s += A[i, k] * B[k, j]",
            f"C[i, j] = {g.choice(MATMUL_OUT)} * {g.flit(0.1, 2.0)}",
        ]
        return KernelSpec("linalg_loops", variant, "", args, body, (r, c))
    body = ["i = wp.tid()"]
    if variant == "matvec":
        args = [
            arr("A", "float", (N, m)),
            arr("x", "float", (m,)),
            arr("y", "float", (N,), "zeros"),
        ]
        body += [
            "s = float(0.0)",
            f"for k in range({m}):",
            "    s += A[i, k] * x[k]",
            f"y[i] = {g.fexpr(['s', 'x[0]'], 2)} * {g.flit()}",
        ]
    elif variant == "row_norm":
        args = [arr("A", "float", (N, m)), arr("norm", "float", (N,), "zeros")]
        p = g.choice(("1", "2", "inf"))
        body.append("s = float(0.0)")
        body.append(f"for k in range({m}):")
        body.append(
            {
                "1": "    s += wp.abs(A[i, k])",
                "2": "    s += A[i, k] * A[i, k]",
                "inf": "    s = wp.max(s, wp.abs(A[i, k]))",
            }[p]
        )
        body.append(
            f"norm[i] = wp.sqrt(s) * {g.flit(0.1, 2.0)}"
            if p == "2"
            else f"norm[i] = s * {g.flit(0.1, 2.0)}"
        )
        variant = f"row_norm_{p}"
    else:
        args = [
            arr("A", "float", (N, m)),
            arr("alpha", "float", (N,)),
            arr("B", "float", (N, m), "zeros"),
        ]
        body += [
            "a = alpha[i]",
            f"for k in range({m}):",
            f"    B[i, k] = a * A[i, k] * {g.flit()} + {g.fexpr(['A[i, k]', 'a'], 2)}",
        ]
    return KernelSpec("linalg_loops", variant, "", args, body, (N,))
