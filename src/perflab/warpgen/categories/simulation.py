"""Simulation-flavoured categories: random numbers and noise, geometry queries, particles."""

from __future__ import annotations

from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import ArgSpec, KernelSpec, arr, scalar

__all__ = [
    "GEOM_FUNCS",
    "N",
    "geometry",
    "particles",
    "random_noise",
]

N = 64


def random_noise(g: Gen) -> KernelSpec:
    """``wp.rand_init``/``randf``/``randn``/``randi``, sphere sampling, Perlin and curl noise."""
    variant = g.choice(("uniform", "gaussian", "sphere", "perlin", "curl", "monte_carlo"))
    seed = scalar("seed", "int", g.int(0, 100_000))
    body = ["i = wp.tid()", f"state = wp.rand_init(seed, i + {g.int(0, 1000)})"]
    if variant == "uniform":
        args = [seed, arr("out", "float", (N,), "zeros"), arr("ints", "int", (N,), "zeros")]
        lo, hi = sorted((g.int(-50, 50), g.int(-50, 50)))
        body += [
            f"out[i] = wp.randf(state, {g.flit(-2.0, 0.0)}, {g.flit(0.1, 2.0)})",
            f"ints[i] = wp.randi(state, {lo}, {hi + 1})",
        ]
    elif variant == "gaussian":
        args = [seed, arr("mu", "float", (N,)), arr("out", "float", (N,), "zeros")]
        body += [
            f"z = wp.randn(state) * {g.flit(0.1, 2.0)}",
            f"out[i] = mu[i] + z + {g.fexpr(['z'], 1)}",
        ]
    elif variant == "sphere":
        args = [seed, arr("dirs", "wp.vec3", (N,), "zeros"), arr("cosines", "float", (N,), "zeros")]
        s = g.choice(
            (
                "sample_unit_sphere_surface",
                "sample_unit_hemisphere_surface",
                "sample_unit_sphere",
                "sample_unit_cube",
            )
        )
        body += [
            f"d = wp.{s}(state)",
            "dirs[i] = d",
            "cosines[i] = wp.dot(d, wp.vec3(0.0, 0.0, 1.0))",
        ]
    elif variant == "perlin":
        args = [seed, arr("pos", "wp.vec2", (N,)), arr("out", "float", (N,), "zeros")]
        octaves = g.int(1, 4)
        body += [
            "ns = wp.uint32(seed)",
            "p = pos[i] * 4.0",
            "total = float(0.0)",
            "amp = float(1.0)",
            f"for o in range({octaves}):",
            f"    total += amp * {g.choice(('wp.noise(ns, p)', 'wp.pnoise(ns, p, 8, 8)'))}",
            "    p = p * 2.0",
            "    amp *= 0.5",
            "out[i] = total",
        ]
    elif variant == "curl":
        args = [seed, arr("pos", "wp.vec3", (N,)), arr("vel", "wp.vec3", (N,), "zeros")]
        body += [
            "ns = wp.uint32(seed)",
            f"vel[i] = wp.curlnoise(ns, pos[i] * {g.flit(0.5, 4.0)}) * {g.flit(0.1, 2.0)}",
        ]
    else:
        samples = g.int(4, 32)
        args = [seed, arr("estimate", "float", (N,), "zeros")]
        body += [
            "hits = int(0)",
            f"for s in range({samples}):",
            "    x = wp.randf(state)",
            "    y = wp.randf(state)",
            "    if x * x + y * y <= 1.0:",
            "        hits += 1",
            f"estimate[i] = 4.0 * float(hits) / {float(samples)}",
        ]
    return KernelSpec("random_noise", variant, "", args, body, (N,))


GEOM_FUNCS = {
    "closest_segment": (
        "@wp.func\n"
        "def closest_on_segment(p: wp.vec3, a: wp.vec3, b: wp.vec3) -> wp.vec3:\n"
        "    ab = b - a\n"
        "    t = wp.dot(p - a, ab) / (wp.dot(ab, ab) + 1.0e-8)\n"
        "    return a + ab * wp.clamp(t, 0.0, 1.0)\n"
    ),
    "ray_box": (
        "@wp.func\n"
        "def ray_box(o: wp.vec3, d: wp.vec3, lo: wp.vec3, hi: wp.vec3) -> float:\n"
        "    tmin = float(-1.0e30)\n"
        "    tmax = float(1.0e30)\n"
        "    for k in range(3):\n"
        "        if wp.abs(d[k]) < 1.0e-8:\n"
        "            if o[k] < lo[k] or o[k] > hi[k]:\n"
        "                return -1.0\n"
        "        else:\n"
        "            inv = 1.0 / d[k]\n"
        "            t0 = (lo[k] - o[k]) * inv\n"
        "            t1 = (hi[k] - o[k]) * inv\n"
        "            tmin = wp.max(tmin, wp.min(t0, t1))\n"
        "            tmax = wp.min(tmax, wp.max(t0, t1))\n"
        "    if tmax < wp.max(tmin, 0.0):\n"
        "        return -1.0\n"
        "    return wp.max(tmin, 0.0)\n"
    ),
    "ray_sphere": (
        "@wp.func\n"
        "def ray_sphere(o: wp.vec3, d: wp.vec3, c: wp.vec3, r: float) -> float:\n"
        "    oc = o - c\n"
        "    b = wp.dot(oc, d)\n"
        "    cc = wp.dot(oc, oc) - r * r\n"
        "    disc = b * b - cc\n"
        "    if disc < 0.0:\n"
        "        return -1.0\n"
        "    s = wp.sqrt(disc)\n"
        "    t = -b - s\n"
        "    if t < 0.0:\n"
        "        t = -b + s\n"
        "    return t\n"
    ),
    "closest_triangle": (
        "@wp.func\n"
        "def closest_on_triangle(p: wp.vec3, a: wp.vec3, b: wp.vec3, c: wp.vec3) -> wp.vec3:\n"
        "    ab = b - a\n"
        "    ac = c - a\n"
        "    n = wp.cross(ab, ac)\n"
        "    nn = wp.dot(n, n) + 1.0e-12\n"
        "    q = p - n * (wp.dot(p - a, n) / nn)\n"
        "    u = wp.dot(wp.cross(b - q, c - q), n) / nn\n"
        "    v = wp.dot(wp.cross(c - q, a - q), n) / nn\n"
        "    w = 1.0 - u - v\n"
        "    if u >= 0.0 and v >= 0.0 and w >= 0.0:\n"
        "        return q\n"
        "    best = a\n"
        "    e0 = a + ab * wp.clamp(wp.dot(p - a, ab) / (wp.dot(ab, ab) + 1.0e-8), 0.0, 1.0)\n"
        "    bc = c - b\n"
        "    e1 = b + bc * wp.clamp(wp.dot(p - b, bc) / (wp.dot(bc, bc) + 1.0e-8), 0.0, 1.0)\n"
        "    e2 = a + ac * wp.clamp(wp.dot(p - a, ac) / (wp.dot(ac, ac) + 1.0e-8), 0.0, 1.0)\n"
        "    best = e0\n"
        "    if wp.length_sq(p - e1) < wp.length_sq(p - best):\n"
        "        best = e1\n"
        "    if wp.length_sq(p - e2) < wp.length_sq(p - best):\n"
        "        best = e2\n"
        "    return best\n"
    ),
    "sdf": (
        "@wp.func\n"
        "def sdf_box(p: wp.vec3, half: wp.vec3) -> float:\n"
        "    q = wp.vec3(wp.abs(p[0]), wp.abs(p[1]), wp.abs(p[2])) - half\n"
        "    outside = wp.length(wp.max(q, wp.vec3(0.0)))\n"
        "    inside = wp.min(wp.max(q[0], wp.max(q[1], q[2])), 0.0)\n"
        "    return outside + inside\n"
        "\n\n"
        "@wp.func\n"
        "def sdf_capsule(p: wp.vec3, a: wp.vec3, b: wp.vec3, r: float) -> float:\n"
        "    pa = p - a\n"
        "    ba = b - a\n"
        "    h = wp.clamp(wp.dot(pa, ba) / (wp.dot(ba, ba) + 1.0e-8), 0.0, 1.0)\n"
        "    return wp.length(pa - ba * h) - r\n"
    ),
}


def geometry(g: Gen) -> KernelSpec:
    """Closest points, ray-box and ray-sphere intersection, signed distance functions."""
    variant = g.choice(tuple(GEOM_FUNCS))
    helpers = [GEOM_FUNCS[variant]]
    body = ["i = wp.tid()"]
    if variant == "closest_segment":
        args = _geometry_closest_segment(g, body)
    elif variant == "ray_box":
        args = _geometry_ray_box(g, body)
    elif variant == "ray_sphere":
        args = _geometry_ray_sphere(g, body)
    elif variant == "closest_triangle":
        args = _geometry_closest_triangle(g, body)
    else:
        args = _geometry_sdf(g, body)
    return KernelSpec("geometry", variant, "", args, body, (N,), helpers=helpers)


def _geometry_closest_segment(g: Gen, body: list[str]):
    """The ``closest_segment`` variant: appends to ``body``, returns the arguments."""
    args = [
        arr("p", "wp.vec3", (N,)),
        arr("a", "wp.vec3", (N,)),
        arr("b", "wp.vec3", (N,)),
        arr("out", "wp.vec3", (N,), "zeros"),
        arr("dist", "float", (N,), "zeros"),
    ]
    body += [
        f"q = p[i] * {g.flit(0.5, 3.0)}",
        "c = closest_on_segment(q, a[i], b[i])",
        f"out[i] = {g.vexpr(['c', 'q'], ['1.0'], 3, 1)}",
        f"dist[i] = {g.fexpr(['wp.length(q - c)', 'wp.dot(q, c)'], 2)}",
    ]
    return args


def _geometry_ray_box(g: Gen, body: list[str]):
    """The ``ray_box`` variant: appends to ``body``, returns the arguments."""
    lo = g.flit(-1.0, -0.1)
    hi = g.flit(0.1, 1.0)
    args = [
        arr("origin", "wp.vec3", (N,)),
        arr("direction", "wp.vec3", (N,)),
        arr("t_hit", "float", (N,), "zeros"),
        arr("hit", "int", (N,), "zeros"),
    ]
    body += [
        "o = origin[i] * 3.0",
        "d = wp.normalize(direction[i])",
        f"t = ray_box(o, d, wp.vec3({lo}), wp.vec3({hi}))",
        "t_hit[i] = t",
        "hit[i] = wp.where(t >= 0.0, 1, 0)",
    ]
    return args


def _geometry_ray_sphere(g: Gen, body: list[str]):
    """The ``ray_sphere`` variant: appends to ``body``, returns the arguments."""
    args = [
        arr("origin", "wp.vec3", (N,)),
        arr("direction", "wp.vec3", (N,)),
        scalar("radius", "float", round(float(g.rng.uniform(0.2, 1.5)), 3)),
        arr("t_hit", "float", (N,), "zeros"),
        arr("normal", "wp.vec3", (N,), "zeros"),
    ]
    body += [
        "o = origin[i] * 2.0",
        "d = wp.normalize(direction[i] + wp.vec3(1.0e-4, 0.0, 0.0))",
        f"c = wp.vec3({g.flit(-0.5, 0.5)}, {g.flit(-0.5, 0.5)}, {g.flit(-0.5, 0.5)})",
        "t = ray_sphere(o, d, c, radius)",
        "t_hit[i] = t",
        "if t >= 0.0:",
        "    normal[i] = wp.normalize(o + d * t - c)",
    ]
    return args


def _geometry_closest_triangle(g: Gen, body: list[str]):
    """The ``closest_triangle`` variant: appends to ``body``, returns the arguments."""
    args = [
        arr("p", "wp.vec3", (N,)),
        arr("tri", "wp.mat33", (N,)),
        arr("out", "wp.vec3", (N,), "zeros"),
    ]
    body += [
        "T = tri[i]",
        "a = wp.vec3(T[0, 0], T[0, 1], T[0, 2])",
        "b = wp.vec3(T[1, 0], T[1, 1], T[1, 2])",
        "c = wp.vec3(T[2, 0], T[2, 1], T[2, 2])",
        f"cp = closest_on_triangle(p[i] * {g.flit(0.5, 3.0)}, a, b, c)",
        f"out[i] = {g.vexpr(['cp', 'p[i]', 'a'], ['1.0'], 3, 1)}",
    ]
    return args


def _geometry_sdf(g: Gen, body: list[str]):
    """The ``sdf`` variant: appends to ``body``, returns the arguments."""
    args = [
        arr("p", "wp.vec3", (N,)),
        arr("d", "float", (N,), "zeros"),
        arr("grad", "wp.vec3", (N,), "zeros"),
    ]
    op = g.choice(("wp.min", "wp.max"))
    half = f"wp.vec3({g.flit(0.1, 1.0)}, {g.flit(0.1, 1.0)}, {g.flit(0.1, 1.0)})"
    body += [
        "x = p[i] * 2.0",
        f"tip = wp.vec3({g.flit()}, 1.0, 0.0)",
        f"cap = sdf_capsule(x, wp.vec3(0.0), tip, {g.flit(0.1, 0.5)})",
        f"d0 = {op}(sdf_box(x, {half}), cap)",
        "h = 1.0e-3",
        f"gx = sdf_box(x + wp.vec3(h, 0.0, 0.0), {half})",
        f"gx = gx - sdf_box(x - wp.vec3(h, 0.0, 0.0), {half})",
        "d[i] = d0",
        "grad[i] = wp.vec3(gx / (2.0 * h), 0.0, 0.0)",
    ]
    return args


def particles(g: Gen) -> KernelSpec:
    """Particle dynamics: integrators, springs between index pairs, ground collisions."""
    variant = g.choice(("euler", "verlet", "springs", "collide", "drag"))
    dt = scalar("dt", "float", round(float(g.rng.uniform(0.001, 0.02)), 4))
    body = ["i = wp.tid()"]
    grav = f"wp.vec3(0.0, {g.flit(-12.0, -1.0)}, 0.0)"
    if variant == "euler":
        args = _particles_euler(g, body, dt, grav)
    elif variant == "verlet":
        args = _particles_verlet(g, body, dt, grav)
    elif variant == "springs":
        args = _particles_springs(g, body, dt, grav)
    elif variant == "collide":
        args = _particles_collide(g, body, dt, grav)
    else:
        args = _particles_drag(g, body, dt, grav)
    return KernelSpec("particles", variant, "", args, body, (N,))


def _particles_euler(g: Gen, body: list[str], dt: ArgSpec, grav: str):
    """The ``euler`` variant: appends to ``body``, returns the arguments."""
    args = [
        arr("x", "wp.vec3", (N,)),
        arr("v", "wp.vec3", (N,)),
        arr("inv_mass", "float", (N,), "pos"),
        dt,
    ]
    body += [
        f"f = {grav} * (1.0 / inv_mass[i]) + {g.vexpr(['x[i]'], ['1.0'], 3, 1)}",
        "v_new = v[i] + f * inv_mass[i] * dt",
        "v[i] = v_new",
        "x[i] = x[i] + v_new * dt",
    ]
    return args


def _particles_verlet(g: Gen, body: list[str], dt: ArgSpec, grav: str):
    """The ``verlet`` variant: appends to ``body``, returns the arguments."""
    args = [
        arr("x", "wp.vec3", (N,)),
        arr("x_prev", "wp.vec3", (N,)),
        dt,
        arr("x_next", "wp.vec3", (N,), "zeros"),
    ]
    body += [
        f"a = {grav} - x[i] * {g.flit(0.1, 5.0)}",
        f"x_next[i] = x[i] + (x[i] - x_prev[i]) * {g.flit(0.9, 1.0)} + a * (dt * dt)",
    ]
    return args


def _particles_springs(g: Gen, body: list[str], dt: ArgSpec, grav: str):
    """The ``springs`` variant: appends to ``body``, returns the arguments."""
    args = [
        arr("x", "wp.vec3", (N,)),
        arr("springs", "int", (N, 2), f"index:{N}"),
        arr("rest", "float", (N,), "pos"),
        scalar("ke", "float", round(float(g.rng.uniform(1, 100)), 2)),
        scalar("kd", "float", round(float(g.rng.uniform(0, 1)), 3)),
        arr("v", "wp.vec3", (N,)),
        arr("f", "wp.vec3", (N,), "zeros"),
    ]
    body += [
        "a = springs[i, 0]",
        "b = springs[i, 1]",
        "d = x[b] - x[a]",
        "l = wp.length(d)",
        "dir = d / (l + 1.0e-6)",
        "rel_v = wp.dot(v[b] - v[a], dir)",
        f"fs = dir * (ke * (l - rest[i] * {g.flit(0.5, 1.5)}) + kd * rel_v)",
        "wp.atomic_add(f, a, fs)",
        "wp.atomic_sub(f, b, fs)",
    ]
    return args


def _particles_collide(g: Gen, body: list[str], dt: ArgSpec, grav: str):
    """The ``collide`` variant: appends to ``body``, returns the arguments."""
    args = [
        arr("x", "wp.vec3", (N,)),
        arr("v", "wp.vec3", (N,)),
        scalar("restitution", "float", round(float(g.rng.uniform(0, 1)), 3)),
        dt,
    ]
    body += [
        "p = x[i] + v[i] * dt",
        "vel = v[i]",
        f"ground = {g.flit(-1.0, 0.0)}",
        "if p[1] < ground:",
        "    p = wp.vec3(p[0], ground, p[2])",
        "    vel = wp.vec3(vel[0] * 0.9, -vel[1] * restitution, vel[2] * 0.9)",
        "x[i] = p",
        "v[i] = vel",
    ]
    return args


def _particles_drag(g: Gen, body: list[str], dt: ArgSpec, grav: str):
    """The ``drag`` variant: appends to ``body``, returns the arguments."""
    args = [
        arr("v", "wp.vec3", (N,)),
        arr("wind", "wp.vec3", (N,)),
        dt,
        arr("v_out", "wp.vec3", (N,), "zeros"),
    ]
    body += [
        "rel = v[i] - wind[i]",
        "speed = wp.length(rel)",
        f"drag = rel * (-{g.flit(0.01, 1.0)} * speed)",
        f"v_out[i] = v[i] + (drag + {grav}) * dt",
    ]
    return args
