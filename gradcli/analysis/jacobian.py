"""Several expressions at once (the Jacobian), and the directional derivative along a vector.

Jacobian: each expression is computed on its own by :func:`gradcli.gradient.compute` (the same
finite differences, exact backprop reference, errors and warnings as ``gradcli grad``), at the
same points, bound to the union of the expressions' variables (natural order: x1, x2, x10). Row i, column j
is d f_i / d x_j; where f_i does not use x_j the entry is exactly 0 (by every method).

Directional derivative along a vector d: the unit vector u = d/|d| (Euclidean norm), the exact
value ``grad f . u`` from backprop, and a finite difference along u with the chosen method (any
of them: forward, backward, central, five-point, richardson, complex). It is the derivative
of g(t) = f(x + (t - c) u) at t = c, taken by :func:`gradcli.methods.finite_difference` on
the line itself, so every method has the same formula, step rule and error order as for the
gradient: c = max(1, |x|_inf), so the auto step is the method's own at that scale (and follows
f's length scale near a pole), or c = 0 when ``eps`` is given, so the step along u is ``eps``
exactly. Since t - c is exact, g(c) is f(x) bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ..derive.gradient import BACKPROP, GradResult, compute
from ..derive.methods import finite_difference
from ..derive.precise import DEFAULT_PRECISION, Precision
from ..derive.rounding import EPS_MACHINE
from ..derive.steps import per_variable
from ..errors import OptionError, PointsError
from ..language.evaluate import columns
from ..language.nodes import Call, Const, Expression, Node, Var, natural_order
from ..points.spec import POINT_LABEL, bind, parse_spec
from ..registry import OPERATORS


class JacobianResult(NamedTuple):
    """One GradResult per expression, and the union of their variables (the columns)."""

    variables: tuple[str, ...]
    points: np.ndarray  # (n, k) over ``variables``
    results: tuple[GradResult, ...]

    @property
    def method(self) -> str:
        return self.results[0].method

    def _matrix(self, tables: Sequence[np.ndarray]) -> np.ndarray:
        """(n, m, k): each result's (n, k) table, its columns moved to its variables' places."""
        n, k = self.points.shape
        out = np.zeros((n, len(self.results), k))
        for i, (r, table) in enumerate(zip(self.results, tables)):
            for v, name in enumerate(r.variables):
                out[:, i, self.variables.index(name)] = table[:, v]
        return out

    @property
    def jacobian(self) -> np.ndarray:
        """(n, m, k): d f_i / d x_j by the chosen method."""
        return self._matrix([r.gradient for r in self.results])

    @property
    def exact(self) -> np.ndarray:
        """(n, m, k): by backprop."""
        return self._matrix([r.exact for r in self.results])

    @property
    def error(self) -> np.ndarray | None:
        errors = [r.error for r in self.results if r.error is not None]
        return self._matrix(errors) if len(errors) == len(self.results) else None

    @property
    def value(self) -> np.ndarray:
        """(n, m): each f_i at each point."""
        return np.stack([r.value for r in self.results], axis=1)

    @property
    def finite(self) -> np.ndarray:
        return np.asarray(np.all(np.isfinite(self.value), axis=1))


def union_variables(exprs: Sequence[Expression]) -> tuple[str, ...]:
    return natural_order(name for e in exprs for name in e.variables)


def jacobian(
    exprs: Sequence[Expression],
    points: np.ndarray,
    method: str,
    eps: float | Mapping[str, float] | None,
    vanish: float,
    explode: float,
    *,
    precision: Precision = DEFAULT_PRECISION,
) -> JacobianResult:
    """Each expression's gradient at ``points`` (n, k over :func:`union_variables`); ``precision``
    as for :func:`~gradcli.derive.gradient.compute`. A per-variable ``eps`` (name -> step) names
    variables of the union; each expression takes the steps of its own."""
    names = union_variables(exprs)
    if isinstance(eps, Mapping):
        per_variable(eps, names)  # a name in no expression is refused, listing the union
    points = np.asarray(points, dtype=np.float64).reshape(-1, len(names)) if names else np.zeros((1, 0))
    results = []
    for e in exprs:
        own = points[:, [names.index(v) for v in e.variables]]
        steps = {v: h for v, h in eps.items() if v in e.variables} if isinstance(eps, Mapping) else eps
        results.append(compute(e, own, method, steps, vanish, explode, precision=precision))
    return JacobianResult(names, points, tuple(results))


class Directional(NamedTuple):
    """The derivative of one expression along ``unit`` at n points."""

    unit: tuple[float, ...]  # the unit vector, in the expression's variable order
    exact: np.ndarray  # (n,): grad f . unit, by backprop
    diff: np.ndarray | None  # (n,): finite difference along unit (None for backprop)
    step: np.ndarray | None  # (n,)
    error: np.ndarray | None  # |diff - exact|
    estimate: np.ndarray | None = None  # (n,): the method's own error estimate for diff
    # (n,): bounds |exact - the true derivative|: the gradient's bounds along |unit|, plus the
    # rounding of the dot product (NaN: not computed)
    exact_bound: np.ndarray | None = None


def unit_vector(direction: Sequence[float]) -> tuple[float, ...]:
    d = np.asarray(direction, dtype=np.float64)
    big = float(np.max(np.abs(d))) if d.size else 0.0
    if not np.isfinite(big) or big == 0.0:
        raise OptionError(
            "--direction must be a nonzero finite vector", hint="e.g. --direction 1,0,-1 (it is normalised)"
        )
    d = d / big  # scaled first, so the norm neither overflows (1e308,1e308) nor underflows (1e-320)
    return tuple(float(v) for v in d / float(np.linalg.norm(d)))


def parse_direction(text: str, names: Sequence[str], order: Sequence[str] | None = None) -> tuple[float, ...]:
    """``--direction`` text as a unit vector over ``names``.

    Positional (``1,0,-1``, bound like a point: in ``order`` or in natural order) or named
    (``x=1,z=-1``; the variables not named are 0). Raises :class:`OptionError` naming the option.
    """
    names = tuple(names)
    try:
        spec = parse_spec(text)
        if spec.names is not None and spec.names != (POINT_LABEL,):  # named: the others are 0
            twice = [v for i, v in enumerate(spec.names) if v in spec.names[:i]]
            if twice:
                raise PointsError(f"it gives '{twice[0]}' twice")
            given = dict(zip(spec.names, spec.values))
            spec = spec._replace(names=names, values=tuple(given.pop(v, 0.0) for v in names))
            if given:
                raise PointsError(f"'{next(iter(given))}' is not a variable of the expression")
        row = bind([spec], names, order)[0]
    except PointsError as exc:
        raise OptionError(f"--direction {text!r}: {exc.message}", hint=exc.hint) from None
    return unit_vector(row)


def directional(result: GradResult, unit: Sequence[float]) -> Directional:
    """The derivative of ``result``'s expression along ``unit`` (from :func:`unit_vector`).

    ``unit`` has one entry per variable of the expression; for one row of a Jacobian it is the
    union's unit vector restricted to the row's variables (not normalised again: f does not
    move along the others).
    """
    unit = tuple(float(v) for v in unit)
    u = np.asarray(unit, dtype=np.float64)
    with np.errstate(all="ignore"):
        exact = result.exact @ u if len(u) else np.zeros(len(result.value))
        exact = np.where(np.isfinite(result.value), exact, np.nan)
        # |sum g_i u_i - sum t_i u_i| <= sum |u_i| b_i, plus the sum's own rounding (k terms)
        if result.exact_bound is None:
            bound = np.full(len(result.value), np.nan)
        elif len(u):
            terms = np.abs(result.exact) @ np.abs(u)
            bound = result.exact_bound @ np.abs(u) + len(u) * EPS_MACHINE * terms
        else:
            bound = np.zeros(len(result.value))
        bound = np.where(np.isfinite(result.value), bound, np.nan)
        if result.method == BACKPROP:
            return Directional(unit, exact, None, None, None, exact_bound=bound)
        if not len(u):  # a constant row of a Jacobian: 0 along u by every method, no step taken
            n = len(exact)
            return Directional(
                unit, exact, exact.copy(), np.full(n, np.nan), np.zeros(n), np.zeros(n), exact_bound=bound
            )
        x = result.points
        n = len(result.value)
        c = np.maximum(1.0, np.max(np.abs(x), axis=1)) if result.eps is None else np.zeros(n)
        line = _line(result.expr, unit)
        cols = [c, c, *columns(x)]
        f0 = result.value
        d = finite_difference(line, cols, f0, result.method, result.eps)
        diff = np.where(np.isfinite(f0), d.gradient[0], np.nan)
        return Directional(
            unit, exact, diff, d.step[0].copy(), np.abs(diff - exact), d.error_estimate[0].copy(), bound
        )


def _line(expr: Expression, unit: Sequence[float]) -> Expression:
    """g(t, c, x) = f(x + (t - c) u): ``expr`` with each variable x_j replaced by x_j + (t - c) u_j.

    Its variables are t, c and then ``expr``'s, so the columns are (t, c, x_1, ..., x_k); only
    the derivative in t (the first) is wanted.
    """
    ops = {op.name: op for op in OPERATORS.values()}
    t, c = "(t)", "(c)"  # not valid variable names, so they cannot clash with f's
    nodes: list[Node] = [Var(t, 0, 0), Var(c, 1, 0), Call(ops["sub"], (0, 1), "-", 0)]
    moved: dict[int, int] = {}
    for j, name in enumerate(expr.variables):
        nodes.append(Var(name, j + 2, 0))
        nodes.append(Const(float(unit[j]), repr(float(unit[j])), 0))
        nodes.append(Call(ops["mul"], (2, len(nodes) - 1), "*", 0))
        nodes.append(Call(ops["add"], (len(nodes) - 3, len(nodes) - 1), "+", 0))
        moved[j] = len(nodes) - 1
    index: list[int] = []
    for node in expr.nodes:
        if type(node) is Var:
            index.append(moved[node.index])
            continue
        if type(node) is Call:
            node = node._replace(args=tuple(index[a] for a in node.args))
        nodes.append(node)
        index.append(len(nodes) - 1)
    if index[-1] != len(nodes) - 1:  # f is a bare variable
        nodes.append(Call(ops["pos"], (index[-1],), "+", 0))
    return Expression(expr.text, tuple(nodes), (t, c, *expr.variables))


__all__ = [
    "Directional",
    "JacobianResult",
    "directional",
    "jacobian",
    "parse_direction",
    "union_variables",
    "unit_vector",
]


def direction_unit(text: str, names: Sequence[str], order: Sequence[str] | None = None) -> tuple[float, ...]:
    """``--direction`` text as a unit vector over ``names`` (the union of the expressions'
    variables), positional values bound in ``order`` (checked against ``names``) or alphabetically.

    Raises :class:`OptionError` when there are no variables to point along, or the text is bad.
    """
    from ..points.spec import check_order

    names = tuple(names)
    if not names:
        raise OptionError(
            "--direction: the expression has no variables, so there is no direction to differentiate along"
        )
    return parse_direction(text, names, check_order(order, names) if order is not None else None)


def directionals(jr: JacobianResult, unit: Sequence[float], names: Sequence[str]) -> list[Directional]:
    """Each expression's derivative along ``unit`` (a unit vector over ``names``, the union of the
    expressions' variables): :func:`directional` with the components of the variables it uses."""
    names = list(names)
    return [directional(r, [unit[names.index(v)] for v in r.variables]) for r in jr.results]
