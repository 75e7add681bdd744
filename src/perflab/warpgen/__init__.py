"""Warp kernel dataset: generated kernels with their C++ and CUDA code."""

__all__: list[str] = []
