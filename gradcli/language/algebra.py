"""Interned, simplified symbolic terms, for :mod:`gradcli.language.symbolic` (the terms themselves
and their printing are in :mod:`gradcli.language.terms`).

Terms are interned (:class:`Algebra`): equal sub-expressions are one object, so shared
subexpressions stay shared and ``a is b`` is structural equality. The constructors simplify as
they build (constant folding, identities, like terms; see :mod:`gradcli.language.symbolic`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import GradcliError
from ..registry import CONSTANTS, OPERATORS, NaryRule, Op
from .nodes import Const, Expression, Node, Var
from .parse import parse
from .terms import SymbolicError, Term, _const_text, to_text

FOLD_DIGITS = 12  # fold constants only when the result prints in at most this many characters
FOLDED = {"add", "sub", "mul", "div", "pow", "neg", "pos"}


class Algebra:
    """Builds interned, simplified terms (see the module docstring for the rewrites)."""

    def __init__(self) -> None:
        self._table: dict[tuple, Term] = {}
        self._templates: dict[tuple[str, int | str], list[Expression]] = {}  # (op, n) or (op, "weight")
        self._nary: dict[int, tuple[Sequence[Term], list[Term], Term]] = {}  # by id(args), args kept
        self.zero = self.const(0.0)
        self.one = self.const(1.0)

    # --- leaves ---------------------------------------------------------------------------

    def const(self, value: float) -> Term:
        """The constant ``value``; named (``pi``, ``-e``) whenever it is one of the named constants
        or its negation, so that folding (``-pi*x`` -> ``-(pi*x)``) keeps the name."""
        value = float(value)
        name = _CONSTANT_NAMES.get(value)
        key = ("const", value, math.copysign(1.0, value), name)
        return self._intern(key, lambda: Term(None, (), value, name))

    def var(self, name: str) -> Term:
        return self._intern(("var", name), lambda: Term(None, (), None, name))

    def _intern(self, key: tuple, make: object) -> Term:
        term = self._table.get(key)
        if term is None:
            term = self._table[key] = make()  # type: ignore[operator]
        return term

    def _raw(self, op: Op, args: Sequence[Term]) -> Term:
        args = tuple(args)
        return self._intern((op.name, *map(id, args)), lambda: Term(op, args, None, None))

    # --- operations, simplifying ----------------------------------------------------------

    def call(self, op: Op, args: Sequence[Term]) -> Term:
        """``op`` applied to ``args``, simplified (``min(x, x, x)`` is ``x``)."""
        if op.idempotent and all(a is args[0] for a in args):
            return args[0]
        builder = getattr(self, f"_{op.name}", None) if op.name in FOLDED else None
        if builder is not None:
            return builder(op, *args)
        folded = self._fold(op, args) if args else None  # log(e) -> 1, exp(0) -> 1, sqrt(4) -> 2
        return folded if folded is not None else self._raw(op, args)

    def _fold(self, op: Op, args: Sequence[Term]) -> Term | None:
        """``op`` of constant ``args`` as one constant, where float64 gives it exactly and it
        prints short; else None. An inexact fold would change the expression: 1/2.5 is 0.4,
        which float64 rounds, and a re-evaluation in high precision of a derivative holding the
        rounded 0.4 is off by that rounding (1e-17 in gelu(silu(y)/2.5)'s second derivative)."""
        if not all(a.is_const for a in args):
            return None
        values = [float(a.value) for a in args]  # type: ignore[arg-type]
        with np.errstate(all="ignore"):
            out = float(op.forward(*[np.float64(v) for v in values]))
        names = [a.name for a in args]
        if math.isfinite(out) and len(_const_text(out)) <= FOLD_DIGITS and _exact(op, values, names, out):
            return self.const(out)
        return None

    def _is(self, term: Term, value: float) -> bool:
        return term.is_const and term.value == value

    def _neg(self, op: Op, a: Term) -> Term:
        if a.is_const:
            return self.const(-a.value)  # type: ignore[operator]
        if a.op is not None and a.op.name == "neg":
            return a.args[0]
        if a.op is not None and a.op.name == "sub":
            return self._raw(_op("sub"), (a.args[1], a.args[0]))  # -(b-c) == c-b exactly
        return self._raw(op, (a,))

    def _pos(self, op: Op, a: Term) -> Term:
        return a

    def _add(self, op: Op, a: Term, b: Term) -> Term:
        folded = self._fold(op, (a, b))
        if folded is not None:
            return folded
        if self._is(a, 0.0):
            return b
        if self._is(b, 0.0):
            return a
        if _is_neg(b):
            return self.call(_op("sub"), (a, b.args[0]))
        if _is_neg(a):
            return self.call(_op("sub"), (b, a.args[0]))
        if b.is_const and b.value < 0:  # type: ignore[operator]
            return self.call(_op("sub"), (a, self.const(-b.value)))  # type: ignore[operator]
        like = self._like_terms(op, a, b)
        if like is not None:
            return like
        return self._raw(op, (a, b))

    def _sub(self, op: Op, a: Term, b: Term) -> Term:
        folded = self._fold(op, (a, b))
        if folded is not None:
            return folded
        if self._is(b, 0.0):
            return a
        if self._is(a, 0.0):
            return self.call(_op("neg"), (b,))
        if a is b:
            return self.zero
        if _is_neg(b):
            return self.call(_op("add"), (a, b.args[0]))
        like = self._like_terms(op, a, b)
        if like is not None:
            return like
        if b.is_const and b.value < 0:  # type: ignore[operator]
            return self.call(_op("add"), (a, self.const(-b.value)))  # type: ignore[operator]
        return self._raw(op, (a, b))

    def _like_terms(self, op: Op, a: Term, b: Term) -> Term | None:
        """c1*t + c2*t -> (c1+c2)*t (and -), when the coefficient folds: x+x -> 2*x."""
        (ca, ta), (cb, tb) = _coefficient(self, a), _coefficient(self, b)
        if ta is not tb or ta.is_const:
            return None
        c = self._fold(op, (ca, cb))
        return None if c is None else self.call(_op("mul"), (c, ta))

    def _mul(self, op: Op, a: Term, b: Term) -> Term:
        folded = self._fold(op, (a, b))
        if folded is not None:
            return folded
        if self._is(a, 0.0) or self._is(b, 0.0):
            return self.zero
        if self._is(a, 1.0):
            return b
        if self._is(b, 1.0):
            return a
        neg = _op("neg")
        if self._is(a, -1.0):
            return self.call(neg, (b,))
        if self._is(b, -1.0):
            return self.call(neg, (a,))
        if _is_neg(a):
            return self.call(neg, (self.call(op, (a.args[0], b)),))
        if _is_neg(b):
            return self.call(neg, (self.call(op, (a, b.args[0])),))
        if b.is_const and not a.is_const:
            return self.call(op, (b, a))  # the constant first: 3*x, not x*3
        div = _op("div")
        if a.op is div and self._is(a.args[0], 1.0):  # (1/u)*v -> v/u
            return self.call(div, (b, a.args[1]))
        if b.op is div and self._is(b.args[0], 1.0):
            return self.call(div, (a, b.args[1]))
        if a.is_const and a.value < 0:  # type: ignore[operator]
            return self.call(neg, (self.call(op, (self.const(-a.value), b)),))  # type: ignore[operator]
        if not a.is_const and b.op is op and b.args[0].is_const and not (a.op is op and a.args[0].is_const):
            return self.call(op, (b, a))  # sin(y)*(2*x) -> 2*x*sin(y), exactly equal
        if a.is_const and b.op is op and b.args[0].is_const:  # 2*(3*x) -> 6*x
            inner = self._fold(op, (a, b.args[0]))
            if inner is not None:
                return self.call(op, (inner, b.args[1]))
        return self._raw(op, (a, b))

    def _div(self, op: Op, a: Term, b: Term) -> Term:
        folded = self._fold(op, (a, b))
        if folded is not None:
            return folded
        if self._is(b, 1.0):
            return a
        if self._is(a, 0.0):
            return self.zero
        neg = _op("neg")
        if self._is(b, -1.0):
            return self.call(neg, (a,))
        if _is_neg(a):
            return self.call(neg, (self.call(op, (a.args[0], b)),))
        if _is_neg(b):
            return self.call(neg, (self.call(op, (a, b.args[0])),))
        if a.is_const and a.value < 0:  # type: ignore[operator]
            return self.call(neg, (self.call(op, (self.const(-a.value), b)),))  # type: ignore[operator]
        root = _sqrt_of(b)
        if root is not None and root[1] is a:  # u/(c*sqrt(u)) -> sqrt(u)/c: finite (0) at u = 0
            return self.call(op, (b if root[0] is None else b.args[1], root[0] or self.one))
        return self._raw(op, (a, b))

    def _pow(self, op: Op, a: Term, b: Term) -> Term:
        if self._is(b, 0.0):
            return self.one
        if self._is(b, 1.0):
            return a
        if self._is(a, 1.0):
            return self.one
        folded = self._fold(op, (a, b))
        if folded is not None:
            return folded
        return self._raw(op, (a, b))

    def add(self, a: Term, b: Term) -> Term:
        return self.call(_op("add"), (a, b))

    def mul(self, a: Term, b: Term) -> Term:
        return self.call(_op("mul"), (a, b))

    # --- from expressions and rules -------------------------------------------------------

    def from_expression(self, expr: Expression) -> list[Term]:
        """A term for each node of ``expr`` (the last is f)."""
        terms: list[Term] = []
        for node in expr.nodes:
            terms.append(self._node_term(node, terms))
        return terms

    def _node_term(self, node: Node, terms: list[Term], bind: dict[str, Term] | None = None) -> Term:
        if type(node) is Const:
            return self.const(node.value)
        if type(node) is Var:
            return bind[node.name] if bind is not None else self.var(node.name)
        return self.call(node.op, [terms[j] for j in node.args])  # type: ignore[union-attr]

    def partial(self, op: Op, args: Sequence[Term], i: int) -> Term:
        """d op(args) / d args[i], from the registry's symbolic rule.

        An n-ary rule (:class:`~gradcli.registry.NaryRule`) costs O(n) terms for all n partials
        together when the same ``args`` object is passed for each ``i`` in turn (as
        :func:`derivatives` does): the weights and their sum are built once and shared.
        """
        n = len(args)
        if isinstance(op.symbolic, NaryRule) and n != 2:
            return self._nary_partial(op, args, i)
        key = (op.name, n)
        rules = self._templates.get(key)
        if rules is None:
            rules = self._templates[key] = [_parse_rule(op, text) for text in rule_texts(op, n)]
        bind = dict(zip(op.params(n), args))
        return self._instantiate(rules[i], bind)

    def _instantiate(self, rule: Expression, bind: dict[str, Term]) -> Term:
        terms: list[Term] = []
        for node in rule.nodes:
            terms.append(self._node_term(node, terms, bind))
        return terms[-1]

    def _nary_partial(self, op: Op, args: Sequence[Term], i: int) -> Term:
        cached = self._nary.get(id(args))
        if cached is None or cached[0] is not args:
            key = (op.name, "weight")
            template = self._templates.get(key)
            if template is None:
                template = self._templates[key] = [_parse_rule(op, op.symbolic.weight)]  # type: ignore[union-attr]
            out = self.call(op, args)
            weights = [self._instantiate(template[0], {"out": out, "x": a}) for a in args]
            counts: dict[int, tuple[Term, int]] = {}  # repeated arguments: one c*w term each
            for w in weights:
                counts[id(w)] = (w, counts[id(w)][1] + 1 if id(w) in counts else 1)
            total: Term | None = None
            for w, c in counts.values():
                term = w if c == 1 else self.mul(self.const(float(c)), w)
                total = term if total is None else self.add(total, term)
            cached = self._nary[id(args)] = (args, weights, total)  # type: ignore[assignment]
        _, weights, total = cached  # type: ignore[misc]
        return self.call(_op("div"), (weights[i], total))


def _exact(op: Op, args: list[float], names: list[str | None], out: float) -> bool:
    """Whether ``out``, float64's ``op(*args)``, is the exact result, as high precision reads
    the expression: each constant the float64 number it is, but ``pi`` and ``e`` the true
    constants (so log(e) is 1 and cos(pi) is -1, while 2*pi is not 6.283185307179586).
    Arithmetic on plain numbers is checked in rationals, the rest against mpmath at 60 digits."""
    from fractions import Fraction

    name = op.name
    if name in ("neg", "pos"):
        return True
    if not any(names) and name in ("add", "sub", "mul", "div") and len(args) == 2:
        a, b = Fraction(args[0]), Fraction(args[1])
        if name == "div" and b == 0:
            return False
        exact = {"add": a + b, "sub": a - b, "mul": a * b}.get(name)
        return (exact if exact is not None else a / b) == Fraction(out)
    if op.mp is None:
        return False
    import mpmath as mp

    with mp.workdps(60):
        true = [_true_constant(v, n) for v, n in zip(args, names)]
        try:
            value = op.mp(*true)
        except Exception:  # (BeyondRange for erfc(1e16), a domain error: not folded, never a crash)
            return False
        result = _true_constant(out, _CONSTANT_NAMES.get(out))
        return isinstance(value, mp.mpf) and value == result


def _true_constant(value: float, name: str | None) -> object:
    """``value`` in mpmath at the working precision: the true pi or e where it is named so."""
    import mpmath as mp

    bare = name.lstrip("-") if name else None
    if bare in CONSTANTS:
        return (-1 if name.startswith("-") else 1) * +getattr(mp, bare)  # type: ignore[union-attr]
    return mp.mpf(value)


def rule_texts(op: Op, n: int) -> list[str]:
    """The registry's symbolic rule for ``op`` with ``n`` arguments: one text per argument."""
    rule = op.symbolic
    if rule is None:
        raise SymbolicError(f"'{op.name}' has no symbolic derivative rule yet")
    if isinstance(rule, NaryRule):
        if n == 2:
            rule = rule.pair
        else:
            algebra = Algebra()
            args = [algebra.var(name) for name in op.params(n)]
            return [to_text(algebra.partial(op, args, i)) for i in range(n)]
    text = rule(n) if callable(rule) else rule
    parts = [part.strip() for part in text.split(" and ")]
    if len(parts) != n:
        raise SymbolicError(f"the symbolic rule of '{op.name}' gives {len(parts)} partials for {n} arguments")
    return parts


def _parse_rule(op: Op, text: str) -> Expression:
    # the rule's own text is internal: a message names the op, never echoes the rule
    try:
        return parse(text)
    except GradcliError:
        raise SymbolicError(f"the symbolic rule of '{op.name}' is not valid gradcli input") from None


def _op(name: str) -> Op:
    return _OPS_BY_NAME[name]


_OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPERATORS.values()}
_CONSTANT_NAMES: dict[float, str] = {
    **{-v: f"-{k}" for k, v in CONSTANTS.items()},
    **{v: k for k, v in CONSTANTS.items()},
}


def _coefficient(algebra: Algebra, term: Term) -> tuple[Term, Term]:
    """``c*t`` -> (c, t); ``-t`` -> (-1, t); anything else (1, term)."""
    if term.op is not None and term.op.name == "mul" and term.args[0].is_const:
        return term.args[0], term.args[1]
    if _is_neg(term):
        inner_c, inner_t = _coefficient(algebra, term.args[0])
        return algebra.const(-inner_c.value), inner_t  # type: ignore[operator]
    return algebra.one, term


def _sqrt_of(term: Term) -> tuple[Term | None, Term] | None:
    """(c, u) when ``term`` is c*sqrt(u) with c a constant, (None, u) when it is sqrt(u), else None."""
    if term.op is not None and term.op.name == "sqrt":
        return None, term.args[0]
    if term.op is _op("mul") and term.args[0].is_const and term.args[1].op is not None:
        inner = term.args[1]
        if inner.op.name == "sqrt":  # type: ignore[union-attr]
            return term.args[0], inner.args[0]
    return None


def _is_neg(term: Term) -> bool:
    return term.op is not None and term.op.name == "neg"


# --- differentiation ----------------------------------------------------------------------------


# --- back to an Expression ---------------------------------------------------------------------
