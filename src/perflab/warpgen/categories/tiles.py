"""ML operators on warp tiles (``wp.tile_*``), launched with ``wp.launch_tiled``.

warp 1.19 runs tile kernels on the CPU (checked here for every builtin used below); only
``wp.tile(x)``/``wp.untile`` are degenerate there (the CPU block has one thread), so they are
not used. Each kernel is one operator (tiled matmul with an epilogue, softmax, layer norm,
scans and sorts, a Cholesky solve, 1-D convolution) whose element-wise parts are a random
chain of tile operations.
"""

from __future__ import annotations

from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import ArgSpec, KernelSpec, arr

__all__ = [
    "ACTS",
    "B",
    "BLOCK_DIM",
    "T",
    "tile_ml",
]

B = 4  # rows / blocks launched
T = 16  # tile length
ACTS = ("wp.tanh", "wp.sin", "wp.abs", "wp.exp", "wp.cos")
BLOCK_DIM = 8


def _chain(g: Gen, src: str, n: int, prefix: str) -> tuple[list[str], str]:
    """``n`` element-wise tile operations on the 1-D tile ``src`` (length ``T``)."""
    lines, cur = [], src
    ops = [
        lambda a: f"wp.tile_map({g.choice(ACTS[:3])}, {a})",
        lambda a: f"{a} * {g.flit(0.2, 1.5)}",
        lambda a: f"{a} + wp.tile_full(shape={T}, value={g.flit(-1.0, 1.0)}, dtype=float)",
        lambda a: f"wp.tile_map(wp.max, {a}, wp.tile_zeros(shape={T}, dtype=float))",
        lambda a: f"wp.tile_map(wp.min, {a}, wp.tile_ones(shape={T}, dtype=float))",
        lambda a: f"{a} - wp.tile_arange({T}, dtype=float) * {g.flit(0.01, 0.1)}",
        lambda a: f"wp.tile_astype(wp.tile_astype({a}, dtype=wp.float64), dtype=float)",
        lambda a: f"wp.tile_scan_inclusive({a}) * {g.flit(0.05, 0.2)}",
        lambda a: (
            f"wp.tile_reshape(wp.tile_transpose(wp.tile_reshape({a}, shape=(4, 4))), shape=({T},))"
        ),
    ]
    for k in range(n):
        name = f"{prefix}{k}"
        lines.append(f"{name} = {g.choice(ops)(cur)}")
        cur = name
    return lines, cur


def _reduce(g: Gen, t: str) -> str:
    return g.choice(
        (
            f"wp.tile_extract(wp.tile_sum({t}), 0)",
            f"wp.tile_extract(wp.tile_max({t}), 0)",
            f"wp.tile_extract(wp.tile_min({t}), 0)",
            f"wp.tile_extract(wp.tile_reduce(wp.add, {t}), 0)",
            f"float(wp.tile_extract(wp.tile_argmax({t}), 0))",
            f"float(wp.tile_extract(wp.tile_argmin({t}), 0))",
        )
    )


def tile_ml(g: Gen) -> KernelSpec:
    variant = g.choice(("matmul", "softmax", "layernorm", "scan_sort", "solve", "conv1d"))
    body = ["i = wp.tid()"]
    args = [arr("x", "float", (B, T)), arr("y", "float", (B, T))]
    if variant == "matmul":
        src = _tile_ml_matmul(g, body, args)
    elif variant == "softmax":
        src = _tile_ml_softmax(g, body, args)
    elif variant == "layernorm":
        src = _tile_ml_layernorm(g, body, args)
    elif variant == "scan_sort":
        src = _tile_ml_scan_sort(g, body, args)
    elif variant == "solve":
        src = _tile_ml_solve(g, body, args)
    else:
        src = _tile_ml_conv1d(g, body, args)
    chain, last = _chain(g, src, g.int(1, 4), "h")
    body += chain
    body.append(f"r = {_reduce(g, last)}")
    if g.coin(0.5):
        body.append(f"rr = wp.tile_randf(shape=16, rng=wp.rand_init({g.int(0, 999)}, i))")
        body.append(f"wp.tile_axpy({g.flit(0.01, 0.1)}, rr, {last})")
    body.append(f"wp.tile_store(out[i], {last})")
    body.append("wp.tile_atomic_add(total, wp.tile_full(shape=1, value=r, dtype=float))")
    args += [arr("out", "float", (B, T), "zeros"), arr("total", "float", (1,), "zeros")]
    return KernelSpec("tile_ml", variant, "", args, body, (B,), block_dim=BLOCK_DIM)


def _tile_ml_matmul(g: Gen, body: list[str], args: list[ArgSpec]):
    """The ``matmul`` variant: appends to ``body`` (may widen ``args``), returns the tile."""
    body += [
        "a = wp.tile_reshape(wp.tile_load(x[i], shape=16), shape=(4, 4))",
        "b = wp.tile_reshape(wp.tile_load(y[i], shape=16), shape=(4, 4))",
    ]
    if g.coin(0.5):
        body += ["c = wp.tile_zeros(shape=(4, 4), dtype=float)", "wp.tile_matmul(a, b, c)"]
    else:
        body += ["c = wp.tile_matmul(a, wp.tile_transpose(b))"]
    body += ["flat = wp.tile_reshape(c, shape=(16,))"]
    src = "flat"
    return src


def _tile_ml_softmax(g: Gen, body: list[str], args: list[ArgSpec]):
    """The ``softmax`` variant: appends to ``body`` (may widen ``args``), returns the tile."""
    body += [
        "v = wp.tile_load(x[i], shape=16)",
        "m = wp.tile_extract(wp.tile_max(v), 0)",
        "e = wp.tile_map(wp.exp, v - wp.tile_full(shape=16, value=m, dtype=float))",
        "s = wp.tile_extract(wp.tile_sum(e), 0)",
        "p = e * (1.0 / s)",
    ]
    src = "p"
    return src


def _tile_ml_layernorm(g: Gen, body: list[str], args: list[ArgSpec]):
    """The ``layernorm`` variant: appends to ``body`` (may widen ``args``), returns the tile."""
    body += [
        "v = wp.tile_load(x[i], shape=16)",
        "mean = wp.tile_extract(wp.tile_sum(v), 0) / 16.0",
        "c = v - wp.tile_full(shape=16, value=mean, dtype=float)",
        "var = wp.tile_extract(wp.tile_sum(wp.tile_map(wp.mul, c, c)), 0) / 16.0",
        f"nrm = c * (1.0 / wp.sqrt(var + {g.flit(1e-5, 1e-3)}))",
        "gamma = wp.tile_load(y[i], shape=16)",
        "p = wp.tile_map(wp.mul, nrm, gamma)",
    ]
    src = "p"
    return src


def _tile_ml_scan_sort(g: Gen, body: list[str], args: list[ArgSpec]):
    """The ``scan_sort`` variant: appends to ``body`` (may widen ``args``), returns the tile."""
    scan = g.choice(
        ("tile_scan_inclusive", "tile_scan_exclusive", "tile_scan_max_inclusive")
        + ("tile_scan_min_inclusive",)
    )
    body += [
        "keys = wp.tile_load(x[i], shape=16)",
        "vals = wp.tile_arange(16, dtype=int)",
        "wp.tile_sort(keys, vals)",
        f"p = wp.{scan}(keys) + wp.tile_astype(vals, dtype=float) * 0.01",
    ]
    src = "p"
    return src


def _tile_ml_solve(g: Gen, body: list[str], args: list[ArgSpec]):
    """The ``solve`` variant: appends to ``body`` (may widen ``args``), returns the tile."""
    body += [
        "m = wp.tile_reshape(wp.tile_load(x[i], shape=16), shape=(4, 4))",
        "a = wp.tile_matmul(m, wp.tile_transpose(m))",
        "a = wp.tile_diag_add(a, wp.tile_full(shape=4, value=4.0, dtype=float))",
        "l = wp.tile_cholesky(a)",
        "rhs = wp.tile_view(wp.tile_load(y[i], shape=16), offset=(0,), shape=(4,))",
    ]
    body.append(
        g.choice(
            (
                "z = wp.tile_cholesky_solve(l, rhs)",
                "z = wp.tile_upper_solve(wp.tile_transpose(l), wp.tile_lower_solve(l, rhs))",
            )
        )
    )
    body += [
        "zz = wp.tile_squeeze(wp.tile_reshape(z, shape=(1, 4)))",
        "p = wp.tile_broadcast(wp.tile_reshape(zz, shape=(4, 1)), shape=(4, 4))",
        # a broadcast is a strided view: copy it into a new tile before reshaping
        "p = wp.tile_map(wp.mul, p, wp.tile_ones(shape=(4, 4), dtype=float))",
        "p = wp.tile_reshape(p, shape=(16,))",
    ]
    src = "p"
    return src


def _tile_ml_conv1d(g: Gen, body: list[str], args: list[ArgSpec]):
    """The ``conv1d`` variant: appends to ``body`` (may widen ``args``), returns the tile."""
    taps = g.int(2, 4)
    args[0] = arr("x", "float", (B, T + 4))
    body.append("p = wp.tile_zeros(shape=16, dtype=float)")
    for k in range(taps):
        body.append(f"w{k} = {g.flit(-1.0, 1.0)}")
        body.append(f"p = p + wp.tile_load(x[i], shape=16, offset={k}) * w{k}")
    src = "p"
    return src
