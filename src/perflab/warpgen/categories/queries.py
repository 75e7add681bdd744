"""Spatial queries: triangle meshes, BVHs, hash grids (neighbour search) and volumes.

Each kernel runs one query family and post-processes what it finds with composed blocks
(:mod:`perflab.warpgen.blocks`), as collision, ray-casting, SPH and level-set codes do.
"""

from __future__ import annotations

from perflab.warpgen.blocks import SCALAR, VECTOR, dataflow, reduce_to
from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import KernelSpec, arr, obj, scalar

__all__ = [
    "N",
    "POINT_QUERIES",
    "POST",
    "geometry_queries",
    "neighbours",
    "volumes",
]

N = 64
POST = SCALAR[:20] + VECTOR[:24]

POINT_QUERIES = (
    "wp.mesh_query_point(mesh, p, max_dist)",
    "wp.mesh_query_point_no_sign(mesh, p, max_dist)",
    "wp.mesh_query_point_sign_normal(mesh, p, max_dist)",
    "wp.mesh_query_point_sign_winding_number(mesh, p, max_dist, 2.0, 0.5)",
    "wp.mesh_query_point_sign_parity(mesh, p, max_dist, 3, 1.0e-3)",
    "wp.mesh_query_furthest_point_no_sign(mesh, p, 0.0)",
)


def _finish(g: Gen, body: list[str], vt: dict, outs: list[str]) -> list[str]:
    body += dataflow(g, vt, POST, g.int(1, 4), "z", branch_p=0.15, loop_p=0.0)
    for o in outs:
        t = "v3" if o.startswith("v_") else "f"
        body.append(f"{o}[i] = {reduce_to(g, vt, t)}")
    return body


def _mesh_point(g: Gen) -> tuple[list[str], dict]:
    q = g.choice(POINT_QUERIES)
    body = [
        f"q = {q}",
        "d = max_dist",
        "cp = p",
        "n = wp.vec3(0.0, 1.0, 0.0)",
        "if q.result:",
        "    cp = wp.mesh_eval_position(mesh, q.face, q.u, q.v)",
        "    n = wp.mesh_eval_face_normal(mesh, q.face)",
        "    d = wp.length(p - cp)",
    ]
    if "sign" in q and "no_sign" not in q or q.startswith("wp.mesh_query_point(m"):
        body.append("    d = d * q.sign")
    if g.coin(0.5):
        body.append("    vel = wp.mesh_eval_velocity(mesh, q.face, q.u, q.v)")
        body.append("    n = n + vel * 0.1")
    return body, {"v3": ["p", "cp", "n"], "f": ["d"]}


def _mesh_ray(g: Gen) -> tuple[list[str], dict]:
    kind = g.choice(("ray", "anyhit", "count"))
    body = [
        f"dir = wp.normalize(wp.vec3(0.0, 0.0, 0.0) - p + wp.vec3({g.flit(-0.3, 0.3)}, "
        f"{g.flit(-0.3, 0.3)}, 0.1))"
    ]
    if kind == "ray":
        body += [
            "h = wp.mesh_query_ray(mesh, p, dir, max_dist)",
            "t = max_dist",
            "n = wp.vec3(0.0)",
            "if h.result:",
            "    t = h.t",
            "    n = h.normal * h.sign",
        ]
        return body, {"v3": ["p", "dir", "n"], "f": ["t"]}
    if kind == "anyhit":
        body += [
            "hit = wp.mesh_query_ray_anyhit(mesh, p, dir, max_dist)",
            "t = float(0.0)",
            "if hit:",
            "    t = 1.0",
        ]
    else:
        body += [
            "c = wp.mesh_query_ray_count_intersections(mesh, p, dir)",
            "t = float(c % 2) * 2.0 - 1.0",
        ]
    return body, {"v3": ["p", "dir"], "f": ["t"]}


def _mesh_region(g: Gen) -> tuple[list[str], dict]:
    r = g.flit(0.05, 0.4)
    if g.coin(0.5):
        body = [
            f"lo = p - wp.vec3({r})",
            f"hi = p + wp.vec3({r})",
            "q = wp.mesh_query_aabb(mesh, lo, hi)",
        ]
        nxt = "wp.mesh_query_aabb_next"
    else:
        body = [f"q = wp.mesh_query_sphere(mesh, p, {r})"]
        nxt = "wp.mesh_query_next"
    body += [
        "face = int(0)",
        "count = int(0)",
        "acc = wp.vec3(0.0)",
        f"while {nxt}(q, face):",
        "    count += 1",
        f"    a = wp.mesh_get_point(mesh, wp.mesh_get_index(mesh, face * 3 + {g.int(0, 2)}))",
        "    acc = acc + a",
    ]
    if g.coin(0.5):
        body.append("    acc = acc + wp.mesh_get_velocity(mesh, wp.mesh_get_index(mesh, face * 3))")
    body.append("cnt = float(count)")
    return body, {"v3": ["p", "acc"], "f": ["cnt"]}


def _bvh(g: Gen) -> tuple[list[str], dict]:
    kind = g.choice(("aabb", "ray", "sphere", "capsule"))
    r = g.flit(0.05, 0.5)
    q = {
        "aabb": f"wp.bvh_query_aabb(bvh, p - wp.vec3({r}), p + wp.vec3({r}))",
        "ray": "wp.bvh_query_ray(bvh, p, wp.normalize(wp.vec3(0.3, 1.0, 0.2) - p))",
        "sphere": f"wp.bvh_query_sphere(bvh, p, {r})",
        "capsule": f"wp.bvh_query_capsule(bvh, p, wp.vec3(0.0, 1.0, 0.0), {r})",
    }[kind]
    body = [
        f"q = {q}",
        "b = int(0)",
        "hits = int(0)",
        "first = int(-1)",
        "while wp.bvh_query_next(q, b):",
        "    hits += 1",
        "    if first < 0:",
        "        first = b",
        "cnt = float(hits)",
        "tag = float(first)",
    ]
    return body, {"v3": ["p"], "f": ["cnt", "tag"]}


def geometry_queries(g: Gen) -> KernelSpec:
    """Closest points, ray casts, region queries on a mesh; BVH box/ray/sphere queries."""
    variant = g.choice(("mesh_point", "mesh_ray", "mesh_region", "bvh"))
    handle = obj("bvh", "bvh:16") if variant == "bvh" else obj("mesh", f"mesh:{g.int(2, 4)}")
    args = [handle, arr("pts", "wp.vec3", (N,)), scalar("max_dist", "float", g.flit(1.0, 4.0))]
    outs = g.sample(["out", "v_out"], g.int(1, 2))
    args += [arr(o, "wp.vec3" if o.startswith("v_") else "float", (N,), "zeros") for o in outs]
    body = ["i = wp.tid()", f"p = pts[i] * {g.flit(0.5, 1.5)}"]
    part, vt = {
        "mesh_point": _mesh_point,
        "mesh_ray": _mesh_ray,
        "mesh_region": _mesh_region,
        "bvh": _bvh,
    }[variant](g)
    body = _finish(g, body + part, vt, outs)
    return KernelSpec("geometry_queries", variant, "", args, body, (N,))


def neighbours(g: Gen) -> KernelSpec:
    """Hash-grid neighbour search (SPH density/pressure, boids, contact counting)."""
    variant = g.choice(("density", "pressure", "boids", "contacts"))
    h = g.flit(0.1, 0.3)
    args = [obj("grid", "hashgrid:x"), arr("x", "wp.vec3", (N,)), arr("v", "wp.vec3", (N,))]
    outs = ["out", "v_out"] if variant in ("pressure", "boids") else ["out"]
    args += [arr(o, "wp.vec3" if o.startswith("v_") else "float", (N,), "zeros") for o in outs]
    body = [
        "tid = wp.tid()",
        "i = wp.hash_grid_point_id(grid, tid)",
        "p = x[i]",
        f"q = wp.hash_grid_query(grid, p, {h})",
        "j = int(0)",
        "rho = float(0.0)",
        "acc = wp.vec3(0.0)",
        "while wp.hash_grid_query_next(q, j):",
        "    d = p - x[j]",
        "    r2 = wp.dot(d, d)",
        f"    if r2 < {h} * {h} and j != i:",
    ]
    kernel = {
        "density": [f"        w = {h} * {h} - r2", "        rho += w * w * w"],
        "pressure": [
            "        r = wp.sqrt(r2)",
            f"        w = ({h} - r) / {h}",
            "        rho += w * w",
            "        acc = acc + d * (w / (r + 1.0e-6))",
        ],
        "boids": ["        rho += 1.0", "        acc = acc + (v[j] - v[i]) * 0.1 - d * 0.05"],
        "contacts": ["        rho += 1.0", "        acc = acc + wp.normalize(d)"],
    }[variant]
    body += kernel
    vt = {"v3": ["p", "acc"], "f": ["rho"]}
    body += dataflow(g, vt, POST, g.int(1, 4), "z", branch_p=0.15, loop_p=0.0)
    body.append(f"out[i] = {reduce_to(g, vt, 'f')}")
    if "v_out" in outs:
        body.append(f"v_out[i] = {reduce_to(g, vt, 'v3')}")
    return KernelSpec("neighbours", variant, "", args, body, (N,))


def volumes(g: Gen) -> KernelSpec:
    """NanoVDB volumes: world/index transforms, trilinear sampling, gradients, stores."""
    variant = g.choice(("sample", "gradient", "lookup", "advect", "store"))
    samp = g.choice(("wp.Volume.LINEAR", "wp.Volume.CLOSEST"))
    args = [obj("vol", "volume"), arr("pts", "wp.vec3", (N,)), arr("out", "float", (N,), "zeros")]
    body = [
        "i = wp.tid()",
        f"p = pts[i] * {g.flit(0.5, 0.95)}",
        "uvw = wp.volume_world_to_index(vol, p)",
    ]
    vt: dict[str, list[str]] = {"v3": ["p", "uvw"], "f": []}
    if variant == "sample":
        fn = g.choice(
            (
                f"wp.volume_sample_f(vol, uvw, {samp})",
                f"wp.volume_sample(vol, uvw, {samp}, dtype=float)",
            )
        )
        body.append(f"s = {fn}")
        vt["f"].append("s")
    elif variant == "gradient":
        body += ["grad = wp.vec3(0.0)"]
        fn = g.choice(
            (
                f"wp.volume_sample_grad_f(vol, uvw, {samp}, grad)",
                f"wp.volume_sample_grad(vol, uvw, {samp}, grad, dtype=float)",
            )
        )
        body += [f"s = {fn}", "nrm = wp.volume_index_to_world_dir(vol, grad)"]
        vt["f"].append("s")
        vt["v3"].append("nrm")
    elif variant == "lookup":
        body += ["ijk = wp.vec3i(int(uvw[0]), int(uvw[1]), int(uvw[2]))"]
        fn = g.choice(
            (
                "wp.volume_lookup_f(vol, ijk[0], ijk[1], ijk[2])",
                "wp.volume_lookup(vol, ijk[0], ijk[1], ijk[2], dtype=float)",
            )
        )
        body += [
            f"s = {fn}",
            "c = wp.volume_index_to_world(vol, wp.vec3(float(ijk[0]), "
            "float(ijk[1]), float(ijk[2])))",
        ]
        vt["f"].append("s")
        vt["v3"].append("c")
    elif variant == "advect":
        steps = g.int(2, 5)
        body += [
            "q = p",
            f"for _s in range({steps}):",
            "    g3 = wp.vec3(0.0)",
            f"    val = wp.volume_sample_grad_f(vol, wp.volume_world_to_index(vol, q), {samp}, g3)",
            f"    q = q - wp.volume_index_to_world_dir(vol, g3) * {g.flit(0.01, 0.05)}",
            f"s = wp.volume_sample_f(vol, wp.volume_world_to_index(vol, q), {samp})",
            "dq = wp.volume_world_to_index_dir(vol, q - p)",
        ]
        vt["f"].append("s")
        vt["v3"] += ["q", "dq"]
    else:
        body += [
            "ijk = wp.vec3i(int(uvw[0]), int(uvw[1]), int(uvw[2]))",
            "old = wp.volume_lookup_f(vol, ijk[0], ijk[1], ijk[2])",
            f"s = old * {g.flit(0.5, 0.99)}",
        ]
        vt["f"] += ["old", "s"]
    body += dataflow(g, vt, POST, g.int(2, 5), "z", branch_p=0.15, loop_p=0.0)
    if variant == "store":
        body.append(f"wp.volume_store_f(vol, ijk[0], ijk[1], ijk[2], {vt['f'][-1]})")
    body.append(f"out[i] = {reduce_to(g, vt, 'f')}")
    return KernelSpec("volumes", variant, "", args, body, (N,))
