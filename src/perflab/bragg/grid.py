"""The structure-factor grid as the kernels see it, and nanoBragg's per-point range rules.

F is stored on integer Miller indices: ``F[i, j, m]`` is F(h_min + i, k_min + j, l_min + m).
nanoBragg (J. Holton, nanoBragg.c, main pixel loop) decides per query:

* interpolate when, on every axis, ``(x - x_min + 3) <= x_range`` and ``(x - 2) >= x_min``
  (the negation of its out-of-range test, evaluated in double precision like the C code).
  This is one index stricter on each side than the 4-node neighbourhood needs;
* otherwise the nearest node ``ceil(x - 0.5)`` (if it lies on the grid on every axis, and the
  caller asked for ``out_of_range="nearest"``), else ``default_F``.

Unlike the C code, which switches interpolation off for the rest of the run after the first
out-of-range point, every decision here is made for that point alone
(``tricubic_interpolate(..., interpolation="sticky")`` reproduces the C's run-wide switch;
it evaluates the points after the switch with a spec whose ``interpolate`` is False).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = [
    "INDEX_MAX",
    "INDEX_MIN",
    "OUT_OF_RANGE_MODES",
    "GridSpec",
    "check_finite",
    "check_out_of_range",
    "in_range_mask",
    "make_grid_spec",
    "nearest_index",
    "parse_hkl_min",
]

OUT_OF_RANGE_MODES = ("nearest", "default")
INDEX_MIN, INDEX_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class GridSpec:
    """A flattened F grid with its index ranges and out-of-range policy.

    ``flat`` is ``F.reshape(-1)`` (contiguous, detached, in the compute dtype).
    """

    flat: torch.Tensor
    shape: tuple[int, int, int]
    mins: tuple[int, int, int]
    default_F: float
    nearest: bool
    interpolate: bool = True

    @property
    def maxs(self) -> tuple[int, int, int]:
        return tuple(lo + n - 1 for lo, n in zip(self.mins, self.shape, strict=True))  # type: ignore[return-value]

    @property
    def can_interpolate(self) -> bool:
        """Some query can pass the range check only if every axis has at least 5 nodes (and
        interpolation is not switched off)."""
        return self.interpolate and min(self.shape) >= 5

    @property
    def strides(self) -> tuple[int, int, int]:
        _, K, L = self.shape
        return (K * L, L, 1)


def parse_hkl_min(hkl_min: Any) -> tuple[int, int, int]:
    """Three integers (h_min, k_min, l_min); raises ``ValueError`` otherwise."""
    if isinstance(hkl_min, torch.Tensor):
        hkl_min = hkl_min.detach().cpu().tolist()
    values = list(np.asarray(hkl_min, dtype=object).reshape(-1))
    if len(values) != 3:
        raise ValueError(f"hkl_min must hold 3 integers (h_min, k_min, l_min), got {hkl_min!r}")
    out = []
    for v in values:
        try:
            iv = int(v)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"hkl_min entries must be integers, got {v!r}") from exc
        if iv != v:
            raise ValueError(f"hkl_min entries must be integers, got {v!r}")
        out.append(iv)
    return out[0], out[1], out[2]


def check_out_of_range(out_of_range: str) -> None:
    """Raise ``ValueError`` unless ``out_of_range`` is one of :data:`OUT_OF_RANGE_MODES`."""
    if out_of_range not in OUT_OF_RANGE_MODES:
        raise ValueError(f"out_of_range must be one of {OUT_OF_RANGE_MODES}, got {out_of_range!r}")


def make_grid_spec(
    F: torch.Tensor, hkl_min: Any, *, default_F: float, out_of_range: str
) -> GridSpec:
    """Validate ``F`` and the policy and build a :class:`GridSpec` (F detached, flattened)."""
    if out_of_range not in OUT_OF_RANGE_MODES:
        raise ValueError(f"out_of_range must be one of {OUT_OF_RANGE_MODES}, got {out_of_range!r}")
    if F.ndim != 3:
        raise ValueError(f"F must be a 3-D grid F[h, k, l], got shape {tuple(F.shape)}")
    if F.numel() == 0:
        raise ValueError(f"F is empty (shape {tuple(F.shape)})")
    finite = torch.isfinite(F.detach())
    if not bool(finite.all()):
        bad = int((~finite).sum())
        first = tuple(int(i) for i in (~finite).nonzero()[0])
        raise ValueError(
            f"F has {bad} NaN or infinite value(s) (first at index {first}); the "
            "interpolation of a non-finite grid is NaN, so it is refused"
        )
    try:
        default = float(default_F)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"default_F must be a real number, got {default_F!r}") from exc
    shape = (int(F.shape[0]), int(F.shape[1]), int(F.shape[2]))
    mins = parse_hkl_min(hkl_min)
    for lo, n in zip(mins, shape, strict=True):
        # the kernels address the grid with 32-bit Miller indices (Warp's int); beyond that
        # an index would wrap around silently and select the wrong structure factor
        if lo < INDEX_MIN or lo + n - 1 > INDEX_MAX:
            raise ValueError(
                f"Miller indices of the grid ({lo}..{lo + n - 1}) must lie in the 32-bit "
                f"range [{INDEX_MIN}, {INDEX_MAX}]; got hkl_min={mins} with F shape {shape}"
            )
    return GridSpec(
        flat=F.detach().contiguous().reshape(-1),
        shape=shape,
        mins=mins,
        default_F=default,
        nearest=out_of_range == "nearest",
    )


def in_range_mask(spec: GridSpec, h: torch.Tensor, k: torch.Tensor, l: torch.Tensor):
    """nanoBragg's interpolation range check per point (True = interpolate), in float64.

    All False when interpolation is switched off (``spec.interpolate`` False)."""
    if not spec.interpolate:
        return torch.zeros(h.shape, dtype=torch.bool, device=h.device)
    ok = None
    for x, lo, n in zip((h, k, l), spec.mins, spec.shape, strict=True):
        xd = x.to(torch.float64)
        inside = ((xd - lo + 3) <= n) & ((xd - 2) >= lo)
        ok = inside if ok is None else ok & inside
    return ok


def nearest_index(spec: GridSpec, h: torch.Tensor, k: torch.Tensor, l: torch.Tensor):
    """Flat index of the nearest node ``ceil(x - 0.5)`` and whether it lies on the grid.

    Off-grid points get index 0 (a valid address); use the returned mask to discard them.
    """
    idx = None
    on = None
    for x, lo, n in zip((h, k, l), spec.mins, spec.shape, strict=True):
        x0 = torch.ceil(x.to(torch.float64) - 0.5)
        o = (x0 >= lo) & (x0 <= lo + n - 1)
        i = torch.where(o, x0 - lo, 0.0).to(torch.int64)
        idx = i if idx is None else idx * n + i
        on = o if on is None else on & o
    return idx, on


def check_finite(h: torch.Tensor, k: torch.Tensor, l: torch.Tensor) -> None:
    """Raise ``ValueError`` when a fractional Miller index is NaN or infinite."""
    for name, x in (("h", h), ("k", k), ("l", l)):
        if not bool(torch.isfinite(x).all()):
            raise ValueError(
                f"{name} contains NaN or infinite Miller indices; "
                "no structure factor is defined there"
            )
