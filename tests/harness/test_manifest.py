import json
import os

import pytest

from perflab.harness import Manifest, ManifestError


def test_create_save_load(tmp_path):
    p = tmp_path / "manifest.json"
    m = Manifest.load_or_create(p, schema_version="1", params={"n": 3})
    assert m.done == {}
    m.mark_done("abc", {"shard": 0})
    m2 = Manifest.load_or_create(p, schema_version="1", params={"n": 3})
    assert m2.is_done("abc") and not m2.is_done("xyz")
    assert m2.done["abc"] == {"shard": 0}
    assert m2.env and "python" in m2.env


def test_mismatched_schema_or_params_refuse_to_resume(tmp_path):
    p = tmp_path / "manifest.json"
    Manifest.load_or_create(p, schema_version="1", params={"n": 3}).save()
    with pytest.raises(ManifestError, match="schema_version"):
        Manifest.load_or_create(p, schema_version="2", params={"n": 3})
    with pytest.raises(ManifestError, match="parameters"):
        Manifest.load_or_create(p, schema_version="1", params={"n": 4})


def test_crash_between_write_and_rename_keeps_old_manifest(tmp_path, monkeypatch):
    p = tmp_path / "manifest.json"
    m = Manifest.load_or_create(p, schema_version="1")
    m.mark_done("first")
    before = p.read_bytes()

    def crash(src, dst):
        raise OSError("simulated crash before rename")

    monkeypatch.setattr(os, "replace", crash)
    m.mark_done("second", save=False)
    with pytest.raises(OSError, match="simulated crash"):
        m.save()
    monkeypatch.undo()
    assert p.read_bytes() == before
    assert json.loads(before)["done"] == {"first": True}
    assert Manifest.load(p).done == {"first": True}
    # the temporary file was cleaned up
    assert [f.name for f in tmp_path.iterdir()] == ["manifest.json"]


def test_killed_writer_leaves_old_manifest(tmp_path):
    """A process SIGKILLed while its temp file is written leaves the manifest intact."""
    import signal
    import subprocess
    import sys
    import textwrap

    p = tmp_path / "manifest.json"
    m = Manifest.load_or_create(p, schema_version="1")
    m.mark_done("first")
    before = p.read_bytes()
    code = textwrap.dedent(
        f"""
        import os, signal
        import perflab.harness.atomic as a
        real_fsync = os.fsync
        def die(fd):
            os.kill(os.getpid(), signal.SIGKILL)
        os.fsync = die  # the temp file is written, the rename has not happened
        from perflab.harness import Manifest
        m = Manifest.load({str(p)!r})
        m.mark_done("second")
        """
    )
    r = subprocess.run([sys.executable, "-c", code], check=False)
    assert r.returncode == -signal.SIGKILL
    assert p.read_bytes() == before


def test_unreadable_manifest_is_a_clear_error(tmp_path):
    p = tmp_path / "manifest.json"
    p.write_text("{not json")
    with pytest.raises(ManifestError, match="cannot read"):
        Manifest.load(p)
    p.write_text("{}")
    with pytest.raises(ManifestError, match="schema_version"):
        Manifest.load(p)
