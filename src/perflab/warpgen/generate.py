"""Deterministic kernel generation: ``(seed, index) -> KernelSpec``.

Kernel ``index`` of a build belongs to category ``CATEGORIES[index % K]`` (so every prefix of
the stream has an even category mix) and draws all its random choices from
``numpy.random.default_rng([seed, index])``, so a kernel depends on nothing but its seed and
index: workers can generate any kernel in any order and get the same text.
"""

from __future__ import annotations

import numpy as np

from perflab.warpgen.categories import CATEGORIES
from perflab.warpgen.errors import GeneratorError
from perflab.warpgen.exprs import Gen
from perflab.warpgen.spec import KernelSpec

__all__ = [
    "CATEGORY_NAMES",
    "GENERATOR_VERSION",
    "category_of",
    "generate_kernel",
]

CATEGORY_NAMES: tuple[str, ...] = tuple(CATEGORIES)

# Bumped whenever the text generated for some (seed, index) changes, so that a build cannot
# resume shards written by an older generator (it is part of the build's identity).
# 2: the two operands of a binary operator or comparison are never the same expression.
# 3: categories composed from building blocks (perflab.warpgen.blocks), 7 new categories.
GENERATOR_VERSION = 3


def category_of(index: int) -> str:
    """The category of kernel ``index`` (round robin over :data:`CATEGORY_NAMES`)."""
    return CATEGORY_NAMES[index % len(CATEGORY_NAMES)]


def generate_kernel(seed: int, index: int, category: str | None = None) -> KernelSpec:
    """Generate kernel ``index`` of the stream seeded by ``seed``.

    ``category`` overrides the round-robin category (used by tests that sweep one category).
    The generator of kernel ``index`` is seeded by ``(seed, index, category)`` alone, so a
    kernel does not depend on the kernels before it: shards build in any order and in any
    process, and the same seed gives the same text.

    Parameters
    ----------
    seed : int
        Seed of the stream, >= 0.
    index : int
        Position of the kernel in the stream, >= 0.
    category : str, optional
        One of :data:`CATEGORY_NAMES`; default ``category_of(index)``.

    Returns
    -------
    KernelSpec
        The kernel (and any helper functions, structs or extra kernels of its module);
        ``python_source`` is the module's text.

    Raises
    ------
    GeneratorError
        A negative or non-integer ``seed`` or ``index``, or an unknown category.

    Examples
    --------
    >>> k = generate_kernel(0, 3)
    >>> k.category, k.kernel_name
    ('matrices', 'affine_mat3_k3')
    >>> k.python_source == generate_kernel(0, 3).python_source
    True
    >>> print(k.python_source.splitlines()[3])
    @wp.kernel
    """
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise GeneratorError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(index, int | np.integer) or index < 0:
        raise GeneratorError(f"index must be a non-negative integer, got {index!r}")
    cat = category or category_of(int(index))
    if cat not in CATEGORIES:
        raise GeneratorError(f"unknown category {cat!r}; known: {', '.join(CATEGORY_NAMES)}")
    g = Gen(np.random.default_rng([int(seed), int(index), CATEGORY_NAMES.index(cat)]))
    spec = CATEGORIES[cat](g)
    spec.kernel_name = f"{spec.variant.replace('+', '_')}_k{index}"
    for k in spec.more:  # the other kernels of a module keep their names, made unique too
        k.kernel_name = f"{k.kernel_name}_k{index}"
    return spec
