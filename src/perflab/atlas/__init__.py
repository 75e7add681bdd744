"""Atlas datasets of symplectic polytopes (the dataset layer of :mod:`perflab.symplectic`).

- :mod:`perflab.atlas.schema`: the versioned ``datasets.Features`` row schema.
- :mod:`perflab.atlas.plan`: build plans as data (``plans/<atlas>.json``), polytope ids.
- :mod:`perflab.atlas.compute`: one row, every quantity with every applicable algorithm.
- :mod:`perflab.atlas.builder`: the streaming, resumable, crash-safe builder.
- :mod:`perflab.atlas.report`: the benchmark report computed from the raw timing logs.
- :func:`load`: a built atlas as a ``datasets.Dataset``, offline.

Command line: ``python -m perflab.atlas build atlas-small [--out DIR] [--only FAMILY]
[--fresh] [--workers N]`` and ``python -m perflab.atlas report atlas-small``.
"""

from perflab.atlas.builder import BuildResult, build
from perflab.atlas.load import AtlasIncomplete, AtlasManifestError, AtlasNotFound, load
from perflab.atlas.plan import BuildPlan, FamilySpec, PlanError, PlanItem, get_plan, polytope_id
from perflab.atlas.schema import SCHEMA_VERSION, features

__all__ = [
    "SCHEMA_VERSION",
    "AtlasIncomplete",
    "AtlasManifestError",
    "AtlasNotFound",
    "BuildPlan",
    "BuildResult",
    "FamilySpec",
    "PlanError",
    "PlanItem",
    "build",
    "features",
    "get_plan",
    "load",
    "polytope_id",
]
