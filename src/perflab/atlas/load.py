"""Load a built atlas as a Hugging Face ``datasets.Dataset``, offline."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from perflab.atlas.schema import SCHEMA_VERSION, features
from perflab.harness import ManifestError

__all__ = [
    "ENV_VAR",
    "REPO_ROOT",
    "AtlasIncomplete",
    "AtlasManifestError",
    "AtlasNotFound",
    "check_build",
    "dataset_dir",
    "load",
    "read_manifest",
]

#: The repository root (``src/perflab/atlas/load.py`` -> three folders up).
REPO_ROOT = Path(__file__).resolve().parents[3]
ENV_VAR = "PERFLAB_ARTEFACTS"


class AtlasNotFound(FileNotFoundError):
    """No complete atlas build where one was asked for."""


class AtlasManifestError(AtlasNotFound, ManifestError):
    """The build's manifest is unreadable or not an atlas manifest (names the file)."""


class AtlasIncomplete(AtlasNotFound):
    """The build is short or inconsistent with its manifest (``allow_incomplete`` loads
    the shards that are there and right)."""


def dataset_dir(name_or_path: str | os.PathLike[str]) -> Path:
    """``artefacts/datasets/<name>`` of this checkout (or of ``$PERFLAB_ARTEFACTS``), or a
    build folder given by path."""
    p = Path(name_or_path)
    if (p / "manifest.json").exists():
        return p
    root = Path(os.environ.get(ENV_VAR) or REPO_ROOT / "artefacts")
    return root / "datasets" / str(name_or_path)


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``manifest.json`` of the build folder ``folder``, checked to be one this code
    reads; :class:`AtlasNotFound` names what is wrong (missing, unreadable, other schema)."""
    folder = Path(folder)
    mpath = folder / "manifest.json"
    if not mpath.exists():
        raise AtlasNotFound(f"no atlas build at {folder} (no manifest.json); build it first")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AtlasManifestError(
            f"{mpath}: cannot read the manifest ({exc}); rebuild the atlas"
        ) from exc
    if (
        not isinstance(manifest, dict)
        or not isinstance(manifest.get("done"), dict)
        or not isinstance(manifest.get("params", {}).get("plan"), dict)
    ):
        raise AtlasManifestError(f"{mpath}: not an atlas manifest; rebuild the atlas")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise AtlasNotFound(
            f"{folder}: schema {manifest.get('schema_version')!r}, this code reads "
            f"{SCHEMA_VERSION!r}; rebuild the atlas"
        )
    return manifest


def load(
    name_or_path: str | os.PathLike[str] = "atlas-small",
    *,
    family: str | None = None,
    with_timings: bool = False,
    allow_incomplete: bool = False,
) -> Any:
    """A built atlas as a ``datasets.Dataset``, offline (no network, no cache folder): the
    shards the manifest lists, in plan order, each checked against its SHA-256.

    Parameters
    ----------
    name_or_path : str or path-like
        ``"atlas-tiny"``, ``"atlas-small"``, ``"atlas-medium"`` (the published builds under
        ``artefacts/datasets/``) or a build folder.
    family : str, optional
        Keep this generator family only.
    with_timings : bool
        Add ``seconds_<quantity>[_<algorithm>]`` columns from the raw timing log next to
        the build.
    allow_incomplete : bool
        Return what a short or inconsistent build holds instead of raising.

    Returns
    -------
    datasets.Dataset
        One row per polytope, with the features of :func:`perflab.atlas.schema.features`.

    Raises
    ------
    AtlasNotFound
        No build there, or a shard whose SHA-256 differs from the manifest (always).
    AtlasManifestError
        An unreadable manifest (also a ``ManifestError``), named.
    AtlasIncomplete
        A short or inconsistent build (see :func:`check_build`), unless
        ``allow_incomplete``.

    References
    ----------
    Hugging Face ``datasets``: https://huggingface.co/docs/datasets

    Examples
    --------
    >>> ds = load("atlas-tiny")
    >>> ds.num_rows, ds[0]["family"]
    (14, 'regular_polygon')
    >>> pentagons = load("atlas-small", family="polygon_product")
    >>> round(pentagons[0]["systolic_ratio"], 6)  # Haim-Kislev-Ostrover: above 1
    1.047214
    """
    import datasets
    from datasets.table import InMemoryTable

    folder = dataset_dir(name_or_path)
    manifest = read_manifest(folder)
    plan = _plan_of(folder, manifest)
    problems = check_build(folder, manifest, plan)
    if problems and not allow_incomplete:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise AtlasIncomplete(
            f"{folder}: the build is incomplete or inconsistent: {problems[0]}{more}; "
            "resume it or pass allow_incomplete=True"
        )
    feats = features()
    table = _read_shards(folder, manifest, plan, family, feats)
    if with_timings:
        table = _join_timings(table, folder, plan.atlas)
        feats = None
    info = datasets.DatasetInfo(
        description=f"{plan.atlas}: {plan.description}",
        features=feats,
        version=SCHEMA_VERSION,
    )
    return datasets.Dataset(InMemoryTable(table), info=info, split=datasets.Split.TRAIN)


def _read_shards(
    folder: Path, manifest: dict[str, Any], plan: Any, family: str | None, feats: Any
) -> Any:
    """The manifest's shards of ``family`` (all when None) in plan order as one arrow table
    of the schema ``feats``, each checked against its recorded SHA-256."""
    import hashlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = []
    for key in plan.shards(family):
        info = manifest["done"].get(key)
        if not isinstance(info, dict) or not info.get("rows"):
            continue
        try:
            data = (folder / info["path"]).read_bytes()
        except FileNotFoundError:
            continue  # reported by check_build; allow_incomplete loads what is there
        if hashlib.sha256(data).hexdigest() != info["sha256"]:
            raise AtlasNotFound(f"{folder / info['path']}: SHA-256 differs from the manifest")
        tables.append(pq.read_table(pa.BufferReader(data)))
    table = (
        pa.concat_tables(tables) if tables else feats.arrow_schema.empty_table()
    ).replace_schema_metadata(None)
    return table.cast(feats.arrow_schema)


def _plan_of(folder: Path, manifest: dict[str, Any]) -> Any:
    from perflab.atlas.plan import BuildPlan, PlanError

    try:
        return BuildPlan.from_dict(manifest["params"]["plan"])
    except (PlanError, KeyError, TypeError, ValueError) as exc:
        raise AtlasManifestError(
            f"{folder / 'manifest.json'}: the plan it records is unreadable ({exc})"
        ) from exc


def check_build(folder: Path, manifest: dict[str, Any], plan: Any) -> list[str]:
    """What is short or inconsistent in the build at ``folder`` (empty when none): every
    planned shard listed in the manifest with the plan's polytope ids and a consistent row
    count, its file present, no shard listed that the plan does not have, no shard file
    that the manifest does not list, and the build's own completeness record. (Hashes are
    checked as the shards are read.)"""
    done = manifest["done"]
    planned = plan.shards()
    problems = []
    for key, items in planned.items():
        info = done.get(key)
        if not isinstance(info, dict):
            problems.append(f"shard {key} is not listed in the manifest")
            continue
        ids = [it.polytope_id for it in items]
        if info.get("ids") != ids:
            problems.append(f"shard {key} lists other polytopes than the plan")
        elif info.get("rows", -1) + len(info.get("missing", ())) != len(ids):
            problems.append(f"shard {key}: {info.get('rows')} rows for {len(ids)} polytopes")
        if info.get("rows") and not (folder / str(info.get("path"))).is_file():
            problems.append(
                f"{folder / str(info.get('path'))}: shard missing (the manifest lists it)"
            )
    problems += [f"shard {k} is listed but not planned" for k in sorted(set(done) - set(planned))]
    listed = {str(i.get("path")) for i in done.values() if isinstance(i, dict) and i.get("path")}
    data = folder / "data"
    files = (
        {p.relative_to(folder).as_posix() for p in data.rglob("*.parquet")}
        if data.exists()
        else set()
    )
    problems += [
        f"{folder / f}: shard file not listed in the manifest" for f in sorted(files - listed)
    ]
    if not problems and not manifest.get("extra", {}).get("complete"):
        problems.append("the manifest does not record the build as complete")
    return problems


def _join_timings(table: Any, folder: Path, atlas: str) -> Any:
    import pyarrow as pa

    from perflab.atlas.builder import default_bench_dir
    from perflab.atlas.report import latest_timings

    ids = table.column("polytope_id").to_pylist()
    recs = latest_timings(default_bench_dir(folder, atlas), set(ids))
    cols: dict[str, dict[str, float]] = {}
    for r in recs:
        name = f"seconds_{r['quantity']}"
        if r["quantity"] == "ehz_capacity":
            name += f"_{r['algorithm']}"
        cols.setdefault(name, {})[r["polytope_id"]] = float(r["seconds"])
    for name in sorted(cols):
        vals = [cols[name].get(i) for i in ids]
        table = table.append_column(name, pa.array(vals, type=pa.float64()))
    return table
