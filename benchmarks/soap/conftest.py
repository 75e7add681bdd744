"""AniSOAP benchmarks: idle OpenMP threads sleep instead of spinning (set before torch loads;
on a shared machine spinning makes multi-threaded torch ops many times slower)."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
