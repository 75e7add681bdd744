"""One build per folder: an exclusive lock file naming its owner (pid, host, start time).

``with build_lock(folder, what="atlas build"):`` holds ``folder/.build.lock`` for the
duration of a build. A second build into the same folder raises :class:`BuildLocked` at
once, naming the running build. The lock is an ``flock`` on the file, which the kernel
releases when its owner dies (``kill -9`` included), so a stale lock file never blocks a
later build; the owner's pid and host in the file are for the message only. The file is
removed on release (the inode is re-checked after locking, so a build that opened the file
just before it was removed does not hold a lock on a deleted file).

The lock is per machine where the file system does not share ``flock`` between hosts (some
network mounts): a cluster build locks the folder on the client that writes the shards.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["LOCK_NAME", "BuildLocked", "build_lock"]

LOCK_NAME = ".build.lock"


class BuildLocked(RuntimeError):
    """Another build holds the folder's lock."""


def _owner_text(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return (
            f"{info.get('what', 'build')} pid {info.get('pid')} on {info.get('host')} "
            f"since {info.get('started')}"
        )
    except (OSError, ValueError):
        return "a build that has not yet written its owner record"


@contextlib.contextmanager
def build_lock(folder: str | os.PathLike[str], *, what: str = "build") -> Iterator[Path]:
    """Hold the exclusive lock of ``folder`` (created if needed); yield the lock path.

    Raises :class:`BuildLocked` naming the owner when another process holds it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise BuildLocked(
                    f"{folder}: another {_owner_text(path)} is running in this folder; "
                    f"wait for it to finish or stop it (lock file {path})"
                ) from None
            raise
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the file was removed by its previous owner between open and lock
    try:
        record = {
            "what": what,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "argv": sys.argv[:6],
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)
