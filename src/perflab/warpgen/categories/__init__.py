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
from perflab.warpgen.categories.composed import (
    bit_mixing,
    conversions,
    elementwise_composed,
    gather_composed,
    linalg_composed,
    loops_composed,
    particles_composed,
    random_composed,
    reduction_composed,
    rotations,
    stencil_composed,
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
from perflab.warpgen.categories.modules import multi_kernel, numerics, rigid_bodies
from perflab.warpgen.categories.queries import geometry_queries, neighbours, volumes
from perflab.warpgen.categories.simulation import geometry, particles, random_noise
from perflab.warpgen.categories.tiles import tile_ml
from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import KernelSpec

Generator = Callable[[Gen], KernelSpec]


def mix(classic: Generator, composed: Generator, p_composed: float = 0.8) -> Generator:
    """The classic hand-written variants with probability ``1 - p_composed``, otherwise
    the variant composed from building blocks (the classic ones alone repeat skeletons)."""

    def gen(g: Gen) -> KernelSpec:
        return composed(g) if g.coin(p_composed) else classic(g)

    gen.__doc__ = f"{classic.__doc__} / {composed.__doc__}"
    return gen


CATEGORIES: dict[str, Generator] = {
    "elementwise": mix(elementwise, elementwise_composed, 0.85),
    "math_builtins": math_builtins,
    "vectors": vectors,
    "matrices": matrices,
    "quaternions_transforms": mix(quaternions_transforms, rotations),
    "branching": branching,
    "loops_early_exit": mix(loops_early_exit, loops_composed),
    "reductions_atomics": mix(reductions_atomics, reduction_composed, 0.85),
    "stencils": mix(stencils, stencil_composed),
    "structs": structs,
    "helper_funcs": helper_funcs,
    "random_noise": mix(random_noise, random_composed),
    "int_bitops": mix(int_bitops, bit_mixing, 0.6),
    "type_conversions": mix(type_conversions, conversions, 0.9),
    "geometry": geometry,  # classic helpers (ray/box, closest point); see geometry_queries
    "particles": mix(particles, particles_composed),
    "gather_scatter": mix(gather_scatter, gather_composed, 0.85),
    "linalg_loops": mix(linalg_loops, linalg_composed, 0.7),
    "geometry_queries": geometry_queries,
    "neighbours": neighbours,
    "volumes": volumes,
    "tile_ml": tile_ml,
    "multi_kernel": multi_kernel,
    "rigid_bodies": rigid_bodies,
    "numerics": numerics,
}

__all__ = ["CATEGORIES"]
