"""Install the reference package anisoap 0.1.1 without its Rust extension.

``python -m perflab.soap.reference.install`` (``make reference``): downloads the sdist with
pip, checks its SHA-256, removes the Rust extension from its ``pyproject.toml`` (its crates
cannot be fetched offline) and pip-installs the pure-Python package with ``--no-deps``. Its
run-time dependencies come from the project's ``reference`` extra
(``pip install -e '.[reference]'``). :mod:`perflab.soap.reference.rust_stand_in` supplies the
import of the missing extension.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

__all__ = [
    "RUST_TABLE",
    "SDIST",
    "SDIST_SHA256",
    "VERSION",
    "ReferenceInstallError",
    "install",
    "patch_pyproject",
]

VERSION = "0.1.1"
SDIST = f"anisoap-{VERSION}.tar.gz"
SDIST_SHA256 = "52ea43528d28b990830c5f42e206b2c02b0dd66a35163f48069c917d37f2ea0f"
RUST_TABLE = "[[tool.setuptools-rust.ext-modules]]"


class ReferenceInstallError(RuntimeError):
    """The reference package could not be downloaded, verified or installed."""


def patch_pyproject(text: str) -> str:
    """anisoap's ``pyproject.toml`` without the Rust extension and its build requirement."""
    if RUST_TABLE not in text:
        raise ReferenceInstallError(f"pyproject.toml: no {RUST_TABLE} table (other release?)")
    text = text[: text.index(RUST_TABLE)]
    text = text.replace('requires = ["setuptools", "setuptools-rust"]', 'requires = ["setuptools"]')
    return text.replace(
        'find = { where = ["."] }', 'find = { where = ["."], include = ["anisoap*"] }'
    )


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ReferenceInstallError(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")


def install() -> str:
    """Download, verify, patch and install anisoap; returns the installed version."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        _pip("download", "--no-deps", "--no-binary", ":all:", f"anisoap=={VERSION}", "-d", tmp)
        sdist = tmp_path / SDIST
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        if digest != SDIST_SHA256:
            raise ReferenceInstallError(f"{SDIST}: SHA-256 {digest}, expected {SDIST_SHA256}")
        with tarfile.open(sdist) as tar:
            tar.extractall(tmp_path, filter="data")
        src = tmp_path / f"anisoap-{VERSION}"
        pyproject = src / "pyproject.toml"
        pyproject.write_text(patch_pyproject(pyproject.read_text()))
        for stale in src.glob("*.egg-info"):
            for f in stale.iterdir():
                f.unlink()
            stale.rmdir()
        _pip("install", "--no-deps", str(src))
    return VERSION


if __name__ == "__main__":
    print(f"installed anisoap {install()} (pure Python, Rust extension replaced by a stand-in)")
