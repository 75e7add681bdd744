"""Check atlas rows against the symplectic core by recomputing them from their provenance.

For each sampled row: regenerate the polytope from ``generator_config`` (family, params,
seed), compare its vertices, normals and offsets, and recompute the volume, the capacity by
the row's ``capacity_method`` and the systolic ratio with :mod:`perflab.symplectic`. The
largest relative deviation per quantity is reported; a row whose capacity timed out is
checked on the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Deviation",
    "recompute_row",
    "sample_rows",
]


@dataclass
class Deviation:
    polytope_id: str
    family: str
    rel: dict[str, float] = field(default_factory=dict)

    @property
    def worst(self) -> float:
        return max(self.rel.values(), default=0.0)


def _rel(a: Any, b: Any) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    scale = max(1.0, float(np.max(np.abs(b))))
    return float(np.max(np.abs(a - b)) / scale)


def recompute_row(row: dict[str, Any]) -> Deviation:
    """Relative deviations of ``row`` from a fresh computation with the core."""
    from perflab.atlas.compute import make_polytope
    from perflab.symplectic import ehz_capacity, systolic_ratio, volume

    cfg = json.loads(row["generator_config"])
    P, _ = make_polytope(cfg["family"], cfg["params"], cfg["seed"])
    dev = Deviation(row["polytope_id"], row["family"])
    dev.rel["vertices"] = _rel(row["vertices"], P.vertices)
    dev.rel["normals"] = _rel(row["normals"], P.normals)
    dev.rel["offsets"] = _rel(row["offsets"], P.offsets)
    if row["volume"] is not None:
        dev.rel["volume"] = _rel(row["volume"], volume(P))
    if row["capacity_method"] is not None:
        r = ehz_capacity(P, method=row["capacity_method"])
        dev.rel["ehz_capacity"] = _rel(row["ehz_capacity"], r.value)
        dev.rel["min_action_cycle"] = _rel(row["min_action_cycle"], r.cycle)
        if row["systolic_ratio"] is not None:
            dev.rel["systolic_ratio"] = _rel(
                row["systolic_ratio"], systolic_ratio(P, method=row["capacity_method"])
            )
    return dev


def sample_rows(ds: Any, k: int, seed: int) -> list[dict[str, Any]]:
    """``k`` rows drawn without replacement by ``numpy.random.default_rng(seed)``."""
    idx = np.random.default_rng(seed).choice(ds.num_rows, size=min(k, ds.num_rows), replace=False)
    return [ds[int(i)] for i in sorted(idx)]
