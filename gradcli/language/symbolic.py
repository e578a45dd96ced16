"""Symbolic derivatives: an expression's partial derivatives as expressions, printed as gradcli input.

The rules come from the registry: each :class:`~gradcli.ops.Op` carries ``symbolic``, its
partials written as gradcli expression text in its argument names (``"y*x**(y-1) and
x**y*log(x)"`` for ``x**y``). :func:`derivative` applies the chain rule over the expression's
nodes in evaluation order (forward mode, one variable at a time, no recursion): the derivative
of a node is the sum over its arguments of (the op's partial, with the argument sub-expressions
substituted) times (the argument's derivative).

Terms are interned (:class:`Algebra`): equal sub-expressions are one object, so shared
subexpressions stay shared and ``a is b`` is structural equality. The constructors simplify as
they build, without a computer algebra system:

* constant folding of operators and functions, when the result is finite and prints in a few
  characters (``3*2`` -> ``6``, ``log(e)`` -> ``1``, but ``1/3`` and ``log(2)`` stay as written);
* identities: ``0+x``, ``x+0``, ``x-0``, ``0*x``, ``1*x``, ``x*1``, ``x/1``, ``x**1`` -> the
  obvious, ``x**0`` -> 1, ``--x`` -> x, ``x+x`` -> ``2*x``, ``x-x`` -> 0, ``a+-b`` -> ``a-b``;
  minus signs move out of products and quotients, a constant factor moves to the front, and
  like terms combine (``2*y+y`` -> ``3*y``).

These rewrites hold exactly in real arithmetic; in floating point they may differ from the
unsimplified form where a factor is inf or NaN (``0*x`` is 0 even at x = inf) and by rounding.

:func:`to_text` prints a term with the fewest parentheses that keep its grouping, with ``**``
for powers: the text, parsed back, evaluates the same, bit for bit (its tree is the same, except
that ``-a*b`` stands for ``-(a*b)``, which is exactly equal in float64);
:func:`to_expression` turns terms into an :class:`~gradcli.expression.Expression` directly,
for evaluation and backprop without going through text (see :mod:`gradcli.hessian`).
"""

from __future__ import annotations

from collections.abc import Sequence

from .algebra import Algebra, _op, rule_texts
from .nodes import Call, Const, Expression, Node, Var
from .terms import SymbolicError, Term, to_text
from .terms import _const_text as const_text


def derivatives(expr: Expression, algebra: Algebra | None = None) -> list[Term]:
    """df/dv for each variable v of ``expr`` (in natural order, as ``expr.variables``), simplified.

    Forward mode over the nodes in evaluation order: d node = sum_i partial_i(args) * d arg_i,
    where the partials come from the registry's symbolic rules. Where backprop uses a
    convention at a kink (abs'(0) = 0, a min/max tie split evenly) the rules give the same.
    """
    algebra = algebra or Algebra()
    terms = algebra.from_expression(expr)
    arglists = _arglists(expr, terms)
    return [_derivative(expr, terms, k, algebra, arglists) for k in range(len(expr.variables))]


def derivative(expr: Expression, var: str, algebra: Algebra | None = None) -> Term:
    """df/d``var`` of ``expr``, simplified (``var`` must be one of its variables)."""
    algebra = algebra or Algebra()
    terms = algebra.from_expression(expr)
    return _derivative(expr, terms, expr.variables.index(var), algebra, _arglists(expr, terms))


def _arglists(expr: Expression, terms: list[Term]) -> list[list[Term]]:
    """Each node's argument terms, built once and shared by every variable's derivative (so an
    n-ary rule's shared sum is built once too)."""
    return [[terms[j] for j in node.args] if type(node) is Call else [] for node in expr.nodes]  # type: ignore[union-attr]


def _derivative(
    expr: Expression, terms: list[Term], k: int, algebra: Algebra, arglists: list[list[Term]]
) -> Term:
    bit = 1 << k
    d: list[Term | None] = [None] * len(expr.nodes)  # None: zero
    for i, node in enumerate(expr.nodes):
        if not expr.uses[i] & bit:
            continue
        if type(node) is Var:
            d[i] = algebra.one
            continue
        args = arglists[i]
        if node.op.idempotent and all(a is args[0] for a in args):  # type: ignore[union-attr]
            d[i] = d[node.args[0]]  # type: ignore[union-attr]  # min(x, x, ..., x) is x
            continue
        total: Term | None = None
        for position, j in enumerate(node.args):  # type: ignore[union-attr]
            dj = d[j]
            if dj is None:
                continue
            term = algebra.mul(algebra.partial(node.op, args, position), dj)  # type: ignore[union-attr]
            total = term if total is None else algebra.add(total, term)
        d[i] = total
    last = d[-1]
    return algebra.zero if last is None else last


def derivative_texts(expr: Expression, wrt: str | None = None) -> dict[str, str]:
    """Each partial derivative of ``expr`` as gradcli input, by variable (only ``wrt`` if given).

    Raises :class:`SymbolicError` if ``wrt`` is not one of the expression's variables or a
    derivative is too long to write out.
    """
    names = expr.variables
    if wrt is not None and wrt not in names:
        listing = f"the expression's variables are {', '.join(names)}" if names else "it has no variables"
        raise SymbolicError(f"--wrt names '{wrt}', which is not in the expression", hint=listing)
    algebra = Algebra()
    terms = algebra.from_expression(expr)
    chosen = [wrt] if wrt is not None else list(names)
    arglists = _arglists(expr, terms)
    return {name: to_text(_derivative(expr, terms, names.index(name), algebra, arglists)) for name in chosen}


# --- printing -------------------------------------------------------------------------------------


def to_expression(
    terms: Sequence[Term], variables: Sequence[str], texts: Sequence[str] | None = None
) -> list[Expression]:
    """Each term as an :class:`Expression` over ``variables`` (in that order), without text.

    Every variable gets a node even where a term does not use it, so backprop's gradient
    always has one row per variable. Subterms shared between or within terms are computed once
    per expression. ``texts`` names the expressions (default: the printed terms).
    """
    out = []
    for number, term in enumerate(terms):
        nodes: list[Node] = [Var(name, i, 0) for i, name in enumerate(variables)]
        index: dict[int, int] = {}
        slot = {name: i for i, name in enumerate(variables)}
        stack: list[tuple[Term, bool]] = [(term, False)]
        while stack:
            t, expanded = stack.pop()
            if id(t) in index:
                continue
            if not expanded and t.args:
                stack.append((t, True))
                stack.extend((a, False) for a in reversed(t.args) if id(a) not in index)
                continue
            if t.op is None and t.value is None:
                index[id(t)] = slot[t.name]  # type: ignore[index]
                continue
            if t.op is None:
                nodes.append(Const(t.value, t.name or const_text(t.value), 0))  # type: ignore[arg-type]
            else:
                label = t.op.symbol if t.op.symbol else t.op.name
                nodes.append(Call(t.op, tuple(index[id(a)] for a in t.args), label, 0))
            index[id(t)] = len(nodes) - 1
        if index[id(term)] != len(nodes) - 1:  # the term is a bare variable: f = +x
            nodes.append(Call(_op("pos"), (index[id(term)],), "+", 0))
        text = texts[number] if texts is not None else _safe_text(term)
        out.append(Expression(text, tuple(nodes), tuple(variables)))
    return out


def _safe_text(term: Term) -> str:
    try:
        return to_text(term)
    except SymbolicError:
        return "(a derivative too long to write out)"


__all__ = [
    "Algebra",
    "SymbolicError",
    "Term",
    "derivative",
    "derivative_texts",
    "derivatives",
    "rule_texts",
    "to_expression",
    "to_text",
]
