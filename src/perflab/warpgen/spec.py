"""What a generated kernel is: its Python source plus a description of its arguments.

A :class:`KernelSpec` carries everything needed to (a) write the kernel as a stand-alone
Python module, (b) launch it on random inputs for validation: the launch dimensions and, for
each argument, its annotation, shape and the range its random values must lie in so that the
kernel is well defined (indices in bounds, unit quaternions, positive denominators...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "DTYPES",
    "INITS",
    "ArgSpec",
    "FieldSpec",
    "KernelSpec",
    "arr",
    "array_annotation",
    "obj",
    "scalar",
]

# dtype key -> (numpy dtype, trailing shape, is_float)
DTYPES: dict[str, tuple[str, tuple[int, ...], bool]] = {
    "float": ("float32", (), True),
    "wp.float32": ("float32", (), True),
    "wp.float64": ("float64", (), True),
    "wp.float16": ("float16", (), True),
    "int": ("int32", (), False),
    "wp.int32": ("int32", (), False),
    "wp.int64": ("int64", (), False),
    "wp.uint32": ("uint32", (), False),
    "wp.uint8": ("uint8", (), False),
    "wp.int8": ("int8", (), False),
    "wp.vec2": ("float32", (2,), True),
    "wp.vec3": ("float32", (3,), True),
    "wp.vec4": ("float32", (4,), True),
    "wp.vec3d": ("float64", (3,), True),
    "wp.vec2i": ("int32", (2,), False),
    "wp.vec3i": ("int32", (3,), False),
    "wp.mat22": ("float32", (2, 2), True),
    "wp.mat33": ("float32", (3, 3), True),
    "wp.mat44": ("float32", (4, 4), True),
    "wp.quat": ("float32", (4,), True),
    "wp.transform": ("float32", (7,), True),
    "wp.spatial_vector": ("float32", (6,), True),
}

# how random values are drawn: "unit" uniform [-1, 1], "pos" uniform [0.1, 2], "zeros",
# "quat" unit quaternions, "xform" rigid transforms, "index:N" integers in [0, N),
# "bits" arbitrary unsigned/signed integers, "small" integers in [-8, 8]; for ``wp.uint64``
# handles of warp objects (kind "object"): "mesh:<n>" (a closed triangle mesh of n x n
# quads per face of a perturbed cube), "bvh:<n>" (n random boxes), "hashgrid:<points arg>"
# (a hash grid built over that array of vec3 with cell size 0.25), "volume" (an 8^3 float
# NanoVDB volume, voxel size 0.25)
INITS = ("unit", "pos", "zeros", "quat", "xform", "bits", "small")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a ``@wp.struct`` argument."""

    name: str
    dtype: str
    init: str = "unit"


@dataclass(frozen=True)
class ArgSpec:
    """One kernel argument.

    ``kind`` is ``"array"`` (shape ``shape``, element ``dtype``), ``"scalar"`` (value
    ``value``), ``"object"`` (the ``wp.uint64`` id of a mesh, BVH, hash grid or volume built
    as ``init`` says) or ``"struct"`` (an instance of the struct ``dtype`` defined in the kernel's
    module, its fields drawn per ``fields``).
    """

    name: str
    annotation: str
    kind: str
    dtype: str
    shape: tuple[int, ...] = ()
    init: str = "unit"
    value: float | int | None = None
    fields: tuple[FieldSpec, ...] = ()
    struct_array: bool = False


@dataclass
class KernelSpec:
    """A generated kernel: helpers, signature, body and launch dimensions."""

    category: str
    variant: str
    kernel_name: str
    args: list[ArgSpec]
    body: list[str]
    dim: tuple[int, ...]
    helpers: list[str] = field(default_factory=list)
    # further kernels of the same module, launched after this one in order; arguments with
    # the same name are the same array or object (a pipeline of kernels)
    more: list[KernelSpec] = field(default_factory=list)
    # tile kernels are launched with wp.launch_tiled(dim, block_dim)
    block_dim: int | None = None
    # a module-level constant block (``TILE = wp.constant(8)``) printed after the import
    constants: list[str] = field(default_factory=list)

    @property
    def kernels(self) -> list[KernelSpec]:
        """This kernel and the :attr:`more` kernels of its module, in launch order."""
        return [self, *self.more]

    def kernel_text(self) -> str:
        """The ``@wp.kernel`` definition of this kernel alone."""
        sig = ", ".join(f"{a.name}: {a.annotation}" for a in self.args)
        head = f"def {self.kernel_name}({sig}):"
        if len(head) > 96:
            inner = "".join(f"    {a.name}: {a.annotation},\n" for a in self.args)
            head = f"def {self.kernel_name}(\n{inner}):"
        body = "".join(f"    {line}\n" if line else "\n" for line in self.body)
        return f"@wp.kernel\n{head}\n{body}"

    @property
    def python_source(self) -> str:
        """The module: import, constants, helpers (structs, funcs), then the kernels."""
        parts = ["import warp as wp\n"]
        if self.constants:
            parts.append("".join(c.rstrip("\n") + "\n" for c in self.constants))
        parts += [h.rstrip("\n") + "\n" for h in self.helpers]
        parts += [k.kernel_text() for k in self.kernels]
        return "\n\n".join(parts)


def array_annotation(dtype: str, ndim: int = 1) -> str:
    """The Warp annotation of an array of ``dtype`` with ``ndim`` dimensions."""
    if ndim == 1:
        return f"wp.array(dtype={dtype})"
    return f"wp.array{ndim}d(dtype={dtype})"


def arr(name: str, dtype: str, shape: tuple[int, ...], init: str = "unit") -> ArgSpec:
    """An array argument of ``len(shape)`` dimensions."""
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}")
    return ArgSpec(name, array_annotation(dtype, len(shape)), "array", dtype, shape, init)


def scalar(name: str, dtype: str, value: float | int) -> ArgSpec:
    """A scalar argument passed by value."""
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}")
    return ArgSpec(name, dtype, "scalar", dtype, value=value)


def obj(name: str, init: str) -> ArgSpec:
    """A ``wp.uint64`` handle of a mesh, BVH, hash grid or volume (see :data:`INITS`)."""
    return ArgSpec(name, "wp.uint64", "object", "wp.uint64", init=init)
