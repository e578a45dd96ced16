"""The expression tree: constants, variables and calls in evaluation order, with size limits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from ..registry import Op

MAX_LENGTH = 10_000  # characters of expression text
MAX_NODES = 5_000  # operations, constants and variables after parsing
# Nesting of operations: 500 nested calls or powers (x**x**...**x); a chain of + and - (or of *
# and /) written left to right is one level however long it is: a+b+c+d is as deep as a+b.
MAX_DEPTH = 500


class Const(NamedTuple):
    """A number from the text (or pi, e), already a float64."""

    value: float
    text: str
    column: int


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key for variable names in natural order: ``x1, x2, x10`` (not ``x1, x10, x2``).

    Runs of ASCII digits compare as numbers, the rest character by character (``B`` before
    ``a``, as ``sorted`` orders them); names equal as numbers (``x01``, ``x1``) fall back to
    their text, so the order is total. Every list of variables gradcli shows or binds
    positional values to is in this order.
    """
    parts: list[Any] = []
    run = ""
    digits = False
    for ch in name:
        is_digit = "0" <= ch <= "9"
        if run and is_digit != digits:
            parts.append(_part(run, digits))
            run = ""
        run += ch
        digits = is_digit
    if run:
        parts.append(_part(run, digits))
    return (tuple(parts), name)


def _part(run: str, digits: bool) -> tuple[int, int, str]:
    """A run of a name: text as itself; digits by value, compared as (length, digits) without
    leading zeros, so a name of 5,000 digits needs no int() (which refuses over 4,300)."""
    if not digits:
        return (0, 0, run)
    value = run.lstrip("0")
    return (1, len(value), value)


def natural_order(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` without repeats, in natural order (:func:`natural_key`)."""
    return tuple(sorted(set(names), key=natural_key))


class Var(NamedTuple):
    """A variable; ``index`` is its place in ``Expression.variables`` (natural order: x1, x2, x10)."""

    name: str
    index: int  # type: ignore[assignment]  # (shadows tuple.index, by design: the place in variables)
    column: int

    @property
    def text(self) -> str:
        return self.name


class Call(NamedTuple):
    """An operator or function applied to earlier nodes (``args`` are node indices)."""

    op: Op
    args: tuple[int, ...]
    text: str
    column: int


Node = Const | Var | Call


class Expression:
    """A parsed expression: nodes in evaluation order (the last is f) and its variables.

    Also, per node: ``depends`` (whether its value depends on any variable) and ``uses`` (a
    bit mask of the variables it depends on); and ``var_nodes``, each variable's node index.
    """

    __slots__ = ("depends", "nodes", "text", "uses", "var_nodes", "variables")

    def __init__(self, text: str, nodes: tuple[Node, ...], variables: tuple[str, ...]) -> None:
        self.text = text
        self.nodes = nodes
        self.variables = variables
        uses: list[int] = []
        slots = [0] * len(variables)
        for i, node in enumerate(nodes):
            if type(node) is Call:
                bits = 0
                for j in node.args:
                    bits |= uses[j]
                uses.append(bits)
            elif type(node) is Var:
                uses.append(1 << node.index)
                slots[node.index] = i
            else:
                uses.append(0)
        self.uses: tuple[int, ...] = tuple(uses)
        self.depends: tuple[bool, ...] = tuple(bits != 0 for bits in uses)
        self.var_nodes: tuple[int, ...] = tuple(slots)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, variables={self.variables!r}, {len(self.nodes)} nodes)"
