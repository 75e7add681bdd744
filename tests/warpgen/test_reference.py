"""The numpy re-implementation used by the equivalence check: agrees with warp's CPU
backend on the semantics it models, catches a wrong kernel, says when it cannot check."""

from __future__ import annotations

import numpy as np
import pytest

from perflab.warpgen import codegen, reference
from perflab.warpgen.records import FAILED, NOT_RUN, PASSED
from perflab.warpgen.spec import KernelSpec, arr, obj, scalar
from perflab.warpgen.validate import launch_and_check

BODY = [
    "i = wp.tid()",
    "v = x[i] * 3.0",
    "a = wp.sign(v - wp.floor(v)) + wp.step(v) + wp.round(v) + wp.mod(v, 1.25)",
    "d = wp.normalize(wp.vec3(v, 0.0, 0.0) * 0.0) + wp.cross(p[i], wp.vec3(0.0, 1.0, 0.0))",
    "w = wp.where(v > 0.5, wp.length(d), wp.tanh(v))",
    "acc = float(0.0)",
    "for k in range(3):",
    "    acc += wp.clamp(w * float(k), -1.0, 1.0)",
    "wp.atomic_add(total, 0, acc)",
    "out[i] = a + acc * s + float(int(v) % 2)",
]


def _spec(body=BODY) -> KernelSpec:
    args = [
        arr("x", "float", (40,)),
        arr("p", "wp.vec3", (40,)),
        scalar("s", "float", 0.75),
        arr("total", "float", (1,), "zeros"),
        arr("out", "float", (40,), "zeros"),
    ]
    return KernelSpec("elementwise", "ref", "ref_k0", args, list(body), (40,))


@pytest.fixture(scope="module")
def warp_run(tmp_path_factory):
    codegen.init_warp(tmp_path_factory.mktemp("ref-cache"))
    mods = []

    def run(spec: KernelSpec, name: str):
        mod = codegen.load_source(spec.python_source, name)
        mods.append(mod)
        codegen.compile_cpu(getattr(mod, spec.kernel_name))
        return launch_and_check(spec, mod, np.random.default_rng(3), "cpu")

    yield run
    for m in mods:
        codegen.unload(m)


def test_reference_matches_warp_cpu(warp_run):
    spec = _spec()
    finite, _, sha, initial, outputs = warp_run(spec, "wg_ref_ok")
    assert finite and len(sha) == 64
    outcome, note = reference.check_equivalence(spec, initial, outputs)
    assert outcome == PASSED, note


def test_a_wrong_result_fails(warp_run, monkeypatch):
    spec = _spec()
    _, _, _, initial, outputs = warp_run(spec, "wg_ref_bad")
    outputs = {k: v.copy() for k, v in outputs.items()}
    outputs["out"][7] += 0.1  # warp's output off by 0.1 in one element
    outcome, note = reference.check_equivalence(spec, initial, outputs)
    assert outcome == FAILED and "out" in note


def test_unsupported_builtins_and_objects_are_not_run_with_the_reason():
    spec = _spec(["i = wp.tid()", "out[i] = wp.erfinv(x[i] * 0.5)"])
    outcome, note = reference.check_equivalence(spec, {}, {})
    assert outcome == NOT_RUN and "wp.erfinv" in note
    spec = _spec(["i = wp.tid()", "out[i] = x[i]"])
    spec.args.append(obj("mesh", "mesh:2"))
    assert reference.check_equivalence(spec, {}, {})[0] == NOT_RUN


def test_a_reference_exception_is_not_a_pass():
    spec = _spec(["i = wp.tid()", "out[i] = x[i] + wp.vec3(1.0)[3]"])  # index out of range
    initial = {"x": np.zeros(40, np.float32), "p": np.zeros((40, 3), np.float32)}
    initial |= {"total": np.zeros(1, np.float32), "out": np.zeros(40, np.float32)}
    outcome, note = reference.check_equivalence(spec, initial, dict(initial))
    assert outcome == NOT_RUN and "raised" in note


def test_a_matrix_from_vectors_is_refused_as_warp_refuses_it_in_a_kernel():
    """warp 1.19's codegen raises this TypeError for ``wp.mat33(v0, v1, v2)`` in a kernel;
    the reference does the same (a sampled kernel using it would be ``not_run``)."""
    mat33 = reference.NumpyWarp().mat33
    with pytest.raises(TypeError, match="matrix_from_rows"):
        mat33(np.ones(3), np.ones(3), np.ones(3))
    assert mat33(2.0).tolist() == [[2.0] * 3] * 3  # the scalar forms still work
    assert mat33(*range(9))[1, 2] == 5
