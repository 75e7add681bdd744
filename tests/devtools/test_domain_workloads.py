"""Every domain's ``workloads.PROFILE_TARGETS`` is discovered, and its targets profile.

The profiler is run through its command-line entry point (``main``, what
``python -m perflab.devtools.profile TARGET`` calls) in this process, on the cheapest
target of each domain, so the whole file stays a few seconds.
"""

from __future__ import annotations

import importlib
import json
import math

import pytest

from perflab.devtools import profile as prof

DOMAINS = ("symplectic", "atlas", "bragg", "warpgen", "soap")

#: the cheapest target of each domain (a profile run: set-up, warm-up, two profiled calls)
CHEAPEST = {
    "symplectic": "billiards_pentagon",
    "atlas": "build_tiny_polygon_product",
    "bragg": "absorption_512",
    "warpgen": "generate",
    "soap": "expansion_torch",
}


@pytest.fixture(scope="module")
def discovery():
    return prof.discover()


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_target_of_every_domain_is_discovered(discovery, domain):
    mod = importlib.import_module(f"perflab.{domain}.workloads")
    keys = set(mod.PROFILE_TARGETS)
    assert keys, f"perflab.{domain}.workloads defines no targets"
    assert not [s for s in discovery.skipped if s.startswith(f"perflab.{domain}.")]
    found = {n.split(".", 1)[1] for n in discovery.targets if n.startswith(domain + ".")}
    assert found == keys
    for key in keys:
        t = discovery.targets[f"{domain}.{key}"]
        assert t.module == f"perflab.{domain}.workloads"
        assert t.description, f"{t.name}: the factory needs a one-line docstring"
    assert CHEAPEST[domain] in keys


@pytest.mark.parametrize("domain", DOMAINS)
def test_command_line_profiles_the_cheapest_target_of_each_domain(
    domain, tmp_path, capsys, discovery
):
    name = f"{domain}.{CHEAPEST[domain]}"
    assert prof.main([name, "--out", str(tmp_path), "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{name}: set-up ") and "top 5 functions by self time" in out
    summary = json.loads((tmp_path / f"{name}.json").read_text())
    assert summary["target"] == name and len(summary["top"]) == 5
    assert summary["cprofile_s"] > 0 and summary["warm_s"] > 0
    assert (tmp_path / f"{name}.prof").stat().st_size > 0
    assert "<html" in (tmp_path / f"{name}.html").read_text()[:2000].lower()


def test_symplectic_workloads_compute_the_known_pentagon_capacity():
    from perflab.symplectic import workloads

    c = 2 * math.cos(math.pi / 10) * (1 + math.cos(math.pi / 5))  # Haim-Kislev-Ostrover
    for factory in (workloads.billiards_pentagon, workloads.haim_kislev_pentagon):
        assert factory()().value == pytest.approx(c, rel=1e-9)


def test_atlas_workload_builds_its_family_afresh_on_every_call(tmp_path):
    from perflab.atlas import workloads

    run = workloads.build_tiny_polygon_product()
    first, second = run(), run()
    for res in (first, second):
        assert res.rows_computed == 1 and res.rows_reused == 0  # resume=False: no reuse
        assert res.shards_written == ["polygon_product/shard-00000"]
    with pytest.raises(Exception, match="no family 'nope'"):
        workloads.family_build("nope")
