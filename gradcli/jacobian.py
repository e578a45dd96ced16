"""Several expressions at once (the Jacobian), and the directional derivative along a vector.

Jacobian: each expression is computed on its own by :func:`gradcli.gradient.compute` (the same
finite differences, exact backprop reference, errors and warnings as ``gradcli grad``), at the
same points, bound to the union of the expressions' variables (alphabetical). Row i, column j
is d f_i / d x_j; where f_i does not use x_j the entry is exactly 0 (by every method).

Directional derivative along a vector d: the unit vector u = d/|d| (Euclidean norm), the exact
value ``grad f . u`` from backprop, and a finite difference along u with the chosen method:
forward (f(x+hu) - f(x))/h, backward (f(x) - f(x-hu))/h, central (f(x+hu) - f(x-hu))/(2h),
with h = the method's auto scale times max(1, |x|_inf) unless ``eps`` is given (error order h
or h**2, as for the gradient).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .errors import OptionError, PointsError
from .evaluate import columns, value
from .expression import Expression
from .finite_diff import AUTO_SCALE
from .gradient import BACKPROP, GradResult, compute
from .points import POINT_LABEL, bind, parse_spec


class JacobianResult(NamedTuple):
    """One GradResult per expression, and the union of their variables (the columns)."""

    variables: tuple[str, ...]
    points: np.ndarray  # (n, k) over ``variables``
    results: tuple[GradResult, ...]

    @property
    def method(self) -> str:
        return self.results[0].method

    def _matrix(self, pick: str) -> np.ndarray | None:
        n, k = self.points.shape
        out = np.zeros((n, len(self.results), k))
        for i, r in enumerate(self.results):
            table = getattr(r, pick)
            if table is None:
                return None
            for v, name in enumerate(r.variables):
                out[:, i, self.variables.index(name)] = table[v]
        return out

    @property
    def jacobian(self) -> np.ndarray:
        """(n, m, k): d f_i / d x_j by the chosen method."""
        return self._matrix("gradient")  # type: ignore[return-value]

    @property
    def exact(self) -> np.ndarray:
        """(n, m, k): by backprop."""
        return self._matrix("exact")  # type: ignore[return-value]

    @property
    def error(self) -> np.ndarray | None:
        return self._matrix("error")

    @property
    def value(self) -> np.ndarray:
        """(n, m): each f_i at each point."""
        return np.stack([r.value for r in self.results], axis=1)

    @property
    def finite(self) -> np.ndarray:
        return np.all(np.isfinite(self.value), axis=1)


def union_variables(exprs: Sequence[Expression]) -> tuple[str, ...]:
    return tuple(sorted({name for e in exprs for name in e.variables}))


def jacobian(
    exprs: Sequence[Expression],
    points: np.ndarray,
    method: str,
    eps: float | None,
    vanish: float,
    explode: float,
) -> JacobianResult:
    """Each expression's gradient at ``points`` (n, k over :func:`union_variables`)."""
    names = union_variables(exprs)
    points = np.asarray(points, dtype=np.float64).reshape(-1, len(names)) if names else np.zeros((1, 0))
    results = []
    for e in exprs:
        own = points[:, [names.index(v) for v in e.variables]]
        results.append(compute(e, own, method, eps, vanish, explode))
    return JacobianResult(names, points, tuple(results))


class Directional(NamedTuple):
    """The derivative of one expression along ``unit`` at n points."""

    unit: tuple[float, ...]  # the unit vector, in the expression's variable order
    exact: np.ndarray  # (n,): grad f . unit, by backprop
    diff: np.ndarray | None  # (n,): finite difference along unit (None for backprop)
    step: np.ndarray | None  # (n,)
    error: np.ndarray | None  # |diff - exact|


def unit_vector(direction: Sequence[float]) -> tuple[float, ...]:
    d = np.asarray(direction, dtype=np.float64)
    norm = float(np.linalg.norm(d))
    if not np.isfinite(norm) or norm == 0.0:
        raise OptionError(
            "--direction must be a nonzero finite vector", hint="e.g. --direction 1,0,-1 (it is normalised)"
        )
    return tuple(float(v) for v in d / norm)


def parse_direction(text: str, names: Sequence[str], order: Sequence[str] | None = None) -> tuple[float, ...]:
    """``--direction`` text as a unit vector over ``names``.

    Positional (``1,0,-1``, bound like a point: in ``order`` or alphabetically) or named
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
        exact = u @ result.exact if len(u) else np.zeros(len(result.value))
        exact = np.where(np.isfinite(result.value), exact, np.nan)
        if result.method == BACKPROP or not len(u):
            return Directional(unit, exact, None, None, None)
        x = result.points
        n = len(result.value)
        if result.eps is not None:
            h = np.full(n, result.eps)
        else:
            h = AUTO_SCALE[result.method] * np.maximum(1.0, np.max(np.abs(x), axis=1))
        f0 = result.value

        def f_at(m: float) -> np.ndarray:
            return value(result.expr, columns(x + (m * h)[:, None] * u[None, :]), n)

        if result.method == "forward":
            diff = (f_at(1.0) - f0) / h
        elif result.method == "backward":
            diff = (f0 - f_at(-1.0)) / h
        else:
            diff = (f_at(1.0) - f_at(-1.0)) / (2.0 * h)
        diff = np.where(np.isfinite(f0), diff, np.nan)
        return Directional(unit, exact, diff, h, np.abs(diff - exact))


__all__ = [
    "Directional",
    "JacobianResult",
    "directional",
    "jacobian",
    "parse_direction",
    "union_variables",
    "unit_vector",
]
