"""Four-point Lagrange weights on the nodes -1, 0, 1, 2 (nanoBragg's ``polint``), as tensors.

For a fractional index x with x0 = floor(x) and t = x - x0, the cubic through the nodes
x0-1, x0, x0+1, x0+2 evaluated at x is ``sum_j w_j(t) y_j`` with

    w_0 = -t (t-1) (t-2) / 6        w_1 = (t+1) (t-1) (t-2) / 2
    w_2 = -(t+1) t (t-2) / 2        w_3 = (t+1) t (t-1) / 6

(Lagrange basis polynomials; Press et al., Numerical Recipes, sec. 3.1). At t = 0 the
weights are exactly (0, 1, 0, 0), so integer indices return grid values exactly. The
derivatives dw_j/dt are used for gradients with respect to the fractional index.
"""

from __future__ import annotations

import torch

__all__ = ["lagrange_terms", "lagrange_weight_derivatives", "lagrange_weights"]


def lagrange_terms(t: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The four weights ``(w_0, w_1, w_2, w_3)`` as separate tensors of ``t``'s shape (the
    eager kernel broadcasts each over a block of gathered values).

    Two shared products, ``u = t (t-1)`` and ``v = (t+1) (t-2)``, give
    ``w_0 = -u (t-2) / 6``, ``w_1 = v (t-1) / 2``, ``w_2 = -v t / 2``, ``w_3 = u (t+1) / 6``
    (13 array operations); at t = 0 they are exactly (0, 1, 0, 0).
    """
    tm, tm2 = t - 1, t - 2
    u, v = t * tm, (t + 1) * tm2
    w0, w1, w2, w3 = u * tm2, v * tm, v * t, u * (t + 1)
    w0.mul_(-1 / 6)
    w1.mul_(0.5)
    w2.mul_(-0.5)
    w3.mul_(1 / 6)
    return w0, w1, w2, w3


def lagrange_weights(t: torch.Tensor) -> torch.Tensor:
    """Weights of shape ``t.shape + (4,)`` for the nodes -1, 0, 1, 2 relative to floor(x)."""
    return torch.stack(lagrange_terms(t), dim=-1)


def lagrange_weight_derivatives(t: torch.Tensor) -> torch.Tensor:
    """d/dt of :func:`lagrange_weights`, shape ``t.shape + (4,)`` (the four sum to zero)."""
    t2 = t * t
    return torch.stack(
        [
            -(3 * t2 - 6 * t + 2) / 6,
            (3 * t2 - 4 * t - 1) / 2,
            -(3 * t2 - 2 * t - 2) / 2,
            (3 * t2 - 1) / 6,
        ],
        dim=-1,
    )
