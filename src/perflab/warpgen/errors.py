"""Exception types of the Warp kernel dataset (each names the problem it reports)."""

from __future__ import annotations

__all__ = [
    "BuildConfigError",
    "CodegenError",
    "GeneratorError",
    "StorageError",
    "WarpgenError",
]


class WarpgenError(Exception):
    """Base class of every error raised by :mod:`perflab.warpgen`."""


class GeneratorError(WarpgenError):
    """A kernel generator was asked for something it cannot produce (bad category, seed)."""


class CodegenError(WarpgenError):
    """Warp rejected a generated kernel during code generation."""


class StorageError(WarpgenError):
    """A shard or manifest on disk is missing, corrupt, or belongs to another build."""


class BuildConfigError(WarpgenError):
    """Build parameters are invalid (negative size, zero workers, bad rate)."""
