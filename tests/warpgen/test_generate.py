"""Kernel generator: determinism, categories, variety, bad input."""

from __future__ import annotations

import ast
from collections import defaultdict

import pytest

from perflab.warpgen import codegen
from perflab.warpgen.errors import GeneratorError
from perflab.warpgen.generate import CATEGORY_NAMES, category_of, generate_kernel
from perflab.warpgen.normalize import python_key
from perflab.warpgen.skeleton import analyse, skeleton_id

REQUIRED = {
    "elementwise",
    "math_builtins",
    "vectors",
    "matrices",
    "quaternions_transforms",
    "branching",
    "loops_early_exit",
    "reductions_atomics",
    "stencils",
    "structs",
    "helper_funcs",
    "random_noise",
    "int_bitops",
    "type_conversions",
    "geometry",
}


def test_at_least_15_categories_including_the_required_ones():
    assert len(CATEGORY_NAMES) >= 15
    assert REQUIRED <= set(CATEGORY_NAMES)


def test_same_seed_and_index_give_the_same_source():
    for i in range(40):
        assert generate_kernel(3, i).python_source == generate_kernel(3, i).python_source


def test_other_seed_gives_other_kernels():
    a = {python_key(generate_kernel(1, i).python_source) for i in range(36)}
    b = {python_key(generate_kernel(2, i).python_source) for i in range(36)}
    assert len(a & b) < 4


def test_round_robin_categories():
    k = len(CATEGORY_NAMES)
    assert [category_of(i) for i in range(k)] == list(CATEGORY_NAMES)
    assert generate_kernel(0, k + 2).category == CATEGORY_NAMES[2]


def test_sources_parse_and_define_the_named_kernel():
    for i in range(2 * len(CATEGORY_NAMES)):
        spec = generate_kernel(5, i)
        tree = ast.parse(spec.python_source)
        names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert spec.kernel_name in names
        assert spec.kernel_name.endswith(f"_k{i}")


def test_each_category_has_structural_variety():
    """Over 40 kernels per category: almost no exact repeats, and at least 12 skeletons
    (names and literals abstracted; 58.7 % of the v2 corpus repeated a skeleton, with 5-8
    skeletons in its worst categories)."""
    keys = defaultdict(set)
    skeletons = defaultdict(set)
    for cat in CATEGORY_NAMES:
        for i in range(40):
            spec = generate_kernel(9, i, category=cat)
            keys[cat].add(python_key(spec.python_source))
            skeletons[cat].add(skeleton_id(spec.python_source))
    for cat in CATEGORY_NAMES:
        assert len(keys[cat]) >= 30, (cat, len(keys[cat]))
        assert len(skeletons[cat]) >= 12, (cat, len(skeletons[cat]))


def test_stream_diversity_short_bodies_and_builtin_coverage():
    """The generated stream before the skeleton cap: few repeats, few short kernel bodies,
    most of warp's builtins (the v2 generators: 52.9 % repeats, 16.2 % short, 111 builtins)."""
    nontile, tile = codegen.builtin_names()
    seen, repeats, short, kernels = set(), 0, 0, 0
    used: set[str] = set()
    n = 40 * len(CATEGORY_NAMES)
    for i in range(n):
        f = analyse(generate_kernel(0, i).python_source, nontile | tile)
        repeats += f.skeleton_id in seen
        seen.add(f.skeleton_id)
        short += sum(s < 5 for s in f.kernel_statements)
        kernels += len(f.kernel_statements)
        used |= f.builtins
    assert repeats / n < 0.15
    assert short / kernels < 0.06
    assert len(used & nontile) >= 0.6 * len(nontile)
    assert len(used & tile) >= 20


@pytest.mark.parametrize(
    "seed,index,category",
    [(-1, 0, None), (0, -3, None), (0, 0, "no_such_category"), ("1", 0, None)],
)
def test_bad_input_raises_generator_error(seed, index, category):
    with pytest.raises(GeneratorError):
        generate_kernel(seed, index, category=category)


def _same_operands(source: str) -> list[str]:
    """Sub-expressions whose two operands are the same text: ``x - x``, ``b < b``,
    ``wp.max(y, y)``, ``wp.cross(v, v)``, ``wp.lerp(x, x, t)``, ``wp.atan2(x, x)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            pair = (node.left, node.right)
        elif isinstance(node, ast.Compare) and len(node.comparators) == 1:
            pair = (node.left, node.comparators[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"min", "max", "cross", "lerp", "atan2"}
            and len(node.args) >= 2
        ):
            pair = (node.args[0], node.args[1])
        else:
            continue
        if ast.dump(pair[0]) == ast.dump(pair[1]):
            found.append(ast.unparse(node))
    return found


def test_no_operator_gets_the_same_expression_twice():
    # with few leaves per kernel, 12 % of kernels used to hold a constant or an identity
    # dressed as an operator (x - x, wp.max(y, y), b < b)
    demo = "y = wp.max(a, a) + (x - x)\nif b < b:\n    z = wp.min(a, b) - x\n"
    assert sorted(_same_operands(demo)) == ["b < b", "wp.max(a, a)", "x - x"]
    bad = {}
    for i in range(60 * len(CATEGORY_NAMES)):
        spec = generate_kernel(0, i)
        if found := _same_operands(spec.python_source):
            bad[spec.kernel_name] = found
    assert not bad, bad
