"""Skeletons (near-duplicate ids), statement counts and builtin usage read from Python."""

from __future__ import annotations

from perflab.warpgen import codegen
from perflab.warpgen.skeleton import analyse, skeleton_id, skeleton_text

NONTILE, TILE = codegen.builtin_names()
ALL = NONTILE | TILE

A = '''import warp as wp


@wp.func
def helper(a: float) -> float:
    """doc"""
    return wp.sin(a) * 2.5


@wp.kernel
def scale_k1(x: wp.array(dtype=float), out: wp.array(dtype=float)):
    i = wp.tid()
    v = x[i]  # a comment
    out[i] = helper(v) + -1.25
'''
# the same program with other names, constants and formatting
B = """import warp as wp

@wp.func
def other(q: float) -> float:
    return wp.sin(q)*7.0

@wp.kernel
def zz_k99(src: wp.array(dtype=float), dst: wp.array(dtype=float)):
    t = wp.tid()
    w = src[t]
    dst[t] = other(w) + 3.5
"""


def test_names_literals_comments_and_docstrings_do_not_change_the_skeleton():
    assert skeleton_id(A) == skeleton_id(B)
    assert "F" in skeleton_text(A) and "2.5" not in skeleton_text(A)


def test_structure_changes_the_skeleton():
    assert skeleton_id(A) != skeleton_id(A.replace("wp.sin", "wp.cos"))
    assert skeleton_id(A) != skeleton_id(A.replace("+ -1.25", "* -1.25"))
    assert skeleton_id(A) != skeleton_id(A.replace("+ -1.25", "+ 2"))  # int is another kind
    longer = A.replace("    v = x[i]  # a comment\n", "    v = x[i]\n    v = v * v\n")
    assert skeleton_id(A) != skeleton_id(longer)


def test_analyse_counts_kernels_statements_and_builtins():
    f = analyse(A, ALL)
    assert f.kernels == ["scale_k1"] and f.kernel_statements == [3] and f.funcs == 1
    # wp.sin, wp.tid, * (mul), + (add), unary minus folded into the literal: no neg
    assert f.builtins == {"sin", "tid", "mul", "add"}
    assert "array" not in f.builtins  # annotations are types, not builtin calls
    assert "array" in f.wp_names


def test_operators_constructors_and_inplace_updates_map_to_builtins():
    src = (
        "import warp as wp\n\n\n@wp.kernel\n"
        "def k(a: wp.array(dtype=int), b: wp.array(dtype=wp.vec3)):\n"
        "    i = wp.tid()\n    a[i] += 1\n    a[i] ^= 3\n    b[i] = wp.vec3(0.0) * float(-i)\n"
        "    for j in range(len(a)):\n        a[j] = min(a[j] << 1, ~a[j] % 7)\n"
        "    q = wp.quat_identity(dtype=float)\n    m = wp.mat33(0.0)\n"
        "    if not i > 2:\n        a[i] = 0\n"
    )
    f = analyse(src, ALL)
    expected = {"add_inplace", "bit_xor_inplace", "vector", "mul", "float", "neg", "range"}
    expected |= {"len", "min", "lshift", "invert", "mod", "quat_identity", "matrix", "unot"}
    assert expected <= f.builtins
    assert f.kernel_statements == [10]  # nested statements count too


def test_registry_sizes_of_the_pinned_warp():
    assert len(NONTILE) == 281 and len(TILE) == 74
    assert {"tile_load", "tile_matmul", "untile"} <= TILE and "sin" in NONTILE
