"""The curves a plot draws: f and df/dx (exact, by backprop) over a range of one variable, and a
step-size sweep's errors. No plotting library here (see :mod:`gradcli.plot.terminal` and
:mod:`gradcli.plot.image`), and no drawing: only numbers and the words that go with them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from ..analysis.sweep import Sweep
from ..derive.gradient import BACKPROP, compute
from ..errors import NotFiniteError, OptionError, PointsError
from ..language.nodes import Expression
from ..output.numbers import number, short
from ..points.spec import PointSpec, Span

DEFAULT_POINTS = 200


class Curves(NamedTuple):
    """f and df/dx at evenly spaced values of one variable, others held fixed."""

    text: str  # the expression
    var: str
    fixed: dict[str, float]  # the other variables' values
    x: np.ndarray
    f: np.ndarray
    slope: np.ndarray
    vanish: float

    @property
    def vanishing(self) -> np.ndarray:
        """Where |df/dx| < vanish (and f is defined)."""
        return np.isfinite(self.f) & np.isfinite(self.slope) & (np.abs(self.slope) < self.vanish)

    def vanishing_spans(self) -> list[tuple[float, float]]:
        """Runs of sampled x where the gradient vanishes, as (first x, last x)."""
        return _runs(self.x, self.vanishing)

    def undefined_spans(self) -> list[tuple[float, float]]:
        """Runs of sampled x where f is not finite (nothing is drawn there), as (first x, last x)."""
        return _runs(self.x, ~np.isfinite(self.f))

    def undefined_slope_spans(self) -> list[tuple[float, float]]:
        """Runs of sampled x where f is finite but df/dx is not (``sqrt(x)`` at 0)."""
        return _runs(self.x, np.isfinite(self.f) & ~np.isfinite(self.slope))


def _runs(x: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """Runs of consecutive True in ``mask``, as (first x, last x)."""
    spans = []
    i = 0
    while i < len(mask):
        if mask[i]:
            j = i
            while j + 1 < len(mask) and mask[j + 1]:
                j += 1
            spans.append((float(x[i]), float(x[j])))
            i = j + 1
        else:
            i += 1
    return spans


def sample(
    expr: Expression,
    var: str | None,
    span: Span,
    fixed: Mapping[str, float] | None = None,
    points: int = DEFAULT_POINTS,
    vanish: float = 1e-6,
) -> Curves:
    """f and its exact derivative in ``var`` at ``points`` values from span.start to span.stop.

    Every other variable must have a value in ``fixed``; ``var`` None means the expression's
    only variable. Raises :class:`PointsError` or :class:`OptionError` naming what is wrong.
    """
    fixed = dict(fixed or {})
    names = expr.variables
    if not names:
        raise OptionError(
            "the expression has no variables: there is nothing to plot against",
            hint="plot an expression in a variable, e.g. x*0+3 for a constant",
        )
    if var is None:
        if len(names) != 1:
            listing = ", ".join(names) if names else "none"
            raise OptionError(
                "say which variable to plot against with --wrt", hint=f"the variables: {listing}"
            )
        var = names[0]
    if var not in names:
        listing = ", ".join(names) if names else "it has none"
        raise OptionError(f"--wrt {var}: the expression does not use {var}", hint=f"its variables: {listing}")
    if not 2 <= points <= 100_000:
        raise OptionError(f"--points must be from 2 to 100,000, not {points}")
    if var in fixed:
        raise PointsError(
            f"--at gives {var}, the variable being plotted", hint="its values come from --range"
        )
    unknown = [name for name in fixed if name not in names]
    missing = [name for name in names if name != var and name not in fixed]
    if unknown or missing:
        what = (
            f"names {', '.join(unknown)}, not in the expression"
            if unknown
            else f"misses {', '.join(missing)}"
        )
        example = ",".join(f"{n}=1" for n in names if n != var)
        raise PointsError(f"--at {what}", hint=f"give every other variable a value, e.g. --at {example}")
    x = np.linspace(span.start, span.stop, points)
    cols = np.empty((points, len(names)))
    for k, name in enumerate(names):
        cols[:, k] = x if name == var else fixed[name]
    result = compute(expr, cols, BACKPROP, None, vanish)
    slope = result.exact[:, names.index(var)]
    return Curves(expr.text, var, fixed, x, result.value.copy(), slope.copy(), vanish)


def plot_curves(
    expr: Expression,
    var: str | None,
    span: Span,
    at: PointSpec | None = None,
    points: int = DEFAULT_POINTS,
    vanish: float = 1e-6,
) -> Curves:
    """What ``gradcli plot`` draws: :func:`sample` with the other variables given by ``at``
    (names required), refused with :class:`NotFiniteError` (exit 1) when f is finite nowhere."""
    fixed: dict[str, float] = {}
    if at is not None:
        if at.names is None:
            raise PointsError(f"--at '{at.text}' needs names", hint="e.g. --at w=2,b=0")
        fixed = dict(zip(at.names, at.values))
    curves = sample(expr, var, span, fixed, points, vanish)
    if not np.isfinite(curves.f).any():
        raise NotFiniteError(
            f"f is not finite at any of the {points} sampled {curves.var} from {number(span.start)} "
            f"to {number(span.stop)}, so there is nothing to plot",
            hint="choose a --range where f is defined",
        )
    return curves


def labels(c: Curves) -> tuple[str, str, str]:
    at = "".join(f", {k}={number(v)}" for k, v in c.fixed.items())
    return (
        f"f = {c.text}{at}",
        f"df/d{c.var} (backprop)",
        f"|df/d{c.var}| < {number(c.vanish)} (vanishing)",
    )


def plot_span(xs: np.ndarray, default: Span) -> Span:
    """The range an activation command plots: its --at values' extent, or ``default``."""
    lo, hi = float(np.min(xs)), float(np.max(xs))
    return Span(lo, hi, None) if lo < hi and math.isfinite(hi - lo) else default


# --- values too large to draw: shown divided by a power of ten ---------------------------------

DRAWABLE = 1e150  # beyond this (or a span that overflows), values are drawn divided by a power of ten


def scale_of(*arrays: np.ndarray) -> float:
    """1.0, or the power of ten the finite values of ``arrays`` are divided by to be drawn: the
    plotting libraries compute spans and ticks that overflow float64 near its limits."""
    shown = np.concatenate([a[np.isfinite(a)] for a in arrays] or [np.zeros(0)])
    if not len(shown):
        return 1.0
    top = float(np.max(np.abs(shown)))
    with np.errstate(over="ignore"):
        span = float(shown.max()) - float(shown.min())
    if top <= DRAWABLE and math.isfinite(span):
        return 1.0
    return 10.0 ** math.floor(math.log10(top))


def scale_text(scale: float) -> str:
    return f"values are drawn divided by {number(scale)} (too large to draw as they are)"


# --- the step-size sweep ------------------------------------------------------------------------

SWEEP_MARKS = {"best": "o", "auto": "^", "eps": "x"}


def sweep_curves(result: Sweep) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per method: eps, |error| and estimate, for the rows where the error is finite and above 0."""
    curves = {}
    for method in dict.fromkeys(r.method for r in result.rows):
        rows = [r for r in result.rows if r.method == method and math.isfinite(r.error) and r.error > 0]
        curves[method] = (
            np.array([r.eps for r in rows]),
            np.array([r.error for r in rows]),
            np.array([r.estimate for r in rows]),
        )
    return curves


def sweep_notes(result: Sweep) -> list[str]:
    notes = []
    for method in dict.fromkeys(r.method for r in result.rows):
        marked = [
            f"{name} {short(r.eps)}"
            for r in result.rows
            if r.method == method
            for mark, name in (("best", "best"), ("auto", "auto"), ("eps", "your --eps"))
            if mark in r.marks
        ]
        notes.append(f"{method}: {', '.join(marked)}")
    return notes
