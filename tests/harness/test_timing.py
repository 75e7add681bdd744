import time

import numpy as np
import pytest

from perflab.harness import SampleStats, Timer, measure


def test_measure_separates_cold_from_warm():
    calls = []

    def fn():
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.3)  # the cold call is slow, like a JIT compile
        return len(calls)

    m = measure(fn, repeats=4, warmup=2)
    assert len(calls) == 1 + 2 + 4
    assert len(m.warm) == 4
    assert m.result == 1
    assert m.cold >= 0.3
    assert max(m.warm) < m.cold
    d = m.to_dict()
    assert d["warm"]["n"] == 4 and d["cold_s"] == m.cold


def test_measure_rejects_bad_arguments():
    with pytest.raises(ValueError, match="repeats"):
        measure(lambda: None, repeats=0)
    with pytest.raises(ValueError, match="warmup"):
        measure(lambda: None, repeats=1, warmup=-1)


def test_sample_stats_match_numpy():
    x = [0.3, 0.1, 0.2, 0.5, 0.4]
    s = SampleStats.from_samples(x)
    assert s.n == 5
    assert s.mean == pytest.approx(0.3)
    assert s.median == pytest.approx(0.3)
    assert s.stdev == pytest.approx(np.std(x, ddof=1))
    assert (s.min, s.max) == (0.1, 0.5)
    assert s.q25 == pytest.approx(0.2) and s.q75 == pytest.approx(0.4)
    assert s.iqr == pytest.approx(0.2)
    assert SampleStats.from_samples([2.0]).stdev == 0.0


@pytest.mark.parametrize("bad", [[], [float("nan")], [[1.0, 2.0]]])
def test_sample_stats_rejects_bad_samples(bad):
    with pytest.raises(ValueError):
        SampleStats.from_samples(bad)


def test_timer_measures_block():
    with Timer() as t:
        time.sleep(0.02)
        live = t.elapsed
    assert live > 0
    frozen = t.elapsed
    assert frozen >= 0.02
    time.sleep(0.01)
    assert t.elapsed == frozen
    with pytest.raises(RuntimeError):
        Timer().elapsed  # noqa: B018
