"""nanoBragg's rule for switching tricubic interpolation of F on or off."""

from __future__ import annotations


def interpolation_enabled(
    Na: int, Nb: int, Nc: int, *, requested: bool | None = None, has_hkl: bool = True
) -> bool:
    """Whether nanoBragg interpolates structure factors.

    Without HKL data there is no grid to interpolate: off. An explicit user choice
    (``requested`` True/False, nanoBragg's ``-interpolate`` / ``-nointerpolate``) wins.
    Otherwise interpolation is on only for a small crystal, when any of the numbers of unit
    cells Na, Nb, Nc is <= 2 (nanoBragg.c: "auto-selected tricubic interpolation").
    """
    for name, n in (("Na", Na), ("Nb", Nb), ("Nc", Nc)):
        if n < 0:
            raise ValueError(f"{name} must be >= 0 unit cells, got {n!r}")
    if not has_hkl:
        return False
    if requested is not None:
        return bool(requested)
    return Na <= 2 or Nb <= 2 or Nc <= 2
