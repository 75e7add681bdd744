"""perflab: reproducible scientific datasets and performance baselines."""

__version__ = "0.1.0"
