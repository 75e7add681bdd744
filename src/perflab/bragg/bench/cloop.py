"""The C baseline of the tricubic benchmark: nanoBragg's polin3 loop, compiled with gcc here.

``csrc/polin3_loop.c`` is perflab's transcription of nanoBragg.c's per-point F lookup
(range test, 4x4x4 block copied into a ``double***`` through nanoBragg's ``Fhkl[h][k][l]``
row pointers, ``polin3`` -> ``polin2`` -> ``polint`` as separate functions; per-point
out-of-range rule). It is compiled with nanoBragg's own documented build line
(``gcc -O -o nanoBragg nanoBragg.c -lm``, i.e. ``-O``) into a temporary folder, fed the
benchmark's F grid and query points through a binary file, and timed inside the C program
(``clock_gettime`` around the loop over the points, one line per repeat). Its throughput on
one thread is the target the Python backends are compared with, measured in the same run.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["CFLAGS", "SOURCE", "CLoopBuild", "CLoopUnavailable", "build", "run"]

SOURCE = Path(__file__).with_name("csrc") / "polin3_loop.c"
CFLAGS = ("-O",)  # nanoBragg.c's documented build: gcc -O -o nanoBragg nanoBragg.c -lm


class CLoopUnavailable(RuntimeError):
    """The C baseline cannot be built or run here (the message says why)."""


@dataclass(frozen=True)
class CLoopBuild:
    """A compiled baseline: executable path, the exact compile command, gcc's version."""

    executable: Path
    command: list[str]
    compiler: str


def build(workdir: str | Path | None = None) -> CLoopBuild:
    """Compile ``polin3_loop.c`` with gcc; raises :class:`CLoopUnavailable` without gcc."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise CLoopUnavailable("gcc not found on PATH: the C baseline was not measured")
    out = Path(workdir or tempfile.mkdtemp(prefix="perflab-cloop-")) / "polin3_loop"
    cmd = [gcc, *CFLAGS, "-o", str(out), str(SOURCE), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise CLoopUnavailable(f"gcc failed ({r.returncode}): {r.stderr.strip()[:500]}")
    version = subprocess.run([gcc, "--version"], capture_output=True, text=True, check=False)
    return CLoopBuild(out, cmd, version.stdout.splitlines()[0] if version.stdout else "gcc")


def run(
    b: CLoopBuild, F: np.ndarray, mins, h, k, l, *, repeats: int, default_F: float = 0.0
) -> tuple[list[float], np.ndarray]:
    """Seconds of each repeat of the loop over all points, and the values (float64)."""
    F = np.ascontiguousarray(F, dtype=np.float64)
    q = np.stack([np.asarray(x, dtype=np.float64).reshape(-1) for x in (h, k, l)])
    n = q.shape[1]
    with tempfile.TemporaryDirectory(prefix="perflab-cloop-run-") as tmp:
        src, dst = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        with open(src, "wb") as f:
            f.write(struct.pack("=7iqd", *F.shape, *(int(m) for m in mins), repeats, n,
                                float(default_F)))  # fmt: skip
            f.write(F.tobytes())
            f.write(np.ascontiguousarray(q).tobytes())
        r = subprocess.run(
            [str(b.executable), str(src), str(dst)], capture_output=True, text=True, check=False
        )
        if r.returncode != 0:
            raise CLoopUnavailable(f"C baseline failed ({r.returncode}): {r.stderr.strip()}")
        seconds = [float(x) for x in r.stdout.split()]
        values = np.fromfile(dst, dtype=np.float64)
    if len(seconds) != repeats or values.shape != (n,):
        raise CLoopUnavailable(f"C baseline wrote {len(seconds)} timings, {values.shape} values")
    return seconds, values
