"""Eager PyTorch tricubic kernels: a fused gather-and-combine per chunk of queries.

Forward, per chunk (:func:`forward_chunk`): the range test, floors and Lagrange weights for
the three axes at once on (3, n) tensors; then :func:`contract` does nanoBragg's ``polin3``
(4-point Lagrange along l for each of the 16 (h, k) node rows, then along k, then along h)
in structure-of-arrays form, the points on the last (contiguous) axis of every array: for
each l node c, one ``index_select`` gathers ``F[row + c]`` for the 16 rows of every point
and one ``addcmul_`` adds them with weight ``wl_c``; four more multiply-adds on (4, n) and
(n,) arrays finish along k and h. Each step is one vectorised pass; no per-point 4x4x4
block and no per-point weight table is formed (two (16, n) buffers per chunk), and the
addresses are 32-bit when the grid allows. Queries that fail the range check are evaluated
at a safe in-range point and replaced by the nearest node or ``default_F``, computed for
those points only (per point; see :mod:`perflab.bragg.grid`).

Arithmetic is float64 for any storage dtype (as nanoBragg's double-precision C code); values
and gradients are rounded to the storage dtype when stored. The backward pass (used for
every forward backend) recomputes the same quantities per chunk:
dV/dF is the outer product of the three weight vectors (scattered with ``index_add_``),
dV/dh uses the weight derivatives on the h axis, and likewise for k and l.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from perflab.bragg.grid import GridSpec, check_finite, in_range_mask, nearest_index
from perflab.bragg.lagrange import lagrange_terms, lagrange_weight_derivatives, lagrange_weights

__all__ = [
    "DEFAULT_CHUNK",
    "Prepared",
    "backward",
    "contract",
    "forward",
    "forward_chunk",
    "prepare",
    "row_table",
]

DEFAULT_CHUNK = 16_384


def row_table(spec: GridSpec) -> torch.Tensor:
    """``G[i] = flat[i : i + 4]`` in float64, i < numel - 3, contiguous (numel - 3, 4)."""
    flat = spec.flat.to(torch.float64)
    if flat.numel() < 4:
        return flat.new_zeros((0, 4))
    return flat.unfold(0, 4, 1).contiguous()


def _block_geometry(spec: GridSpec, h, k, l, inside):
    """Weights per axis, and the flat address of node (-1, -1, -1) for each point.

    Points outside the range are moved to the safe point (x_min + 2 on each axis).
    """
    weights, base = [], None
    for x, lo, n in zip((h, k, l), spec.mins, spec.shape, strict=True):
        xs = torch.where(inside, x, torch.full_like(x, lo + 2))
        x0 = torch.floor(xs)
        weights.append(xs - x0)
        i = x0.to(torch.int64) - (lo + 1)
        base = i if base is None else base * n + i
    return weights, base


def _row_offsets(spec: GridSpec, device) -> torch.Tensor:
    sh, sk, _ = spec.strides
    a = torch.arange(4, device=device)
    return (a[:, None] * sh + a[None, :] * sk).reshape(-1)


def _gather_block(spec: GridSpec, G: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
    """The 4x4x4 neighbourhood of each point, shape (n, 4, 4, 4) indexed [h, k, l]."""
    idx = (base[:, None] + _row_offsets(spec, base.device)).reshape(-1)
    return G.index_select(0, idx).view(-1, 4, 4, 4)


class Prepared(NamedTuple):
    """What the fused forward needs for every chunk, built once per call (per-axis
    constants as (3, 1) columns, to broadcast against (3, n) queries)."""

    flat: torch.Tensor  # the grid, flat, float64
    shifted: tuple[torch.Tensor, ...]  # flat[c:] for c = 0..3 (views, no copy)
    lo: torch.Tensor  # (3, 1) float64 minima
    size: torch.Tensor  # (3, 1) float64 number of nodes
    strides: torch.Tensor  # (3, 1) int32 (int64 for grids of 2**31 nodes or more)
    offsets: torch.Tensor  # (16, 1), same dtype: flat offsets of the (h, k) node rows, h major


def prepare(spec: GridSpec, device) -> Prepared:
    """The per-call constants of :func:`forward_chunk` on ``device``."""
    f64 = {"dtype": torch.float64, "device": device}
    flat = spec.flat.to(torch.float64)
    # 32-bit addresses gather faster; the largest address is numel - 1
    index = torch.int32 if flat.numel() <= torch.iinfo(torch.int32).max else torch.int64
    return Prepared(
        flat=flat,
        shifted=tuple(flat[c:] for c in range(4)),
        lo=torch.tensor(spec.mins, **f64)[:, None],
        size=torch.tensor(spec.shape, **f64)[:, None],
        strides=torch.tensor(spec.strides, dtype=index, device=device)[:, None],
        offsets=_row_offsets(spec, device).to(index)[:, None],
    )


def _nearest_or_default(spec: GridSpec, p: Prepared, x: torch.Tensor) -> torch.Tensor:
    """Out-of-range points (3, m): F at ``ceil(x - 0.5)`` when on the grid and
    ``spec.nearest``, else ``default_F`` (see :func:`perflab.bragg.grid.nearest_index`)."""
    default = torch.full(x.shape[1:], spec.default_F, dtype=torch.float64, device=x.device)
    if not spec.nearest:
        return default
    x0 = torch.ceil(x - 0.5)
    on = ((x0 >= p.lo) & (x0 <= p.lo + p.size - 1)).all(0)
    idx = (torch.where(on, x0 - p.lo, 0.0).to(torch.int64) * p.strides).sum(0)
    return torch.where(on, p.flat.index_select(0, idx), default)


def _outside(spec: GridSpec, p: Prepared, x: torch.Tensor, inside: torch.Tensor, values):
    """Replace the values of the points that failed the range check (nearest node or
    ``default_F``); raises ``ValueError`` when one of them is NaN or infinite (such a point
    always fails the test, so only these points need the check)."""
    out = (~inside).nonzero().squeeze(1)
    xo = x.index_select(1, out)
    check_finite(*xo)
    values[out] = _nearest_or_default(spec, p, xo)
    return values


def contract(p: Prepared, base: torch.Tensor, w: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """``sum_abc wh_a wk_b wl_c F[base + a s_h + b s_k + c]`` for each point, in nanoBragg's
    order: along l for each of the 16 (h, k) node rows, then along k, then along h.

    ``w[j]`` holds the weights of node j for the three axes, shape (3, n). Points are the
    last (contiguous) axis of every array, so each step is one vectorised pass: the l
    contraction gathers, for node c, the 16 row values ``F[base + offset + c]`` of every
    point with one ``index_select`` and adds them with weight ``wl_c`` (``addcmul_``): at
    most two (16, n) buffers live at once, never a per-point 4x4x4 block.
    """
    idx = (base + p.offsets).view(-1)  # (16 n,): row starts, h-major then k, point last
    buf = torch.empty((16, base.numel()), dtype=torch.float64, device=base.device)
    acc = torch.empty_like(buf)
    for c in range(4):
        torch.index_select(p.shifted[c], 0, idx, out=buf.view(-1))
        if c == 0:
            torch.mul(buf, w[0][2], out=acc)  # (16, n) * (n,): broadcast over the rows
        else:
            acc.addcmul_(buf, w[c][2])
    acc = acc.view(4, 4, -1)  # [h node, k node, point]
    along_k = acc[:, 0] * w[0][1]
    for b in range(1, 4):
        along_k.addcmul_(acc[:, b], w[b][1])
    value = along_k[0] * w[0][0]
    for a in range(1, 4):
        value.addcmul_(along_k[a], w[a][0])
    return value


def forward_chunk(spec: GridSpec, p: Prepared, h, k, l):
    """Values (float64) and in-range mask for one chunk of flat queries.

    The three axes are handled together as (3, n) tensors (contiguous along the points):
    nanoBragg's range test, floors, Lagrange weights (:func:`perflab.bragg.lagrange.
    lagrange_terms`) and the flat address of node (-1, -1, -1); then :func:`contract` does
    the gather and the 64-term combination. Points out of range are evaluated at a safe
    in-range point, then replaced by the nearest node or ``default_F`` (:func:`_outside`).
    """
    x = torch.stack((h, k, l)).to(torch.float64)  # (3, n)
    if not spec.interpolate:
        inside = torch.zeros(x.shape[1:], dtype=torch.bool, device=x.device)
    else:  # nanoBragg's test, per axis: (x - x_min + 3) <= range and (x - 2) >= x_min
        inside = (((x - p.lo + 3) <= p.size) & ((x - 2) >= p.lo)).all(0)
    all_inside = bool(inside.all())
    if not spec.can_interpolate:
        return _outside(spec, p, x, inside, torch.empty_like(x[0])), inside
    xs = x if all_inside else torch.where(inside, x, p.lo + 2)  # out of range: a safe point
    x0 = torch.floor(xs)
    base = ((x0 - (p.lo + 1)).to(p.offsets.dtype) * p.strides).sum(0, dtype=p.offsets.dtype)
    interp = contract(p, base, lagrange_terms(xs - x0))
    if not all_inside:
        _outside(spec, p, x, inside, interp)
    return interp, inside


def forward(spec: GridSpec, h, k, l, out, mask, *, chunk: int | None = None) -> None:
    """Fill ``out`` and ``mask`` (flat) chunk by chunk."""
    chunk = chunk or DEFAULT_CHUNK
    p = prepare(spec, h.device)
    for s in range(0, h.numel(), chunk):
        sl = slice(s, s + chunk)
        out[sl], mask[sl] = forward_chunk(spec, p, h[sl], k[sl], l[sl])


def backward(
    spec: GridSpec,
    h,
    k,
    l,
    grad_out: torch.Tensor,
    *,
    need_F: bool,
    need_hkl: tuple[bool, bool, bool],
    chunk: int | None = None,
):
    """Gradients of sum(grad_out * V(F; h, k, l)) w.r.t. F (flat) and h, k, l."""
    chunk = chunk or DEFAULT_CHUNK
    G = row_table(spec)
    f64 = torch.float64
    gF = torch.zeros_like(spec.flat, dtype=f64) if need_F else None
    ghkl = [torch.zeros_like(h) if need else None for need in need_hkl]
    sh, sk, _ = spec.strides
    a = torch.arange(4, device=h.device)
    off64 = (a[:, None, None] * sh + a[None, :, None] * sk + a[None, None, :]).reshape(-1)
    for s in range(0, h.numel(), chunk):
        sl = slice(s, s + chunk)
        hc, kc, lc, g = (x[sl].to(f64) for x in (h, k, l, grad_out))
        inside = in_range_mask(spec, hc, kc, lc)
        if need_F and spec.nearest:
            idx, on = nearest_index(spec, hc, kc, lc)
            take = on & ~inside
            gF.index_add_(0, idx[take], g[take])
        if not spec.can_interpolate:
            continue
        gi = torch.where(inside, g, torch.zeros_like(g))
        (th, tk, tl), base = _block_geometry(spec, hc, kc, lc, inside)
        wh, wk, wl = lagrange_weights(th), lagrange_weights(tk), lagrange_weights(tl)
        if need_F:
            coef = gi[:, None, None, None] * wh[:, :, None, None] * wk[:, None, :, None]
            coef = coef * wl[:, None, None, :]
            gF.index_add_(0, (base[:, None] + off64).reshape(-1), coef.reshape(-1))
        if any(need_hkl):
            v = _gather_block(spec, G, base)  # [n, h, k, l]
            vl = (v * wl[:, None, None, :]).sum(-1)  # [n, h, k]
            vkl = (vl * wk[:, None, :]).sum(-1)  # [n, h]
            if need_hkl[0]:
                ghkl[0][sl] = gi * (vkl * lagrange_weight_derivatives(th)).sum(-1)
            if need_hkl[1]:
                dk = (vl * lagrange_weight_derivatives(tk)[:, None, :]).sum(-1)
                ghkl[1][sl] = gi * (dk * wh).sum(-1)
            if need_hkl[2]:
                dl = (v * lagrange_weight_derivatives(tl)[:, None, None, :]).sum(-1)
                dl = (dl * wk[:, None, :]).sum(-1)
                ghkl[2][sl] = gi * (dl * wh).sum(-1)
    if gF is not None:
        gF = gF.to(spec.flat.dtype)
    return gF, ghkl
