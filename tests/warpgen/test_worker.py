"""Worker and commit step: rejected kernels are failures, duplicates are dropped."""

from __future__ import annotations

import json
import os
import tempfile

from perflab.harness import Manifest
from perflab.warpgen import worker
from perflab.warpgen.build import _commit
from perflab.warpgen.spec import KernelSpec, arr
from perflab.warpgen.storage import Layout
from perflab.warpgen.worker import KernelResult, ShardResult


def _bad_spec(seed, index):
    body = ["i = wp.tid()", "a[i] = wp.cross(a[i], 1.0)"]  # cross of two floats: a type error
    return KernelSpec("elementwise", "bad", f"bad_k{index}", [arr("a", "float", (8,))], body, (8,))


def test_kernel_rejected_by_warp_is_a_failure_not_a_record(monkeypatch, tmp_path):
    # init_worker points TMPDIR at its work folder: undo that after the test
    monkeypatch.setenv("TMPDIR", os.environ.get("TMPDIR", tempfile.gettempdir()))
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    worker.init_worker(str(tmp_path))
    monkeypatch.setattr(worker, "generate_kernel", _bad_spec)
    res = worker.process_kernel(0, 3, 1.0, 86, {})
    assert res.error and "cross" in res.error
    assert res.cpu_line == b"" and res.cuda_line == b""


def test_generator_exception_is_a_failure(monkeypatch, tmp_path):
    def boom(seed, index):
        raise ZeroDivisionError("generator bug")

    monkeypatch.setattr(worker, "generate_kernel", boom)
    res = worker.process_kernel(0, 4, 0.0, 86, {})
    assert res.error.startswith("generate: ZeroDivisionError")


def test_commit_drops_duplicates_failures_and_capped_skeletons(tmp_path):
    import collections
    import hashlib

    layout = Layout(tmp_path / "ds")
    sha = hashlib.sha256(b"// preamble\n").hexdigest()
    pre = {b: (sha, "// preamble\n") for b in ("cpu", "cuda")}
    m = Manifest.load_or_create(layout.manifest, schema_version="1", params={})
    m.env = {}
    line = json.dumps({"id": "x"}).encode() + b"\n"
    res = ShardResult(
        0,
        [
            KernelResult(0, "elementwise", "map", "k1", line, line, skeleton="s1", preambles=pre),
            KernelResult(1, "vectors", "expr", "k1", line, line, skeleton="s2"),  # duplicate
            KernelResult(2, "matrices", "svd", "", error="WarpCodegenError: bad"),
            KernelResult(3, "vectors", "expr", "k3", line, line, skeleton="s1"),  # capped
        ],
    )
    seen: set[str] = set()
    skeletons: collections.Counter = collections.Counter()
    info = _commit(layout, m, res, seen, skeletons, 1)
    assert info["records"] == 1 and info["keys"] == ["k1"] and info["skeletons"] == ["s1"]
    assert info["duplicates"] == [{"index": 1, "category": "vectors"}]
    assert info["skeleton_capped"] == [{"index": 3, "category": "vectors"}]
    assert skeletons == {"s1": 1}
    for b in ("cpu", "cuda"):  # the preamble is stored once, under its hash
        assert layout.preamble_path(b, pre[b][0]).read_text() == "// preamble\n"
    assert info["failures"][0]["error"] == "WarpCodegenError: bad"
    assert layout.shard_path("cpu", 0).read_bytes() == line
    assert Manifest.load(layout.manifest).done["00000"]["records"] == 1
    assert seen == {"k1"}
