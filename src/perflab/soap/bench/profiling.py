"""Profiles: where one warm ``expansion`` call spends its time, per backend (cProfile).

For the torch backend cProfile sees the Python-level calls into torch operators (each
operator's time is attributed to the ``torch`` built-in that launched it), which is the level
at which the vectorised code can be changed.
"""

from __future__ import annotations

import cProfile
import pstats
from typing import Any

import torch

from perflab.soap.bench.cases import Backend, make_calculator
from perflab.soap.frames import Frame


def _name(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name  # a built-in
    marker = "site-packages/"
    if marker in filename:
        filename = filename.split(marker, 1)[1]
    elif "/src/" in filename:
        filename = filename.split("/src/", 1)[1]
    return f"{filename}:{line}({name})"


def profile_backend(
    backend: Backend, frames: list[Frame], *, top: int = 12
) -> tuple[float, list[dict[str, Any]]]:
    """Profile one warm call; returns (total profiled seconds, top functions by self time)."""
    calc = make_calculator(backend)
    calc.expansion(frames)  # warm
    prof = cProfile.Profile()
    prof.enable()
    calc.expansion(frames)
    if backend.device == "cuda":
        torch.cuda.synchronize()
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt
    rows = []
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)
    for func, (_cc, nc, tt, ct, _callers) in entries[:top]:
        rows.append(
            {
                "function": _name(func),
                "calls": nc,
                "self_s": tt,
                "self_pct": 100.0 * tt / total if total > 0 else 0.0,
                "cumulative_s": ct,
            }
        )
    return total, rows
