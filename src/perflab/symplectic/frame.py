"""Unit frames: every geometric computation runs on a copy of unit size centred at 0.

A body ``K`` is written ``K = s U + c`` with ``c`` the centre of its bounding box and ``s``
the power of two nearest to its half-width, so that ``U`` lies in a box of half-width in
[1/sqrt(2), sqrt(2)) around the origin. Qhull, the LPs and the capacity solvers work on
``U``: their fixed thresholds are made for unit size, and Qhull's squared distances would
overflow (segmentation fault) above about 1e154 and underflow below 1e-154. Results map
back by the scaling laws, c_EHZ(sK + t) = s^2 c_EHZ(K), vol(sK + t) = s^d vol(K), with ``s``
a power of two (exact in floating point).

Range (documented limits, checked before any solver runs):

- coordinates must satisfy |x| <= :data:`MAX_COORD` (1e300);
- a body must be at least :data:`MIN_SIZE` (1e-290) wide, and its width must be resolved by
  float64 at its distance from the origin: the relative resolution
  ``eps * max|x| / half-width`` must be at most :data:`MAX_RESOLUTION` (1e-6); a cube of
  size 1 at 1e9 (resolution 2e-7) is fine, a cube of size 1e-3 at 1e9 is refused;
- a quantity whose true value exceeds the float64 range is returned as ``inf``; one that
  would fall below the normal range (and lose its digits) raises :class:`OutOfFloatRange`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "MAX_COORD",
    "MAX_RESOLUTION",
    "MIN_SIZE",
    "OutOfFloatRange",
    "bounding_frame",
    "check_magnitude",
    "pow2",
    "scale_back",
]

MAX_COORD = 1e300
MIN_SIZE = 1e-290
MAX_RESOLUTION = 1e-6
EPS = float(np.finfo(np.float64).eps)
TINY = float(np.finfo(np.float64).tiny)


class OutOfFloatRange(ArithmeticError):
    """A result lies below the normal float64 range (it would underflow and lose digits)."""


def pow2(size: float) -> float:
    """The power of two nearest to the positive finite ``size`` (in log scale)."""
    m, e = math.frexp(size)  # size = m 2^e, 0.5 <= m < 1
    return math.ldexp(1.0, e if m >= math.sqrt(0.5) else e - 1)


def check_magnitude(X: np.ndarray, name: str, error: type[Exception]) -> None:
    """Raise ``error`` naming ``name`` when an entry of ``X`` exceeds :data:`MAX_COORD`."""
    big = float(np.max(np.abs(X))) if X.size else 0.0
    if big > MAX_COORD:
        raise error(
            f"{name} has entries up to {big:.3g} in magnitude; the supported range is "
            f"|x| <= {MAX_COORD:g} (rescale the body)"
        )


def bounding_frame(V: np.ndarray, error: type[Exception]) -> tuple[np.ndarray, float, float]:
    """``(c, s, size)`` for the points ``V`` (rows): bounding-box centre ``c``, half-width
    ``size`` and ``s = pow2(size)``. Raises ``error`` (naming the numbers) for a body below
    :data:`MIN_SIZE` or one that float64 cannot resolve at its distance from the origin.
    Computed without overflow (halves before differences)."""
    lo, hi = V.min(axis=0), V.max(axis=0)
    half = hi / 2 - lo / 2
    c = lo / 2 + hi / 2
    size = float(np.max(half))
    if size == 0.0:
        raise error("all points coincide: a single point is not a polytope")
    far = float(np.max(np.abs(V)))
    if size < MIN_SIZE:
        raise error(
            f"the body is {size:.3g} wide, below the supported {MIN_SIZE:g} "
            "(float64 loses digits there): rescale it"
        )
    resolution = EPS * far / size
    if resolution > MAX_RESOLUTION:
        raise error(
            f"the body is {size:.3g} wide at distance {far:.3g} from the origin: float64 "
            f"resolves its shape only to {resolution:.2g} of its size (limit "
            f"{MAX_RESOLUTION:g}); translate it towards the origin"
        )
    return c, pow2(size), size


def scale_back(value: float, s: float, power: int, what: str) -> float:
    """``value * s**power`` for a power of two ``s`` (exact), ``inf`` past the float64
    range; :class:`OutOfFloatRange` when the result would be below the normal range."""
    if value == 0.0 or not math.isfinite(value):
        return value
    e = round(math.log2(s)) * power
    m, ev = math.frexp(value)
    if ev + e > 1024:
        return math.copysign(math.inf, value)
    out = math.ldexp(value, e)
    if abs(out) < TINY:
        raise OutOfFloatRange(
            f"{what} is about 2^{ev + e} = {value:.6g} * 2^{e}: below the float64 normal "
            f"range ({TINY:.3g}); rescale the body"
        )
    return out
