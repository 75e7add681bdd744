"""nanoBragg's rule for switching tricubic interpolation of F on or off."""

from __future__ import annotations

__all__ = ["interpolation_enabled"]


def interpolation_enabled(
    Na: int, Nb: int, Nc: int, *, requested: bool | None = None, has_hkl: bool = True
) -> bool:
    """Whether nanoBragg interpolates structure factors.

    Without HKL data there is no grid to interpolate: off. An explicit choice (``requested``,
    nanoBragg's ``-interpolate`` / ``-nointerpolate``) wins. Otherwise interpolation is on
    only for a small crystal: any of Na, Nb, Nc <= 2 ("auto-selected tricubic interpolation").

    Parameters
    ----------
    Na, Nb, Nc : int, unit cells along a, b, c (>= 0).
    requested : bool, optional, the user's explicit choice.
    has_hkl : bool, whether structure factors were given.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        A negative number of unit cells (named).

    References
    ----------
    J. Holton, nanoBragg.c (option parsing, "auto-selected tricubic interpolation").

    Examples
    --------
    >>> interpolation_enabled(10, 10, 10), interpolation_enabled(1, 10, 10)
    (False, True)
    >>> interpolation_enabled(10, 10, 10, requested=True)
    True
    >>> interpolation_enabled(1, 1, 1, has_hkl=False)
    False
    """
    for name, n in (("Na", Na), ("Nb", Nb), ("Nc", Nc)):
        if n < 0:
            raise ValueError(f"{name} must be >= 0 unit cells, got {n!r}")
    if not has_hkl:
        return False
    if requested is not None:
        return bool(requested)
    return Na <= 2 or Nb <= 2 or Nc <= 2
