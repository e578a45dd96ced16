"""A step-size sweep: one partial derivative by each method over a range of steps.

For a smooth f, a fixed stencil of order p has truncation error ~ c1 h**p, falling as h
shrinks, and rounding error ~ c2 / h, rising: on log-log axes the error against h is a V whose
bottom sits near h = (c2 / (p c1))**(1/(p+1)) (about 1e-8 for forward, 1e-5 for central and
1e-3 for five-point on a function of scale 1). :func:`sweep` computes that curve against the
exact backprop derivative, for the steps of :func:`steps` plus the step ``--eps auto`` takes
and the user's ``--eps``, and says which step was best.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..derive.methods import METHODS, finite_difference
from ..derive.precise import DEFAULT_PRECISION, Precision, check_precision, reference_gradient
from ..derive.richardson import FIRST_STEP
from ..derive.steps import length_scale, representable, ulp
from ..errors import OptionError
from ..language.evaluate import columns, forward
from ..language.nodes import Expression

DEFAULT_RANGE = (1e-1, 1e-15)
MAX_STEPS = 1000


class SweepRow(NamedTuple):
    """One step of one method: its derivative, error against backprop, and its own estimate."""

    method: str
    eps: float
    gradient: float
    error: float  # |gradient - backprop|
    estimate: float  # the method's own error estimate (inf: unknown)
    marks: tuple[str, ...]  # "best" (least error of this method), "auto", "eps" (the user's)
    used: float = math.nan  # the step actually used (richardson: of the entry it chose) where
    # ``eps`` was not used as given (else NaN)
    flags: tuple[str, ...] = ()  # "below spacing" (eps < the float spacing at x), "rounded", "cut"


class Sweep(NamedTuple):
    """The sweep of d f / d ``var`` at one point; rows in method order, steps largest first."""

    expr: Expression
    point: np.ndarray  # (k,)
    var: str
    value: float
    exact: float
    rows: list[SweepRow]
    exact_bound: float = math.nan  # bounds |exact - the true derivative| (backprop's, or high precision's)
    note: str | None = None  # what a high-precision re-evaluation of ``exact`` found, for people


def steps(start: float, stop: float, per_decade: int = 1) -> list[float]:
    """Steps from ``start`` down to ``stop`` (either order), both included, and between them the
    grid 10**(k/per_decade), largest first.

    The grid steps are 10**(k/per_decade) exactly as Python parses ``1e-5``, so a decade grid
    holds the numbers a user types, whatever the ends are (``0.3:0.1`` gives 0.3, 0.2154..,
    0.1 with three per decade).
    """
    if not (start > 0 and stop > 0 and math.isfinite(start) and math.isfinite(stop)):
        raise OptionError(f"a step range needs two positive finite numbers, not {start!r} and {stop!r}")
    if per_decade < 1:
        raise OptionError(f"--per-decade must be at least 1, not {per_decade}")
    hi, lo = float(max(start, stop)), float(min(start, stop))
    top = math.floor(math.log10(hi) * per_decade + 1e-9)  # the grid's largest k with 10**(k/n) <= hi
    bottom = math.ceil(math.log10(lo) * per_decade - 1e-9)
    grid = [float(f"{10 ** (k / per_decade):.12g}") for k in range(top, bottom - 1, -1)]  # <= 6,500
    out = [hi, *(h for h in grid if lo < h < hi), *([lo] if lo < hi else [])]
    if len(out) > MAX_STEPS:
        raise OptionError(
            f"the range has {len(out)} steps, more than {MAX_STEPS}", hint="use fewer --per-decade"
        )
    return out


def _flags(asked: float, spacing: float) -> tuple[str, ...]:
    """Why a row's step is not the one it names (``asked``: NaN where it is; see :class:`SweepRow`).

    Below the float spacing at x; rounded so that x + h is exact (x + eps missed it by more
    than 1%, so eps is within 100 spacings); or cut to f's smooth length (a pole, edge or kink).
    """
    if math.isnan(asked):
        return ()
    if asked < spacing:
        return ("below spacing",)
    return ("rounded",) if asked <= 100.0 * spacing else ("cut",)


def sweep(
    expr: Expression,
    point: np.ndarray,
    var: int,
    methods: Sequence[str],
    grid: Sequence[float],
    user_eps: float | None = None,
    precision: Precision = DEFAULT_PRECISION,
) -> Sweep:
    """The derivative in variable ``var`` at ``point`` by each method at each step of ``grid``.

    The auto step of each method and ``user_eps`` join the grid (marked); ``best`` marks each
    method's step with the least error against backprop, taken again in high precision where
    its rounding bound shows lost digits (``precision``, as for ``gradcli grad``).
    """
    for method in methods:
        if method not in METHODS:
            raise OptionError(f"unknown method '{method}'", hint=f"choose from {', '.join(METHODS)}")
    point = np.asarray(point, dtype=np.float64).reshape(1, -1)
    cols = columns(point)
    values = forward(expr, cols)
    f0 = np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (1,))
    grad, bound, records = reference_gradient(expr, point, values, check_precision(precision))
    exact, exact_bound = float(grad[var, 0]), float(bound[var, 0])
    note = records[0].note if records[0] is not None else None
    rows: list[SweepRow] = []
    with np.errstate(all="ignore"):
        for method in methods:
            auto = finite_difference(expr, cols, f0, method, None)
            auto_eps = float(auto.step[var, 0])
            if method == "richardson":
                # richardson's --eps is its first step, and so is each grid row's: place auto at
                # the first step it took (``step`` is the step of the entry it chose), so that
                # --eps at that row reproduces it
                auto_eps = float(
                    representable(cols[var], FIRST_STEP * length_scale(expr, cols, var, cols[var], f0))[0]
                )
            # every step at once: the point repeated, one step each (a step's result does not
            # depend on the others'), so a long sweep costs about one evaluation pass per probe
            wanted = list(
                dict.fromkeys(float(h) for h in [*grid, *([user_eps] if user_eps is not None else [])])
            )
            many = len(wanted)
            d = finite_difference(
                expr, [np.full(many, c[0]) for c in cols], np.full(many, f0[0]), method, np.array(wanted)
            )
            found: dict[float, list[Any]] = {h: [d, i, set()] for i, h in enumerate(wanted)}
            found.setdefault(auto_eps, [auto, 0, set()])[2].add("auto")
            if user_eps is not None:
                found[float(user_eps)][2].add("eps")
            method_rows = []
            spacing = float(ulp(cols[var][0]))
            for h in sorted(found, reverse=True):
                d, at, marks = found[h]
                g = float(d.gradient[var, at])
                used = float(d.step[var, at])
                asked = math.nan if d.asked is None else float(d.asked[var, at])
                flags = _flags(asked, spacing)
                method_rows.append(
                    [h, g, abs(g - exact), float(d.error_estimate[var, at]), marks, used, flags]
                )
            errors = [r[2] if math.isfinite(r[2]) else math.inf for r in method_rows]
            if min(errors) < math.inf:
                method_rows[errors.index(min(errors))][4].add("best")
            order = ("best", "auto", "eps")
            rows.extend(
                SweepRow(
                    method,
                    h,
                    g,
                    e,
                    est,
                    tuple(m for m in order if m in marks),
                    used if flags else math.nan,
                    flags,
                )
                for h, g, e, est, marks, used, flags in method_rows
            )
    return Sweep(expr, point[0], expr.variables[var], float(f0[0]), exact, rows, exact_bound, note)


def check_sweep(expr: Expression, points: np.ndarray, var: str | None = None) -> int:
    """Check a sweep's input before any work: ``expr`` has variables, ``points`` is one point
    (a (1, k) block), and ``var`` (None: the first variable) is one of them.

    Returns the index of ``var`` among ``expr.variables``; raises :class:`OptionError` or
    :class:`PointsError` with the option to change.
    """
    from ..errors import PointsError

    names = expr.variables
    if not names:
        raise OptionError("the expression has no variables: there is nothing to sweep")
    if points.shape[0] != 1:
        raise PointsError(f"sweep takes one point, not {points.shape[0]}", hint="give --at once")
    if var is None:
        return 0
    if var not in names:
        raise OptionError(f"unknown --wrt '{var}'", hint=f"the expression's variables are {', '.join(names)}")
    return names.index(var)
