"""Random, type-correct, finite-by-construction Warp expressions.

Every generator draws from a :class:`Gen`, a thin wrapper over ``numpy.random.Generator``
that also builds expression trees. Expressions are built bottom-up from leaves whose values
are bounded (|x| <= ~10); each operator keeps the result finite and bounded for such inputs
(divisions add 1 to an absolute value, ``exp`` clamps its argument, ``sqrt``/``log`` take
absolute values), so a launch on random inputs in [-1, 1] never produces inf or NaN.

The two operands of a binary operator, and the two sides of a comparison, are never the same
text: with only a few leaves per kernel a third of the draws used to be ``x - x``,
``wp.max(y, y)``, ``wp.cross(v, v)`` or ``b < b``, which are constants or identities, not
the operators they look like. :meth:`Gen.distinct` draws again (then falls back to a fresh
literal) when the second operand would repeat the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "BINARY_F",
    "BINARY_F_LIT",
    "UNARY_F",
    "Gen",
]

# float -> float, each with one placeholder
UNARY_F = (
    "wp.sin({a})",
    "wp.cos({a})",
    "wp.tanh({a})",
    "wp.sqrt(wp.abs({a}))",
    "wp.log(wp.abs({a}) + 1.0)",
    "wp.exp(wp.clamp({a}, -4.0, 4.0))",
    "wp.abs({a})",
    "wp.atan({a})",
    "wp.floor({a})",
    "wp.ceil({a})",
    "wp.sign({a})",
    "wp.clamp({a}, -1.0, 1.0)",
    "(-{a})",
    "wp.sin({a}) * wp.cos({a})",
    "wp.asin(wp.clamp({a}, -1.0, 1.0))",
    "wp.acos(wp.clamp({a}, -1.0, 1.0))",
    "wp.log2(wp.abs({a}) + 1.0)",
    "wp.cbrt({a})",
    "wp.round({a})",
    "wp.trunc({a})",
    "wp.frac({a})",
)

BINARY_F = (
    "({a} + {b})",
    "({a} - {b})",
    "({a} * {b})",
    "({a} / (wp.abs({b}) + 1.0))",
    "wp.min({a}, {b})",
    "wp.max({a}, {b})",
    "wp.atan2({a}, {b})",
    "wp.pow(wp.abs({a}) + 0.5, wp.clamp({b}, -2.0, 2.0))",
    "wp.lerp({a}, {b}, 0.25)",
    "wp.sqrt({a} * {a} + {b} * {b})",
    "wp.mod({a}, wp.abs({b}) + 1.0)",
)


def _is_literal(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# the binary templates that never call a builtin on the second operand alone
BINARY_F_LIT = tuple(t for t in BINARY_F if "wp.abs({b})" not in t and "wp.clamp({b}" not in t)


class Gen:
    """Seeded random choices plus expression building for one kernel."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._counter = 0

    # -- basic draws -------------------------------------------------------------------
    def choice(self, items: Sequence):
        return items[int(self.rng.integers(len(items)))]

    def sample(self, items: Sequence, k: int) -> list:
        idx = self.rng.choice(len(items), size=min(k, len(items)), replace=False)
        return [items[int(i)] for i in idx]

    def int(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi] (inclusive)."""
        return int(self.rng.integers(lo, hi + 1))

    def coin(self, p: float = 0.5) -> bool:
        return bool(self.rng.random() < p)

    def flit(self, lo: float = -3.0, hi: float = 3.0) -> str:
        """A float32 literal in [lo, hi] (4 decimals), always written with a decimal point."""
        v = round(float(self.rng.uniform(lo, hi)), 4)
        if v == 0.0:
            v = 0.5
        return repr(v)

    def name(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    # -- expressions -------------------------------------------------------------------
    def distinct(self, first: str, draw: Callable[[], str], fallback: Callable[[], str]) -> str:
        """A second operand unlike ``first``: ``draw()`` up to 4 times, then ``fallback()``
        (a random literal, drawn until it differs) so the operator is not an identity."""
        for _ in range(4):
            b = draw()
            if b != first:
                return b
        b = fallback()
        while b == first:
            b = fallback()
        return b

    def fexpr(self, leaves: Sequence[str], depth: int = 2) -> str:
        """A float32 expression over ``leaves`` (float32 names/literals) of depth <= ``depth``."""
        if depth <= 0 or self.coin(0.25):
            return self.choice(leaves) if self.coin(0.85) else self.flit()
        if self.coin(0.4):
            a = self.fexpr(leaves, depth - 1)
            if _is_literal(a):  # never wp.tanh(2.4724): a builtin of a constant
                a = self._variable(leaves)
            return self.choice(UNARY_F).format(a=a)
        a = self.fexpr(leaves, depth - 1)
        if _is_literal(a):
            a = self._variable(leaves)
        b = self.distinct(a, lambda: self.fexpr(leaves, depth - 1), self.flit)
        # a literal second operand only in templates that do not hand it alone to a builtin
        return self.choice(BINARY_F_LIT if _is_literal(b) else BINARY_F).format(a=a, b=b)

    def _variable(self, leaves: Sequence[str]) -> str:
        """A leaf that is not a literal (any leaf if all are)."""
        names = [x for x in leaves if not _is_literal(x)]
        return self.choice(names or leaves)

    def cond(self, leaves: Sequence[str]) -> str:
        """A boolean condition comparing float expressions."""
        op = self.choice(("<", ">", "<=", ">="))
        left = self.fexpr(leaves, 1)

        def literal() -> str:
            return self.flit(-1.0, 1.0)

        if self.coin(0.6):
            right = self.distinct(left, literal, literal)
        else:
            right = self.distinct(left, lambda: self.fexpr(leaves, 1), literal)
        c = f"{left} {op} {right}"
        if self.coin(0.25):
            c2 = f"{self.fexpr(leaves, 1)} {self.choice(('<', '>'))} {self.flit(-1.0, 1.0)}"
            c = f"({c}) {self.choice(('and', 'or'))} ({c2})"
        return c

    def vexpr(self, vleaves: Sequence[str], fleaves: Sequence[str], n: int, depth: int = 2) -> str:
        """A ``vec{n}`` float32 expression over vector and scalar leaves."""
        if depth <= 0 or self.coin(0.2):
            if self.coin(0.85) and vleaves:
                return self.choice(vleaves)
            comps = ", ".join(self.fexpr(fleaves, 1) for _ in range(n))
            return f"wp.vec{n}({comps})"
        a = self.vexpr(vleaves, fleaves, n, depth - 1)

        def b() -> str:  # a second vector operand, never the text of ``a``
            return self.distinct(
                a,
                lambda: self.vexpr(vleaves, fleaves, n, depth - 1),
                lambda: f"wp.vec{n}({', '.join(self.flit() for _ in range(n))})",
            )

        ops = [
            lambda: f"({a} + {b()})",
            lambda: f"({a} - {b()})",
            lambda: f"({a} * {self.fexpr(fleaves, 1)})",
            lambda: f"wp.normalize({a})",
            lambda: f"wp.cw_mul({a}, {b()})",
            lambda: f"wp.min({a}, {b()})",
            lambda: f"wp.max({a}, {b()})",
            lambda: f"({a} * wp.dot({a}, {b()}))",
            lambda: f"wp.lerp({a}, {b()}, 0.5)",
        ]
        if n == 3:
            ops.append(lambda: f"wp.cross({a}, {b()})")
        return self.choice(ops)()

    def sexpr_of_vec(self, v: str, n: int) -> str:
        """A float32 scalar computed from the vector expression ``v``."""
        return self.choice(
            (
                f"wp.length({v})",
                f"wp.dot({v}, {v})",
                f"{v}[{self.int(0, n - 1)}]",
                f"wp.length_sq({v})",
                f"wp.max({v}[0], {v}[{n - 1}])",
            )
        )
