"""AniSOAP benchmarks run with the environment's OpenMP settings (recorded in extra_info).

On a shared, oversubscribed machine set ``OMP_WAIT_POLICY=PASSIVE`` before running them:
spinning idle threads then make multi-threaded torch ops many times slower. On a quiet
machine the default (spinning) is faster, so it is not forced here.
"""
