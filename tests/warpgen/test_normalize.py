"""Normalization of Python (dedupe key) and of generated code (stored text)."""

from __future__ import annotations

import pytest

from perflab.warpgen.normalize import (
    assert_normalized,
    normalize_generated,
    normalize_python,
    python_key,
)

SRC = """import warp as wp


@wp.func
def helper(x: float) -> float:
    return x * 2.0  # a comment


@wp.kernel
def my_kernel_k7(a: wp.array(dtype=float)):
    i = wp.tid()
    a[i] = helper(a[i])
"""


def test_renamed_kernel_and_reformatted_source_have_the_same_key():
    other = SRC.replace("my_kernel_k7", "other_name_k99").replace("helper", "h2")
    other = other.replace("  # a comment", "").replace("x * 2.0", "(x * 2.0)")
    assert python_key(other) == python_key(SRC)
    assert "kernel_0" in normalize_python(SRC) and "func_0" in normalize_python(SRC)


def test_different_code_has_a_different_key():
    assert python_key(SRC.replace("2.0", "3.0")) != python_key(SRC)


def test_generated_paths_are_reduced_to_base_names():
    text = "// /tmp/abc/kernel.py:3\r\nstatic void f() {}\r\n\n\n"
    out = normalize_generated(text)
    assert out == "// kernel.py:3\nstatic void f() {}\n"
    assert normalize_generated(out) == out


def test_assert_normalized_rejects_paths_and_hashes():
    assert_normalized("// kernel.py:3\nvoid k_cpu_kernel_forward()\n", "k")
    with pytest.raises(ValueError, match="path"):
        assert_normalized('#line 3 "/tmp/x/kernel.py"\n', "k")
    with pytest.raises(ValueError, match="hashed"):
        assert_normalized("void my_k_1a2b3c4d_cpu_kernel_forward()\n", "my_k")
