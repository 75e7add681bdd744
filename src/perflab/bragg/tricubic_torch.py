"""Eager PyTorch tricubic kernels: one fused weighted gather per chunk of queries.

Forward, per chunk (:func:`forward_chunk`): the range test, floors and Lagrange weights for
the three axes at once on (3, n) tensors; then ``torch.nn.functional.embedding_bag`` in mode
sum over a strided view of F whose row i is ``F.flat[i : i + 4]`` (no copy): for each point
it reads the 16 rows of 4 l-values of its 4x4x4 neighbourhood and adds them weighted by
``wh_a wk_b``, so the gather and 48 of the 64 multiply-adds happen in one C++ pass without a
per-point block in memory; a 4-term dot product with ``wl`` finishes (mathematically
nanoBragg's ``polin3``; the rounding differs from its l -> k -> h order by a few ulps).
Queries that fail the range check are evaluated at a safe in-range point and replaced by
the nearest node or ``default_F``, computed for those points only (per point; see
:mod:`perflab.bragg.grid`).

Arithmetic is float64 for any storage dtype (as nanoBragg's double-precision C code); values
and gradients are rounded to the storage dtype when stored. The backward pass (used for
every forward backend) recomputes the same quantities per chunk:
dV/dF is the outer product of the three weight vectors (scattered with ``index_add_``),
dV/dh uses the weight derivatives on the h axis, and likewise for k and l.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as nnf

from perflab.bragg.grid import GridSpec, check_finite, in_range_mask, nearest_index
from perflab.bragg.lagrange import lagrange_weight_derivatives, lagrange_weights

DEFAULT_CHUNK = 16_384


def row_table(spec: GridSpec) -> torch.Tensor:
    """``G[i] = flat[i : i + 4]`` in float64, i < numel - 3, contiguous (numel - 3, 4)."""
    flat = spec.flat.to(torch.float64)
    if flat.numel() < 4:
        return flat.new_zeros((0, 4))
    return flat.unfold(0, 4, 1).contiguous()


def row_view(spec: GridSpec) -> torch.Tensor:
    """``flat.unfold(0, 4, 1)``: row i is ``flat[i : i + 4]``, a strided view (no copy) of
    the float64 grid, shape (numel - 3, 4). The fused forward gathers from it, so its
    working set is the grid itself (nanoBragg's ``Fhkl``), not a 4x larger table."""
    flat = spec.flat.to(torch.float64)
    if flat.numel() < 4:
        return flat.new_zeros((0, 4))
    return flat.unfold(0, 4, 1)


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


def _outside_values(spec: GridSpec, h, k, l) -> torch.Tensor:
    """Value for a point that fails the range check: nearest node or default_F."""
    default = torch.full_like(h, spec.default_F)
    if not spec.nearest:
        return default
    idx, on = nearest_index(spec, h, k, l)
    return torch.where(on, spec.flat.take(idx).to(h.dtype), default)


#: Lagrange weights on the nodes -1, 0, 1, 2 as cubics in t: w_j(t) = sum_p C[p, j] t^p
#: (the polynomials of :mod:`perflab.bragg.lagrange`, expanded; at t = 0 exactly (0, 1, 0, 0))
WEIGHT_COEFFS = (
    (0.0, 1.0, 0.0, 0.0),
    (-1.0 / 3.0, -0.5, 1.0, -1.0 / 6.0),
    (0.5, -1.0, 0.5, 0.0),
    (-1.0 / 6.0, 0.5, -0.5, 1.0 / 6.0),
)


class Prepared(NamedTuple):
    """What the fused forward needs for every chunk, built once per call (per-axis
    constants as (3, 1) columns, to broadcast against (3, n) queries)."""

    rows: torch.Tensor  # row_view(spec)
    lo: torch.Tensor  # (3, 1) float64 minima
    size: torch.Tensor  # (3, 1) float64 number of nodes
    strides: torch.Tensor  # (3, 1) int64
    offsets: torch.Tensor  # (16,) int64 row offsets of the (h, k) nodes
    coeffs: torch.Tensor  # (4, 4, 1) float64 WEIGHT_COEFFS


def prepare(spec: GridSpec, device) -> Prepared:
    """The per-call constants of :func:`forward_chunk` on ``device``."""
    f64 = {"dtype": torch.float64, "device": device}
    return Prepared(
        rows=row_view(spec),
        lo=torch.tensor(spec.mins, **f64)[:, None],
        size=torch.tensor(spec.shape, **f64)[:, None],
        strides=torch.tensor(spec.strides, dtype=torch.int64, device=device)[:, None],
        offsets=_row_offsets(spec, device),
        coeffs=torch.tensor(WEIGHT_COEFFS, **f64)[:, :, None],
    )


def _nearest_or_default(spec: GridSpec, p: Prepared, x: torch.Tensor) -> torch.Tensor:
    """Out-of-range points (3, n): F at ``ceil(x - 0.5)`` when on the grid and
    ``spec.nearest``, else ``default_F`` (see :func:`perflab.bragg.grid.nearest_index`)."""
    default = torch.full(x.shape[1:], spec.default_F, dtype=torch.float64, device=x.device)
    if not spec.nearest:
        return default
    x0 = torch.ceil(x - 0.5)
    on = ((x0 >= p.lo) & (x0 <= p.lo + p.size - 1)).all(0)
    idx = (torch.where(on, x0 - p.lo, 0.0).to(torch.int64) * p.strides).sum(0)
    return torch.where(on, spec.flat.take(idx).to(torch.float64), default)


def forward_chunk(spec: GridSpec, p: Prepared, h, k, l):
    """Values (float64) and in-range mask for one chunk of flat queries.

    The three axes are handled together as (3, n) tensors (contiguous along the points).
    One weighted gather does the work of nanoBragg's 4x4x4 block: ``embedding_bag`` (mode
    sum) reads, for each point, the 16 rows of 4 l-values around it from the strided row view
    of F and adds them with the weights ``wh_a wk_b`` (gather and weighting in one pass; no
    per-point block is materialised); a 4-term dot product with ``wl`` finishes. The weights
    are the Lagrange cubics in Horner form (:data:`WEIGHT_COEFFS`). NaN and infinite indices
    always fail the range test, so finiteness is checked only in chunks with points out of
    range, whose values are computed for those points only.
    """
    x = torch.stack((h, k, l)).to(torch.float64)  # (3, n)
    if not spec.interpolate:
        inside = torch.zeros(x.shape[1:], dtype=torch.bool, device=x.device)
    else:  # nanoBragg's test, per axis: (x - x_min + 3) <= range and (x - 2) >= x_min
        inside = (((x - p.lo + 3) <= p.size) & ((x - 2) >= p.lo)).all(0)
    all_inside = bool(inside.all())
    if not all_inside:
        check_finite(h, k, l)
    if not spec.can_interpolate:
        return _nearest_or_default(spec, p, x), inside
    xs = x if all_inside else torch.where(inside, x, p.lo + 2)  # out of range: a safe point
    x0 = torch.floor(xs)
    t = (xs - x0)[:, None, :]  # (3, 1, n)
    c = p.coeffs
    w = ((c[3] * t + c[2]) * t + c[1]) * t + c[0]  # (3, 4, n): axis, node, point
    base = ((x0 - (p.lo + 1)).to(torch.int64) * p.strides).sum(0)
    psw = (w[0][:, None, :] * w[1][None, :, :]).reshape(16, -1).T.contiguous()
    rows = nnf.embedding_bag(base[:, None] + p.offsets, p.rows, per_sample_weights=psw,
                             mode="sum")  # fmt: skip
    interp = (rows * w[2].T).sum(-1)
    if not all_inside:
        out = (~inside).nonzero().squeeze(1)
        interp[out] = _nearest_or_default(spec, p, x[:, out])
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
