"""The versioned row schema of the atlas datasets (Hugging Face ``datasets.Features``).

One row is one polytope K in R^{2n} (2n = ``dimension``) with

- its provenance: ``polytope_id`` (deterministic, see :func:`perflab.atlas.plan.polytope_id`),
  ``family``, ``generator``, ``generator_config`` (canonical JSON: family, parameters, seed and
  the generator's own provenance dict), ``seed``;
- both representations: ``vertices`` (m x 2n), ``normals`` (F x 2n, unit) and ``offsets``
  (F), K = {x : <n_i, x> <= h_i};
- its invariants: ``volume``, one capacity column per exact algorithm
  (``capacity_haim_kislev``, ``capacity_billiards``, ``capacity_reeb``,
  ``capacity_branch_bound``; null where the algorithm does not apply, was not run by the
  plan, ran out of its work budget or failed), ``ehz_capacity`` (the
  agreed value: the one of the method ``auto`` picks, else the first successful method in
  :data:`CAPACITY_METHODS` order), ``capacity_method``, ``capacity_spread`` (max - min over
  the successful methods; null with fewer than two), ``systolic_ratio``
  c^n / (n! vol) and ``min_action_cycle`` (the closed characteristic of minimal action,
  vertices in order);
- one status per quantity: ``ok`` / ``not_applicable`` / ``not_run`` (the plan does not run
  this method for the row's family; schema 1.2) / ``work_budget`` (the search ran out of the
  plan's work budget: the same on every machine; schema 1.0 had ``timeout``, a wall-clock
  limit, instead) / ``error: <Type>``.

Per-quantity *seconds* are deliberately not stored in the parquet files: the data files of a
build must be byte-identical between an interrupted-and-resumed build and an uninterrupted
one, and wall times never repeat. They live in the raw timing log
(``artefacts/benchmarks/<atlas>/timings.jsonl``, one record per polytope x quantity x
algorithm); :func:`perflab.atlas.load` joins them back as ``seconds_<quantity>`` columns
with ``with_timings=True``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

__all__ = [
    "CAPACITY_METHODS",
    "COLUMNS",
    "ERROR_PREFIX",
    "QUANTITIES",
    "SCHEMA_VERSION",
    "STATUS_NOT_APPLICABLE",
    "STATUS_NOT_RUN",
    "STATUS_OK",
    "STATUS_WORK_BUDGET",
    "Status",
    "arrow_schema",
    "canonical_json",
    "capacity_column",
    "column_types",
    "features",
    "schema_description",
    "status_column",
    "status_error",
]

SCHEMA_VERSION = "1.2.0"

#: The exact EHZ-capacity algorithms of :mod:`perflab.symplectic`, in tie-break order.
CAPACITY_METHODS: tuple[str, ...] = ("billiards", "reeb", "branch_bound", "haim_kislev")

#: Every quantity that gets a ``status_<q>`` column (capacity methods by name).
QUANTITIES: tuple[str, ...] = ("volume", *CAPACITY_METHODS, "systolic_ratio")


class Status(StrEnum):
    """The status of one quantity of a row (the ``status_<q>`` columns store its value).

    A failure is not a member: its status is ``"error: <ExceptionType>"``
    (:meth:`error`), recognised by :meth:`is_error`.
    """

    OK = "ok"
    #: the algorithm does not apply to this polytope (decided by the symplectic core)
    NOT_APPLICABLE = "not_applicable"
    #: a capacity method the plan does not run for the row's family (plan key ``methods``)
    NOT_RUN = "not_run"
    #: a search that ran out of the work budget of the plan (the same on every machine)
    WORK_BUDGET = "work_budget"

    @staticmethod
    def error(exc: BaseException) -> str:
        """The status string of a quantity whose computation raised ``exc``."""
        return f"{ERROR_PREFIX}{type(exc).__name__}"

    @staticmethod
    def is_error(status: str) -> bool:
        """Whether ``status`` records a failure (``"error: <Type>"``)."""
        return status.startswith(ERROR_PREFIX)


ERROR_PREFIX = "error: "

STATUS_OK = Status.OK.value
STATUS_NOT_APPLICABLE = Status.NOT_APPLICABLE.value
STATUS_NOT_RUN = Status.NOT_RUN.value
STATUS_WORK_BUDGET = Status.WORK_BUDGET.value


def status_error(exc: BaseException) -> str:
    """The status string of a quantity whose computation raised ``exc``."""
    return Status.error(exc)


def capacity_column(method: str) -> str:
    return f"capacity_{method}"


def status_column(quantity: str) -> str:
    return f"status_{quantity}"


def column_types() -> dict[str, str]:
    """Column name -> a short type tag, in the schema's column order.

    Tags: ``str``, ``int64``, ``int32``, ``float64``, ``vec`` (list of float64) and
    ``mat`` (list of lists of float64).
    """
    cols: dict[str, str] = {
        "polytope_id": "str",
        "family": "str",
        "generator": "str",
        "generator_config": "str",
        "seed": "int64",
        "dimension": "int32",
        "num_vertices": "int32",
        "num_facets": "int32",
        "vertices": "mat",
        "normals": "mat",
        "offsets": "vec",
        "volume": "float64",
    }
    for m in CAPACITY_METHODS:
        cols[capacity_column(m)] = "float64"
    cols.update(
        {
            "ehz_capacity": "float64",
            "capacity_method": "str",
            "capacity_spread": "float64",
            "systolic_ratio": "float64",
            "min_action_cycle": "mat",
        }
    )
    for q in QUANTITIES:
        cols[status_column(q)] = "str"
    cols["schema_version"] = "str"
    return cols


COLUMNS: tuple[str, ...] = tuple(column_types())


def features() -> Any:
    """The ``datasets.Features`` of an atlas row (schema :data:`SCHEMA_VERSION`)."""
    import datasets

    def feat(tag: str) -> Any:
        if tag == "str":
            return datasets.Value("string")
        if tag in ("int64", "int32", "float64"):
            return datasets.Value(tag)
        if tag == "vec":
            return datasets.Sequence(datasets.Value("float64"))
        if tag == "mat":
            return datasets.Sequence(datasets.Sequence(datasets.Value("float64")))
        raise AssertionError(tag)  # pragma: no cover - the tags are ours

    return datasets.Features({name: feat(tag) for name, tag in column_types().items()})


def arrow_schema() -> Any:
    """The pyarrow schema of the parquet shards, carrying the HF features as metadata."""
    feats = features()
    schema = feats.arrow_schema
    meta = dict(schema.metadata or {})
    meta[b"perflab_atlas_schema_version"] = SCHEMA_VERSION.encode()
    return schema.with_metadata(meta)


def schema_description() -> list[dict[str, str]]:
    """Column, type and meaning, for the dataset README."""
    meaning = {
        "polytope_id": "deterministic id: 'ap-' + sha256(family, params, seed)[:16]",
        "family": "generator family (perflab.symplectic.generators registry key)",
        "generator": "the generator callable (module.qualname)",
        "generator_config": "canonical JSON: family, params, seed, generator provenance",
        "seed": "the integer seed handed to the generator",
        "dimension": "ambient dimension 2n",
        "num_vertices": "number of vertices",
        "num_facets": "number of facets",
        "vertices": "vertices, (num_vertices, 2n), canonical order",
        "normals": "unit outer facet normals n_i, (num_facets, 2n)",
        "offsets": "facet offsets h_i: K = {x : <n_i, x> <= h_i}",
        "volume": "Lebesgue volume (area for 2n = 2)",
        "ehz_capacity": "agreed EHZ capacity (value of capacity_method)",
        "capacity_method": "the algorithm whose value is ehz_capacity",
        "capacity_spread": "max - min over the algorithms that succeeded (null if < 2)",
        "systolic_ratio": "c^n / (n! vol)",
        "min_action_cycle": "closed characteristic of minimal action, (k, 2n), in order",
        "schema_version": f"row schema version ({SCHEMA_VERSION})",
    }
    for m in CAPACITY_METHODS:
        meaning[capacity_column(m)] = f"EHZ capacity by '{m}' (null unless {status_column(m)} ok)"
    for q in QUANTITIES:
        meaning[status_column(q)] = (
            "ok | not_applicable | not_run | work_budget | error: <ExceptionType>"
        )
    return [{"column": c, "type": t, "meaning": meaning[c]} for c, t in column_types().items()]


def canonical_json(obj: Any) -> str:
    """Compact, key-sorted JSON: the same object always gives the same string."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
