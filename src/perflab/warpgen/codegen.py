"""Every call into warp-lang that depends on its release (pinned: warp-lang 1.19.0).

Warp turns a Python ``@wp.kernel`` into C++ (CPU, compiled by the bundled Clang/LLVM) and
CUDA C++ (compiled by the bundled NVRTC). The public ahead-of-time route
(``wp.compile_aot_module``) always compiles; the source-only route used here runs the same
code-generation step a module runs before compiling (``Module._run_codegen`` in 1.19, an
internal method), which gives the identical text without invoking a compiler. Everything that
touches warp internals lives in this module so that a new warp release means editing one file.

Determinism (see ``/work/shared/notes/warp.md``): each kernel is loaded as its own Python
module from a virtual file named :data:`VIRTUAL_FILENAME` (registered in ``linecache``), so
the ``<L n>`` line comments count lines of the kernel's own source and the file comments carry
no machine path; modules are built with ``strip_hash`` so symbols carry no content hash.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import warp as wp

from perflab.warpgen.errors import CodegenError

__all__ = [
    "DEFAULT_PTX_ARCH",
    "MATHDX_OPTIONS",
    "PINNED_WARP_VERSION",
    "VIRTUAL_FILENAME",
    "WARP_VERSION",
    "GeneratedCode",
    "builtin_names",
    "check_warp_version",
    "compile_cpu",
    "compile_options",
    "compile_ptx",
    "cuda_device_count",
    "generate_code",
    "init_warp",
    "load_source",
    "module_of",
    "type_names",
    "unload",
]

WARP_VERSION: str = wp.config.version
PINNED_WARP_VERSION = "1.19.0"
VIRTUAL_FILENAME = "kernel.py"
DEFAULT_PTX_ARCH = 86
MATHDX_OPTIONS = ("enable_mathdx_gemm", "enable_mathdx_solver", "enable_mathdx_fft")


def check_warp_version() -> None:
    """Raise :class:`CodegenError` when the installed warp is not the pinned release."""
    if WARP_VERSION != PINNED_WARP_VERSION:
        raise CodegenError(
            f"warp-lang {WARP_VERSION} is installed but perflab.warpgen is pinned to "
            f"{PINNED_WARP_VERSION}: generated code differs between releases"
        )


def init_warp(kernel_cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Initialise warp quietly, with its kernel cache in ``kernel_cache_dir`` if given.

    Must run before the first kernel is compiled; a no-op when warp is already initialised
    (the cache folder then stays what it was).
    """
    check_warp_version()
    wp.config.quiet = True
    wp.config.log_level = wp.LOG_WARNING
    if kernel_cache_dir is not None and not _is_initialized():
        Path(kernel_cache_dir).mkdir(parents=True, exist_ok=True)
        wp.config.kernel_cache_dir = os.fspath(kernel_cache_dir)
    wp.init()


def _is_initialized() -> bool:
    from warp._src import context

    return context.runtime is not None


def cuda_device_count() -> int:
    """Number of CUDA devices usable for launches (0 on a machine without a driver)."""
    return int(wp.get_cuda_device_count())


def load_source(python_source: str, module_name: str) -> types.ModuleType:
    """Execute ``python_source`` as the Python module ``module_name`` from a virtual file.

    The source is registered in ``linecache`` under :data:`VIRTUAL_FILENAME` so that warp's
    ``inspect.getsource`` finds it; line numbers in the generated code are those of this text.
    """
    if module_name in sys.modules:
        raise CodegenError(f"module name {module_name!r} is already in use")
    lines = python_source.splitlines(keepends=True)
    filename = VIRTUAL_FILENAME  # one kernel is loaded at a time per process
    linecache.cache[filename] = (len(python_source), None, lines, filename)
    mod = types.ModuleType(module_name)
    mod.__file__ = filename
    sys.modules[module_name] = mod
    try:
        with _fresh_function_numbering():
            exec(compile(python_source, filename, "exec"), mod.__dict__)  # noqa: S102
    except Exception:
        unload(mod)
        raise
    return mod


@contextlib.contextmanager
def _fresh_function_numbering() -> Iterator[None]:
    """Number the ``@wp.func`` functions defined inside the block as a fresh process would.

    warp 1.19 names the C++ function of each ``@wp.func`` ``<name>_<n>``, where ``n`` counts
    the functions of that name created so far in the process (``function_key_counts``), so
    without this a kernel's generated text would depend on which kernels its worker generated
    before it. The block starts from empty counts; afterwards every count is the larger of
    the old and the new one, so functions defined later still get names no live function has.
    """
    from warp._src import context

    counts = context.function_key_counts
    saved = dict(counts)
    counts.clear()
    try:
        yield
    finally:
        mine = dict(counts)
        counts.clear()
        counts.update(saved)
        for key, n in mine.items():
            counts[key] = max(n, saved.get(key, 0))


def unload(mod: types.ModuleType) -> None:
    """Forget a module made by :func:`load_source` (Python, linecache and warp registries)."""
    from warp._src import context

    name = mod.__name__
    wmod = context.user_modules.pop(name, None)
    if wmod is not None:
        try:
            wmod.unload()
        except Exception:  # unloading a never-loaded module is harmless
            pass
    sys.modules.pop(name, None)
    linecache.cache.pop(getattr(mod, "__file__", ""), None)


def module_of(kernel: Any) -> Any:
    """The warp Module a kernel belongs to."""
    return kernel.module


@dataclass(frozen=True)
class GeneratedCode:
    """The C++ (CPU) and CUDA C++ text of one module, from one code-generation pass each."""

    cpu: str
    cuda: str
    options: dict[str, Any]
    compile_options: dict[str, dict[str, Any]]


def generate_code(
    kernel: Any, *, enable_backward: bool, cuda_arch: int = DEFAULT_PTX_ARCH
) -> GeneratedCode:
    """Run warp's code generation for ``kernel``'s module once; emit CPU C++ and CUDA C++.

    Raises :class:`CodegenError` (with warp's message) when warp rejects the kernel.
    """
    mod = kernel.module
    mod.options["enable_backward"] = bool(enable_backward)
    # tile matmul/Cholesky/FFT: warp's own CUDA implementations, not libmathdx LTO-IR,
    # which NVRTC-compiles a device library during code generation (~40 s per module)
    for lib in MATHDX_OPTIONS:
        mod.options[lib] = False
    mod._set_strip_hash(True)
    try:
        from warp._src.context import ModuleBuilder

        mod.hash_module()
        base = mod.resolve_options(wp.config)
        # one pass: build the kernel adjoints once (CUDA target) and emit both sources; the
        # texts equal those of the per-device passes Module._compile runs (tested)
        builder = ModuleBuilder(
            mod,
            base | {"output_arch": int(cuda_arch)},
            hasher=mod.hashers.get(base["block_dim"]),
            target="cuda",
        )
        cpu_src = builder.codegen("cpu")
        cuda_src = builder.codegen("cuda")
    except Exception as exc:
        raise CodegenError(f"{type(exc).__name__}: {exc}") from exc
    options = {
        "enable_backward": bool(enable_backward),
        "mode": base["mode"],
        "block_dim": int(base["block_dim"]),
        "fast_math": bool(base["fast_math"]),
        "strip_hash": True,
        "cuda_arch": f"sm_{int(cuda_arch)}",
        "mathdx": False,
    }
    compile = {b: compile_options(base, b, cuda_arch) for b in ("cpu", "cuda")}
    return GeneratedCode(cpu=cpu_src, cuda=cuda_src, options=options, compile_options=compile)


def compile_cpu(kernel: Any) -> None:
    """Compile ``kernel``'s module for the CPU with the bundled Clang and load it."""
    kernel.module.load(wp.get_device("cpu"))


def compile_ptx(kernel: Any, out_dir: str | os.PathLike[str], arch: int = DEFAULT_PTX_ARCH) -> int:
    """Compile the module's CUDA source to PTX with the bundled NVRTC; return the PTX size.

    Needs no GPU. Raises :class:`CodegenError` if no PTX with a kernel entry point appears.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wp.compile_aot_module(
        kernel.module, device=None, arch=int(arch), use_ptx=True, module_dir=out_dir
    )
    ptx = sorted(out_dir.glob("*.ptx"))
    if not ptx:
        raise CodegenError(f"NVRTC wrote no PTX for sm_{arch}")
    data = ptx[0].read_bytes()
    if b".entry" not in data:
        raise CodegenError("PTX has no .entry (no kernel was compiled)")
    return len(data)


def compile_options(base: dict[str, Any], backend: str, cuda_arch: int) -> dict[str, Any]:
    """The options warp 1.19 hands the compiler of ``backend`` for a module with ``base``.

    CPU: the Clang/LLVM bundled with warp (``build_cpu``: optimisation level 2 unless set,
    ``cpu_compiler_flags``); CUDA: NVRTC (``build_cuda``: level 3 unless set) to PTX.
    """
    common = {
        "mode": str(base["mode"]),
        "fast_math": bool(base["fast_math"]),
        "fuse_fp": bool(base["fuse_fp"]),
        "verify_fp": bool(base["verify_fp"]),
        "block_dim": int(base["block_dim"]),
        "lineinfo": bool(base["lineinfo"]),
    }
    level = base.get("optimization_level")
    if backend == "cpu":
        return {
            "compiler": f"clang (LLVM bundled with warp-lang {WARP_VERSION})",
            "optimization_level": 2 if level is None else int(level),
            "flags": str(base["cpu_compiler_flags"]),
            "output": "object",
            **common,
        }
    return {
        "compiler": f"nvrtc (bundled with warp-lang {WARP_VERSION})",
        "optimization_level": 3 if level is None else int(level),
        "flags": f"--gpu-architecture=sm_{int(cuda_arch)}",
        "output": "ptx",
        **common,
    }


def builtin_names() -> tuple[frozenset[str], frozenset[str]]:
    """(non-tile, tile) names of warp's registered builtins (355 in warp 1.19).

    A builtin is a tile builtin when its name contains ``tile`` (``tile_*``, ``untile``,
    ``*_tiled``).
    """
    from warp._src import context

    names = frozenset(context.builtin_functions)
    tile = frozenset(n for n in names if "tile" in n)
    return names - tile, tile


def type_names() -> frozenset[str]:
    """Names of warp's value types reachable as ``wp.X``: scalars, vectors, matrices,
    quaternions, transforms, spatial types, array and query types."""
    from warp._src import types as wtypes

    out = set()
    for n in dir(wp):
        obj = getattr(wp, n)
        if n.startswith("_"):
            continue
        if isinstance(obj, type) and hasattr(obj, "_wp_scalar_type_"):
            out.add(n)
        elif obj in wtypes.scalar_types or obj is bool:
            out.add(n)
        elif n.startswith("array") and n != "array_store" or n.endswith("Query") or "Query" in n:
            out.add(n)
        elif n in ("indexedarray", "fabricarray", "indexedfabricarray"):
            out.add(n)
    return frozenset(out)
