"""The escalation policy's checks, one failure at a time."""

from __future__ import annotations

import numpy as np
import pytest

from perflab.devtools.escalation import MIN_RUNS, escalation_verdict

BASE = [0.30 + 0.001 * i for i in range(MIN_RUNS)]  # CV well under 10 %
FAST = [0.09 + 0.0003 * i for i in range(MIN_RUNS)]  # ~3.3x faster
OUT = np.linspace(0.0, 1.0, 7)


def test_all_criteria_met():
    v = escalation_verdict(BASE, FAST, OUT, OUT.copy(), hot_spot_share=0.8)
    assert v.justified, v.failures
    assert v.speedup == pytest.approx(np.median(BASE) / np.median(FAST))
    assert v.amdahl_bound == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"candidate_s": [t * 1.5 for t in FAST]}, "speed-up"),
        ({"baseline_s": BASE[:5], "candidate_s": FAST[:5]}, "only 5 runs"),
        ({"candidate_s": [0.05, 0.13] * 5}, "candidate varies too much"),
        ({"candidate_out": OUT + np.r_[0, 0, 0, 1e-15, 0, 0, 0]}, "outputs differ"),
        ({"candidate_out": OUT.astype(np.float32)}, "dtype differs"),
        ({"hot_spot_share": 0.3}, "hot spot is 30%"),
    ],
)
def test_each_failure_is_named(kwargs, reason):
    args = {
        "baseline_s": BASE,
        "candidate_s": FAST,
        "baseline_out": OUT,
        "candidate_out": OUT.copy(),
        "hot_spot_share": 0.8,
        **kwargs,
    }
    v = escalation_verdict(**args)
    assert not v.justified
    assert any(reason in f for f in v.failures), v.failures


def test_device_and_nan_handling():
    class OnGpu(np.ndarray):
        device = "cuda:0"

    gpu = OUT.view(OnGpu)
    v = escalation_verdict(BASE, FAST, OUT, gpu, hot_spot_share=0.9)
    assert any("device differs: cpu vs cuda:0" in f for f in v.failures)
    nan = np.array([1.0, np.nan])
    assert escalation_verdict(BASE, FAST, nan, nan.copy(), hot_spot_share=0.9).justified
    with pytest.raises(ValueError, match="hot_spot_share"):
        escalation_verdict(BASE, FAST, OUT, OUT, hot_spot_share=1.5)
