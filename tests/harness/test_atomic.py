"""Crash-safe writes: the content lands whole, and the file is readable like any other."""

import os
import stat
import subprocess
import sys

from perflab.harness.atomic import atomic_write_bytes, atomic_write_text


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    p = tmp_path / "sub" / "report.md"
    atomic_write_text(p, "one")
    atomic_write_text(p, "two")
    assert p.read_text() == "two"
    assert [x.name for x in p.parent.iterdir()] == ["report.md"]


def test_written_files_are_world_readable_like_plain_files(tmp_path):
    """Regression: report files were created 0600 (mkstemp's mode), readable by their
    owner only; a plain open() under the usual umask 022 gives 0644."""
    p = atomic_write_bytes(tmp_path / "r.json", b"{}")
    plain = tmp_path / "plain.json"
    plain.write_bytes(b"{}")
    assert stat.S_IMODE(os.stat(p).st_mode) == stat.S_IMODE(os.stat(plain).st_mode)


def test_the_umask_is_respected(tmp_path):
    code = (
        "import os, stat, sys\n"
        "os.umask(0o077)\n"
        "from perflab.harness.atomic import atomic_write_text\n"
        "p = atomic_write_text(sys.argv[1], 'x')\n"
        "print(oct(stat.S_IMODE(os.stat(p).st_mode)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "f.txt")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "0o600"
