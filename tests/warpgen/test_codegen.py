"""warp code generation: determinism, isolation from file position, agreement with warp's AOT."""

from __future__ import annotations

import pytest

from perflab.warpgen import codegen
from perflab.warpgen.errors import CodegenError
from perflab.warpgen.generate import generate_kernel
from perflab.warpgen.normalize import assert_normalized, normalize_generated


@pytest.fixture(scope="module", autouse=True)
def _warp(tmp_path_factory):
    codegen.init_warp(tmp_path_factory.mktemp("warp-cache"))


def _gen(src, name, kernel_name, backward=True):
    mod = codegen.load_source(src, name)
    try:
        return codegen.generate_code(getattr(mod, kernel_name), enable_backward=backward)
    finally:
        codegen.unload(mod)


def test_same_source_same_text_under_other_module_names():
    spec = generate_kernel(0, 3)
    a = _gen(spec.python_source, "wg_test_a", spec.kernel_name)
    b = _gen(spec.python_source, "wg_test_b", spec.kernel_name)
    assert a.cpu == b.cpu and a.cuda == b.cuda
    assert_normalized(normalize_generated(a.cpu), spec.kernel_name)
    assert_normalized(normalize_generated(a.cuda), spec.kernel_name)
    assert f"{spec.kernel_name}_cuda_kernel_forward" in a.cuda
    assert f"{spec.kernel_name}_cpu_forward" in a.cpu


def test_line_comments_count_lines_of_the_kernel_source():
    spec = generate_kernel(0, 0)
    code = _gen(spec.python_source, "wg_test_lines", spec.kernel_name)
    line_no = spec.python_source.splitlines().index(f"    {spec.body[0]}") + 1
    assert f"<L {line_no}>" in code.cpu


def test_backward_option_changes_the_text():
    spec = generate_kernel(0, 1)
    fwd = _gen(spec.python_source, "wg_test_f", spec.kernel_name, backward=False)
    both = _gen(spec.python_source, "wg_test_fb", spec.kernel_name, backward=True)
    assert "cuda_kernel_backward" in both.cuda and "cuda_kernel_backward" not in fwd.cuda
    assert fwd.options["enable_backward"] is False and both.options["enable_backward"] is True


def test_type_error_raises_codegen_error():
    src = (
        "import warp as wp\n\n\n@wp.kernel\ndef bad_k(a: wp.array(dtype=float)):\n"
        "    i = wp.tid()\n    a[i] = wp.cross(a[i], 1.0)\n"
    )
    with pytest.raises(CodegenError):
        _gen(src, "wg_test_bad", "bad_k")


def test_module_name_clash_is_refused():
    spec = generate_kernel(0, 2)
    mod = codegen.load_source(spec.python_source, "wg_test_clash")
    try:
        with pytest.raises(CodegenError, match="already in use"):
            codegen.load_source(spec.python_source, "wg_test_clash")
    finally:
        codegen.unload(mod)


def test_one_pass_text_equals_warp_aot_output(tmp_path):
    """The source-only route gives the files warp's public AOT compile writes."""
    import warp as wp

    spec = generate_kernel(0, 5)
    mod = codegen.load_source(spec.python_source, "wg_test_aot")
    try:
        kernel = getattr(mod, spec.kernel_name)
        code = codegen.generate_code(kernel, enable_backward=True)
        wp.compile_aot_module(
            kernel.module, device=None, arch=86, use_ptx=True, module_dir=tmp_path
        )
        (cu,) = tmp_path.glob("*.cu")
        assert cu.read_text() == code.cuda
        assert codegen.compile_ptx(kernel, tmp_path / "ptx") > 0
    finally:
        codegen.unload(mod)


@pytest.mark.parametrize("index", [10, 14])  # helper_funcs, geometry: kernels with @wp.func
def test_helper_function_names_do_not_depend_on_earlier_kernels(index):
    """warp numbers every ``@wp.func`` per process (``name_0``, ``name_1``, ...): a kernel's
    text must not depend on how many kernels the worker generated before it."""
    spec = generate_kernel(0, index)
    assert "@wp.func" in spec.python_source
    first = _gen(spec.python_source, f"wg_test_fn_a{index}", spec.kernel_name)
    again = _gen(spec.python_source, f"wg_test_fn_b{index}", spec.kernel_name)
    assert again.cpu == first.cpu and again.cuda == first.cuda
    assert_normalized(normalize_generated(again.cpu), spec.kernel_name)
