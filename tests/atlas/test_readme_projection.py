"""The README's atlas-on-a-cluster section is computed, not typed (issue 12): it equals what
``python -m perflab.atlas project atlas-large --readme README.md`` writes from atlas-medium's
committed timing records and scaling measurement."""

from __future__ import annotations

import pytest

from perflab.atlas.load import REPO_ROOT
from perflab.atlas.plan import get_plan
from perflab.atlas.projection import (
    README_BEGIN,
    project,
    projection_markdown,
    replace_readme_section,
)

BENCH = REPO_ROOT / "artefacts" / "benchmarks" / "atlas-medium"


def test_the_readme_section_is_the_projection_of_the_committed_records():
    readme = (REPO_ROOT / "README.md").read_text()
    assert README_BEGIN in readme
    p = project(get_plan("atlas-large"), get_plan("atlas-medium"), BENCH)
    assert replace_readme_section(readme, projection_markdown(p)) == readme, (
        "README.md's generated section is stale: run "
        "`python -m perflab.atlas project atlas-large --readme README.md`"
    )
    assert p.rows_by_family_mean == 0  # every row costed by rows with its own parameters


def test_a_readme_without_markers_is_refused():
    with pytest.raises(ValueError, match="markers"):
        replace_readme_section("# no section here\n", "x")
