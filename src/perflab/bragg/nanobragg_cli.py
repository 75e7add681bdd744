"""nanoBragg's detector-thickness command-line values, turned into what its C code uses.

``nanobragg_detector_settings(detector_thick_um=..., detector_thicksteps=...,
detector_abs_um=..., oversample_thick=..., oversample=...)`` follows nanoBragg.c
(J. Holton; the version with ``-oversample_thick``) step by step; each step below names the C
it reproduces (our words, not its code):

1. Defaults before the options are read: ``detector_mu = -1`` (unset),
   ``detector_thick = 0``, ``detector_thickstep = -1``, ``detector_thicksteps = -1``,
   ``oversample_thick = 0``.
2. ``-detector_abs X`` (microns): when X contains ``inf`` or reads as 0, the thickness is
   set to 0 and ``mu = 0`` (no absorption); otherwise ``mu = 1 / (X * 1e-6)``.
   Options are read in command-line order, so a later ``-detector_thick`` sets the
   thickness again (see ``abs_before_thick``).
3. ``-detector_thick X`` (microns): ``detector_thick = X * 1e-6``.
4. ``-detector_thicksteps N`` (or ``-thicksteps N``): ``detector_thicksteps = N``.
5. Steps: without ``-thicksteps`` (N <= 0) and a thickness >= 0, "range specified, but
   nothing else": 2 layers with step ``thick / 2`` (``step_rule="uniform"``, steps 2). With
   N > 0: N <= 1 is raised to 2, and the step is ``thick / (N - 1)``
   (``step_rule="nanobragg"``: the last layer starts at ``thick`` and ends past it).
6. ``if thick > 0 and mu < 0``: mu was never given, so ``mu = 1 / thick`` (attenuation
   length = thickness).
7. Sanity check: ``thick <= 0`` or ``step <= 0`` or ``N <= 0`` gives 1 layer, thickness 0,
   step 0 (no absorption; capture fraction 1).
8. Pixel loop, layer t at depth ``Odet = t * step``: capture
   ``exp(-t step mu / rho) - exp(-(t+1) step mu / rho)`` with rho from the layer's own
   position (``capture_fractions`` with ``per_layer=True``). Without
   ``-oversample_thick`` it is computed once per layer, at the first sub-pixel
   (``detector_pixel_positions(..., oversample=o, subpixel=(0, 0))``), and the pixel's sum
   over every layer and sub-pixel is multiplied, after the loop, by the last layer's
   capture (``absorb(mode="last")``). With ``-oversample_thick`` it is recomputed at every
   sub-pixel and multiplies the running sum after each term (``absorb(mode="running")``).

Two combinations make the C write a blank image, and raise ``ValueError`` here instead of
returning settings that would reproduce it silently: ``-detector_abs inf`` (or 0) *before*
``-detector_thick`` (thickness > 0 with mu = 0: every capture is exp(0) - exp(0) = 0), and
``-oversample_thick`` without a thickness (the capture is recomputed as exp(0) - exp(0) = 0
instead of the 1 of step 7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from perflab.bragg.geometry import layer_step

__all__ = ["DetectorSettings", "nanobragg_detector_settings"]


@dataclass(frozen=True)
class DetectorSettings:
    """What nanoBragg.c uses for the sensor, in SI units, and how to reproduce it here.

    ``thickness`` (m), ``steps`` layers, ``step`` (m, the depth between layers, =
    ``layer_step(thickness, steps, step_rule)``), ``mu`` (1/m; 0 for no absorption),
    ``attenuation_length`` (m, ``1 / mu``, inf for no absorption), ``absorb_mode`` for
    :func:`perflab.bragg.absorb`, and ``capture_subpixel``: the sub-pixel whose position
    gives each layer's capture fraction, or None when it is recomputed at every sub-pixel.
    """

    thickness: float
    steps: int
    step: float
    step_rule: str
    mu: float
    attenuation_length: float
    oversample: int
    oversample_thick: bool
    absorb_mode: str
    capture_subpixel: tuple[int, int] | None

    def capture_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`perflab.bragg.capture_fractions` and
        :func:`perflab.bragg.layer_positions` (``thickness``, ``steps``, ``step_rule``;
        ``attenuation_length`` for the former only: pop it for the latter)."""
        return {
            "thickness": self.thickness,
            "steps": self.steps,
            "step_rule": self.step_rule,
            "attenuation_length": self.attenuation_length,
        }


def _abs_value(detector_abs_um: Any) -> float | None:
    """Step 2: None when absorption is switched off (``inf`` or 0), else mu in 1/m."""
    if isinstance(detector_abs_um, str):
        if "inf" in detector_abs_um:
            return None
        try:
            value = float(detector_abs_um)
        except ValueError as exc:
            raise ValueError(
                f"detector_abs_um must be a number or 'inf', got {detector_abs_um!r}"
            ) from exc
    else:
        value = float(detector_abs_um)
    if math.isinf(value) or value == 0.0:
        return None
    if math.isnan(value) or value < 0:
        raise ValueError(f"detector_abs_um must be > 0, 0 or inf, got {detector_abs_um!r}")
    return 1.0 / (value * 1e-6)


def _steps_and_rule(thick: float, n: int) -> tuple[int, str]:
    """Step 5 (thickness >= 0, no -detector_thickstep option given)."""
    if n <= 0:
        return 2, "uniform"  # thick / 2 per layer
    return max(n, 2), "nanobragg"  # thick / (n - 1) per layer


def _validated(detector_thick_um: Any, detector_thicksteps: Any, oversample: Any):
    """Thickness in m (0 when not given) and the number of steps (-1 when not given)."""
    thick = 0.0 if detector_thick_um is None else float(detector_thick_um) * 1e-6
    if not thick >= 0.0 or math.isinf(thick):
        raise ValueError(f"detector_thick_um must be finite and >= 0, got {detector_thick_um!r}")
    n = -1 if detector_thicksteps is None else detector_thicksteps
    if isinstance(n, bool) or int(n) != n:
        raise ValueError(f"detector_thicksteps must be an integer, got {detector_thicksteps!r}")
    if isinstance(oversample, bool) or int(oversample) != oversample or oversample < 1:
        raise ValueError(f"oversample must be a positive integer, got {oversample!r}")
    return thick, int(n)


def _after_abs(detector_abs_um: Any, thick: float, abs_before_thick: bool):
    """Steps 1-2: (thickness, mu) once ``-detector_abs`` is read (mu -1: unset)."""
    if detector_abs_um is None:
        return thick, -1.0
    value = _abs_value(detector_abs_um)
    if value is not None:
        return thick, value
    if abs_before_thick and thick > 0.0:  # inf or 0 read before the thickness
        raise ValueError(
            "-detector_abs inf (or 0) before -detector_thick: nanoBragg keeps the "
            "thickness with mu = 0, so every capture fraction is exp(0) - exp(0) = 0 "
            "(a blank image); put -detector_abs after -detector_thick"
        )
    return 0.0, 0.0


def nanobragg_detector_settings(
    *,
    detector_thick_um: float | None = None,
    detector_thicksteps: int | None = None,
    detector_abs_um: float | str | None = None,
    oversample_thick: bool = False,
    oversample: int = 1,
    abs_before_thick: bool = False,
) -> DetectorSettings:
    """The sensor settings nanoBragg.c derives from its command-line values (module doc, steps 1-8).

    Parameters
    ----------
    detector_thick_um : float, optional, ``-detector_thick`` (microns).
    detector_thicksteps : int, optional, ``-detector_thicksteps`` / ``-thicksteps``.
    detector_abs_um : float or str, optional, ``-detector_abs`` (microns, ``"inf"`` or 0: none).
    oversample_thick : bool, ``-oversample_thick`` given.
    oversample : int, ``-oversample`` (>= 1).
    abs_before_thick : bool, ``-detector_abs`` came before ``-detector_thick`` (matters only
        for ``inf``/0). ``None`` everywhere means the option was not given.

    Returns
    -------
    DetectorSettings

    Raises
    ------
    ValueError
        Negative thickness, non-integer steps, an unreadable ``detector_abs_um``, and the two
        combinations for which the C writes a blank image.

    References
    ----------
    J. Holton, nanoBragg.c (option parsing and the detector-thickness set-up).

    Examples
    --------
    >>> s = nanobragg_detector_settings(detector_thick_um=320, detector_thicksteps=5)
    >>> s.steps, round(s.step, 12), round(s.attenuation_length, 12), s.absorb_mode
    (5, 8e-05, 0.00032, 'last')
    >>> nanobragg_detector_settings(detector_thick_um=320).step_rule  # no -thicksteps: 2 layers
    'uniform'
    """
    thick, n = _validated(detector_thick_um, detector_thicksteps, oversample)
    thick, mu = _after_abs(detector_abs_um, thick, abs_before_thick)  # steps 1-2
    steps, rule = _steps_and_rule(thick, n)  # step 5
    if thick > 0.0 and mu < 0.0:  # step 6: attenuation length = thickness
        mu = 1.0 / thick
    if thick <= 0.0:  # step 7 (the step is then 0 as well)
        if oversample_thick:
            raise ValueError(
                "-oversample_thick without a detector thickness: nanoBragg recomputes the "
                "capture fraction as exp(0) - exp(0) = 0 at every sub-pixel (a blank image)"
            )
        thick, steps, rule = 0.0, 1, "uniform"
    return DetectorSettings(
        thickness=thick,
        steps=steps,
        step=layer_step(thick, steps, rule),
        step_rule=rule,
        mu=mu if thick > 0.0 else 0.0,
        attenuation_length=1.0 / mu if thick > 0.0 else math.inf,
        oversample=int(oversample),
        oversample_thick=bool(oversample_thick),
        absorb_mode="running" if oversample_thick else "last",
        capture_subpixel=None if oversample_thick else (0, 0),
    )
