"""Tricubic interpolation of structure factors F(h, k, l) with nanoBragg's semantics.

``tricubic_interpolate(F, hkl_min, h, k, l)`` evaluates, per query point, nanoBragg's
``polin3``: a 4x4x4 block of F around floor(h, k, l), contracted with 4-point Lagrange
weights along l, then k, then h (J. Holton, nanoBragg.c; the same code is in cctbx
simtbx/nanoBragg). Points that fail nanoBragg's range check get the nearest node or
``default_F`` (``out_of_range``), decided for each point alone (see :mod:`perflab.bragg.grid`),
or as nanoBragg switches interpolation off for the rest of its run (``interpolation="sticky"``).

Backends (same results, checked against :func:`tricubic_reference` in the tests):

* ``"warp"``: one NVIDIA Warp kernel (CPU and CUDA; float32, float64);
* ``"torch"``: eager PyTorch (any floating dtype, any device);
* ``"compile"``: ``torch.compile`` of a fused formulation (fast warm on a multi-core CPU,
  but its first call in a process compiles: 66 s in the committed baseline of the previous
  version, and past a 5-minute wait on a loaded 2-core machine);
* ``"auto"`` (default): ``"warp"`` when it supports the device and dtype, else ``"torch"``.
  It never picks ``"compile"``, for the unbounded first compilation above: a call must not
  stall for minutes unasked. The baseline bounds that compilation instead
  (``python -m perflab.bragg.bench --cold-budget``) and records it when it runs past.

Gradients with respect to F and h, k, l flow through a custom autograd function whose
backward is computed chunk by chunk in PyTorch (:func:`perflab.bragg.tricubic_torch.backward`),
whatever the forward backend, so memory stays bounded by the chunk size.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import torch

from perflab.bragg import tricubic_compile, tricubic_torch, tricubic_warp
from perflab.bragg.arrays import ArrayContext, array_context, as_float_tensor
from perflab.bragg.grid import GridSpec, in_range_mask, make_grid_spec

__all__ = ["BACKENDS", "INTERPOLATION_MODES", "resolve_backend", "tricubic_interpolate"]

BACKENDS = ("auto", "warp", "torch", "compile")
INTERPOLATION_MODES = ("per_point", "sticky")
_MODULES = {"warp": tricubic_warp, "torch": tricubic_torch, "compile": tricubic_compile}


def resolve_backend(backend: str, device: torch.device, dtype: torch.dtype) -> str:
    """The backend that runs for ``backend`` on ``device`` with ``dtype``.

    Parameters
    ----------
    backend : {"auto", "warp", "torch", "compile"}
    device : torch.device
    dtype : torch.dtype

    Returns
    -------
    str
        ``"auto"`` gives Warp when it supports the pair, else eager torch (never
        ``"compile"``: its first compilation takes minutes; see the module doc).

    Raises
    ------
    ValueError
        An unknown name, or an explicitly named backend that cannot run (never a silent
        substitution).

    References
    ----------
    docs/performance.md (the escalation verdict for the Warp kernel).

    Examples
    --------
    >>> import torch
    >>> resolve_backend("auto", torch.device("cpu"), torch.float16)  # Warp: float32/64 only
    'torch'
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "warp" if tricubic_warp.available(device, dtype) else "torch"
    if backend != "torch" and not _MODULES[backend].available(device, dtype):
        raise ValueError(f"backend {backend!r} does not support dtype {dtype} on {device}")
    return backend


#: queries per block when the inputs must first be broadcast or converted (no-grad path)
PREP_BLOCK = 1 << 21


def _row_major_blocks(shape: tuple[int, ...], max_elems: int):
    """Yield ``(start, stop, index)``: ``x[index]`` of an array of ``shape`` is the flat range
    ``[start, stop)`` in row-major order and holds at most ``max(max_elems, 1)`` elements."""
    n = math.prod(shape)
    if n == 0:
        return
    # split at the first axis whose trailing block no longer fits
    split, trailing = len(shape), 1
    while split > 0 and trailing * shape[split - 1] <= max_elems:
        split -= 1
        trailing *= shape[split]
    if split == 0:
        yield 0, n, (...,)
        return
    axis = split - 1  # blocks of `rows` entries along this axis, each `trailing` long
    rows = max(1, max_elems // trailing)
    outer = shape[:axis]
    start = 0
    for outer_index in itertools.product(*map(range, outer)):
        for r in range(0, shape[axis], rows):
            stop = start + min(rows, shape[axis] - r) * trailing
            yield start, stop, (*outer_index, slice(r, r + rows))
            start = stop


def _forward_blocks(spec: GridSpec, queries, shape, dtype, out_dtype, backend, chunk):
    """``_forward`` over the broadcast ``shape`` block by block, converting each block of the
    queries to ``dtype`` only when it is used: temporary memory is O(PREP_BLOCK), never
    O(number of queries), whatever the broadcasting and dtypes."""
    views = [q.expand(shape) for q in queries]
    out = torch.empty(shape, dtype=out_dtype, device=views[0].device)
    mask = torch.empty(shape, dtype=torch.bool, device=views[0].device)
    flat_out, flat_mask = out.view(-1), mask.view(-1)
    for start, stop, index in _row_major_blocks(tuple(shape), PREP_BLOCK):
        h, k, l = (v[index].reshape(-1).to(dtype).contiguous() for v in views)
        o, m = _forward(spec, h, k, l, backend, chunk)
        flat_out[start:stop] = o
        flat_mask[start:stop] = m
    return out, mask


def _forward(spec: GridSpec, h, k, l, backend: str, chunk: int | None):
    out = torch.empty_like(h)
    mask = torch.empty(h.shape, dtype=torch.bool, device=h.device)
    if h.numel() == 0:
        return out, mask
    # with fewer than 5 nodes on an axis no point can be interpolated; every backend would
    # return the nearest node or default_F, which the eager path computes directly
    module = _MODULES[backend] if spec.can_interpolate else tricubic_torch
    module.forward(spec, h, k, l, out, mask, chunk=chunk)
    return out, mask


def _spec(F, hkl_min, default_F, out_of_range, interp: bool) -> GridSpec:
    """The grid spec; with ``interp`` False, interpolation switched off (nanoBragg's
    non-interpolating lookup: nearest node if on the grid, else default_F)."""
    spec = make_grid_spec(F, hkl_min, default_F=default_F, out_of_range=out_of_range)
    return spec if interp else dataclasses.replace(spec, interpolate=False, nearest=True)


def _first_out_of_range(spec: GridSpec, h, k, l) -> int | None:
    """Flat index of the first point that fails the range check (NaN/inf included)."""
    for start in range(0, h.numel(), PREP_BLOCK):
        sl = slice(start, start + PREP_BLOCK)
        bad = (~in_range_mask(spec, h[sl], k[sl], l[sl])).nonzero()
        if bad.numel():
            return start + int(bad[0, 0])
    return None


def _sticky(Ft, flat, args, grad: bool):
    """nanoBragg's run-wide switch: per-point rules up to and including the first point out
    of range, interpolation off (nearest node or default_F) for every point after it."""
    hkl_min, default_F, out_of_range, name, chunk = args
    spec = make_grid_spec(Ft.detach(), hkl_min, default_F=default_F, out_of_range=out_of_range)
    stop = _first_out_of_range(spec, *flat)
    parts = [(slice(0, None if stop is None else stop + 1), True)]
    if stop is not None and stop + 1 < flat[0].numel():
        parts.append((slice(stop + 1, None), False))
    outs, masks = [], []
    for sl, interp in parts:
        q = [x[sl] for x in flat]
        if grad:
            o, m = _Tricubic.apply(Ft, *q, *args, interp)
        else:
            with torch.no_grad():
                o, m = _forward(_spec(Ft, hkl_min, default_F, out_of_range, interp), *q, name,
                                chunk)  # fmt: skip
        outs.append(o)
        masks.append(m)
    return torch.cat(outs), torch.cat(masks)


class _Tricubic(torch.autograd.Function):
    """Forward by the chosen backend; backward by the chunked PyTorch gradient."""

    @staticmethod
    def forward(ctx, F, h, k, l, hkl_min, default_F, out_of_range, backend, chunk, interp=True):
        spec = _spec(F, hkl_min, default_F, out_of_range, interp)
        out, mask = _forward(spec, h, k, l, backend, chunk)
        ctx.mark_non_differentiable(mask)
        ctx.save_for_backward(F, h, k, l)
        ctx.args = (hkl_min, default_F, out_of_range, interp)
        return out, mask

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out, _grad_mask):
        F, h, k, l = ctx.saved_tensors
        spec = _spec(F, *ctx.args)
        need = ctx.needs_input_grad
        gF, (gh, gk, gl) = tricubic_torch.backward(
            spec,
            h,
            k,
            l,
            grad_out.contiguous(),
            need_F=need[0],
            need_hkl=(need[1], need[2], need[3]),
        )
        gF = gF.view(F.shape) if gF is not None else None
        return gF, gh, gk, gl, None, None, None, None, None, None


@dataclasses.dataclass(frozen=True)
class _Queries:
    """The validated inputs of one call: tensors on one device, dtypes, broadcast shape."""

    ctx: ArrayContext
    F: torch.Tensor
    hkl: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    query_dtype: torch.dtype  # dtype of the result (promoted dtype of h, k, l)
    dtype: torch.dtype  # compute/storage dtype (F and the queries promoted together)
    shape: torch.Size  # broadcast shape of h, k, l
    grad: bool  # some input requires a gradient (and grad mode is on)

    def flat(self) -> list[torch.Tensor]:
        """h, k, l broadcast, in ``dtype``, as flat contiguous tensors (materialised)."""
        return [x.to(self.dtype).expand(self.shape).reshape(-1).contiguous() for x in self.hkl]


def _check_options(interpolation: str, chunk_size: int | None) -> None:
    if interpolation not in INTERPOLATION_MODES:
        raise ValueError(
            f"interpolation must be one of {INTERPOLATION_MODES}, got {interpolation!r}"
        )
    if chunk_size is not None and (int(chunk_size) != chunk_size or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")


def _queries(F: Any, h: Any, k: Any, l: Any) -> _Queries:
    """Convert and check the inputs: one device, floating dtypes, broadcastable shapes."""
    ctx = array_context(F, h, k, l)
    Ft = as_float_tensor(F, "F", ctx)
    hkl = tuple(as_float_tensor(x, name, ctx) for x, name in ((h, "h"), (k, "k"), (l, "l")))
    query_dtype = torch.promote_types(torch.promote_types(hkl[0].dtype, hkl[1].dtype), hkl[2].dtype)
    try:
        shape = torch.broadcast_shapes(*(x.shape for x in hkl))
    except RuntimeError as exc:
        shapes = ", ".join(str(tuple(x.shape)) for x in hkl)
        raise ValueError(f"h, k, l shapes {shapes} do not broadcast together") from exc
    grad = torch.is_grad_enabled() and any(x.requires_grad for x in (Ft, *hkl))
    dtype = torch.promote_types(Ft.dtype, query_dtype)
    return _Queries(ctx, Ft, hkl, query_dtype, dtype, shape, grad)  # type: ignore[arg-type]


def _run_plain(q: _Queries, hkl_min, default_F, out_of_range, name, chunk):
    """No gradient, per-point rule: flat views when the queries are ready as they are,
    else block by block (bounded memory)."""
    spec = make_grid_spec(q.F.to(q.dtype), hkl_min, default_F=default_F, out_of_range=out_of_range)
    ready = all(x.dtype == q.dtype and x.shape == q.shape and x.is_contiguous() for x in q.hkl)
    with torch.no_grad():
        if ready:  # flat views, no copy
            return _forward(spec, *(x.view(-1) for x in q.hkl), name, chunk)
        return _forward_blocks(spec, q.hkl, q.shape, q.dtype, q.query_dtype, name, chunk)


def tricubic_interpolate(
    F: Any,
    hkl_min: Any,
    h: Any,
    k: Any,
    l: Any,
    *,
    default_F: float = 0.0,
    out_of_range: str = "nearest",
    return_mask: bool = False,
    backend: str = "auto",
    chunk_size: int | None = None,
    interpolation: str = "per_point",
):
    """Interpolate F at fractional Miller indices (h, k, l), nanoBragg-exact: per point the
    range test, then ``polin3`` (4-point Lagrange along l, k, h) in float64.

    Parameters
    ----------
    F : tensor or ndarray, shape (H, K, L)
        Structure factors: ``F[i, j, m] = F(h_min + i, k_min + j, l_min + m)``.
    hkl_min : three integers ``(h_min, k_min, l_min)``.
    h, k, l : tensors or ndarrays, floating, broadcastable: fractional Miller indices.
    default_F : float, value for out-of-range points without a usable nearest node.
    out_of_range : {"nearest", "default"}
        ``"nearest"``: node ``ceil(x - 0.5)`` if on the grid, else ``default_F``
        (standalone nanoBragg); ``"default"``: ``default_F``.
    return_mask : bool, also return the mask of the points that were interpolated.
    backend : {"auto", "warp", "torch", "compile"}
        See the module doc; ``"auto"`` never picks ``"compile"``.
    chunk_size : int, optional
        Queries per chunk (backend default when None); bounds temporary memory.
    interpolation : {"per_point", "sticky"}
        ``"sticky"`` reproduces nanoBragg.c's run-wide switch: from the first point that
        fails the range test on (row-major order of the broadcast queries), every point gets
        the non-interpolating lookup; the queries are materialised as one flat array.

    Returns
    -------
    values : tensor or ndarray
        Broadcast shape of h, k, l, their promoted dtype, on their device (numpy when every
        input was numpy). With ``return_mask``, ``(values, mask)``.

    Raises
    ------
    ValueError
        Malformed grid, bad ``hkl_min``, mode, backend or ``chunk_size``, inputs on
        different devices, NaN or infinite queries.
    TypeError
        Non-floating inputs.

    References
    ----------
    J. Holton, nanoBragg.c (``polin3``, ``polint``; also cctbx simtbx/nanoBragg).

    Examples
    --------
    >>> import numpy as np
    >>> F = np.arange(6.0**3).reshape(6, 6, 6)  # F is linear in h, k, l
    >>> float(tricubic_interpolate(F, (0, 0, 0), 2.5, 2.25, 2.0, backend="torch"))
    105.5
    >>> v, mask = tricubic_interpolate(F, (0, 0, 0), [2.5, 9.0], 2.0, 2.0, return_mask=True,
    ...                                out_of_range="default", default_F=-1.0, backend="torch")
    >>> v.tolist(), mask.tolist()
    ([104.0, -1.0], [True, False])
    """
    _check_options(interpolation, chunk_size)
    q = _queries(F, h, k, l)
    opts = (hkl_min, default_F, out_of_range, resolve_backend(backend, q.ctx.device, q.dtype),
            chunk_size)  # fmt: skip
    if interpolation == "sticky":
        out, mask = _sticky(q.F.to(q.dtype), q.flat(), opts, q.grad)
    elif q.grad:
        out, mask = _Tricubic.apply(q.F.to(q.dtype), *q.flat(), *opts)
    else:
        out, mask = _run_plain(q, *opts)
    out = q.ctx.out(out.reshape(q.shape).to(q.query_dtype))
    if return_mask:
        return out, q.ctx.out(mask.reshape(q.shape))
    return out
