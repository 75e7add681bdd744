"""Build plans: which polytopes an atlas holds, written as data.

A plan names, per generator family, a parameter grid (the cartesian product of the listed
values) and a list of seeds; it fixes the work budget of each capacity search (plan-wide
``work_budget``, overridable per family: cycle-search steps for ``haim_kislev``, tubes for
``reeb``, LPs for ``branch_bound``), which capacity methods run (plan-wide ``methods``,
overridable per family; default: all of :data:`perflab.atlas.schema.CAPACITY_METHODS`; a
method a plan does not run is recorded as ``not_run``), the wall-clock safety net per
quantity (``time_budget_s``) and the shard size.
What a row records depends on the plan only: a search that runs out of its work budget
does so on every machine. The wall-clock limit decides nothing: a row that hits it stops
the build with :class:`perflab.atlas.compute.SafetyNetExceeded` (re-run on a less loaded
machine, or with a larger ``time_budget_s``). The
plans of the published atlases live next to this module as JSON (``plans/<atlas>.json``);
the build manifest embeds the plan, so a build can be repeated from its manifest alone.

Expansion order is part of the plan: families in the order listed, then grid points in
lexicographic order of the parameter names (values in the order listed), then seeds. The
row order of the dataset follows it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from perflab.atlas.schema import CAPACITY_METHODS, canonical_json

__all__ = [
    "PLAN_FORMAT",
    "WORK_BUDGET_METHODS",
    "BuildPlan",
    "FamilySpec",
    "PlanError",
    "PlanItem",
    "RowBudget",
    "get_plan",
    "plan_names",
    "polytope_id",
    "shard_key",
]

PLAN_FORMAT = 1
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


class PlanError(ValueError):
    """A build plan is malformed (unknown keys, empty grids, duplicate polytopes, ...)."""


#: the searches that take a work budget, and what it counts
WORK_BUDGET_METHODS = {
    "haim_kislev": "cycle-search steps",
    "reeb": "tubes expanded",
    "branch_bound": "LPs solved",
}


@dataclass(frozen=True)
class RowBudget:
    """What one row may spend: ``work[method]`` (the deterministic limit of each search,
    ``ehz_capacity(..., max_work=)``) and ``seconds`` (the wall-clock safety net)."""

    seconds: float
    work: Mapping[str, int] = field(default_factory=dict)
    methods: tuple[str, ...] = CAPACITY_METHODS


def _methods(value: Any, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise PlanError(f"{where}: 'methods' must be a non-empty list, got {value!r}")
    for m in value:
        if m not in CAPACITY_METHODS:
            raise PlanError(
                f"{where}: 'methods' names {m!r}; capacity methods: {list(CAPACITY_METHODS)}"
            )
    if len(set(value)) != len(value):
        raise PlanError(f"{where}: 'methods' lists a method twice: {value!r}")
    return tuple(str(m) for m in value)


def _work_budget(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise PlanError(f"{where}: 'work_budget' must be an object, got {value!r}")
    out = {}
    for k, v in value.items():
        if k not in WORK_BUDGET_METHODS:
            raise PlanError(
                f"{where}: 'work_budget' names {k!r}; methods with a work budget: "
                f"{sorted(WORK_BUDGET_METHODS)}"
            )
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise PlanError(f"{where}: work_budget[{k!r}] must be a positive integer, got {v!r}")
        out[str(k)] = int(v)
    return out


def polytope_id(family: str, params: Mapping[str, Any], seed: int) -> str:
    """Deterministic id of the polytope a generator makes from ``params`` and ``seed``.

    ``'ap-'`` followed by the first 16 hex digits of the SHA-256 of the canonical JSON of
    ``{"family", "params", "seed"}``; independent of the atlas that holds it.
    """
    key = canonical_json({"family": family, "params": dict(params), "seed": int(seed)})
    return "ap-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _ids(spec: FamilySpec) -> Iterator[tuple[dict[str, Any], int, str]]:
    """``(params, seed, polytope_id)`` of every item of ``spec``, in order: the canonical
    JSON of a parameter set is made once and the seed (its last key) appended, so a plan
    of a million rows is checked in seconds. Same ids as :func:`polytope_id`."""
    for params in spec.param_sets():
        head = canonical_json({"family": spec.family, "params": params, "seed": 0})
        head = head[: head.rindex(":") + 1]
        for seed in spec.seeds:
            digest = hashlib.sha256(f"{head}{int(seed)}}}".encode()).hexdigest()
            yield params, int(seed), "ap-" + digest[:16]


@dataclass(frozen=True)
class PlanItem:
    """One polytope to build: a family, one grid point and one seed."""

    family: str
    params: dict[str, Any]
    seed: int
    index: int  # position within its family (0-based), fixes the shard

    @property
    def polytope_id(self) -> str:
        return polytope_id(self.family, self.params, self.seed)


@dataclass(frozen=True)
class FamilySpec:
    """A family's parameter sets and seeds.

    The parameter sets are the explicit ``points`` (each a dict, in the order listed)
    followed by the cartesian product of ``grid`` (names in lexicographic order, values in
    the order listed); an empty spec has the single empty parameter set. Each parameter set
    is combined with every seed.
    """

    family: str
    grid: dict[str, list[Any]] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=lambda: [0])
    points: list[dict[str, Any]] = field(default_factory=list)
    work_budget: dict[str, int] = field(default_factory=dict)  # overrides the plan's
    methods: tuple[str, ...] | None = None  # overrides the plan's
    # the seeds were written {"start": a, "count": n} (written back that way)
    seed_range: tuple[int, int] | None = None

    def param_sets(self) -> list[dict[str, Any]]:
        sets = [dict(p) for p in self.points]
        if self.grid or not self.points:
            names = sorted(self.grid)
            for values in itertools.product(*(self.grid[n] for n in names)):
                sets.append(dict(zip(names, values, strict=True)))
        return sets

    def items(self) -> Iterator[PlanItem]:
        index = 0
        for params in self.param_sets():
            for seed in self.seeds:
                yield PlanItem(self.family, params, int(seed), index)
                index += 1

    @property
    def size(self) -> int:
        return len(self.param_sets()) * len(self.seeds)

    def to_dict(self) -> dict[str, Any]:
        seeds: Any = list(self.seeds)
        if self.seed_range is not None:
            seeds = {"start": self.seed_range[0], "count": self.seed_range[1]}
        d: dict[str, Any] = {"family": self.family, "grid": self.grid, "seeds": seeds}
        if self.points:
            d["points"] = self.points
        if self.work_budget:
            d["work_budget"] = dict(self.work_budget)
        if self.methods is not None:
            d["methods"] = list(self.methods)
        return d


@dataclass(frozen=True)
class BuildPlan:
    """Everything that determines an atlas build's data (see the module docstring)."""

    atlas: str
    families: tuple[FamilySpec, ...]
    time_budget_s: float = 600.0
    rows_per_shard: int = 500
    description: str = ""
    work_budget: dict[str, int] = field(default_factory=dict)
    methods: tuple[str, ...] | None = None  # None: every method of CAPACITY_METHODS

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.atlas):
            raise PlanError(f"atlas name {self.atlas!r} must match {_NAME_RE.pattern}")
        if not self.families:
            raise PlanError(f"plan {self.atlas!r} lists no families")
        if self.time_budget_s <= 0:
            raise PlanError(f"time_budget_s must be positive, got {self.time_budget_s}")
        if self.rows_per_shard < 1:
            raise PlanError(f"rows_per_shard must be >= 1, got {self.rows_per_shard}")
        seen_fam: set[str] = set()
        seen_ids: dict[str, str] = {}
        for spec in self.families:
            if not _NAME_RE.match(spec.family):
                raise PlanError(f"family name {spec.family!r} must match {_NAME_RE.pattern}")
            if spec.family in seen_fam:
                raise PlanError(f"family {spec.family!r} is listed twice")
            seen_fam.add(spec.family)
            if not spec.seeds:
                raise PlanError(f"family {spec.family!r} has no seeds")
            for name, values in spec.grid.items():
                if not isinstance(values, list) or not values:
                    raise PlanError(
                        f"family {spec.family!r}: grid entry {name!r} must be a non-empty list"
                    )
            for params, seed, pid in _ids(spec):
                if pid in seen_ids:
                    raise PlanError(
                        f"family {spec.family!r}: {params} seed {seed} repeats polytope {pid}"
                    )
                seen_ids[pid] = spec.family
            try:
                canonical_json(spec.to_dict())
            except (TypeError, ValueError) as exc:
                raise PlanError(f"family {spec.family!r}: grid is not plain JSON: {exc}") from exc

    def row_budget(self, family: str) -> RowBudget:
        """The budget of every row of ``family``: the plan's work budget updated by the
        family's own, and the plan's safety net."""
        spec = self.spec(family)
        methods = spec.methods or self.methods or CAPACITY_METHODS
        return RowBudget(self.time_budget_s, {**self.work_budget, **spec.work_budget}, methods)

    # -- expansion -------------------------------------------------------------------------
    def family_names(self) -> list[str]:
        return [s.family for s in self.families]

    def spec(self, family: str) -> FamilySpec:
        for s in self.families:
            if s.family == family:
                return s
        raise PlanError(
            f"plan {self.atlas!r} has no family {family!r}; it has {self.family_names()}"
        )

    def items(self, only: str | None = None) -> Iterator[PlanItem]:
        specs = [self.spec(only)] if only is not None else self.families
        for s in specs:
            yield from s.items()

    @property
    def size(self) -> int:
        return sum(s.size for s in self.families)

    def shards(self, only: str | None = None) -> dict[str, list[PlanItem]]:
        """Shard key (``<family>/shard-<k>``) -> its items, in plan order."""
        out: dict[str, list[PlanItem]] = {}
        for item in self.items(only):
            k = item.index // self.rows_per_shard
            out.setdefault(shard_key(item.family, k), []).append(item)
        return out

    def shard_keys(self, family: str | None = None) -> list[str]:
        """The keys of :meth:`shards` (of one family when given), in the same order, without
        making the items (a million-row plan has them in microseconds)."""
        keys = []
        for spec in self.families:
            if family is None or spec.family == family:
                n = -(-spec.size // self.rows_per_shard)
                keys += [shard_key(spec.family, k) for k in range(n)]
        return keys

    def restricted(
        self, families: list[str] | None = None, per_family: int | None = None
    ) -> BuildPlan:
        """A smaller plan (for smoke runs): some families, the first ``per_family`` seeds
        of the first grid point each. Named ``<atlas>-smoke`` so it never mixes with the
        full build."""
        specs = []
        for s in self.families:
            if families is not None and s.family not in families:
                continue
            if per_family:
                first = s.param_sets()[0]
                specs.append(
                    FamilySpec(
                        s.family, {}, s.seeds[:per_family], [first], s.work_budget, s.methods
                    )
                )
            else:
                specs.append(s)
        return self.derived(f"{self.atlas}-smoke", specs, f"smoke subset of {self.atlas}")

    def derived(self, atlas: str, families: list[FamilySpec], description: str) -> BuildPlan:
        """A plan named ``atlas`` of ``families`` with this plan's budgets, methods and shard
        size (smoke subsets, scaling samples); checked like any plan."""
        return BuildPlan(
            atlas=atlas,
            families=tuple(families),
            time_budget_s=self.time_budget_s,
            rows_per_shard=self.rows_per_shard,
            description=description,
            work_budget=dict(self.work_budget),
            methods=self.methods,
        )

    # -- (de)serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = {
            "format": PLAN_FORMAT,
            "atlas": self.atlas,
            "description": self.description,
            "time_budget_s": self.time_budget_s,
            "work_budget": dict(self.work_budget),
            "rows_per_shard": self.rows_per_shard,
            "families": [s.to_dict() for s in self.families],
        }
        if self.methods is not None:
            d["methods"] = list(self.methods)
        return d

    @classmethod
    def from_dict(cls, data: Any) -> BuildPlan:
        """The plan written as ``data`` (parsed JSON); :class:`PlanError` names whatever
        field is missing, unknown or of the wrong type."""
        if not isinstance(data, Mapping):
            raise PlanError(f"a plan is a JSON object, got {type(data).__name__}")
        known = {
            "format",
            "atlas",
            "description",
            "time_budget_s",
            "work_budget",
            "methods",
            "rows_per_shard",
            "families",
        }
        unknown = set(data) - known
        if unknown:
            raise PlanError(f"unknown plan keys {sorted(unknown)}")
        if data.get("format", PLAN_FORMAT) != PLAN_FORMAT:
            raise PlanError(f"plan format {data.get('format')!r} is not {PLAN_FORMAT}")
        missing = [k for k in ("atlas", "families") if k not in data]
        if missing:
            raise PlanError(f"malformed plan: missing {missing}")
        if not isinstance(data["families"], list):
            raise PlanError(f"'families' must be a list of objects, got {data['families']!r}")
        fams = tuple(_family_from_dict(f) for f in data["families"])
        return cls(
            atlas=str(data["atlas"]),
            families=fams,
            time_budget_s=_number(data, "time_budget_s", 600.0, float),
            rows_per_shard=_number(data, "rows_per_shard", 500, int),
            description=str(data.get("description", "")),
            work_budget=_work_budget(data.get("work_budget", {}), "plan"),
            methods=_methods(data.get("methods"), "plan"),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_file(cls, path: str | Path) -> BuildPlan:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise PlanError(f"{path}: cannot read plan: {exc}") from exc
        return cls.from_dict(data)


def _family_from_dict(f: Any) -> FamilySpec:
    if not isinstance(f, Mapping):
        raise PlanError(f"each entry of 'families' must be an object, got {f!r}")
    extra = set(f) - {"family", "grid", "seeds", "points", "work_budget", "methods"}
    if extra:
        raise PlanError(f"unknown family keys {sorted(extra)} in {f.get('family')!r}")
    if "family" not in f:
        raise PlanError(f"malformed plan: a family entry has no 'family' name: {dict(f)}")
    name = str(f["family"])
    grid = f.get("grid", {})
    if not isinstance(grid, Mapping):
        raise PlanError(f"family {name!r}: 'grid' must be an object of lists, got {grid!r}")
    for k, v in grid.items():
        if not isinstance(v, list) or not v:
            raise PlanError(
                f"family {name!r}: grid entry {k!r} must be a non-empty list, got {v!r}"
            )
    seeds = f.get("seeds", [0])
    seed_range = _seed_range(seeds, name)
    if seed_range is not None:
        seeds = list(range(seed_range[0], seed_range[0] + seed_range[1]))
    if not isinstance(seeds, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in seeds
    ):
        raise PlanError(
            f"family {name!r}: 'seeds' must be a list of integers or "
            f'{{"start": A, "count": N}}, got {seeds!r}'
        )
    points = f.get("points", [])
    if not isinstance(points, list) or not all(isinstance(p, Mapping) for p in points):
        raise PlanError(f"family {name!r}: 'points' must be a list of objects, got {points!r}")
    return FamilySpec(
        family=name,
        grid={str(k): list(v) for k, v in grid.items()},
        seeds=list(seeds),
        points=[dict(p) for p in points],
        work_budget=_work_budget(f.get("work_budget", {}), f"family {name!r}"),
        methods=_methods(f.get("methods"), f"family {name!r}"),
        seed_range=seed_range,
    )


def _seed_range(seeds: Any, name: str) -> tuple[int, int] | None:
    """``{"start": A, "count": N}`` (the seeds A, A+1, ..., A+N-1) as ``(A, N)``."""
    if not isinstance(seeds, Mapping):
        return None
    if set(seeds) != {"start", "count"} or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in seeds.values()
    ):
        raise PlanError(
            f'family {name!r}: a seed range is {{"start": A, "count": N}} with integers, '
            f"got {dict(seeds)!r}"
        )
    if seeds["start"] < 0 or seeds["count"] < 1:
        raise PlanError(
            f"family {name!r}: a seed range needs start >= 0 and count >= 1, got {dict(seeds)!r}"
        )
    return int(seeds["start"]), int(seeds["count"])


def _number(data: Mapping[str, Any], key: str, default: Any, kind: type) -> Any:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanError(f"{key!r} must be a number, got {value!r}")
    if kind is int and value != int(value):
        raise PlanError(f"{key!r} must be an integer, got {value!r}")
    return kind(value)


def shard_key(family: str, k: int) -> str:
    return f"{family}/shard-{k:05d}"


def plan_names() -> list[str]:
    """The atlases whose plans ship with the package."""
    files = resources.files("perflab.atlas").joinpath("plans")
    return sorted(p.name[: -len(".json")] for p in files.iterdir() if p.name.endswith(".json"))


def get_plan(name: str) -> BuildPlan:
    """The shipped plan of atlas ``name``, or the plan in a ``.json`` file.

    Parameters
    ----------
    name : str
        ``"atlas-tiny"``, ``"atlas-small"``, ``"atlas-medium"``, ``"atlas-large"`` (the plans
        in ``perflab/atlas/plans/``) or the path of a plan file ending in ``.json``.

    Returns
    -------
    BuildPlan
        The checked plan (families, grids, seeds, work budgets, methods).

    Raises
    ------
    PlanError
        No such plan, or a plan file that is malformed (the message names the field).

    Examples
    --------
    >>> plan = get_plan("atlas-tiny")
    >>> plan.size, plan.family_names()[:2]
    (14, ['regular_polygon', 'random_polygon'])
    >>> get_plan("atlas-large").size
    1017559
    """
    p = Path(name)
    if p.suffix == ".json":
        if not p.exists():
            raise PlanError(f"{name}: no such plan file")
        return BuildPlan.from_file(p)
    res = resources.files("perflab.atlas").joinpath("plans", f"{name}.json")
    if not res.is_file():
        raise PlanError(f"no plan named {name!r}; known: {plan_names()}")
    return BuildPlan.from_dict(json.loads(res.read_text(encoding="utf-8")))
