"""The gradient pipeline: expression and points in, values, derivatives and warnings out.

:func:`compute` runs one block of points through the forward pass, backprop (always, as the
exact reference), the chosen finite-difference method, and diagnostics. It never prints.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..errors import OptionError
from ..language.evaluate import columns, forward
from ..language.nodes import Expression
from ..language.parse import parse
from ..points.spec import bind, check_order, parse_spec
from .bound import bounded_backprop
from .diagnostics import DEFAULT_EXPLODE, DEFAULT_VANISH, GradWarning, diagnose
from .finite_diff import Differences
from .methods import METHODS, finite_difference
from .precise import DEFAULT_PRECISION, Precise, Precision, check_precision, refine
from .steps import per_variable

BACKPROP = "backprop"
ALL_METHODS = (*METHODS, BACKPROP)
DEFAULT_METHOD = "central"


class GradResult(NamedTuple):
    """Values and gradients of one expression at n points, for k variables.

    ``exact`` is backprop's gradient, shape (k, n), and ``exact_bound`` a bound on its
    rounding error, same shape (:mod:`gradcli.derive.bound`; inf or NaN: unknown). Where that
    bound shows lost digits (``precision="auto"``), or everywhere (``precision=N``), value and
    gradient come from high precision (:mod:`gradcli.derive.precise`), rounded to float64,
    and ``precise[p]`` says how (digits, a note); elsewhere ``precise[p]`` is None. ``diff`` the finite differences (None for
    ``method="backprop"``); ``error`` is |finite difference - backprop| and ``rel_error`` that
    over |backprop| (0 where both are 0; both None for backprop); ``warnings[p]`` the warnings
    at point p. Where f is not finite, every derivative is NaN.
    """

    expr: Expression
    method: str
    eps: float | None  # the fixed step asked for; None: auto (see diff.step) or backprop
    points: np.ndarray  # (n, k)
    value: np.ndarray  # (n,)
    exact: np.ndarray  # (k, n)
    diff: Differences | None
    error: np.ndarray | None
    rel_error: np.ndarray | None
    warnings: list[list[GradWarning]]
    exact_bound: np.ndarray | None = None  # (k, n): |exact - true gradient| is at most this; inf/NaN: unknown
    precise: list[Precise | None] | None = None  # per point: how it was re-evaluated (None: float64)

    @property
    def variables(self) -> tuple[str, ...]:
        return self.expr.variables

    @property
    def gradient(self) -> np.ndarray:
        """The gradient by the chosen method, shape (k, n)."""
        return self.exact if self.diff is None else self.diff.gradient

    @property
    def finite(self) -> np.ndarray:
        """Whether f is finite at each point (where it is not, the point could not be evaluated)."""
        return np.isfinite(self.value)


def compute(
    expr: Expression,
    points: np.ndarray,
    method: str = DEFAULT_METHOD,
    eps: float | None = None,
    vanish: float = DEFAULT_VANISH,
    explode: float = DEFAULT_EXPLODE,
    *,
    whole: bool = True,
    precision: Precision = DEFAULT_PRECISION,
) -> GradResult:
    """Values, exact gradients, finite differences and warnings at ``points`` (n, k).

    ``eps`` None chooses a step per variable and point (see :mod:`gradcli.finite_diff`).
    ``whole``: these points are the whole run, so ``method="complex"`` with every point on a
    kink is refused (OptionError); a stream passes False for each chunk, which then gets no
    complex-step value at those points, with a warning, as any run does at some of its points.
    ``precision``: "auto" (default), "off" or a number of digits; see :mod:`gradcli.derive.precise`.
    """
    if method not in ALL_METHODS:
        raise OptionError(f"unknown method '{method}'", hint=f"choose one of {', '.join(ALL_METHODS)}")
    eps = per_variable(eps, expr.variables)
    if isinstance(eps, tuple):
        if any(h is not None and not (np.isfinite(h) and h > 0) for h in eps):
            raise OptionError(f"eps must be positive finite numbers, not {eps!r}")
    elif eps is not None and not (np.isfinite(eps) and eps > 0):
        raise OptionError(f"eps must be a positive finite number, not {eps!r}")
    precision = check_precision(precision)
    points = np.asarray(points, dtype=np.float64)
    n = points.shape[0] if points.ndim else 1
    points = points.reshape(n, len(expr.variables))
    cols = columns(points)
    values = forward(expr, cols)
    f = np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (n,))
    bounded = bounded_backprop(expr, values, n)
    adjoints = bounded.adjoints
    value, exact, bound, precise = refine(expr, points, f, bounded.grad, bounded.bound, precision)
    diff = None if method == BACKPROP else finite_difference(expr, cols, f, method, eps, whole=whole)
    warnings = diagnose(expr, values, f, exact, adjoints, diff, vanish, explode, bound=bound, precise=precise)
    f = value
    undefined = ~np.isfinite(f)
    if undefined.any():  # no derivative where f itself is not defined
        exact[:, undefined] = np.nan
        bound[:, undefined] = np.nan
        if diff is not None:
            diff.gradient[:, undefined] = np.nan
    error = rel = None
    if diff is not None:
        with np.errstate(all="ignore"):
            error = np.abs(diff.gradient - exact)
            rel = np.where((exact == 0) & (error == 0), 0.0, error / np.abs(exact))
    fixed = eps if diff is not None and not isinstance(eps, tuple) else None  # per variable: see the steps
    return GradResult(expr, method, fixed, points, f, exact, diff, error, rel, warnings, bound, precise)


def grad(
    text: str,
    at: str | list[str] | dict[str, float],
    method: str = DEFAULT_METHOD,
    eps: float | None = None,
    variables: list[str] | None = None,
    vanish: float = DEFAULT_VANISH,
    explode: float = DEFAULT_EXPLODE,
    precision: Precision = DEFAULT_PRECISION,
) -> GradResult:
    """Parse ``text`` and compute its gradient at ``at``, the Python face of ``gradcli grad``.

    ``at`` is a ``--at`` string (``"a=5,b=3,c=2"``), a list of them, or a dict of values.
    >>> grad("3*(a+b*c)", "a=5,b=3,c=2", method="forward", eps=0.01).gradient[:, 0].tolist()
    [3.0000000000001137, 6.000000000000227, 8.99999999999963]
    """
    expr = parse(text)
    if isinstance(at, dict):
        at = [",".join(f"{k}={float(v)!r}" for k, v in at.items())]
    elif isinstance(at, str):
        at = [at]
    order = check_order(variables, expr.variables) if variables is not None else None
    points = bind([parse_spec(spec) for spec in at], expr.variables, order)
    return compute(expr, points, method, eps, vanish, explode, precision=precision)


__all__ = ["ALL_METHODS", "BACKPROP", "GradResult", "compute", "grad"]
