"""Profile targets of the kernel-dataset build (``python -m perflab.devtools.profile warpgen.X``).

Each entry of :data:`PROFILE_TARGETS` maps a name to a zero-argument *factory*: calling it
does the set-up and returns the zero-argument callable that is profiled (see
:mod:`perflab.devtools.profile`). The workloads are the per-kernel steps of the build, on
a batch of kernels from :func:`perflab.warpgen.generate.generate_kernel` (seed 0, one
kernel of each category):

- ``generate``: generating the Python source of the batch;
- ``codegen``: warp's code generation (C++ and CUDA C++ in one pass,
  :func:`perflab.warpgen.codegen.generate_code`) of every kernel of the batch, each loaded
  as a module never seen before (as in the build and in ``benchmarks/warpgen/``), then
  unloaded.

Compilation (Clang, NVRTC) is not a target: a compile is dominated by the external compiler,
which no Python profiler sees; ``benchmarks/warpgen/`` times it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from perflab.harness.workloads import Factory  # the factory convention, one definition

__all__ = [
    "PROFILE_TARGETS",
    "SEED",
    "Factory",
    "codegen",
    "generate",
]


SEED = 0


def _batch() -> list[Any]:
    from perflab.warpgen.generate import CATEGORY_NAMES, generate_kernel

    return [generate_kernel(SEED, i) for i in range(len(CATEGORY_NAMES))]


def generate() -> Callable[[], Any]:
    """generate_kernel for one kernel of each category (Python source of the batch)."""
    from perflab.warpgen.generate import CATEGORY_NAMES, generate_kernel

    n = len(CATEGORY_NAMES)
    return lambda: [generate_kernel(SEED, i) for i in range(n)]


def codegen() -> Callable[[], Any]:
    """warp code generation (CPU C++ + CUDA C++) of one kernel of each category."""
    from perflab.warpgen import codegen as cg

    cg.init_warp()
    specs = _batch()
    names = itertools.count()

    def run() -> list[int]:
        sizes = []
        for spec in specs:
            mod = cg.load_source(spec.python_source, f"wg_profile_{next(names)}")
            try:
                code = cg.generate_code(getattr(mod, spec.kernel_name), enable_backward=True)
                sizes.append(len(code.cpu) + len(code.cuda))
            finally:
                cg.unload(mod)
        return sizes

    return run


PROFILE_TARGETS: dict[str, Factory] = {
    "generate": generate,
    "codegen": codegen,
}
