"""Plots of f and df/dx (backprop) over a range of one variable, marking where df/dx vanishes.

:func:`sample` computes the curves with the gradient pipeline (exact backprop derivative).
:func:`terminal_plot` draws them as text with plotille (braille dots; a pure-Python library
with no dependencies, that returns the drawing as a string, so gradcli decides where it goes and
can fit it to the terminal's width); :func:`save_figure` writes the same figure as PNG, SVG or
PDF with matplotlib (the optional ``plot`` extra) on its Agg canvas. Both libraries are imported
only when a plot is asked for. This is the only module that imports them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .errors import OptionError, PointsError
from .expression import Expression
from .formats import number
from .gradient import BACKPROP, compute
from .points import Span

DEFAULT_POINTS = 200
DEFAULT_SIZE = (800, 500)  # pixels, for --output
FORMATS = ("png", "svg", "pdf")
_AXES = 22  # characters plotille adds around its canvas (y labels, axis, arrow)


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
        mask = self.vanishing
        spans = []
        i = 0
        while i < len(mask):
            if mask[i]:
                j = i
                while j + 1 < len(mask) and mask[j + 1]:
                    j += 1
                spans.append((float(self.x[i]), float(self.x[j])))
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
    if var is None:
        if len(names) != 1:
            listing = ", ".join(names) if names else "none"
            raise OptionError(
                "say which variable to plot against with --var", hint=f"the variables: {listing}"
            )
        var = names[0]
    if var not in names:
        listing = ", ".join(names) if names else "it has none"
        raise OptionError(f"--var {var}: the expression does not use {var}", hint=f"its variables: {listing}")
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
    slope = result.exact[names.index(var)]
    return Curves(expr.text, var, fixed, x, result.value.copy(), slope.copy(), vanish)


def _labels(c: Curves) -> tuple[str, str, str]:
    at = "".join(f", {k}={number(v)}" for k, v in c.fixed.items())
    return (
        f"f = {c.text}{at}",
        f"df/d{c.var} (backprop)",
        f"|df/d{c.var}| < {c.vanish:g} (vanishing)",
    )


def terminal_plot(c: Curves, columns: int, rows: int = 18, color: bool = False) -> str:
    """Both curves as text at most ``columns`` wide: f as a line, df/dx as dots, vanishing marked."""
    import plotille

    f_label, d_label, v_label = _labels(c)
    fig = plotille.Figure()
    fig.width = max(10, columns - _AXES)
    fig.height = max(5, rows)
    fig.with_colors = color
    ok_f, ok_d = np.isfinite(c.f), np.isfinite(c.slope)
    shown = np.concatenate([c.f[ok_f], c.slope[ok_d]])
    fig.set_x_limits(float(c.x[0]), float(c.x[-1]))
    if len(shown):
        lo, hi = float(shown.min()), float(shown.max())
        if lo == hi:
            lo, hi = lo - 1.0, hi + 1.0
        fig.set_y_limits(lo, hi)
    if ok_f.any():
        fig.plot(c.x[ok_f].tolist(), c.f[ok_f].tolist(), label=f_label, lc="blue" if color else None)
    if ok_d.any():
        fig.scatter(
            c.x[ok_d].tolist(), c.slope[ok_d].tolist(), label=d_label, marker=".", lc="red" if color else None
        )
    mask = c.vanishing
    if mask.any() and len(shown):
        bottom = [float(shown.min())] * int(mask.sum())
        fig.scatter(c.x[mask].tolist(), bottom, label=v_label, marker="v", lc="yellow" if color else None)
    lines = [*fig.show(legend=True).splitlines(), _vanishing_text(c)]
    return "\n".join(part for line in lines for part in _fit(line, columns)) + "\n"


def _fit(line: str, columns: int) -> list[str]:
    """The line as is if it fits, else wrapped (words) or, failing that, cut at ``columns``."""
    if len(line) <= columns:
        return [line]
    import textwrap

    return [part[:columns] for part in textwrap.wrap(line, columns, subsequent_indent="  ")]


def _vanishing_text(c: Curves) -> str:
    spans = c.vanishing_spans()
    if not spans:
        return f"|df/d{c.var}| >= {c.vanish:g} at every sampled {c.var} (no vanishing region here)"
    parts = [f"{number(a)}" if a == b else f"{number(a)}..{number(b)}" for a, b in spans]
    return f"vanishing (|df/d{c.var}| < {c.vanish:g}, marked v) at {c.var} = {', '.join(parts)}"


def parse_size(text: str) -> tuple[int, int]:
    """``800x500`` -> (800, 500), each from 16 to 10,000 pixels."""
    w, sep, h = text.lower().partition("x")
    if not sep or not w.strip().isdigit() or not h.strip().isdigit():
        raise OptionError(f"size '{text}' is not WIDTHxHEIGHT in pixels", hint="e.g. --size 800x500")
    size = (int(w), int(h))
    if not all(16 <= v <= 10_000 for v in size):
        raise OptionError(f"size '{text}' must be 16 to 10,000 pixels each way")
    return size


def save_figure(c: Curves, path: str, size: tuple[int, int] = DEFAULT_SIZE) -> None:
    """Write f (top) and df/dx (bottom, vanishing region shaded) to ``path`` (.png, .svg or .pdf).

    The image is exactly ``size`` pixels (at 100 dpi for PNG). Needs matplotlib (the ``plot``
    extra): without it, :class:`OptionError` names the extra.
    """
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in FORMATS:
        raise OptionError(
            f"cannot tell the image format of '{path}'", hint="end the name with .png, .svg or .pdf"
        )
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise OptionError(
            "--output needs matplotlib, which is not installed", hint="pip install 'gradcli[plot]'"
        ) from None
    f_label, d_label, v_label = _labels(c)
    dpi = 100
    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.plot(c.x, c.f, color="tab:blue", label=f_label)
    bottom.plot(c.x, c.slope, color="tab:red", label=d_label)
    step = (c.x[-1] - c.x[0]) / max(len(c.x) - 1, 1)
    for i, (a, b) in enumerate(c.vanishing_spans()):
        for ax in (top, bottom):
            ax.axvspan(a - step / 2, b + step / 2, color="gold", alpha=0.3, label=v_label if i == 0 else None)
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    bottom.set_xlabel(c.var)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=dpi, format=suffix)
    except OSError as exc:
        raise OptionError(f"cannot write '{path}': {exc.strerror or exc}") from None


def plot_span(xs: np.ndarray, default: Span) -> Span:
    """The range an activation command plots: its --at values' extent, or ``default``."""
    lo, hi = float(np.min(xs)), float(np.max(xs))
    return Span(lo, hi, None) if lo < hi and math.isfinite(hi - lo) else default
