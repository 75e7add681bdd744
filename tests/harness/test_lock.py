"""One build per folder (issue 14): the lock names its owner and survives ``kill -9``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from perflab.harness.lock import LOCK_NAME, BuildLocked, build_lock


def test_a_second_build_is_refused_naming_the_first(tmp_path):
    with build_lock(tmp_path, what="atlas build of x") as path:
        assert path == tmp_path / LOCK_NAME and path.exists()
        with pytest.raises(BuildLocked) as exc, build_lock(tmp_path):
            pass
        msg = str(exc.value)
        assert f"pid {os.getpid()}" in msg and socket.gethostname() in msg
        assert "atlas build of x" in msg and "\n" not in msg
    assert not path.exists()  # released and removed
    with build_lock(tmp_path):  # free again
        pass


def test_a_lock_left_by_a_killed_build_is_not_stale(tmp_path):
    code = (
        "import sys, time\n"
        "from perflab.harness.lock import build_lock\n"
        f"with build_lock({str(tmp_path)!r}):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(BuildLocked, match=f"pid {proc.pid}"), build_lock(tmp_path):
            pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert (tmp_path / LOCK_NAME).exists()  # the dead owner's file is still there ...
    t0 = time.monotonic()
    with build_lock(tmp_path):  # ... and does not block
        assert time.monotonic() - t0 < 1.0
