"""The kernel categories: name -> generator ``(Gen) -> KernelSpec``.

Each generator picks one of several structurally different variants (not one template with
renamed variables) and fills it with random, type-correct, finite-by-construction expressions.
"""

from __future__ import annotations

from collections.abc import Callable

from perflab.warpgen.categories.arithmetic import (
    elementwise,
    int_bitops,
    math_builtins,
    type_conversions,
)
from perflab.warpgen.categories.control import branching, helper_funcs, loops_early_exit
from perflab.warpgen.categories.linalg import matrices, quaternions_transforms, vectors
from perflab.warpgen.categories.memory import (
    gather_scatter,
    linalg_loops,
    reductions_atomics,
    stencils,
    structs,
)
from perflab.warpgen.categories.simulation import geometry, particles, random_noise
from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import KernelSpec

CATEGORIES: dict[str, Callable[[Gen], KernelSpec]] = {
    "elementwise": elementwise,
    "math_builtins": math_builtins,
    "vectors": vectors,
    "matrices": matrices,
    "quaternions_transforms": quaternions_transforms,
    "branching": branching,
    "loops_early_exit": loops_early_exit,
    "reductions_atomics": reductions_atomics,
    "stencils": stencils,
    "structs": structs,
    "helper_funcs": helper_funcs,
    "random_noise": random_noise,
    "int_bitops": int_bitops,
    "type_conversions": type_conversions,
    "geometry": geometry,
    "particles": particles,
    "gather_scatter": gather_scatter,
    "linalg_loops": linalg_loops,
}

__all__ = ["CATEGORIES"]
