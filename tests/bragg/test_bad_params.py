"""Every bad parameter is named (issue 14): ``steps=None`` and ``thickness='abc'`` gave
Python's own conversion errors, ``steps=10**7`` allocated for 19 s, a grid of infinities
interpolated to NaN."""

from __future__ import annotations

import numpy as np
import pytest

from perflab.bragg.absorption import capture_fractions
from perflab.bragg.geometry import MAX_STEPS, layer_step
from perflab.bragg.tricubic import tricubic_interpolate

RHO = np.full(3, 0.5)


@pytest.mark.parametrize(
    "kw, name",
    [
        ({"steps": None}, "steps"),
        ({"steps": "3"}, "steps"),
        ({"steps": 1.5}, "steps"),
        ({"steps": float("nan")}, "steps"),
        ({"steps": True}, "steps"),
        ({"steps": 10**7}, "MAX_STEPS"),
        ({"thickness": "abc"}, "thickness"),
        ({"thickness": None}, "thickness"),
        ({"attenuation_length": "abc"}, "attenuation_length"),
        ({"attenuation_length": [1.0]}, "attenuation_length"),
    ],
)
def test_capture_fractions_names_the_parameter(kw, name):
    args = {"thickness": 1e-4, "attenuation_length": 2e-4, "steps": 3, **kw}
    with pytest.raises(ValueError, match=name):
        capture_fractions(RHO, **args)


def test_steps_cap_is_documented_and_reachable():
    assert MAX_STEPS == 10_000 and "MAX_STEPS" in layer_step.__doc__
    cf = capture_fractions(
        RHO, thickness=1e-4, attenuation_length=2e-4, steps=MAX_STEPS, per_layer=False
    )
    assert cf.shape == (MAX_STEPS, 3)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_a_non_finite_grid_is_refused(bad):
    F = np.ones((6, 6, 6))
    F[2, 3, 1] = bad
    q = np.array([2.5])
    with pytest.raises(
        ValueError, match=r"F has 1 NaN or infinite value\(s\) \(first at index \(2, 3, 1\)\)"
    ):
        tricubic_interpolate(F, (0, 0, 0), q, q, q)
    with pytest.raises(ValueError, match="F has 216"):
        tricubic_interpolate(np.full((6, 6, 6), bad), (0, 0, 0), q, q, q)
