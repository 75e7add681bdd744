"""Validation of generated kernels: compile for the CPU and launch, compile CUDA to PTX.

A launch draws every input from the range its :class:`~perflab.warpgen.spec.ArgSpec` asks for
(indices in bounds, unit quaternions...), seeded by the kernel's ``(seed, index)``, runs the
kernel on the CPU, and checks that every floating-point array (inputs are updated in place by
some kernels) holds only finite values afterwards. CUDA source is compiled to PTX with warp's
bundled NVRTC, which needs no GPU; on a machine with a CUDA device the kernel is also launched
there, otherwise the record says that CUDA code was not executed.

Each check is stored as one of the strings :data:`PASSED`, :data:`FAILED` or :data:`NOT_RUN`,
never JSON ``null``: Hugging Face ``datasets`` types a column from the first shard it reads,
and a shard without a sampled kernel would type the checks ``null`` and make every later
shard (with booleans) fail to load.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import types
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import warp as wp

from perflab.warpgen import codegen
from perflab.warpgen.records import FAILED, NOT_RUN, PASSED
from perflab.warpgen.spec import DTYPES, ArgSpec, KernelSpec

__all__ = [
    "NOT_EXECUTED_NO_GPU",
    "NOT_SAMPLED",
    "Validation",
    "launch_all",
    "launch_and_check",
    "make_inputs",
    "outcome",
    "output_checksum",
    "validate_kernel",
]

NOT_EXECUTED_NO_GPU = "CUDA code not executed: no CUDA device on the build machine"
NOT_SAMPLED = "not in the validation sample"


def outcome(ok: bool) -> str:
    """:data:`PASSED` or :data:`FAILED`."""
    return PASSED if ok else FAILED


@dataclass
class Validation:
    """Per-kernel validation outcome, stored in both backends' records.

    Each check is :data:`PASSED`, :data:`FAILED` or :data:`NOT_RUN` (the kernel was not in
    the validation sample, an earlier step failed, or there is no GPU for ``cuda_launched``);
    ``error`` is empty when nothing failed.
    """

    codegen_ok: bool = True
    sampled: bool = False
    cpu_compiled: str = NOT_RUN
    launched: str = NOT_RUN
    outputs_finite: str = NOT_RUN
    ptx_compiled: str = NOT_RUN
    ptx_arch: str = f"sm_{codegen.DEFAULT_PTX_ARCH}"
    cuda_launched: str = NOT_RUN
    cuda_note: str = NOT_SAMPLED
    output_sha256: str = ""
    equivalence: str = NOT_RUN
    equivalence_note: str = NOT_SAMPLED
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _draw(rng: np.random.Generator, dtype: str, shape: tuple[int, ...], init: str) -> np.ndarray:
    np_dtype, inner, is_float = DTYPES[dtype]
    full = tuple(shape) + inner
    if init == "zeros":
        return np.zeros(full, dtype=np_dtype)
    if init == "quat":
        q = rng.normal(size=full)
        return (q / np.linalg.norm(q, axis=-1, keepdims=True)).astype(np_dtype)
    if init == "xform":
        p = rng.uniform(-1, 1, size=tuple(shape) + (3,))
        q = rng.normal(size=tuple(shape) + (4,))
        q /= np.linalg.norm(q, axis=-1, keepdims=True)
        return np.concatenate([p, q], axis=-1).astype(np_dtype)
    if init == "sorted":
        return np.sort(rng.uniform(-1.0, 1.0, size=full)).astype(np_dtype)
    if init.startswith("index:"):
        return rng.integers(0, int(init.split(":")[1]), size=full).astype(np_dtype)
    if init.startswith("perm:"):
        return rng.permutation(int(init.split(":")[1])).astype(np_dtype)
    if init.startswith("csr:"):
        per_row = int(init.split(":")[1])
        rows = shape[0] - 1
        lengths = rng.integers(0, 2 * per_row + 1, size=rows)
        starts = np.minimum(np.concatenate([[0], np.cumsum(lengths)]), rows * per_row)
        return starts.astype(np_dtype)
    if init == "bits":
        info = np.iinfo(np_dtype)
        return rng.integers(info.min, info.max, size=full, endpoint=True, dtype=np_dtype)
    if init == "small" or not is_float:
        return rng.integers(-8, 9, size=full).astype(np_dtype)
    if init == "pos":
        return rng.uniform(0.1, 2.0, size=full).astype(np_dtype)
    return rng.uniform(-1.0, 1.0, size=full).astype(np_dtype)


def _random_value(rng: np.random.Generator, wtype: Any, init: str, pymod: types.ModuleType) -> Any:
    """A random value of warp type ``wtype`` (scalar, vector/matrix, or struct)."""
    if hasattr(wtype, "vars") and hasattr(wtype, "cls"):  # a warp struct
        return _random_struct(rng, wtype, {}, pymod)
    if wtype is int or wp.types.type_is_int(wtype):
        return int(rng.integers(0, 9)) if init == "pos" else int(rng.integers(-8, 9))
    if wtype is float or wp.types.type_is_float(wtype):
        return float(rng.uniform(0.1, 2.0)) if init == "pos" else float(rng.uniform(-1.0, 1.0))
    length = getattr(wtype, "_length_", None)
    if length is None:
        raise ValueError(f"cannot draw a random value of type {wtype!r}")
    vals = _draw(rng, "float", (int(length),), "pos" if init == "pos" else "unit")
    return wtype(*[float(v) for v in vals])


def _random_struct(rng, struct_type, inits: dict[str, str], pymod):
    inst = struct_type()
    for name, var in struct_type.vars.items():
        setattr(inst, name, _random_value(rng, var.type, inits.get(name, "unit"), pymod))
    return inst


def _object(rng: np.random.Generator, a: ArgSpec, values: dict[str, Any], device: str) -> Any:
    """A warp mesh, BVH, hash grid or volume as ``a.init`` asks (see ``spec.INITS``)."""
    kind, _, param = a.init.partition(":")
    if kind == "mesh":
        pts, tris = _closed_mesh(rng, int(param or 3))
        return wp.Mesh(
            points=wp.array(pts, dtype=wp.vec3, device=device),
            indices=wp.array(tris.reshape(-1), dtype=wp.int32, device=device),
            velocities=wp.array(
                rng.uniform(-1, 1, pts.shape).astype(np.float32), dtype=wp.vec3, device=device
            ),
        )
    if kind == "bvh":
        lo = rng.uniform(-1.0, 1.0, (int(param or 16), 3)).astype(np.float32)
        hi = lo + rng.uniform(0.05, 0.5, lo.shape).astype(np.float32)
        return wp.Bvh(
            wp.array(lo, dtype=wp.vec3, device=device), wp.array(hi, dtype=wp.vec3, device=device)
        )
    if kind == "hashgrid":
        grid = wp.HashGrid(8, 8, 8, device=device)
        grid.build(values[param], 0.25)
        return grid
    if kind == "volume":
        data = rng.uniform(-1.0, 1.0, (8, 8, 8)).astype(np.float32)
        return wp.Volume.load_from_numpy(
            data, min_world=(-1.0, -1.0, -1.0), voxel_size=0.25, bg_value=0.0, device=device
        )
    raise ValueError(f"unknown object init {a.init!r} for {a.name}")


def _closed_mesh(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A closed, consistently oriented triangle mesh: a cube of side 1.2 with ``n x n``
    quads per face, vertices jittered by up to 2 % of the side."""
    verts: dict[tuple[int, int, int], int] = {}
    pts: list[tuple[float, float, float]] = []
    tris = []

    def vid(c: tuple[int, int, int]) -> int:
        if c not in verts:
            verts[c] = len(pts)
            pts.append(tuple(x / n * 1.2 - 0.6 for x in c))
        return verts[c]

    for axis in range(3):
        for side in (0, n):
            u, v = (axis + 1) % 3, (axis + 2) % 3
            for i in range(n):
                for j in range(n):
                    quad = []
                    for di, dj in ((0, 0), (1, 0), (1, 1), (0, 1)):
                        c = [0, 0, 0]
                        c[axis], c[u], c[v] = side, i + di, j + dj
                        quad.append(vid(tuple(c)))
                    a, b, c2, d = quad if side == n else quad[::-1]
                    tris += [(a, b, c2), (a, c2, d)]
    p = np.asarray(pts, dtype=np.float32)
    p += rng.uniform(-0.012, 0.012, p.shape).astype(np.float32)
    return p, np.asarray(tris, dtype=np.int32)


def make_inputs(spec: KernelSpec, pymod: types.ModuleType, rng: np.random.Generator, device: str):
    """Launch arguments for every kernel of ``spec``'s module on ``device``.

    Returns ``(values, checked, keep)``: ``values`` maps an argument name to its launch
    value (arguments of the same name in several kernels share it), ``checked`` lists the
    ``(ArgSpec, wp.array)`` pairs whose contents are checked after the launches, ``keep``
    the warp objects (meshes, grids...) that must outlive the launches.
    """
    values: dict[str, Any] = {}
    checked, keep = [], []
    objects = []
    for a in (a for k in spec.kernels for a in k.args):
        if a.name in values or any(o.name == a.name for o in objects):
            continue
        if a.kind == "array":
            data = _draw(rng, a.dtype, a.shape, a.init)
            wtype = eval(a.dtype, {"wp": wp, "float": float, "int": int})  # noqa: S307
            arr = wp.array(data, dtype=wtype, device=device)
            values[a.name] = arr
            checked.append((a, arr))
        elif a.kind == "scalar":
            values[a.name] = float(a.value) if DTYPES[a.dtype][2] else int(a.value)
        elif a.kind == "object":
            objects.append(a)  # built once every array exists (a grid needs its points)
        elif a.kind == "struct":
            st = getattr(pymod, a.dtype)
            inits = {f.name: f.init for f in a.fields}
            if a.struct_array:
                items = [_random_struct(rng, st, inits, pymod) for _ in range(a.shape[0])]
                arr = wp.array(items, dtype=st, device=device)
                values[a.name] = arr
                checked.append((a, arr))
            else:
                values[a.name] = _random_struct(rng, st, inits, pymod)
        else:
            raise ValueError(f"unknown argument kind {a.kind!r} for {a.name}")
    for a in objects:
        o = _object(rng, a, values, device)
        keep.append(o)
        values[a.name] = o.id
    return values, checked, keep


def _all_finite(checked: list[tuple[ArgSpec, Any]]) -> tuple[bool, str]:
    for a, arr in checked:
        data = arr.numpy()
        if data.dtype.names:  # array of structs: check the floating-point fields
            parts = [data[f] for f in data.dtype.names if np.issubdtype(data[f].dtype, np.floating)]
        else:
            parts = [data] if np.issubdtype(data.dtype, np.floating) else []
        for p in parts:
            if not np.all(np.isfinite(p)):
                return False, f"non-finite values in {a.name}"
    return True, ""


def output_checksum(checked: list[tuple[ArgSpec, Any]]) -> str:
    """SHA-256 over ``name``, then the raw bytes, of every checked array after the launches."""
    h = hashlib.sha256()
    for a, arr in sorted(checked, key=lambda p: p[0].name):
        h.update(a.name.encode() + b"\0")
        h.update(np.ascontiguousarray(arr.numpy()).tobytes())
    return h.hexdigest()


def launch_all(spec: KernelSpec, pymod: types.ModuleType, values: dict[str, Any], device: str):
    """Launch the module's kernels in order (``launch_tiled`` for tile kernels)."""
    for k in spec.kernels:
        kernel = getattr(pymod, k.kernel_name)
        inputs = [values[a.name] for a in k.args]
        if k.block_dim:
            wp.launch_tiled(kernel, dim=k.dim, inputs=inputs, block_dim=k.block_dim, device=device)
        else:
            wp.launch(kernel, dim=k.dim, inputs=inputs, device=device)
    wp.synchronize_device(device)


def launch_and_check(spec: KernelSpec, pymod: types.ModuleType, rng, device: str):
    """Launch the module on random inputs on ``device``.

    Returns (finite, message, output sha256, initial inputs as numpy, outputs as numpy).
    """
    values, checked, keep = make_inputs(spec, pymod, rng, device)
    initial = {a.name: arr.numpy().copy() for a, arr in checked}
    launch_all(spec, pymod, values, device)
    finite, msg = _all_finite(checked)
    outputs = {a.name: arr.numpy() for a, arr in checked}
    del keep
    return finite, msg, output_checksum(checked), initial, outputs


def validate_kernel(
    spec: KernelSpec,
    pymod: types.ModuleType,
    *,
    seed: int,
    index: int,
    work_dir: str | os.PathLike[str],
    ptx_arch: int = codegen.DEFAULT_PTX_ARCH,
) -> Validation:
    """Compile for the CPU, launch on random inputs, compare with the numpy reference,
    compile CUDA to PTX (and launch on a GPU when there is one).

    Never raises for a kernel problem: failures are recorded in the result with their error.
    """
    from perflab.warpgen.reference import check_equivalence

    kernel = getattr(pymod, spec.kernel_name)
    v = Validation(sampled=True, ptx_arch=f"sm_{ptx_arch}", cuda_note="")
    errors = []
    try:
        codegen.compile_cpu(kernel)
        v.cpu_compiled = PASSED
    except Exception as exc:
        v.cpu_compiled = FAILED
        errors.append(f"cpu compile: {type(exc).__name__}: {exc}")
    if v.cpu_compiled == PASSED:
        try:
            rng = np.random.default_rng([seed, index, 99])
            finite, msg, v.output_sha256, initial, outputs = launch_and_check(
                spec, pymod, rng, "cpu"
            )
            v.launched = PASSED
            v.outputs_finite = outcome(finite)
            if not finite:
                errors.append(f"cpu launch: {msg}")
            v.equivalence, v.equivalence_note = check_equivalence(spec, initial, outputs)
            if v.equivalence == FAILED:
                errors.append(f"equivalence: {v.equivalence_note}")
        except Exception as exc:
            v.launched = FAILED
            errors.append(f"cpu launch: {type(exc).__name__}: {exc}")
    if v.launched != PASSED:
        v.equivalence_note = "not run: the CPU launch did not happen"
    ptx_dir = Path(work_dir) / f"ptx-{index}"
    try:
        codegen.compile_ptx(kernel, ptx_dir, ptx_arch)
        v.ptx_compiled = PASSED
    except Exception as exc:
        v.ptx_compiled = FAILED
        errors.append(f"ptx compile: {type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(ptx_dir, ignore_errors=True)
    if codegen.cuda_device_count() > 0:
        try:
            rng = np.random.default_rng([seed, index, 99])
            finite, msg, *_ = launch_and_check(spec, pymod, rng, "cuda:0")
            v.cuda_launched = outcome(finite)
            v.cuda_note = "launched on cuda:0" + ("" if finite else f" ({msg})")
        except Exception as exc:
            v.cuda_launched = FAILED
            errors.append(f"cuda launch: {type(exc).__name__}: {exc}")
    else:
        v.cuda_note = NOT_EXECUTED_NO_GPU
    v.error = "; ".join(errors)
    return v
