"""The Python API: each command as one function, with the command's option names as keywords.

Every function takes the expression as text (or a parsed :class:`~gradcli.language.nodes.Expression`)
and ``at`` in any form :func:`gradcli.points.spec.points_from` reads: a ``--at`` string
(``"a=5,b=3,c=2"``, a grid ``"x=0:1:5"``), a list of them, a mapping name -> number or array,
or an (n, k) array. Results are the library's own records; every per-point array is
point-first, (n, ...). Errors are the command line's: :class:`~gradcli.errors.ExpressionError`,
:class:`~gradcli.errors.PointsError` and :class:`~gradcli.errors.OptionError`, each with a hint.

>>> import gradcli
>>> gradcli.hessian("x**2 - y**2", "x=0,y=0").kinds
('saddle',)
>>> gradcli.jacobian(["x*y", "x+z"], "x=2,y=3,z=1", method="backprop").exact[0].tolist()
[[3.0, 2.0, 0.0], [1.0, 0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .analysis.hessian import HessianResult
from .analysis.hessian import hessian as _hessian
from .analysis.jacobian import JacobianResult, union_variables
from .analysis.jacobian import jacobian as _jacobian
from .analysis.sweep import DEFAULT_RANGE, Sweep, check_sweep
from .analysis.sweep import steps as _steps
from .analysis.sweep import sweep as _sweep
from .analysis.trace import Trace
from .analysis.trace import trace as _trace
from .derive.gradient import DEFAULT_METHOD, GradResult, grad
from .derive.precise import DEFAULT_PRECISION, Precision
from .derive.warning import DEFAULT_EXPLODE, DEFAULT_VANISH
from .errors import OptionError
from .language.nodes import Expression
from .language.parse import parse
from .points.spec import At, points_from
from .points.values import read_value

__all__ = ["GradResult", "grad", "hessian", "jacobian", "sweep", "trace"]


def _expression(expression: str | Expression) -> Expression:
    return parse(expression) if isinstance(expression, str) else expression


def jacobian(
    expressions: Sequence[str | Expression],
    at: At,
    *,
    method: str = DEFAULT_METHOD,
    eps: float | Mapping[str, float] | None = None,
    vars: Sequence[str] | None = None,
    vanish: float = DEFAULT_VANISH,
    explode: float = DEFAULT_EXPLODE,
    precision: Precision = DEFAULT_PRECISION,
) -> JacobianResult:
    """Each expression's gradient at ``at`` over the union of their variables (in natural
    order): ``gradcli grad F G ...``. ``jacobian``, ``exact`` and ``error`` are (n, m, k)."""
    if isinstance(expressions, (str, Expression)):
        expressions = [expressions]
    exprs = [_expression(e) for e in expressions]
    points = points_from(at, union_variables(exprs), vars)
    return _jacobian(exprs, points, method, eps, vanish, explode, precision=precision)


def hessian(
    expression: str | Expression,
    at: At,
    *,
    method: str = "central",
    eps: float | None = None,
    vars: Sequence[str] | None = None,
    precision: Precision = DEFAULT_PRECISION,
) -> HessianResult:
    """Exact and finite-difference Hessians at ``at``, each point classified: ``gradcli hessian``.
    ``exact``, ``fd``, ``error`` and ``bound`` are (n, k, k)."""
    expr = _expression(expression)
    return _hessian(expr, points_from(at, expr.variables, vars), method, eps, precision)


def trace(
    expression: str | Expression,
    at: At,
    *,
    vars: Sequence[str] | None = None,
    vanish: float = DEFAULT_VANISH,
) -> list[Trace]:
    """The forward values and backward adjoints of every node, one :class:`Trace` per point:
    ``gradcli trace``."""
    expr = _expression(expression)
    return _trace(expr, points_from(at, expr.variables, vars), vanish)


def sweep(
    expression: str | Expression,
    at: At,
    *,
    wrt: str | None = None,
    method: str | Sequence[str] = DEFAULT_METHOD,
    eps: float | None = None,
    steps: tuple[float, float] | str = DEFAULT_RANGE,
    per_decade: int = 1,
    vars: Sequence[str] | None = None,
    precision: Precision = DEFAULT_PRECISION,
) -> Sweep:
    """One partial derivative (``wrt``; None: the first variable) by each method over the steps
    from ``steps[0]`` down to ``steps[1]`` (or ``"FROM:TO"``), against backprop (in high
    precision where float64 lost digits): ``gradcli sweep``. ``at`` is one point."""
    expr = _expression(expression)
    block = points_from(at, expr.variables, vars)
    index = check_sweep(expr, block, wrt)
    if isinstance(steps, str):
        ends = steps.split(":")
        if len(ends) != 2:
            raise OptionError(f"steps {steps!r} is not FROM:TO", hint="e.g. steps='1e-1:1e-15'")
        steps = (read_value(ends[0].strip()), read_value(ends[1].strip()))
    methods = [method] if isinstance(method, str) else list(method)
    return _sweep(expr, block[0], index, methods, _steps(steps[0], steps[1], per_decade), eps, precision)
