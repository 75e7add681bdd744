"""One atlas row: generate a polytope and compute every invariant with every algorithm.

For a plan item (family, params, seed) the row function

1. calls the family's generator from :mod:`perflab.symplectic.generators` with the seed;
2. computes ``volume(K)``;
3. computes the EHZ capacity with every exact algorithm that applies (decided by the core,
   :func:`perflab.symplectic.applicable_methods`) and that the plan runs for the family
   (``methods``; the others are ``not_run``), each with the plan's work budget
   (``ehz_capacity(..., max_work=)``), the one ``method="auto"`` would pick first: its
   value becomes ``ehz_capacity`` and its cycle ``min_action_cycle`` (if it fails, the
   first success in ``CAPACITY_METHODS`` order). An algorithm that does not apply is
   ``not_applicable``, one that runs out of its work budget ``work_budget`` (the same on
   every machine), one that raises ``error: <Type>`` (the message is kept in the manifest);
4. computes the systolic ratio c^n / (n! vol) of that capacity with
   :func:`perflab.symplectic.systolic_ratio` (``capacity=`` reuses the value).

Every step is timed; the timings go to the raw timing log, never into the row. Every step
also runs under the harness :class:`~perflab.harness.time_budget` of the plan, as a safety
net only: a step that hits it raises :class:`SafetyNetExceeded`, which stops the build (its
finished rows stay journalled, so a re-run resumes), because a row that records "too slow on
this machine" would make the dataset depend on the machine and its load.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from perflab.atlas.plan import PlanItem, RowBudget
from perflab.atlas.schema import (
    CAPACITY_METHODS,
    COLUMNS,
    SCHEMA_VERSION,
    STATUS_NOT_APPLICABLE,
    STATUS_NOT_RUN,
    STATUS_OK,
    STATUS_WORK_BUDGET,
    Status,
    canonical_json,
    capacity_column,
    status_column,
    status_error,
)
from perflab.harness import TimeBudgetExceeded, WorkBudgetExceeded, plain, time_budget

__all__ = [
    "SafetyNetExceeded",
    "UnknownFamily",
    "applies",
    "auto_choice",
    "check_plan",
    "compute_row",
    "generator_for",
    "generator_name",
    "is_not_applicable",
    "make_polytope",
]


class SafetyNetExceeded(RuntimeError):
    """A row step ran past the plan's wall-clock safety net: the build stops (and resumes on
    a re-run) instead of recording a row that depends on the machine's speed or load."""


class UnknownFamily(KeyError):
    """A plan names a generator family the symplectic core does not have."""


def generator_for(family: str) -> Any:
    """The generator callable of ``family`` in the core's registry."""
    from perflab.symplectic import generators

    registry = generators.FAMILIES
    if family not in registry:
        raise UnknownFamily(f"no generator family {family!r}; known: {sorted(registry)}")
    return registry[family]


def make_polytope(family: str, params: dict[str, Any], seed: int) -> tuple[Any, dict[str, Any]]:
    """``(polytope, provenance)`` from the core generator of ``family``."""
    gen = generator_for(family)
    return gen(int(seed), **params)


def generator_name(family: str) -> str:
    gen = generator_for(family)
    fn = getattr(gen, "func", gen)
    return f"{fn.__module__}.{fn.__qualname__}"


def check_plan(plan: Any) -> None:
    """Refuse a plan the symplectic core cannot build, before any work is done.

    Every family must be in the core's generator registry and every parameter set of the
    plan must fit its generator's signature (``gen(seed, **params)``). Otherwise each row
    of that family would only record an error and the build would end "complete" with the
    family missing; a typo in a plan file is bad input, not a result.
    """
    import inspect

    from perflab.atlas.plan import PlanError
    from perflab.symplectic import generators

    registry = generators.FAMILIES
    for spec in plan.families:
        if spec.family not in registry:
            raise PlanError(
                f"plan {plan.atlas!r}: no generator family {spec.family!r} in "
                f"perflab.symplectic.generators; known: {sorted(registry)}"
            )
        sig = inspect.signature(registry[spec.family])
        for params in spec.param_sets():
            try:
                sig.bind(0, **params)
            except TypeError as exc:
                raise PlanError(
                    f"plan {plan.atlas!r}, family {spec.family!r}: parameters {params} do not "
                    f"fit {generator_name(spec.family)}{sig}: {exc}"
                ) from exc


def is_not_applicable(exc: BaseException) -> bool:
    """Whether the core raised ``exc`` because an algorithm does not apply to the polytope:
    ``LagrangianFaceError`` from ``reeb`` (a Lagrangian 2-face)."""
    from perflab.symplectic import LagrangianFaceError

    return isinstance(exc, LagrangianFaceError)


def applies(P: Any, method: str) -> bool:
    """Whether ``method`` applies to ``P``: the symplectic core decides
    (:func:`perflab.symplectic.applicable_methods`); the atlas only records it."""
    if method not in CAPACITY_METHODS:
        raise ValueError(f"unknown capacity method {method!r}")
    from perflab.symplectic import applicable_methods

    return method in applicable_methods(P)


def auto_choice(P: Any) -> str:
    """The method ``ehz_capacity(P, "auto")`` runs (the core's choice)."""
    from perflab.symplectic import auto_method

    choice = auto_method(P)
    if choice not in CAPACITY_METHODS:
        raise ValueError(f"the core chose {choice!r}, which the atlas has no column for")
    return choice


def _matrix(a: Any) -> list[list[float]]:
    return [[float(x) for x in row] for row in np.asarray(a, dtype=np.float64)]


class _Step:
    """Run one quantity under the row's budget, timing it and classifying its outcome."""

    def __init__(
        self, item: PlanItem, timings: list[dict[str, Any]], failures: list[dict[str, Any]]
    ) -> None:
        self.item = item
        self.timings = timings
        self.failures = failures

    def run(self, quantity: str, algorithm: str, seconds: float, fn: Any) -> tuple[str, Any]:
        t0 = time.perf_counter()
        value = None
        message = None
        try:
            with time_budget(seconds, what=f"{quantity}:{algorithm}"):
                value = fn()
            status = STATUS_OK
        except TimeBudgetExceeded as exc:
            raise SafetyNetExceeded(
                f"{self.item.family} {self.item.params} seed {self.item.seed} "
                f"({self.item.polytope_id}): {quantity} by {algorithm} ran past the plan's "
                f"wall-clock safety net of {seconds:g} s; the build stops rather than record "
                f"a row that depends on this machine's load. Re-run to resume (on a quieter "
                f"machine, or raise time_budget_s in the plan)"
            ) from exc
        except WorkBudgetExceeded as exc:
            status = STATUS_WORK_BUDGET
            message = str(exc)[:500]
        except Exception as exc:
            if is_not_applicable(exc):
                status = STATUS_NOT_APPLICABLE
            else:
                status = status_error(exc)
                message = str(exc)[:500]
        elapsed = time.perf_counter() - t0
        self.timings.append(
            {"quantity": quantity, "algorithm": algorithm, "status": status, "seconds": elapsed}
        )
        if message is not None:
            self.failures.append(
                {"quantity": quantity, "algorithm": algorithm, "status": status, "message": message}
            )
        return status, value


def compute_row(item: PlanItem, budget: RowBudget) -> dict[str, Any]:
    """The record of one plan item: ``{"row", "timings", "failures", "shape"}``.

    Phases: generate the polytope, its volume, its capacity by every method that applies
    and that the plan runs (:func:`_capacities`), the agreed value (:func:`_agree`), the
    systolic ratio, then the row (:func:`_row`). ``row`` is None when the generator itself
    fails (the failure is recorded). Raises :class:`SafetyNetExceeded` when a step runs
    past ``budget.seconds``.
    """
    from perflab.symplectic import systolic_ratio, volume

    timings: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    step = _Step(item, timings, failures)
    seconds = budget.seconds

    status, made = step.run(
        "generate",
        "generator",
        seconds,
        lambda: make_polytope(item.family, item.params, item.seed),
    )
    if status != STATUS_OK:
        return {"row": None, "timings": timings, "failures": failures, "shape": {}}
    P, provenance = made
    shape = {
        "dimension": int(P.dim),
        "num_facets": int(P.num_facets),
        "num_vertices": int(P.num_vertices),
    }
    vol_status, vol = step.run("volume", "volume", seconds, lambda: float(volume(P)))
    preferred = auto_choice(P)
    results, statuses = _capacities(P, preferred, budget, step)
    chosen, cap, spread = _agree(preferred, results)
    if cap is not None and vol_status == STATUS_OK:
        sys_status, sysr = step.run(
            "systolic_ratio",
            "formula",
            seconds,
            lambda: float(systolic_ratio(P, capacity=cap)),
        )
    else:
        sys_status, sysr = (vol_status if vol_status != STATUS_OK else _cap_status(statuses)), None

    row = _row(item, P, provenance, vol if vol_status == STATUS_OK else None, results, chosen)
    row.update(
        {
            "ehz_capacity": cap,
            "capacity_spread": spread,
            "systolic_ratio": float(sysr) if sysr is not None else None,
        }
    )
    row[status_column("volume")] = vol_status
    for m in CAPACITY_METHODS:
        row[status_column(m)] = statuses[m]
    row[status_column("systolic_ratio")] = sys_status
    row = {c: row[c] for c in COLUMNS}
    skipped = (STATUS_NOT_APPLICABLE, STATUS_NOT_RUN)
    if cap is None and all(st in skipped for st in statuses.values()):
        # no method applied: a fact to record, not a silent gap
        failures.append(
            {
                "quantity": "ehz_capacity",
                "algorithm": "none",
                "status": STATUS_NOT_APPLICABLE,
                "message": "no exact capacity algorithm applies to this polytope",
            }
        )
    return {"row": row, "timings": timings, "failures": failures, "shape": shape}


def _capacities(
    P: Any, preferred: str, budget: RowBudget, step: _Step
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every capacity method in turn (auto's choice first): ``not_applicable`` where the core
    says it does not apply, ``not_run`` where the plan does not run it, else run with the
    plan's work budget. Returns (results of the successful ones, status of each)."""
    from perflab.symplectic import applicable_methods, ehz_capacity

    results: dict[str, Any] = {}
    statuses: dict[str, str] = {}
    applicable = applicable_methods(P)
    order = [preferred] + [m for m in CAPACITY_METHODS if m != preferred]
    for m in order:
        skip = None
        if m not in applicable:
            skip = STATUS_NOT_APPLICABLE
        elif m not in budget.methods:
            skip = STATUS_NOT_RUN
        if skip is not None:
            statuses[m] = skip
            step.timings.append(
                {"quantity": "ehz_capacity", "algorithm": m, "status": skip, "seconds": 0.0}
            )
            continue
        work = budget.work.get(m)
        s, r = step.run(
            "ehz_capacity",
            m,
            budget.seconds,
            lambda m=m, work=work: ehz_capacity(P, method=m, max_work=work, time_limit=0),
        )
        statuses[m] = s
        if s == STATUS_OK:
            results[m] = r
    return results, statuses


def _agree(preferred: str, results: dict[str, Any]) -> tuple[str | None, float | None, Any]:
    """The agreed capacity: the method auto picks, else the first success in
    :data:`CAPACITY_METHODS` order; and the spread (max - min) over the successes."""
    chosen = preferred if preferred in results else None
    if chosen is None:
        chosen = next((m for m in CAPACITY_METHODS if m in results), None)
    cap = float(results[chosen].value) if chosen else None
    values = [float(r.value) for r in results.values()]
    spread = float(max(values) - min(values)) if len(values) >= 2 else None
    return chosen, cap, spread


def _row(
    item: PlanItem,
    P: Any,
    provenance: Any,
    vol: float | None,
    results: dict[str, Any],
    chosen: str | None,
) -> dict[str, Any]:
    """The polytope's columns: provenance, both representations, volume, the capacity of
    each method, the agreed method and its cycle."""
    config = {
        "family": item.family,
        "params": item.params,
        "seed": item.seed,
        "provenance": provenance,
    }
    row: dict[str, Any] = {
        "polytope_id": item.polytope_id,
        "family": item.family,
        "generator": generator_name(item.family),
        "generator_config": canonical_json(plain(config)),
        "seed": int(item.seed),
        "dimension": int(P.dim),
        "num_vertices": int(P.num_vertices),
        "num_facets": int(P.num_facets),
        "vertices": _matrix(P.vertices),
        "normals": _matrix(P.normals),
        "offsets": [float(x) for x in np.asarray(P.offsets, dtype=np.float64)],
        "volume": vol,
        "capacity_method": chosen,
        "min_action_cycle": _matrix(results[chosen].cycle) if chosen else [],
        "schema_version": SCHEMA_VERSION,
    }
    for m in CAPACITY_METHODS:
        row[capacity_column(m)] = float(results[m].value) if m in results else None
    return row


def _cap_status(statuses: dict[str, str]) -> str:
    """The status to give a quantity derived from a capacity that is missing."""
    for s in statuses.values():
        if s == STATUS_WORK_BUDGET:
            return STATUS_WORK_BUDGET
    for s in statuses.values():
        if Status.is_error(s):
            return s
    return STATUS_NOT_APPLICABLE
