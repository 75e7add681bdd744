"""Eager PyTorch tricubic kernels: separable weights, batched row gather, l->k->h contraction.

Forward, per chunk of queries: per-axis Lagrange weights (4 per axis, see
:mod:`perflab.bragg.lagrange`), one base address per point, and a gather of 16 rows of 4
consecutive l-values from a row table ``G[i] = F.flat[i : i + 4]`` (built once per call, 4x
the grid's memory). The 4x4x4 block is then contracted with batched matrix products, l
first, then k, then h, as nanoBragg's ``polin3`` does. Queries that fail the range check are
evaluated at a safe in-range point and replaced afterwards (per point; see
:mod:`perflab.bragg.grid`).

Arithmetic is float64 for any storage dtype (as nanoBragg's double-precision C code); values
and gradients are rounded to the storage dtype when stored. The backward pass (used for
every forward backend) recomputes the same quantities per chunk:
dV/dF is the outer product of the three weight vectors (scattered with ``index_add_``),
dV/dh uses the weight derivatives on the h axis, and likewise for k and l.
"""

from __future__ import annotations

import torch
import torch.nn.functional as nnf

from perflab.bragg.grid import GridSpec, check_finite, in_range_mask, nearest_index
from perflab.bragg.lagrange import lagrange_weight_derivatives, lagrange_weights

DEFAULT_CHUNK = 8_192


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


def forward_chunk(spec: GridSpec, G: torch.Tensor, h, k, l):
    """Values (float64) and in-range mask for one chunk of flat queries.

    ``G`` is :func:`row_view` (or :func:`row_table`). One weighted gather does the work of
    nanoBragg's 4x4x4 block and its l, k contractions' h and k parts: ``embedding_bag`` in
    mode sum reads, for each point, the 16 rows of 4 l-values around it and adds them with
    the weights ``wh_a wk_b`` (gather and weighting in one pass; no per-point block is
    materialised); a 4-term dot product with ``wl`` finishes. Weights for the three axes
    are computed together, shape (n, 3, 4). NaN and infinite indices always fail the
    range test, so finiteness is checked only in chunks with points out of range.
    """
    h, k, l = (x.to(torch.float64) for x in (h, k, l))
    inside = in_range_mask(spec, h, k, l)
    all_inside = bool(inside.all())
    if not all_inside:
        check_finite(h, k, l)
    if not spec.can_interpolate:
        return _outside_values(spec, h, k, l), inside
    x = torch.stack((h, k, l), dim=-1)  # (n, 3)
    mins = torch.tensor(spec.mins, dtype=torch.float64, device=x.device)
    if not all_inside:  # evaluate at a safe in-range point, replaced below
        x = torch.where(inside[:, None], x, mins + 2)
    x0 = torch.floor(x)
    w = lagrange_weights(x - x0)  # (n, 3, 4)
    strides = torch.tensor(spec.strides, dtype=torch.int64, device=x.device)
    base = ((x0 - (mins + 1)).to(torch.int64) * strides).sum(-1)
    idx = base[:, None] + _row_offsets(spec, x.device)
    psw = (w[:, 0, :, None] * w[:, 1, None, :]).reshape(-1, 16)
    rows = nnf.embedding_bag(idx, G, per_sample_weights=psw, mode="sum")  # (n, 4) over l
    interp = (rows * w[:, 2]).sum(-1)
    if not all_inside:  # the nearest node or default_F, computed for those points only
        out = (~inside).nonzero().squeeze(1)
        interp[out] = _outside_values(spec, h[out], k[out], l[out])
    return interp, inside


def forward(spec: GridSpec, h, k, l, out, mask, *, chunk: int | None = None) -> None:
    """Fill ``out`` and ``mask`` (flat) chunk by chunk."""
    chunk = chunk or DEFAULT_CHUNK
    G = row_view(spec)
    for s in range(0, h.numel(), chunk):
        sl = slice(s, s + chunk)
        out[sl], mask[sl] = forward_chunk(spec, G, h[sl], k[sl], l[sl])


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
