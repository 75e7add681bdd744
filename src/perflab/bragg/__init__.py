"""nanoBragg-semantics diffraction kernels (tricubic interpolation, detector absorption)."""
