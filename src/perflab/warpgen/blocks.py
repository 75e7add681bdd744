"""Parameterised building blocks: typed data-flow steps composed into kernel bodies.

A :class:`Step` computes one new local of type ``out`` from locals of types ``ins`` (warp
type keys below), e.g. ``("v3", ("q", "v3"), "wp.quat_rotate({0}, {1})")``. :func:`dataflow`
draws ``n`` steps whose inputs are available, in random order, picking distinct inputs where
it can, and sometimes wraps a step in a branch (two different steps of the same output type
under a data-dependent condition) or a short accumulation loop. So kernels built from the
same pool differ in which operations they chain, in what order and with what control flow,
not only in names and constants. Every step keeps values finite for inputs in [-1, 1]
(denominators are offset, arguments of ``sqrt``/``log`` made positive, ``exp`` clamped).

Type keys: ``f`` float32, ``i`` int32, ``v2``/``v3``/``v4`` float32 vectors, ``q`` unit
quaternion, ``t`` rigid transform, ``m22``/``m33``/``m44`` matrices, ``sv`` spatial vector.
"""

from __future__ import annotations

from dataclasses import dataclass

from perflab.warpgen.exprs import Gen

__all__ = [
    "CONVERT",
    "INTBITS",
    "RANDOM",
    "ROTATION",
    "S",
    "SCALAR",
    "VECTOR",
    "WP_TYPE",
    "Step",
    "compose_kernel",
    "dataflow",
    "prologue_vars",
    "reduce_to",
]

WP_TYPE = {
    "f": "float",
    "i": "int",
    "v2": "wp.vec2",
    "v3": "wp.vec3",
    "v4": "wp.vec4",
    "q": "wp.quat",
    "t": "wp.transform",
    "m22": "wp.mat22",
    "m33": "wp.mat33",
    "m44": "wp.mat44",
    "sv": "wp.spatial_vector",
}


@dataclass(frozen=True)
class Step:
    """``out = text.format(*inputs, c=<float literal>, k=<small int>)``."""

    out: str
    ins: tuple[str, ...]
    text: str


def S(out: str, ins: str, text: str) -> Step:  # noqa: N802 - a table constructor
    return Step(out, tuple(ins.split()) if ins else (), text)


SCALAR = [
    S("f", "f", "wp.sin({0}) * {c}"),
    S("f", "f", "wp.cos({0} * {c})"),
    S("f", "f", "wp.tanh({0})"),
    S("f", "f f", "wp.atan2({0}, {1} + 2.0)"),
    S("f", "f", "wp.sqrt(wp.abs({0}) + 1.0e-6)"),
    S("f", "f", "wp.exp(wp.clamp({0}, -4.0, 4.0))"),
    S("f", "f", "wp.log(wp.abs({0}) + 1.0)"),
    S("f", "f", "wp.log2(1.0 + {0} * {0})"),
    S("f", "f", "wp.log10(2.0 + wp.sin({0}))"),
    S("f", "f f", "wp.min({0}, {1})"),
    S("f", "f f", "wp.max({0}, {1}) - {c}"),
    S("f", "f f", "wp.lerp({0}, {1}, wp.clamp({c} * 0.4, 0.0, 1.0))"),
    S("f", "f", "wp.clamp({0}, -1.0, 1.0)"),
    S("f", "f f", "{0} * {1} + {c}"),
    S("f", "f f", "({0} - {1}) / (1.0 + wp.abs({1}))"),
    S("f", "f", "wp.smoothstep(-1.0, 1.0, {0})"),
    S("f", "f", "wp.floor({0} * {c})"),
    S("f", "f", "wp.frac({0} * 4.0)"),
    S("f", "f", "wp.sign({0}) * wp.abs({0}) ** 0.5"),
    S("f", "f f", "wp.pow(wp.abs({0}) + 0.5, wp.clamp({1}, -2.0, 2.0))"),
    S("f", "f", "wp.erf({0})"),
    S("f", "f", "wp.erfinv(wp.clamp({0}, -0.9, 0.9))"),
    S("f", "f", "wp.erfcinv(wp.clamp({0} * 0.5 + 1.0, 0.1, 1.9))"),
    S("f", "f f", "wp.copysign({0}, {1})"),
    S("f", "f", "wp.rint({0} * {c})"),
    S("f", "f", "wp.round({0} * 3.0) / 3.0"),
    S("f", "f", "wp.trunc({0} * {c})"),
    S("f", "f", "wp.cbrt({0})"),
    S("f", "f f", "wp.mod({0}, wp.abs({1}) + 0.5)"),
    S("f", "f", "wp.where({0} > 0.0, {0}, {c} * {0})"),
    S("f", "f", "wp.step({0}) * {c} + wp.nonzero({0})"),
    S("f", "f", "wp.degrees(wp.asin(wp.clamp({0}, -1.0, 1.0)))"),
    S("f", "f", "wp.radians({0} * 90.0)"),
    S("f", "f", "wp.acos(wp.clamp({0}, -1.0, 1.0))"),
    S("f", "f", "wp.tan(wp.clamp({0}, -1.2, 1.2))"),
    S("f", "f", "wp.sinh(wp.clamp({0}, -3.0, 3.0)) / wp.cosh(wp.clamp({0}, -3.0, 3.0))"),
    S("i", "f", "int(wp.floor(wp.abs({0}) * 7.0))"),
    S("f", "i", "float({0} % 5) * {c}"),
    S("i", "i", "({0} * 3 + 1) % 17"),
    S("i", "i i", "wp.max({0}, {1}) - wp.min({0}, {1})"),
]

VECTOR = [
    S("v3", "v3 v3", "wp.cross({0}, {1})"),
    S("v3", "v3", "wp.normalize({0} + wp.vec3(0.0, 0.0, 1.5))"),
    S("v3", "v3 f", "{0} * {1}"),
    S("v3", "v3 v3", "{0} + {1} * {c}"),
    S("v3", "v3 v3", "{0} - {1}"),
    S("v3", "v3 v3", "wp.cw_mul({0}, {1})"),
    S("v3", "v3 v3", "wp.cw_div({0}, wp.vec3(1.5) + {1})"),
    S("v3", "v3 v3", "wp.lerp({0}, {1}, {c})"),
    S("v3", "v3 v3", "wp.min({0}, {1})"),
    S("v3", "v3 v3", "wp.max({0}, {1})"),
    S("v3", "v3", "wp.smooth_normalize({0}, 0.01)"),
    S("v3", "v3 v3", "{0} - {1} * (2.0 * wp.dot({0}, {1}) / (wp.dot({1}, {1}) + 1.0))"),
    S("v3", "f f f", "wp.vec3({0}, {1}, {2})"),
    S("v3", "m33 v3", "{0} * {1}"),
    S("v3", "v3 m33", "{0} * {1}"),
    S("f", "v3 v3", "wp.dot({0}, {1})"),
    S("f", "v3", "wp.length({0})"),
    S("f", "v3", "wp.length_sq({0})"),
    S("f", "v3", "wp.norm_l1({0})"),
    S("f", "v3", "wp.norm_l2({0})"),
    S("f", "v3", "wp.norm_huber({0}, 0.5)"),
    S("f", "v3", "wp.norm_pseudo_huber({0}, 0.5)"),
    S("f", "v3", "{0}[{k3}]"),
    S("i", "v3", "wp.argmax({0})"),
    S("i", "v3", "wp.argmin({0})"),
    S("v2", "f f", "wp.vec2({0}, {1})"),
    S("v2", "v2", "wp.normalize({0} + wp.vec2(1.5, 0.0))"),
    S("f", "v2 v2", "wp.dot({0}, {1})"),
    S("v4", "v3 f", "wp.vec4({0}[0], {0}[1], {0}[2], {1})"),
    S("f", "v4", "wp.length({0})"),
    S("v4", "v4 v4", "wp.cw_mul({0}, {1})"),
    S("m33", "v3 v3", "wp.outer({0}, {1})"),
    S("m33", "v3", "wp.skew({0})"),
    S("m33", "v3", "wp.diag({0})"),
    S("m33", "v3 v3 v3", "wp.matrix_from_cols({0}, {1}, {2})"),
    S("m33", "v3 v3 v3", "wp.matrix_from_rows({0}, {1}, {2})"),
    S("m33", "m33 m33", "{0} * {1}"),
    S("m33", "m33", "wp.transpose({0})"),
    S("m33", "m33", "{0} + wp.identity(n=3, dtype=float) * 2.0"),
    S("m33", "m33", "wp.inverse({0} * 0.1 + wp.identity(n=3, dtype=float))"),
    S("f", "m33", "wp.determinant({0})"),
    S("f", "m33", "wp.trace({0})"),
    S("f", "m33 m33", "wp.ddot({0}, {1})"),
    S("v3", "m33", "wp.get_diag({0})"),
    S("m22", "f f", "wp.mat22(wp.cos({0}), -wp.sin({0}), wp.sin({0}), wp.cos({0})) * {1}"),
    S("v2", "m22 v2", "{0} * {1}"),
    S("f", "m22", "wp.determinant({0})"),
    S(
        "m44",
        "m33 v3",
        "wp.mat44({0}[0, 0], {0}[0, 1], {0}[0, 2], {1}[0], {0}[1, 0], "
        "{0}[1, 1], {0}[1, 2], {1}[1], {0}[2, 0], {0}[2, 1], {0}[2, 2], {1}[2], 0.0, 0.0, 0.0, "
        "1.0)",
    ),
    S("v4", "m44 v4", "{0} * {1}"),
    S("f", "m44", "wp.trace({0})"),
]

ROTATION = [
    S("q", "v3 f", "wp.quat_from_axis_angle(wp.normalize({0} + wp.vec3(0.0, 1.5, 0.0)), {1})"),
    S("q", "f f f", "wp.quat_rpy({0}, {1}, {2})"),
    S("q", "v3", "wp.quat_from_euler({0}, 2, 1, 0)"),
    S("q", "q q", "{0} * {1}"),
    S("q", "q", "wp.quat_inverse({0})"),
    S("q", "q q", "wp.quat_slerp({0}, {1}, {c})"),
    S(
        "q",
        "m33",
        "wp.quat_from_matrix(wp.quat_to_matrix(wp.quat_rpy({0}[0, 0], {0}[1, 1], {0}[2, 2])))",
    ),
    S("q", "q v3", "wp.quat_twist(wp.normalize({1} + wp.vec3(1.5, 0.0, 0.0)), {0})"),
    S("q", "", "wp.quat_identity(dtype=float)"),
    S("v3", "q v3", "wp.quat_rotate({0}, {1})"),
    S("v3", "q v3", "wp.quat_rotate_inv({0}, {1})"),
    S("v3", "q", "wp.quat_to_rpy({0})"),
    S("v3", "q", "wp.quat_to_euler({0}, 2, 1, 0)"),
    S("f", "q v3", "wp.quat_twist_angle(wp.normalize({1} + wp.vec3(0.0, 0.0, 1.5)), {0})"),
    S("f", "q", "wp.quat_twist_angle_signed(wp.vec3(0.0, 1.0, 0.0), {0})"),
    S("m33", "q", "wp.quat_to_matrix({0})"),
    S("t", "v3 q", "wp.transform({0}, {1})"),
    S("t", "t t", "wp.transform_multiply({0}, {1})"),
    S("t", "t", "wp.transform_inverse({0})"),
    S("t", "", "wp.transform_identity(dtype=float)"),
    S(
        "t",
        "m44",
        "wp.transform_from_matrix(wp.transform_to_matrix(wp.transform(wp.vec3("
        "{0}[0, 3], {0}[1, 3], {0}[2, 3]), wp.quat_identity(dtype=float))))",
    ),
    S("v3", "t v3", "wp.transform_point({0}, {1})"),
    S("v3", "t v3", "wp.transform_vector({0}, {1})"),
    S("v3", "t", "wp.transform_get_translation({0})"),
    S("q", "t", "wp.transform_get_rotation({0})"),
    S("m44", "t", "wp.transform_to_matrix({0})"),
    S("t", "v3 q v3", "wp.transform_compose({0}, {1}, wp.vec3(1.0) + wp.abs({2}) * 0.1)"),
    S("v3", "t", "wp.transform_get_translation(wp.transform_inverse({0}))"),
    S("sv", "v3 v3", "wp.spatial_vector({0}, {1})"),
    S("sv", "t sv", "wp.transform_twist({0}, {1})"),
    S("sv", "t sv", "wp.transform_wrench({0}, {1})"),
    S("sv", "sv sv", "wp.spatial_cross({0}, {1})"),
    S("sv", "sv sv", "wp.spatial_cross_dual({0}, {1})"),
    S("f", "sv sv", "wp.spatial_dot({0}, {1})"),
    S("v3", "sv", "wp.spatial_top({0})"),
    S("v3", "sv", "wp.spatial_bottom({0})"),
    S("v3", "sv v3", "wp.velocity_at_point({0}, {1})"),
]


def _literal(g: Gen, field: str) -> str:
    if field == "k3":
        return str(g.int(0, 2))
    return g.flit(0.2, 2.0)


def _fill(g: Gen, step: Step, inputs: list[str]) -> str:
    return step.text.format(*inputs, c=_literal(g, "c"), k3=_literal(g, "k3"))


def _satisfiable(step: Step, vars_by_type: dict[str, list[str]]) -> bool:
    """Every input type has as many distinct values as the step needs (no ``x - x``)."""
    return all(len(vars_by_type.get(t, ())) >= step.ins.count(t) for t in set(step.ins))


def _pick_inputs(g: Gen, step: Step, vars_by_type: dict[str, list[str]]) -> list[str] | None:
    """Distinct inputs of the step's types, preferring recent values (a chain reads like a
    computation, not a bag of statements); ``None`` if the step cannot be satisfied."""
    if not _satisfiable(step, vars_by_type):
        return None
    chosen: list[str] = []
    for t in step.ins:
        fresh = [v for v in vars_by_type[t] if v not in chosen]
        chosen.append(fresh[-1 - g.int(0, min(2, len(fresh) - 1))])
    return chosen


def dataflow(
    g: Gen,
    vars_by_type: dict[str, list[str]],
    pool: list[Step],
    n: int,
    prefix: str,
    branch_p: float = 0.2,
    loop_p: float = 0.1,
) -> list[str]:
    """``n`` steps drawn from ``pool`` over ``vars_by_type`` (updated in place); body lines."""
    lines: list[str] = []
    for s in range(n):
        usable = [st for st in pool if _satisfiable(st, vars_by_type)]
        step = g.choice(usable)
        inputs = _pick_inputs(g, step, vars_by_type)
        if inputs is None:
            continue
        name = f"{prefix}{s}"
        expr = _fill(g, step, inputs)
        floats = vars_by_type.get("f", [])
        u = g.rng.random()
        if u < branch_p and floats:
            alts = [st for st in usable if st.out == step.out and st is not step]
            alt = g.choice(alts) if alts else step
            alt_in = _pick_inputs(g, alt, vars_by_type) or inputs
            cond = f"{g.choice(floats)} {g.choice(('<', '>'))} {g.flit(-0.5, 0.5)}"
            lines += [
                f"if {cond}:",
                f"    {name} = {expr}",
                "else:",
                f"    {name} = {_fill(g, alt, alt_in)}",
            ]
        elif u < branch_p + loop_p and step.out in ("f", "v3") and step.out in step.ins:
            src = inputs[step.ins.index(step.out)]
            body = _fill(g, step, [name if v == src else v for v in inputs])
            lines += [f"{name} = {src}", f"for _r in range({g.int(2, 4)}):", f"    {name} = {body}"]
        else:
            lines.append(f"{name} = {expr}")
        vars_by_type.setdefault(step.out, []).append(name)
    return lines


def reduce_to(g: Gen, vars_by_type: dict[str, list[str]], out: str) -> str:
    """An expression of type ``out`` (``f`` or ``v3``) combining the latest values."""
    if out == "v3":
        vs = vars_by_type.get("v3", [])
        fs = vars_by_type.get("f", [])
        base = vs[-1] if vs else "wp.vec3(0.0)"
        return f"{base} * {fs[-1]}" if fs and g.coin(0.5) else base
    fs = vars_by_type.get("f", [])
    terms = fs[-2:] if fs else ["0.0"]
    vs = vars_by_type.get("v3", [])
    if vs and g.coin(0.5):
        terms = [*terms, f"wp.length({vs[-1]})"]
    return " + ".join(terms)


CONVERT = [
    S("d", "f", "wp.float64({0})"),
    S("f", "d", "wp.float32({0} * wp.float64(0.5))"),
    S("h", "f", "wp.float16({0})"),
    S("f", "h", "float({0}) * {c}"),
    S("i", "f", "int({0} * 8.0)"),
    S("i", "f", "wp.int32(wp.floor({0} * 5.0))"),
    S("l", "i", "wp.int64({0}) * wp.int64(3)"),
    S("i", "l", "int({0} % wp.int64(1000))"),
    S("s", "i", "wp.int16({0} % 100)"),
    S("i", "s", "int({0}) + 1"),
    S("u", "i", "wp.uint32(wp.abs({0}) + 1)"),
    S("u", "u", "({0} * wp.uint32(0x7FEB352D)) >> wp.uint32(7)"),
    S("i", "u", "int({0} % wp.uint32(97))"),
    S("w", "i", "wp.uint16(wp.abs({0}) % 500)"),
    S("i", "w", "int({0}) - 7"),
    S("b8", "i", "wp.uint8(wp.abs({0}) % 200)"),
    S("i", "b8", "int({0}) * 2"),
    S("g", "i", "wp.uint64(wp.abs({0})) * wp.uint64(1000003)"),
    S("i", "g", "int({0} % wp.uint64(9973))"),
    S("c", "i", "wp.int8({0} % 100)"),
    S("f", "c", "float({0}) * 0.01"),
    S("f", "i", "float({0}) / 7.0"),
    S("bo", "f", "wp.isfinite({0}) and {0} > {c}"),
    S("bo", "f", "not wp.isnan({0}) and not wp.isinf({0})"),
    S("f", "bo f", "wp.where({0}, {1}, -{1})"),
    S("i", "bo", "int({0})"),
    S("f", "f f", "{0} * {1} - {c}"),
    S("f", "f", "wp.clamp({0}, -2.0, 2.0)"),
    S("d", "d d", "{0} * {1} + wp.float64(1.0)"),
    S("d", "d", "wp.sqrt(wp.abs({0}) + wp.float64(1.0))"),
    S("v3", "f f f", "wp.vec3({0}, {1}, {2})"),
    S("v3d", "v3", "wp.vec3d(wp.float64({0}[0]), wp.float64({0}[1]), wp.float64({0}[2]))"),
    S("f", "v3d", "wp.float32(wp.length({0}))"),
    S("v3i", "v3", "wp.vec3i(int({0}[0] * 4.0), int({0}[1] * 4.0), int({0}[2] * 4.0))"),
    S("i", "v3i", "{0}[0] + {0}[1] * 3 - {0}[2]"),
    S("v3h", "v3", "wp.vec3h(wp.float16({0}[0]), wp.float16({0}[1]), wp.float16({0}[2]))"),
    S("f", "v3h", "float({0}[1]) + float({0}[2])"),
]

INTBITS = [
    S("u", "u u", "{0} ^ ({1} << wp.uint32(3))"),
    S("u", "u u", "({0} & {1}) | (~{0} & wp.uint32(0xFF00))"),
    S("u", "u", "({0} >> wp.uint32(16)) ^ {0}"),
    S("u", "u", "{0} * wp.uint32(0x45D9F3B)"),
    S("u", "u", "({0} << wp.uint32(5)) | ({0} >> wp.uint32(27))"),
    S("i", "u", "wp.bit_count({0})"),
    S("i", "i i", "({0} & 255) + ({1} | 3)"),
    S("i", "i", "({0} ^ 0x5A5A) % 4096"),
    S("i", "i", "{0} >> 2"),
    S("i", "i i", "wp.max({0}, {1}) // 3"),
    S("i", "i", "wp.abs({0}) % 11"),
    S("i", "i", "-{0} + 5"),
    S("u", "i", "wp.uint32({0}) + wp.uint32(0x27D4EB2D)"),
    S("i", "u", "int({0} & wp.uint32(0x7FFF))"),
    S("f", "i", "float({0} % 64) / 64.0"),
    S("f", "u", "float({0} >> wp.uint32(9)) * (1.0 / 8388608.0)"),
]

RANDOM = [
    S("f", "r", "wp.randf({0})"),
    S("f", "r", "wp.randf({0}, -1.0, 1.0)"),
    S("f", "r", "wp.randn({0}) * {c}"),
    S("i", "r", "wp.randi({0}, 0, 16)"),
    S("u", "r", "wp.randu({0})"),
    S("i", "r", "int(wp.poisson({0}, {c}))"),
    S("v3", "r", "wp.sample_unit_sphere_surface({0})"),
    S("v3", "r", "wp.sample_unit_sphere({0})"),
    S("v3", "r", "wp.sample_unit_hemisphere({0})"),
    S("v3", "r", "wp.sample_unit_hemisphere_surface({0})"),
    S("v3", "r", "wp.sample_unit_cube({0})"),
    S("v2", "r", "wp.sample_unit_disk({0})"),
    S("v2", "r", "wp.sample_unit_ring({0})"),
    S("v2", "r", "wp.sample_unit_square({0})"),
    S("v2", "r", "wp.sample_triangle({0})"),
    S("f", "r v3", "wp.noise({0}, {1} * {c})"),
    S("f", "r v2", "wp.pnoise({0}, {1} * 4.0, 4, 4)"),
    S("v3", "r v3", "wp.curlnoise({0}, {1})"),
    S("f", "v2", "{0}[0] * {0}[1]"),
    S("f", "u", "float({0} % wp.uint32(1000)) * 0.001"),
    *SCALAR[:12],
    *VECTOR[:8],
]


def compose_kernel(
    g: Gen,
    category: str,
    variant: str,
    loads: list[tuple[str, str]],
    pool: list[Step],
    outs: list[tuple[str, str]],
    n_steps: tuple[int, int] = (4, 9),
    prologue: list[str] | None = None,
    n: int = 64,
    extra_args: list | None = None,
    loop_p: float = 0.1,
):
    """A 1-D kernel: load ``loads`` (arg name, type key) at ``i``, run a :func:`dataflow`
    over ``pool``, store into ``outs`` (arg name, ``f`` or ``v3``)."""
    from perflab.warpgen.spec import KernelSpec, arr

    dtype = {"f": "float", "v3": "wp.vec3", "q": "wp.quat", "t": "wp.transform", "i": "int"}
    dtype |= {"m33": "wp.mat33", "v2": "wp.vec2", "sv": "wp.spatial_vector", "v4": "wp.vec4"}
    init = {"q": "quat", "t": "xform"}
    args = [arr(name, dtype[t], (n,), init.get(t, "unit")) for name, t in loads]
    args += extra_args or []
    args += [arr(name, dtype[t], (n,), "zeros") for name, t in outs]
    body = ["i = wp.tid()", *(line.split("  # type: ")[0] for line in prologue or [])]
    vars_by_type: dict[str, list[str]] = {}
    for name, t in loads:
        body.append(f"{name}_i = {name}[i]")
        vars_by_type.setdefault(t, []).append(f"{name}_i")
    for t, names in (prologue_vars(prologue or [])).items():
        vars_by_type.setdefault(t, []).extend(names)
    body += dataflow(g, vars_by_type, pool, g.int(*n_steps), "t", loop_p=loop_p)
    for name, t in outs:
        body.append(f"{name}[i] = {reduce_to(g, vars_by_type, t)}")
    return KernelSpec(category, variant, "", args, body, (n,))


def prologue_vars(lines: list[str]) -> dict[str, list[str]]:
    """Typed locals a prologue declares with a trailing ``# type: <key>`` marker."""
    out: dict[str, list[str]] = {}
    for line in lines:
        if "  # type: " in line:
            code, t = line.split("  # type: ")
            out.setdefault(t.strip(), []).append(code.split("=")[0].strip())
    return out
