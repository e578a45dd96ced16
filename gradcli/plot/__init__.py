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
from typing import Any, NamedTuple

import numpy as np

from ..analysis.sweep import Sweep
from ..derive.gradient import BACKPROP, compute
from ..errors import OptionError, PointsError
from ..language.nodes import Expression
from ..output.numbers import number
from ..points.spec import Span

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
        f"|df/d{c.var}| < {number(c.vanish)} (vanishing)",
    )


def terminal_plot(c: Curves, columns: int, rows: int = 18, color: bool = False) -> str:
    """Both curves as text at most ``columns`` wide: f as a line, df/dx as dots, vanishing marked."""
    f_label, d_label, v_label = _labels(c)
    fig = _figure(columns, rows, color)
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
    lines = [*fig.show(legend=True).splitlines(), *_undefined_text(c), _vanishing_text(c)]
    return "\n".join(part for line in lines for part in _fit(line, columns)) + "\n"


def _figure(columns: int, rows: int, color: bool) -> Any:
    """A plotille figure ``columns`` wide with gradcli's axis labels."""
    import plotille

    fig = plotille.Figure()
    fig.width = max(10, columns - _AXES)
    fig.height = max(5, rows)
    fig.with_colors = color
    fig.register_label_formatter(float, _axis_label)
    fig.register_label_formatter(int, _axis_label)
    return fig


def _axis_label(val: float, chars: int, delta: float, left: bool = False) -> str:
    """An axis label in ``chars`` characters, with as many significant digits as fit.

    (plotille's own labels round any value within 1e-8 of a whole number to it, so the ticks
    of a range such as 0:1e-9 all read 0.)
    """
    val = float(val)
    if math.isfinite(val) and abs(val) <= abs(delta) * 1e-9:
        val = 0.0  # a tick that is zero up to the rounding of the tick spacing
    text = f"{val:.1g}"
    for digits in range(max(chars, 1), 0, -1):
        candidate = f"{val:.{digits}g}"
        if len(candidate) <= chars:
            text = candidate
            break
    return text.ljust(chars) if left else text.rjust(chars)


def _fit(line: str, columns: int) -> list[str]:
    """The line as is if it fits, else wrapped (words) or, failing that, cut at ``columns``."""
    if len(line) <= columns:
        return [line]
    import textwrap

    return [part[:columns] for part in textwrap.wrap(line, columns, subsequent_indent="  ")]


def _spans_text(spans: list[tuple[float, float]]) -> str:
    return ", ".join(f"{number(a)}" if a == b else f"{number(a)}..{number(b)}" for a, b in spans)


def _undefined_text(c: Curves) -> list[str]:
    """Where nothing could be drawn: f, or only df/dx, not finite."""
    lines = []
    if spans := c.undefined_spans():
        lines.append(f"f is not finite (not drawn) at {c.var} = {_spans_text(spans)}")
    if spans := c.undefined_slope_spans():
        lines.append(f"df/d{c.var} is not finite (not drawn) at {c.var} = {_spans_text(spans)}")
    return lines


def _vanishing_text(c: Curves) -> str:
    spans = c.vanishing_spans()
    if not spans:
        where = "" if np.isfinite(c.slope).all() else " where it is finite"
        return (
            f"|df/d{c.var}| >= {number(c.vanish)} at every sampled {c.var}{where} (no vanishing region here)"
        )
    return f"vanishing (|df/d{c.var}| < {number(c.vanish)}, marked v) at {c.var} = {_spans_text(spans)}"


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
    fig = _new_figure(path, size)
    f_label, d_label, v_label = _labels(c)
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
    _save(fig, path)


def plot_span(xs: np.ndarray, default: Span) -> Span:
    """The range an activation command plots: its --at values' extent, or ``default``."""
    lo, hi = float(np.min(xs)), float(np.max(xs))
    return Span(lo, hi, None) if lo < hi and math.isfinite(hi - lo) else default


# --- the step-size sweep: |error| against eps on log-log axes ------------------------------------

_SWEEP_MARKS = {"best": "o", "auto": "^", "eps": "x"}


def _sweep_curves(result: Sweep) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
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


def _sweep_notes(result: Sweep) -> list[str]:
    notes = []
    for method in dict.fromkeys(r.method for r in result.rows):
        marked = [
            f"{name} {_short(r.eps)}"
            for r in result.rows
            if r.method == method
            for mark, name in (("best", "best"), ("auto", "auto"), ("eps", "your --eps"))
            if mark in r.marks
        ]
        notes.append(f"{method}: {', '.join(marked)}")
    return notes


def _short(x: float) -> str:
    return f"{x:.3g}"


def sweep_terminal_plot(result: Sweep, columns: int, rows: int = 18, color: bool = False) -> str:
    """log10 |error| against log10 eps, one curve per method, as text at most ``columns`` wide.

    Steps whose error is exactly 0 have no logarithm and are left out (the table shows them).
    """
    fig = _figure(columns, rows, color)
    fig.x_label, fig.y_label = "log10 eps", "log10 err"
    curves = _sweep_curves(result)
    xs = np.concatenate([np.log10(c[0]) for c in curves.values()] or [np.zeros(0)])
    ys = np.concatenate([np.log10(c[1]) for c in curves.values()] or [np.zeros(0)])
    if len(xs):
        lo, hi = float(xs.min()), float(xs.max())
        fig.set_x_limits(lo, hi if hi > lo else lo + 1.0)
        lo, hi = float(ys.min()), float(ys.max())
        fig.set_y_limits(lo, hi if hi > lo else lo + 1.0)
    colours = ["blue", "red", "green", "magenta", "cyan", "yellow"]
    for i, (method, (eps, err, _)) in enumerate(curves.items()):
        if len(eps):
            lc = colours[i % len(colours)] if color else None
            fig.plot(np.log10(eps).tolist(), np.log10(err).tolist(), label=f"{method} |error|", lc=lc)
    for mark, marker in _SWEEP_MARKS.items():
        hits = [r for r in result.rows if mark in r.marks and math.isfinite(r.error) and r.error > 0]
        if hits:
            fig.scatter(
                [math.log10(r.eps) for r in hits],
                [math.log10(r.error) for r in hits],
                label={"best": "best", "auto": "auto", "eps": "your --eps"}[mark],
                marker=marker,
            )
    lines = [
        *fig.show(legend=True).splitlines(),
        f"log10 of the |error| of df/d{result.var} against backprop ({number(result.exact)}), by log10 eps",
        *_sweep_notes(result),
    ]
    exact = sum(1 for r in result.rows if r.error == 0)
    if exact:
        lines.append(
            f"{exact} of {len(result.rows)} steps have an error of exactly 0 and are not drawn "
            "(0 has no logarithm): see the table"
        )
    return "\n".join(part for line in lines for part in _fit(line, columns)) + "\n"


def save_sweep_figure(result: Sweep, path: str, size: tuple[int, int] = DEFAULT_SIZE) -> None:
    """Write the sweep to ``path`` (.png, .svg or .pdf): |error| (solid) and the method's own
    estimate (dashed) against eps on log-log axes, best (o), auto (^) and your --eps (x) marked."""
    fig = _new_figure(path, size)
    ax = fig.subplots()
    for method, (eps, err, est) in _sweep_curves(result).items():
        (line,) = ax.loglog(eps, err, label=f"{method} |error|")
        ax.loglog(eps, est, linestyle="--", color=line.get_color(), alpha=0.6, label=f"{method} estimate")
    for mark, marker in _SWEEP_MARKS.items():
        hits = [r for r in result.rows if mark in r.marks and math.isfinite(r.error) and r.error > 0]
        if hits:
            label = {"best": "best", "auto": "auto", "eps": "your --eps"}[mark]
            ax.scatter(
                [r.eps for r in hits], [r.error for r in hits], marker=marker, color="black", label=label
            )
    ax.set_xlabel("eps")
    ax.set_ylabel(f"|error| of df/d{result.var}")
    ax.set_title(f"{result.expr.text}: step-size sweep", fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    _save(fig, path)


DPI = 100


def _image_format(path: str) -> str:
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in FORMATS:
        raise OptionError(
            f"cannot tell the image format of '{path}'", hint="end the name with .png, .svg or .pdf"
        )
    return suffix


def _new_figure(path: str, size: tuple[int, int]) -> Any:
    """An empty matplotlib figure of ``size`` pixels for ``path``; the format and the extra are
    checked before anything is drawn."""
    _image_format(path)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise OptionError(
            "--output needs matplotlib, which is not installed", hint="pip install 'gradcli[plot]'"
        ) from None
    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str) -> None:
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=DPI, format=_image_format(path))
    except OSError as exc:
        raise OptionError(f"cannot write '{path}': {exc.strerror or exc}") from None
