"""Input handling shared by the bragg kernels: numpy or torch in, the same kind out.

Every public kernel accepts torch tensors (any floating dtype, any device) or numpy arrays.
When no input is a torch tensor the result is returned as numpy; otherwise as torch on the
device of the tensor inputs. Mixing tensors on different devices is an error.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["ArrayContext", "array_context", "as_float_tensor"]


@dataclass(frozen=True)
class ArrayContext:
    """Where the computation runs and how to hand results back."""

    device: torch.device
    numpy_out: bool

    def out(self, x: torch.Tensor) -> torch.Tensor | np.ndarray:
        """Return ``x`` as the caller expects it (numpy when all inputs were numpy)."""
        if self.numpy_out:
            return x.detach().cpu().numpy()
        return x


def array_context(*values: Any) -> ArrayContext:
    """Decide the device and the output kind from the inputs (tensors win over numpy)."""
    devices = {v.device for v in values if isinstance(v, torch.Tensor)}
    if len(devices) > 1:
        names = ", ".join(sorted(str(d) for d in devices))
        raise ValueError(f"inputs are on different devices ({names}); move them to one device")
    if devices:
        return ArrayContext(device=devices.pop(), numpy_out=False)
    return ArrayContext(device=torch.device("cpu"), numpy_out=True)


def as_float_tensor(x: Any, name: str, ctx: ArrayContext) -> torch.Tensor:
    """``x`` as a floating torch tensor on ``ctx.device`` (numpy and Python scalars accepted).

    Raises ``TypeError`` for non-floating input (integer, bool, complex, object arrays).
    """
    if isinstance(x, torch.Tensor):
        t = x
    else:
        arr = np.asarray(x)
        if arr.dtype.kind not in "f":
            raise TypeError(f"{name} must have a floating dtype, got {arr.dtype}")
        if arr.flags.writeable:
            t = torch.as_tensor(arr)
        else:  # read-only views (np.broadcast_to, memory maps): shared, never written to
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "The given NumPy array is not writable")
                t = torch.as_tensor(arr)
    if not t.is_floating_point():
        raise TypeError(f"{name} must have a floating dtype, got {t.dtype}")
    return t.to(ctx.device)
