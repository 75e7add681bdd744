"""Per-kernel cost of the dataset build: generation, code generation, CPU and PTX compiles.

Baseline for code generation: warp's own per-device route (``Module._run_codegen`` once for
the CPU and once for CUDA, as ``Module._compile`` does), measured in the same run as the
one-pass route the build uses; compare the medians of the ``warpgen-codegen`` group.
Few rounds: compiles take ~0.2-0.5 s each.
"""

from __future__ import annotations

import itertools

import pytest
import warp as wp

from perflab.harness import env_snapshot
from perflab.warpgen import codegen
from perflab.warpgen.generate import CATEGORY_NAMES, generate_kernel

_names = itertools.count()
# one kernel of each category, cycled through by the rounds
SPECS = [generate_kernel(0, i) for i in range(len(CATEGORY_NAMES))]


@pytest.fixture(autouse=True)
def _env_info(benchmark):
    benchmark.extra_info["env"] = env_snapshot()


@pytest.fixture(scope="module", autouse=True)
def _warp(tmp_path_factory):
    codegen.init_warp(tmp_path_factory.mktemp("bench-warp-cache"))


def _fresh_kernel():
    """A kernel in a module never compiled before (a new name defeats warp's binary cache)."""
    n = next(_names)
    spec = SPECS[n % len(SPECS)]
    mod = codegen.load_source(spec.python_source, f"wg_bench_{n}")
    return spec, mod, getattr(mod, spec.kernel_name)


def test_bench_generate_python(benchmark):
    benchmark.group = "warpgen-generate"
    counter = itertools.count()
    benchmark.pedantic(lambda: generate_kernel(1, next(counter)), rounds=50, iterations=1)


def _one_pass():
    spec, mod, kernel = _fresh_kernel()
    codegen.generate_code(kernel, enable_backward=True)
    codegen.unload(mod)


def _per_device_baseline():
    spec, mod, kernel = _fresh_kernel()
    m = kernel.module
    m.options["enable_backward"] = True
    m._set_strip_hash(True)
    m.hash_module()
    base = m.resolve_options(wp.config)
    m._run_codegen(base | {"output_arch": None}, True)
    m._run_codegen(base | {"output_arch": 86}, False)
    codegen.unload(mod)


def test_bench_codegen_one_pass(benchmark):
    benchmark.group = "warpgen-codegen"
    benchmark.extra_info["kernels_per_round"] = 1
    benchmark.pedantic(_one_pass, rounds=36, iterations=1, warmup_rounds=2)


def test_bench_codegen_per_device_baseline(benchmark):
    benchmark.group = "warpgen-codegen"
    benchmark.pedantic(_per_device_baseline, rounds=36, iterations=1, warmup_rounds=2)


def test_bench_cpu_compile(benchmark):
    benchmark.group = "warpgen-compile"

    def setup():
        spec, mod, kernel = _fresh_kernel()
        codegen.generate_code(kernel, enable_backward=True)
        return (kernel,), {}

    codegen_first = _fresh_kernel()  # warm up: the first compile builds the precompiled header
    codegen.generate_code(codegen_first[2], enable_backward=True)
    codegen.compile_cpu(codegen_first[2])
    benchmark.pedantic(codegen.compile_cpu, setup=setup, rounds=5, iterations=1)


def test_bench_ptx_compile(benchmark, tmp_path):
    benchmark.group = "warpgen-compile"
    out = itertools.count()

    def setup():
        spec, mod, kernel = _fresh_kernel()
        codegen.generate_code(kernel, enable_backward=True)
        return (kernel, tmp_path / f"ptx{next(out)}"), {}

    first = _fresh_kernel()
    codegen.compile_ptx(first[2], tmp_path / "warm")
    benchmark.pedantic(codegen.compile_ptx, setup=setup, rounds=5, iterations=1)
