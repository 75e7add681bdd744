"""Property-based fuzz targets (hypothesis) for the public entry points (issue 14).

Each target feeds an entry point generated input, good and bad, at every magnitude float64
has, and checks that the call either returns a *verified* result or raises the project's
documented exception for it; anything else (another exception, a wrong result) fails.

Run as a script, one target at a time, so that a crash of the interpreter (a segmentation
fault in Qhull, say) fails the calling test instead of killing the test run::

    python tests/fuzz/targets.py TARGET --seconds 100

It runs hypothesis rounds (fresh random seeds) until ``--seconds`` have passed and prints a
JSON summary: examples run, outcome counts. Exit status 1 on a failing example (printed
with hypothesis' shrunk reproduction).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import re
import sys
import time
from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

OUTCOMES: collections.Counter = collections.Counter()
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True, width=64)
EXPONENTS = st.integers(-300, 300)


def _record(outcome: str) -> None:
    """Count an outcome by its kind (the message up to its first number)."""
    OUTCOMES[re.split(r"[-+]?\d", outcome, maxsplit=1)[0][:48].rstrip()] += 1


def _points(draw, m: int, d: int) -> np.ndarray:
    """Points at any scale and translation, or raw float64 noise (NaN, inf, subnormals)."""
    kind = draw(st.sampled_from(["scaled", "scaled", "raw", "degenerate"]))
    if kind == "raw":
        return draw(hnp.arrays(np.float64, (m, d), elements=ANY_FLOAT))
    seed = draw(st.integers(0, 2**32 - 1))
    base = np.random.default_rng(seed).standard_normal((m, d))
    if kind == "degenerate":  # flat: in a hyperplane, or repeated points
        base[:, draw(st.integers(0, d - 1))] = draw(st.sampled_from([0.0, 1.0, 1e-300]))
    scale = 10.0 ** draw(EXPONENTS)
    shift = draw(st.sampled_from([0.0, 1.0, 1e3, 1e9, 1e15])) * scale ** draw(
        st.sampled_from([0, 1])
    )
    with np.errstate(all="ignore"):
        return base * scale + shift


# -- symplectic ------------------------------------------------------------------------------


def _check_polytope(P, d: int) -> None:
    assert P.dim == d and P.num_vertices >= d + 1
    N, h = P.normals, P.offsets
    assert N.shape == (P.num_facets, d) and P.num_facets >= d + 1
    assert np.all(np.isfinite(N)) and np.all(np.isfinite(h))
    np.testing.assert_allclose(np.linalg.norm(N, axis=1), 1.0, rtol=1e-9)
    assert np.all(P.contains(P.vertices))
    assert np.all(P.incidence.sum(axis=1) >= d)  # every facet has at least d vertices


def target_from_vertices() -> Callable[[], None]:
    from perflab.symplectic import InvalidPolytope, Polytope

    @st.composite
    def inputs(draw):
        d = draw(st.integers(2, 4))
        m = draw(st.integers(0, 12))
        return _points(draw, m, d)

    @given(inputs())
    def run(V):
        try:
            P = Polytope.from_vertices(V)
        except InvalidPolytope as exc:
            _record(f"InvalidPolytope: {str(exc)[:40]}")
            return
        _check_polytope(P, V.shape[1])
        rows = {tuple(r) for r in V}
        assert all(tuple(v) in rows for v in P.vertices), "a vertex that is not an input point"
        assert np.all(P.contains(V)), "the hull does not contain its input points"
        _record("ok")

    return run


def target_from_halfspaces() -> Callable[[], None]:
    from perflab.symplectic import InvalidPolytope, Polytope

    @st.composite
    def inputs(draw):
        d = draw(st.integers(2, 4))
        k = draw(st.integers(0, 12))
        if draw(st.booleans()):
            A = draw(hnp.arrays(np.float64, (k, d), elements=ANY_FLOAT))
            b = draw(hnp.arrays(np.float64, (k,), elements=ANY_FLOAT))
            return A, b
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((k, d)) * 10.0 ** draw(st.integers(-100, 100))
        t = rng.standard_normal(d) * draw(st.sampled_from([0.0, 1.0, 1e6, 1e9]))
        scale = 10.0 ** draw(EXPONENTS)
        with np.errstate(all="ignore"):
            b = (rng.uniform(0.1, 1.0, k) * np.linalg.norm(A, axis=1) + A @ t) * scale
        return A, b

    @given(inputs())
    def run(Ab):
        A, b = Ab
        try:
            P = Polytope.from_halfspaces(A, b)
        except InvalidPolytope as exc:
            _record(f"InvalidPolytope: {str(exc)[:40]}")
            return
        _check_polytope(P, A.shape[1])
        mx = np.max(np.abs(A), axis=1)
        A, b, mx = A[mx > 0], b[mx > 0], mx[mx > 0]  # 0 . x <= b >= 0 holds everywhere
        nrm = np.linalg.norm(A / mx[:, None], axis=1)
        An = A / mx[:, None] / nrm[:, None]
        bn = b / mx / nrm
        slack = P.vertices @ An.T - bn
        assert np.all(slack <= 1e3 * P.tol), "a vertex outside a halfspace"
        _record("ok")

    return run


def target_ehz_capacity() -> Callable[[], None]:
    from perflab.harness import TimeBudgetExceeded, WorkBudgetExceeded
    from perflab.symplectic import (
        InvalidPolytope,
        LagrangianFaceError,
        Polytope,
        check_cycle,
        ehz_capacity,
    )
    from perflab.symplectic.frame import OutOfFloatRange

    documented = (
        InvalidPolytope,
        OutOfFloatRange,
        WorkBudgetExceeded,
        TimeBudgetExceeded,
        LagrangianFaceError,
    )

    @st.composite
    def inputs(draw):
        seed = draw(st.integers(0, 2**32 - 1))
        m = draw(st.integers(5, 9))
        base = np.random.default_rng(seed).standard_normal((m, 4))
        e = draw(st.integers(-150, 150))
        t = draw(st.sampled_from([0.0, 3.0, 1e6, 1e9]))
        rel_t = draw(st.booleans())
        method = draw(st.sampled_from(["auto", "haim_kislev", "reeb"]))
        return base, 10.0**e, t * (10.0**e if rel_t else 1.0), method

    @given(inputs())
    def run(args):
        base, s, t, method = args
        try:
            K = Polytope.from_vertices(base)
            ref = ehz_capacity(K, method, max_work=200_000, time_limit=20).value
            P = Polytope.from_vertices(base * s + t)
            r = ehz_capacity(P, method, max_work=200_000, time_limit=20)
        except documented as exc:
            _record(type(exc).__name__)
            return
        want = ref * s * s
        if want > 1.7e308:
            assert r.value == math.inf
            _record("ok (inf)")
            return
        resolution = 2.2e-16 * float(np.max(np.abs(base * s + t))) / (s * np.ptp(base, 0).max())
        assert abs(r.value - want) <= max(1e-9, 1e3 * resolution) * want, (r.value, want)
        U, c, su = P.normalised()
        # the witness is returned in P's coordinates, rounded there: the directions of its
        # short edges are resolved to about resolution / (edge length)
        ch = check_cycle(U, (r.cycle - c) / su, r.value / su**2, tol=max(1e-7, 1e5 * resolution))
        assert ch.ok, ch
        _record("ok")

    return run


# -- bragg -----------------------------------------------------------------------------------


def target_tricubic_interpolate() -> Callable[[], None]:
    from perflab.bragg.tricubic import tricubic_interpolate

    @st.composite
    def inputs(draw):
        shape = tuple(draw(st.integers(0, 7)) for _ in range(3))
        finite = draw(st.booleans())
        el = st.floats(-1e300, 1e300) if finite else ANY_FLOAT
        F = draw(hnp.arrays(np.float64, shape, elements=el))
        hkl_min = tuple(draw(st.integers(-(2**33), 2**33)) for _ in range(3))
        if draw(st.booleans()):
            hkl_min = tuple(draw(st.integers(-4, 4)) for _ in range(3))
        n = draw(st.integers(0, 6))
        qel = ANY_FLOAT if draw(st.booleans()) else st.floats(-10, 10)
        hkl = [draw(hnp.arrays(np.float64, (n,), elements=qel)) for _ in range(3)]
        mode = draw(st.sampled_from(["nearest", "default", "bogus"]))
        backend = draw(st.sampled_from(["auto", "torch"]))
        return F, hkl_min, hkl, mode, backend

    @given(inputs())
    def run(args):
        F, hkl_min, (h, k, l), mode, backend = args
        try:
            out = tricubic_interpolate(F, hkl_min, h, k, l, out_of_range=mode, backend=backend)
        except (ValueError, TypeError) as exc:
            _record(f"{type(exc).__name__}: {str(exc)[:30]}")
            return
        assert out.shape == h.shape
        # finite grid and finite queries: a finite answer unless the float64 products of
        # values near 1e300 overflow (then inf, never NaN)
        assert not np.any(np.isnan(out)), "NaN from finite input"
        _record("ok")

    return run


def target_capture_fractions() -> Callable[[], None]:
    from perflab.bragg.absorption import capture_fractions

    value = st.one_of(
        ANY_FLOAT, st.integers(-5, 10**8), st.none(), st.text(max_size=3), st.just([1.0])
    )

    @st.composite
    def inputs(draw):
        n = draw(st.integers(0, 5))
        rho = draw(hnp.arrays(np.float64, (n,), elements=st.one_of(ANY_FLOAT, st.floats(0, 1))))
        if draw(st.booleans()):
            return (
                rho,
                draw(st.floats(0, 1e-3)),
                draw(st.floats(1e-6, 1e-2)),
                draw(st.integers(1, 50)),
                draw(st.sampled_from(["nanobragg", "uniform"])),
            )
        return rho, draw(value), draw(value), draw(value), draw(st.sampled_from(["nanobragg", "x"]))

    @given(inputs())
    def run(args):
        rho, thickness, att, steps, rule = args
        try:
            cf = capture_fractions(
                rho,
                thickness=thickness,
                attenuation_length=att,
                steps=steps,
                step_rule=rule,
                per_layer=False,  # one parallax per pixel: rho's shape is the pixels
            )
        except (ValueError, TypeError) as exc:
            _record(f"{type(exc).__name__}: {str(exc)[:30]}")
            return
        cf = np.asarray(cf)
        assert cf.shape[1:] == rho.shape
        assert np.all(np.isfinite(cf)) and np.all(cf >= 0) and np.all(cf <= 1)
        assert np.all(cf.sum(axis=0) <= 1 + 1e-12)
        _record("ok")

    return run


# -- soap ------------------------------------------------------------------------------------


def target_frame() -> Callable[[], None]:
    from perflab.soap.frames import Frame, FrameError

    @st.composite
    def inputs(draw):
        n = draw(st.integers(0, 4))
        arr = lambda shape: draw(  # noqa: E731
            st.one_of(
                hnp.arrays(np.float64, shape, elements=ANY_FLOAT),
                hnp.arrays(np.float64, shape, elements=st.floats(-2, 2)),
                st.none(),
                st.just("abc"),
            )
        )
        pos, quat, diam = arr((n, 3)), arr((n, 4)), arr((n, 3))
        if isinstance(quat, np.ndarray) and draw(st.booleans()):
            with np.errstate(all="ignore"):
                quat = quat / np.linalg.norm(quat, axis=1, keepdims=True)
        species = draw(
            st.one_of(
                hnp.arrays(np.int64, (n,), elements=st.integers(-(2**40), 2**40)),
                hnp.arrays(np.float64, (n,), elements=ANY_FLOAT),
                st.none(),
            )
        )
        cell = draw(st.one_of(st.none(), hnp.arrays(np.float64, (3, 3), elements=ANY_FLOAT)))
        return pos, species, quat, diam, cell

    @given(inputs())
    def run(args):
        pos, species, quat, diam, cell = args
        try:
            f = Frame(pos, species, quat, diam, cell)
        except FrameError as exc:
            _record(f"FrameError: {str(exc)[:30]}")
            return
        assert len(f) >= 1 and np.all(np.isfinite(f.positions))
        np.testing.assert_allclose(np.linalg.norm(f.quaternions, axis=1), 1.0, atol=1e-6)
        assert np.all(f.diameters > 0) and np.all(f.species >= 0)
        assert np.all(np.isfinite(f.rotation_matrices()))
        _record("ok")

    return run


TARGETS = {
    "from_vertices": target_from_vertices,
    "from_halfspaces": target_from_halfspaces,
    "ehz_capacity": target_ehz_capacity,
    "tricubic_interpolate": target_tricubic_interpolate,
    "capture_fractions": target_capture_fractions,
    "frame": target_frame,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target", choices=sorted(TARGETS))
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--round", type=int, default=100, help="examples per hypothesis round")
    a = ap.parse_args(argv)
    run = TARGETS[a.target]()
    quiet = settings(
        max_examples=a.round,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    run = quiet(run)
    t0 = time.monotonic()
    rounds = 0
    while rounds == 0 or time.monotonic() - t0 < a.seconds:
        run()  # raises (after shrinking) on the first failing example
        rounds += 1
    summary = {
        "target": a.target,
        "seconds": round(time.monotonic() - t0, 1),
        "rounds": rounds,
        "examples": sum(OUTCOMES.values()),
        "outcomes": dict(OUTCOMES.most_common()),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
