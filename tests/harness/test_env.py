import json
import os
import subprocess
import sys

from perflab.harness import env_snapshot, env_summary

KEYS = {
    "git_commit",
    "python",
    "platform",
    "cpu_model",
    "cpu_count",
    "memory_bytes",
    "versions",
    "torch_threads",
    "cuda_available",
    "gpu_name",
    "timestamp",
}


def test_snapshot_has_keys_and_is_json():
    snap = env_snapshot()
    assert KEYS <= set(snap)
    for lib in ("numpy", "scipy", "torch", "warp"):
        assert snap["versions"][lib], lib
    assert snap["cpu_count"] >= 1
    assert snap["memory_bytes"] > 0
    assert isinstance(snap["cuda_available"], bool)
    assert json.loads(json.dumps(snap)) == snap
    assert "numpy" in env_summary(snap)


def test_git_commit_is_null_outside_a_checkout(tmp_path):
    code = (
        "import perflab.harness.env as e, json; "
        f"print(json.dumps(e._git_commit({str(tmp_path)!r})))"
    )
    # git must not find a repository above tmp_path (a TMPDIR inside a CI workspace)
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    env["GIT_CEILING_DIRECTORIES"] = str(tmp_path.parent)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "null"


def test_one_liner_from_the_issue_prints():
    out = subprocess.run(
        [sys.executable, "-c", "import perflab.harness as h; print(h.env_snapshot())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "cpu_count" in out.stdout
