"""nanoBragg's auto-enable rule for structure-factor interpolation."""

import pytest

from perflab.bragg import interpolation_enabled


@pytest.mark.parametrize(
    "cells, expected",
    [((1, 10, 10), True), ((10, 2, 10), True), ((10, 10, 2), True), ((3, 3, 3), False)],
)
def test_small_crystals_interpolate_by_default(cells, expected):
    assert interpolation_enabled(*cells) is expected


def test_explicit_choice_overrides_and_no_hkl_switches_off():
    assert interpolation_enabled(10, 10, 10, requested=True) is True
    assert interpolation_enabled(1, 1, 1, requested=False) is False
    assert interpolation_enabled(1, 1, 1, has_hkl=False) is False
    assert interpolation_enabled(1, 1, 1, requested=True, has_hkl=False) is False
    with pytest.raises(ValueError, match="Na"):
        interpolation_enabled(-1, 1, 1)
