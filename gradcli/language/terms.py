"""Symbolic terms and their printing as gradcli input, for :mod:`gradcli.language.algebra`.

A :class:`Term` is one interned node (a constant, a variable or an op applied to terms), built by
an :class:`~gradcli.language.algebra.Algebra`. :func:`to_text` prints a term with the fewest
parentheses that keep its grouping: the text, parsed back, evaluates the same, bit for bit.
"""

from __future__ import annotations

import math

from ..errors import GradcliError
from ..registry import Op
from .nodes import MAX_LENGTH

# Printing precedence (Python's): sums, products, unary minus/plus, powers, atoms.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5
_BINARY_PREC = {"add": _SUM, "sub": _SUM, "mul": _PRODUCT, "div": _PRODUCT}


class SymbolicError(GradcliError):
    """A derivative cannot be written out (for instance, it is longer than gradcli input may be)."""


class Term:
    """One interned node of a symbolic expression: a constant, a variable or an op applied to terms.

    Build terms with an :class:`Algebra`; two terms from the same algebra are equal exactly
    when they are the same object.
    """

    __slots__ = ("args", "name", "op", "value")

    def __init__(self, op: Op | None, args: tuple[Term, ...], value: float | None, name: str | None):
        self.op = op  # None for a constant or a variable
        self.args = args
        self.value = value  # constants
        self.name = name  # a variable's name, or a named constant's ("pi", "e")

    @property
    def is_const(self) -> bool:
        return self.op is None and self.value is not None

    def __repr__(self) -> str:
        return f"Term({to_text(self)!r})"


def _const_text(value: float) -> str:
    if value == 0 and math.copysign(1.0, value) < 0:
        return "-0.0"  # not "0": 1/-0.0 is -inf
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def to_text(term: Term, limit: int = MAX_LENGTH) -> str:
    """``term`` as gradcli input: fewest parentheses that keep the tree, ``**`` for powers.

    Parsing the text gives back the same tree (up to ``-a*b`` for ``-(a*b)``, exactly equal), so
    it evaluates exactly as the term does.
    Raises :class:`SymbolicError` when the text would be longer than ``limit`` characters.
    """
    done: dict[int, tuple[str, int]] = {}
    stack: list[tuple[Term, bool]] = [(term, False)]
    while stack:
        t, expanded = stack.pop()
        if id(t) in done:
            continue
        if not expanded and t.args:
            stack.append((t, True))
            stack.extend((a, False) for a in reversed(t.args) if id(a) not in done)
            continue
        text, prec = _print_one(t, done)
        if len(text) > limit:
            raise SymbolicError(
                f"the derivative is more than {limit:,} characters long, gradcli's limit for an expression",
                hint="gradcli grad and gradcli hessian compute it without writing it out",
            )
        done[id(t)] = (text, prec)
    return done[id(term)][0]


def _print_one(t: Term, done: dict[int, tuple[str, int]]) -> tuple[str, int]:
    if t.op is None:
        if t.value is None:
            return t.name, _ATOM  # type: ignore[return-value]
        if t.name is not None:
            return t.name, _UNARY if t.name.startswith("-") else _ATOM
        text = _const_text(t.value)
        return text, _UNARY if text.startswith("-") else _ATOM
    op = t.op
    parts = [done[id(a)] for a in t.args]
    if op.name in ("neg", "pos"):
        text, prec = parts[0]
        sign = "-" if op.name == "neg" else "+"
        if prec == _PRODUCT and not text.startswith(("-", "+")):
            # -a*b reads as (-a)*b, which equals -(a*b) exactly (negation is exact in float64
            # and commutes with * and /); it binds like a product, so it keeps its parentheses
            # wherever a product would need them.
            return sign + text, _PRODUCT
        return sign + (text if prec >= _UNARY else f"({text})"), _UNARY
    if op.name in _BINARY_PREC:
        mine = _BINARY_PREC[op.name]
        (left, lp), (right, rp) = parts
        left = left if lp >= mine else f"({left})"
        right = right if rp > mine else f"({right})"
        return f"{left}{op.symbol}{right}", mine
    if op.symbol == "**":
        (left, lp), (right, rp) = parts
        left = left if lp >= _ATOM else f"({left})"
        right = right if rp >= _UNARY else f"({right})"
        return f"{left}**{right}", _POWER
    return f"{op.name}({','.join(text for text, _ in parts)})", _ATOM
