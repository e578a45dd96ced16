"""The gradient pipeline: expression and points in, values, derivatives and warnings out.

:func:`compute` runs points through the forward pass, backprop (always, as the exact
reference), the chosen finite-difference method, and diagnostics, in blocks of points where an
expression is large enough for its node values to crowd memory. It never prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import OptionError
from ..language.evaluate import columns, forward
from ..language.nodes import Expression
from ..language.parse import parse
from ..points.spec import At, points_from
from .backprop import backprop
from .bound import bounded_backprop
from .diagnostics import diagnose, unbounded_targets
from .finite_diff import Differences
from .methods import METHODS, finite_difference
from .precise import AUTO, DEFAULT_PRECISION, OFF, Allow, Precise, Precision, check_precision, refine
from .steps import Eps, per_variable
from .warning import DEFAULT_EXPLODE, DEFAULT_VANISH, GradWarning

BACKPROP = "backprop"
ALL_METHODS = (*METHODS, BACKPROP)
DEFAULT_METHOD = "central"
VALUES_HELD = 1 << 23  # node values held at once (64 MiB an array set): more go in blocks of points


class GradResult(NamedTuple):
    """Values and gradients of one expression at n points, for k variables.

    Every per-variable array is (n, k): row p is point p (as ``points[p]``), column v the
    variable ``variables[v]``. ``gradient`` is the chosen method's gradient, ``exact``
    backprop's, and ``exact_bound`` a bound on backprop's rounding error
    (:mod:`gradcli.derive.bound`; inf or NaN: unknown). Where that bound shows lost digits
    (``precision="auto"``), or everywhere (``precision=N``), value and gradient come from high
    precision (:mod:`gradcli.derive.precise`), rounded to float64, and ``precise[p]`` says how
    (digits, a note); elsewhere ``precise[p]`` is None. ``error`` is |gradient - exact| and
    ``rel_error`` that over |exact| (0 where both are 0); ``step`` the step each finite
    difference took and ``error_estimate`` the method's own bound on its error (these four are
    None for ``method="backprop"``); ``warnings[p]`` the warnings at point p (a tuple). Where f is not
    finite, every derivative is NaN. ``diff`` is the method's own record
    (:class:`~gradcli.derive.finite_diff.Differences`, arrays variables-first, (k, n)).
    """

    expr: Expression
    method: str
    eps: float | None  # the fixed step asked for; None: auto (see ``step``) or backprop
    points: np.ndarray  # (n, k)
    value: np.ndarray  # (n,)
    exact: np.ndarray  # (n, k)
    diff: Differences | None
    error: np.ndarray | None  # (n, k)
    rel_error: np.ndarray | None  # (n, k)
    warnings: list[tuple[GradWarning, ...]]
    exact_bound: np.ndarray | None = None  # (n, k): |exact - true gradient| is at most this; inf/NaN: unknown
    precise: list[Precise | None] | None = None  # per point: how it was re-evaluated (None: float64)

    @property
    def variables(self) -> tuple[str, ...]:
        return self.expr.variables

    @property
    def gradient(self) -> np.ndarray:
        """The gradient by the chosen method, (n, k)."""
        return self.exact if self.diff is None else self.diff.gradient.T

    @property
    def step(self) -> np.ndarray | None:
        """The step each finite difference took, (n, k); None for backprop."""
        return None if self.diff is None else self.diff.step.T

    @property
    def error_estimate(self) -> np.ndarray | None:
        """The method's own bound on |gradient - true gradient|, (n, k); None for backprop."""
        return None if self.diff is None else self.diff.error_estimate.T

    @property
    def finite(self) -> np.ndarray:
        """Whether f is finite at each point (where it is not, the point could not be evaluated)."""
        return np.asarray(np.isfinite(self.value))

    def gradient_at(self, p: int) -> dict[str, float]:
        """The gradient at point ``p`` by variable name (by the chosen method).

        >>> grad("3*(a+b*c)", "a=5,b=3,c=2", method="backprop").gradient_at(0)
        {'a': 3.0, 'b': 6.0, 'c': 9.0}
        """
        return dict(zip(self.variables, self.gradient[p].tolist()))

    def records(self) -> list[dict[str, Any]]:
        """One dict per point, exactly the objects ``gradcli grad --format json`` writes (same
        keys, values as Python floats, None where a figure is missing or not finite)."""
        names = self.variables
        tables = {
            "eps": self.step,
            "gradient": self.gradient,
            "exact": self.exact,
            "exact_bound": self.exact_bound,
            "error": self.error,
            "rel_error": self.rel_error,
            "error_estimate": self.error_estimate,
        }
        lists = {key: None if t is None else t.tolist() for key, t in tables.items()}
        out = []
        for p, (point, value) in enumerate(zip(self.points.tolist(), self.value.tolist())):
            rec = self.precise[p] if self.precise is not None else None
            per_var = {
                key: None if t is None else {name: _plain(x) for name, x in zip(names, t[p])}
                for key, t in lists.items()
            }
            out.append(
                {
                    "expr": self.expr.text,
                    "point": dict(zip(names, point)),
                    "value": _plain(value),
                    "method": self.method,
                    **per_var,
                    "digits": rec.digits if rec else None,
                    "note": rec.note if rec else None,
                    "warnings": [w.as_dict() for w in self.warnings[p]],
                }
            )
        return out


def _plain(x: float) -> float | None:
    """A float for JSON: None where it is not finite."""
    return x if math.isfinite(x) else None


def compute(
    expr: Expression,
    points: np.ndarray,
    method: str = DEFAULT_METHOD,
    eps: float | Mapping[str, float] | None = None,
    vanish: float = DEFAULT_VANISH,
    explode: float = DEFAULT_EXPLODE,
    *,
    whole: bool = True,
    precision: Precision = DEFAULT_PRECISION,
    allow: Allow | None = None,
) -> GradResult:
    """Values, exact gradients, finite differences and warnings at ``points`` (n, k).

    ``eps`` None chooses a step per variable and point (see :mod:`gradcli.finite_diff`).
    ``whole``: these points are the whole run, so ``method="complex"`` with every point on a
    kink is refused (OptionError); a stream passes False for each chunk, which then gets no
    complex-step value at those points, with a warning, as any run does at some of its points.
    ``precision``: "auto" (default), "off" or a number of digits; see :mod:`gradcli.derive.precise`;
    ``allow``: under auto, which lossy points a stream's budget lets this chunk re-evaluate
    (:func:`gradcli.derive.precise.refine`).
    """
    if method not in ALL_METHODS:
        raise OptionError(f"unknown method '{method}'", hint=f"choose one of {', '.join(ALL_METHODS)}")
    steps: Eps = per_variable(eps, expr.variables)
    if isinstance(steps, tuple):
        if any(h is not None and not (np.isfinite(h) and h > 0) for h in steps):
            raise OptionError(f"eps must be positive finite numbers, not {steps!r}")
    elif steps is not None and not np.all(np.isfinite(steps) & (np.asarray(steps) > 0)):
        raise OptionError(f"eps must be a positive finite number, not {steps!r}")
    precision = check_precision(precision)
    points = np.asarray(points, dtype=np.float64)
    n = points.shape[0] if points.ndim else 1
    points = points.reshape(n, len(expr.variables))
    block = max(1, VALUES_HELD // max(len(expr.nodes), 1))
    value, exact, bound, precise, diff, warnings = _stages(
        expr, points, block, method, steps, vanish, explode, whole, precision, allow
    )
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
    fixed = (
        float(steps) if diff is not None and isinstance(steps, (int, float)) else None
    )  # else: see ``step``
    return GradResult(
        expr,
        method,
        fixed,
        points,
        f,
        exact.T,
        diff,
        None if error is None else error.T,
        None if rel is None else rel.T,
        warnings,
        bound.T,
        precise,
    )


def _stages(
    expr: Expression,
    points: np.ndarray,
    block: int,
    method: str,
    steps: Eps,
    vanish: float,
    explode: float,
    whole: bool,
    precision: Precision,
    allow: Allow | None,
) -> tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    list[Precise | None],
    Differences | None,
    list[tuple[GradWarning, ...]],
]:
    """:func:`compute`'s stages, ``block`` points at a time, so memory stays within about
    ``VALUES_HELD`` node values an array set whatever the expression's size (a 1,077-node sum at
    100,000 points held 2 GiB at once); the same results as one pass.

    Forward pass and backprop with its bounds, block by block; high precision over all the
    points together, as one call (the same points chosen, the same cap); then finite
    differences and diagnostics block by block. With more than one block the forward pass and
    backprop run again for the diagnostics, without bounds (a 2,101-node expression at 20,000
    points, central differences: 5.2 s and 277 MiB in blocks, 5.1 s and 1.1 GiB at once); with
    one, what the first pass made is kept.
    """
    n = len(points)
    spans = [slice(start, min(start + block, n)) for start in range(0, n, block)] or [slice(0, 0)]
    kept = None  # the one block's forward pass and backprop
    parts = []
    kinked: list[str | None] = []
    for span in spans:
        m = span.stop - span.start
        values = forward(expr, columns(points[span]))
        bounded = bounded_backprop(expr, values, m)
        parts.append(
            (np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (m,)), bounded.grad, bounded.bound)
        )
        if method == "complex" and whole:
            from .complex_step import check_analytic

            kinked += check_analytic(expr, values, m)
        if len(spans) == 1:
            kept = values, bounded.adjoints
    if method == "complex" and whole:
        from .complex_step import refuse_everywhere

        refuse_everywhere(kinked)
    fs, grads, bounds = zip(*parts)
    f, grad, bound = np.concatenate(fs), np.concatenate(grads, axis=-1), np.concatenate(bounds, axis=-1)
    value, exact, bound, precise = refine(expr, points, f, grad, bound, precision, allow)
    diffs: list[Differences] = []
    warnings: list[tuple[GradWarning, ...]] = []
    for span in spans:
        cols = columns(points[span])
        if kept:
            values, adjoints = kept
        else:
            values = forward(expr, cols)
            with np.errstate(all="ignore"):  # the adjoints bounded_backprop made (its bounds are in hand)
                adjoints = backprop(expr, values, span.stop - span.start)[1]
        diff = (
            None if method == BACKPROP else finite_difference(expr, cols, f[span], method, steps, whole=False)
        )
        found = diagnose(
            expr, values, f[span], exact[:, span], adjoints, diff, vanish, explode,
            bound=bound[:, span], precise=precise[span], forced=precision not in (AUTO, OFF),
        )  # fmt: skip
        warnings += found
        if diff is not None:
            unbounded = unbounded_targets(method, expr.variables, found) & np.isfinite(diff.gradient)
            if unbounded.any():  # no finite estimate of a distance to an infinite derivative
                was = diff.unresolved if diff.unresolved is not None else np.zeros_like(unbounded)
                diff = diff._replace(unresolved=was | unbounded)
            diffs.append(diff)
    joined = None if not diffs else diffs[0] if len(diffs) == 1 else _joined(diffs)
    return value, exact, bound, precise, joined, warnings


def _joined(parts: list[Differences]) -> Differences:
    """Blocks' differences as one: their (k, m) arrays side by side (an optional array that some
    block left out is filled as that block would have had it: no estimate, resolved, no step asked)."""
    shapes = [part.gradient.shape for part in parts]

    def side_by_side(field: str, fill: float | bool) -> np.ndarray | None:
        arrays = [getattr(part, field) for part in parts]
        if all(a is None for a in arrays):
            return None
        return np.concatenate([np.full(s, fill) if a is None else a for a, s in zip(arrays, shapes)], axis=-1)

    return parts[0]._replace(
        step=np.concatenate([part.step for part in parts], axis=-1),
        gradient=np.concatenate([part.gradient for part in parts], axis=-1),
        truncation=np.concatenate([part.truncation for part in parts], axis=-1),
        rounding=np.concatenate([part.rounding for part in parts], axis=-1),
        evaluations=max(part.evaluations for part in parts),
        estimate=side_by_side("estimate", np.nan),
        unresolved=side_by_side("unresolved", False),
        asked=side_by_side("asked", np.nan),
        points=side_by_side("points", np.nan),
    )


def grad(
    expression: str | Expression,
    at: At,
    *,
    method: str = DEFAULT_METHOD,
    eps: float | Mapping[str, float] | None = None,
    vars: Sequence[str] | None = None,
    vanish: float = DEFAULT_VANISH,
    explode: float = DEFAULT_EXPLODE,
    precision: Precision = DEFAULT_PRECISION,
) -> GradResult:
    """The gradient of ``expression`` at ``at``: the Python face of ``gradcli grad``, with the
    same keyword names as its options (``vars`` is ``--vars``, the order positional values
    bind in; ``eps`` may be a mapping name -> step, as ``--eps x=1e-4``).

    ``at`` is a ``--at`` string (``"a=5,b=3,c=2"``, a grid ``"x=0:1:5"``), a list of them, a
    mapping name -> number or array (broadcast together), or an (n, k) array
    (:func:`gradcli.points.spec.points_from`). Every array in the result is (n, k).

    >>> r = grad("3*(a+b*c)", "a=5,b=3,c=2", method="forward", eps=0.01)
    >>> r.gradient[0].tolist()
    [3.0000000000001137, 6.000000000000227, 8.99999999999963]
    """
    expr = parse(expression) if isinstance(expression, str) else expression
    points = points_from(at, expr.variables, vars)
    return compute(expr, points, method, eps, vanish, explode, precision=precision)


__all__ = ["ALL_METHODS", "BACKPROP", "GradResult", "compute", "grad"]
