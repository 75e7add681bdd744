"""A smoke build shared by the build tests (built once per session, in a temporary folder)."""

from __future__ import annotations

import pytest

from perflab.warpgen.build import config_from_args, run_build


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory):
    """(config, stats) of ``--smoke --seed 0 --workers 2`` built into a temporary folder."""
    out = tmp_path_factory.mktemp("warp-smoke")
    cfg = config_from_args(smoke=True, out=out, seed=0, workers=2)
    stats = run_build(cfg)
    return cfg, stats
