"""nanoBragg-semantics diffraction kernels: tricubic F interpolation, detector absorption.

from perflab.bragg import tricubic_interpolate, capture_fractions, absorb
"""

from perflab.bragg.absorption import absorb, capture_fractions
from perflab.bragg.autoenable import interpolation_enabled
from perflab.bragg.geometry import (
    detector_pixel_positions,
    detector_subpixel_positions,
    layer_positions,
    layer_step,
    parallax,
)
from perflab.bragg.nanobragg_cli import DetectorSettings, nanobragg_detector_settings
from perflab.bragg.tricubic import BACKENDS, resolve_backend, tricubic_interpolate
from perflab.bragg.tricubic_reference import tricubic_reference

__all__ = [
    "BACKENDS",
    "DetectorSettings",
    "absorb",
    "capture_fractions",
    "detector_pixel_positions",
    "detector_subpixel_positions",
    "interpolation_enabled",
    "layer_positions",
    "layer_step",
    "nanobragg_detector_settings",
    "parallax",
    "resolve_backend",
    "tricubic_interpolate",
    "tricubic_reference",
]
