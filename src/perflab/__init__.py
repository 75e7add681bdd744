"""perflab: reproducible scientific datasets and performance baselines."""

from perflab._stdlib_guard import ensure_stdlib_profile

__all__: list[str] = []

ensure_stdlib_profile()

__version__ = "0.1.0"
