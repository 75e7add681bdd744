"""Input handling shared by the bragg kernels."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import numpy as np
from perflab.bragg import capture_fractions
rho = np.broadcast_to(np.linspace(0.5, 1.0, 4), (3, 4))  # a read-only view
assert not rho.flags.writeable
cf = capture_fractions(rho, thickness=1e-4, attenuation_length=1e-4, steps=3, per_layer=True)
want = np.exp(-np.arange(3)[:, None] * 0.5 / rho) * (-np.expm1(-0.5 / rho))
np.testing.assert_allclose(cf, want, rtol=1e-14)
assert rho.flags.writeable is False
"""


def test_read_only_numpy_input_is_accepted_without_a_warning():
    # torch warns once per process about non-writable arrays, so check in a fresh one;
    # -W error turns that warning into a failure
    r = subprocess.run(
        [sys.executable, "-W", "error", "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
