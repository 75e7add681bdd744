"""Vectorised torch backend: the projection of :mod:`perflab.soap.projection` for all pairs
at once, in batches of pairs (bounded memory), float64 or float32, on CPU or CUDA.

Per batch of ``B`` pairs (centre ``i``, neighbour ``j``, vector ``r``):

1. Gaussian parameters from per-particle matrices: ``mean = K_j r``, covariance ``Sigma_j``,
   weight ``w = g_j exp(-r.mean / 2 sigma^2)`` (:func:`gaussian_product_parameters`).
2. Moments by the recurrence of :mod:`perflab.soap.moments`, one total degree and one step
   axis at a time (:class:`_Step`), stored monomial-major ``(n_monomials, B)``: parents are
   contiguous slices and the lower terms one small fixed matrix product, so no gathers.
3. The projection matrices of every ``l`` map moments to coefficients. ``r^{2n} r^l Y_lm``
   is homogeneous of degree ``l + 2n``, so the stacked matrix is block diagonal by degree
   (rows sorted by degree): one small matrix product per degree (about 4x fewer flops than
   the dense product at ``lmax = 6``), then ``index_add_`` sums the coefficients into
   ``(centre, neighbour species)`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from perflab.soap.moments import recurrence_plan
from perflab.soap.projection import projection_matrices
from perflab.soap.radial import HyperparameterError, RadialBasis, gaussian_product_parameters
from perflab.soap.system import SystemBatch

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DTYPES",
    "batched_moments",
    "cached_plan",
    "raw_coefficients_torch",
    "resolve_device",
    "resolve_dtype",
]

DTYPES = {"float64": torch.float64, "float32": torch.float32}

#: default number of pairs per batch (memory ~ batch_size * 300 * itemsize bytes)
DEFAULT_BATCH_SIZE = 4096


def resolve_dtype(dtype: str | torch.dtype) -> torch.dtype:
    if isinstance(dtype, torch.dtype):
        if dtype not in DTYPES.values():
            raise HyperparameterError(f"dtype: must be float64 or float32, got {dtype}")
        return dtype
    if dtype not in DTYPES:
        raise HyperparameterError(f"dtype: must be one of {tuple(DTYPES)}, got {dtype!r}")
    return DTYPES[dtype]


def resolve_device(device: str | torch.device | None) -> torch.device:
    try:
        dev = torch.device(device if device is not None else "cpu")
    except (RuntimeError, TypeError) as exc:
        raise HyperparameterError(f"device: must be 'cpu' or 'cuda', got {device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device: CUDA requested but torch.cuda.is_available() is False")
    if dev.type not in ("cpu", "cuda"):
        raise HyperparameterError(f"device: must be 'cpu' or 'cuda', got {device!r}")
    return dev


@dataclass(frozen=True)
class _Step:
    """Targets of one degree ``d`` that step along one axis ``k`` (contiguous in storage).

    ``M[t] = a_k M[t - e_k] + sum_j Sigma_kj (L_j M_{d-2})[t]``: the parents ``t - e_k`` are
    the contiguous rows ``parents``; ``lower`` (3*T, T_{d-2}) holds the exponents
    ``(t - e_k)_j`` at the columns of ``t - e_k - e_j`` among the degree ``d-2`` rows
    ``grand`` (``None`` for ``d = 1``), so one small matrix product replaces the gathers.
    """

    rows: slice
    axis: int
    parents: slice
    lower: torch.Tensor | None
    grand: slice | None


@dataclass
class _Plan:
    """Device-resident constants of one basis (recurrence steps and projection matrices)."""

    steps: list[_Step]
    max_rows: int  # the largest step
    projection: torch.Tensor  # (n_out, n_monomials), rows in the standard (l, m, n) order
    blocks: list[tuple[slice, slice, torch.Tensor]]  # per degree: sorted rows, monomials, W_d
    unsort: np.ndarray  # standard row k is degree-sorted row unsort[k]
    n_monomials: int
    out_sizes: list[int]


_PLAN_CACHE: dict[tuple, _Plan] = {}


def cached_plan(basis: RadialBasis, device: torch.device, dtype: torch.dtype) -> _Plan:
    """:func:`_make_plan`, kept per (radial functions per l, device, dtype) for reuse."""
    key = (basis.num_radial, str(device), dtype)
    if key not in _PLAN_CACHE:
        if len(_PLAN_CACHE) >= 16:
            _PLAN_CACHE.pop(next(iter(_PLAN_CACHE)))
        _PLAN_CACHE[key] = _make_plan(basis, device, dtype)
    return _PLAN_CACHE[key]


def _recurrence_steps(max_degree: int, device: torch.device, dtype: torch.dtype) -> list[_Step]:
    """Group the recurrence of :func:`recurrence_plan` into :class:`_Step` s.

    In storage order (decreasing ``n0``, then ``n1``) the degree-``d`` targets stepping along
    ``k = 0`` come first and their parents are the whole degree ``d-1`` block in order; those
    stepping along ``k = 1`` are next with the last ``d`` rows of that block as parents; the
    last target steps along ``k = 2``. This is checked here, not assumed.
    """
    plan = recurrence_plan(max_degree)
    steps = []
    for d in range(1, max_degree + 1):
        sl = plan.slices[d]
        axis = plan.axis[sl]
        for k in range(3):
            rows = sl.start + np.flatnonzero(axis == k)
            if rows.size == 0:
                continue
            parents = plan.parent[rows]
            if np.any(np.diff(rows) != 1) or np.any(np.diff(parents) != 1):
                raise AssertionError("recurrence targets/parents are not contiguous")
            lower, grand = None, None
            if d >= 2:
                grand = plan.slices[d - 2]
                mat = np.zeros((3, rows.size, grand.stop - grand.start))
                for j in range(3):
                    for t, row in enumerate(rows):
                        if plan.count[j, row]:
                            mat[j, t, plan.lower[j, row] - grand.start] = plan.count[j, row]
                lower = torch.as_tensor(mat.reshape(3 * rows.size, -1), dtype=dtype).to(device)
            steps.append(
                _Step(
                    rows=slice(int(rows[0]), int(rows[-1]) + 1),
                    axis=k,
                    parents=slice(int(parents[0]), int(parents[-1]) + 1),
                    lower=lower,
                    grand=grand,
                )
            )
    return steps


def _make_plan(basis: RadialBasis, device: torch.device, dtype: torch.dtype) -> _Plan:
    plan = recurrence_plan(basis.max_degree)
    steps = _recurrence_steps(basis.max_degree, device, dtype)
    mats = projection_matrices(basis)
    stacked = np.concatenate([m.reshape(-1, m.shape[-1]) for m in mats], axis=0)
    degree_of_col = np.concatenate(
        [np.full(sl.stop - sl.start, d) for d, sl in enumerate(plan.slices)]
    )
    row_degree = np.array([degree_of_col[np.flatnonzero(row)].max() for row in stacked])
    order = np.argsort(row_degree, kind="stable")
    blocks = []
    start = 0
    for d, sl in enumerate(plan.slices):
        rows = order[row_degree[order] == d]
        if rows.size == 0:
            continue
        if np.any(stacked[np.ix_(rows, np.flatnonzero(degree_of_col != d))]):
            raise AssertionError("projection rows are not homogeneous polynomials")
        w_d = torch.as_tensor(stacked[np.ix_(rows, np.arange(sl.start, sl.stop))], dtype=dtype)
        blocks.append((slice(start, start + rows.size), sl, w_d.to(device)))
        start += rows.size
    return _Plan(
        steps=steps,
        max_rows=max((st.rows.stop - st.rows.start for st in steps), default=1),
        projection=torch.as_tensor(stacked, dtype=dtype, device=device),
        blocks=blocks,
        unsort=np.argsort(order),
        n_monomials=plan.n_monomials,
        out_sizes=[m.shape[0] * m.shape[1] for m in mats],
    )


class _Workspace:
    """Buffers reused by every batch of one call (no large allocation per batch)."""

    def __init__(self, plan: _Plan, width: int, dtype: torch.dtype, device: torch.device):
        self.width = width
        self.moments = torch.empty((plan.n_monomials, width), dtype=dtype, device=device)
        self.lower = torch.empty((3 * plan.max_rows, width), dtype=dtype, device=device)
        self.coeffs = torch.empty((plan.projection.shape[0], width), dtype=dtype, device=device)


def batched_moments(
    mean: torch.Tensor, cov: torch.Tensor, plan: _Plan, work: _Workspace | None = None
) -> torch.Tensor:
    """Moments ``(n_monomials, B)`` of ``B`` Gaussians: ``mean`` (3, B), ``cov`` (9, B).

    Per :class:`_Step`: the parent term is a contiguous slice times the row ``a_k``; the
    three lower terms come from one small matrix product (exponents at the right columns)
    and are added with the rows ``Sigma_kj`` as weights. The result is a view into ``work``
    (a fresh workspace when ``None`` or of another width).
    """
    b = mean.shape[1]
    if work is None or work.width != b:
        work = _Workspace(plan, b, mean.dtype, mean.device)
    moments = work.moments
    moments[0] = 1.0
    for st in plan.steps:
        dst = moments[st.rows]
        torch.mul(moments[st.parents], mean[st.axis], out=dst)
        if st.lower is not None:
            n = st.rows.stop - st.rows.start
            low = work.lower[: 3 * n]
            torch.matmul(st.lower, moments[st.grand], out=low)
            for j in range(3):
                dst.addcmul_(low[j * n : (j + 1) * n], cov[3 * st.axis + j])
    return moments


def raw_coefficients_torch(
    batch: SystemBatch,
    basis: RadialBasis,
    *,
    device: str | torch.device | None = "cpu",
    dtype: str | torch.dtype = "float64",
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[np.ndarray]:
    """Same contract as :func:`perflab.soap.projection.raw_coefficients_numpy`, vectorised.

    Returns numpy arrays in the requested precision.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise HyperparameterError(f"batch_size: must be a positive int, got {batch_size!r}")
    dev = resolve_device(device)
    tdtype = resolve_dtype(dtype)
    plan = cached_plan(basis, dev, tdtype)
    sigma, kmat, g = gaussian_product_parameters(batch.rotations, batch.semi_axes, basis)
    n_species = len(batch.species_list)
    n_out = int(plan.projection.shape[0])

    def t(x: np.ndarray, dt: torch.dtype = tdtype) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(x), dtype=dt, device=dev)

    sigma_t = t(sigma.reshape(-1, 9).T)  # (9, N)
    kmat_t = t(kmat.reshape(-1, 9).T)  # (9, N)
    g_t = t(g)
    species_t = t(batch.species_index, torch.int64)
    first_t = t(batch.pairs.first, torch.int64)
    second_t = t(batch.pairs.second, torch.int64)
    vec_t = t(batch.pairs.vectors.T)  # (3, P)
    inv_two_width2 = 0.5 / basis.radial_gaussian_width**2 if basis.name == "gto" else None

    out = torch.zeros((batch.n_particles * n_species, n_out), dtype=tdtype, device=dev)
    n_pairs = len(batch.pairs)
    work = None
    with torch.no_grad():
        for start in range(0, n_pairs, batch_size):
            stop = min(start + batch_size, n_pairs)
            i = first_t[start:stop]
            j = second_t[start:stop]
            r = vec_t[:, start:stop]  # (3, B)
            # pair-major (component, B) layouts throughout: contiguous rows for the gathers
            kmat_j = torch.index_select(kmat_t, 1, j).view(3, 3, -1)
            mean = (kmat_j * r[None]).sum(dim=1)  # (3, B): K_j r
            cov = torch.index_select(sigma_t, 1, j)  # (9, B)
            weight = torch.index_select(g_t, 0, j)
            if inv_two_width2 is not None:
                weight = weight * torch.exp(-(r * mean).sum(dim=0) * inv_two_width2)
            if work is None or work.width != stop - start:
                work = _Workspace(plan, stop - start, tdtype, dev)
            moments = batched_moments(mean, cov, plan, work).mul_(weight)
            coeffs = work.coeffs  # (n_out, B), rows sorted by degree
            for rows, monos, w_d in plan.blocks:
                torch.matmul(w_d, moments[monos], out=coeffs[rows])
            # one transposed copy, so that index_add_ adds contiguous rows of n_out values
            out.index_add_(0, i * n_species + species_t[j], coeffs.T.contiguous())
    out_np = out.cpu().numpy()[:, plan.unsort].reshape(batch.n_particles, n_species, n_out)
    raw = []
    col = 0
    for l, nn in enumerate(basis.num_radial):
        size = plan.out_sizes[l]
        raw.append(
            out_np[:, :, col : col + size].reshape(batch.n_particles, n_species, 2 * l + 1, nn)
        )
        col += size
    return raw
