"""Plots as text for a terminal, drawn with plotille (braille dots; a pure-Python library with no
dependencies that returns the drawing as a string, so gradcli decides where it goes and fits it
to the terminal's width). Imported only when a plot is asked for.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ..analysis.sweep import Sweep
from ..output.numbers import number
from .curves import SWEEP_MARKS, Curves, labels, scale_of, scale_text, sweep_curves, sweep_notes

_AXES = 22  # characters plotille adds around its canvas (y labels, axis, arrow)


def terminal_plot(c: Curves, columns: int, rows: int = 18, color: bool = False) -> str:
    """Both curves as text at most ``columns`` wide: f as a line, df/dx as dots, vanishing marked."""
    f_label, d_label, v_label = labels(c)
    fig = _figure(columns, rows, color)
    whole, c = c, _thin(c)  # the texts below read every sample; the canvas only what it can show
    ok_f, ok_d = np.isfinite(c.f), np.isfinite(c.slope)
    scale = scale_of(c.f, c.slope)  # both curves share the y axis, so one factor
    f, slope = c.f / scale, c.slope / scale
    shown = np.concatenate([f[ok_f], slope[ok_d]])
    fig.set_x_limits(*_span(float(c.x[0]), float(c.x[-1])))
    if len(shown):
        lo, hi = float(shown.min()), float(shown.max())
        if lo == hi:
            lo, hi = lo - 1.0, hi + 1.0
        fig.set_y_limits(*_span(lo, hi))
    if ok_f.any():
        fig.plot(c.x[ok_f].tolist(), f[ok_f].tolist(), label=f_label, lc="blue" if color else None)
    if ok_d.any():
        fig.scatter(
            c.x[ok_d].tolist(), slope[ok_d].tolist(), label=d_label, marker=".", lc="red" if color else None
        )
    mask = c.vanishing
    if mask.any() and len(shown):
        bottom = [float(shown.min())] * int(mask.sum())
        fig.scatter(c.x[mask].tolist(), bottom, label=v_label, marker="v", lc="yellow" if color else None)
    notes = [scale_text(scale)] if scale != 1.0 else []
    lines = [*fig.show(legend=True).splitlines(), *notes, *_undefined_text(whole), _vanishing_text(whole)]
    return "\n".join(part for line in lines for part in _fit(line, columns)) + "\n"


_MOST = 2000  # samples drawn on a terminal canvas, a few hundred braille dots wide


def _thin(c: Curves) -> Curves:
    """``c`` with at most about ``_MOST`` samples: in each of ``_MOST // 4`` runs of samples, its
    first and where f and df/dx are least and greatest, so no peak or dip is lost."""
    n = len(c.x)
    if n <= _MOST:
        return c
    keep: set[int] = set()
    edges = np.linspace(0, n, _MOST // 4 + 1).astype(int)
    for a, b in itertools.pairwise(edges):
        keep.add(int(a))
        for values in (c.f, c.slope):
            run = values[a:b]
            ok = np.flatnonzero(np.isfinite(run))
            if ok.size:
                keep.update((int(a + ok[np.argmin(run[ok])]), int(a + ok[np.argmax(run[ok])])))
    idx = np.array(sorted(keep))
    return c._replace(x=c.x[idx], f=c.f[idx], slope=c.slope[idx])


def _span(lo: float, hi: float) -> tuple[float, float]:
    """Axis limits around ``lo``..``hi`` that plotille can divide into cells: at least 1e-12
    relative and 1e-300 absolute wide, so a range such as 0..5e-324 is widened, not a division
    by zero."""
    need = max(max(abs(lo), abs(hi)) * 1e-12, 1e-300)
    if not hi - lo >= need:
        mid = lo / 2 + hi / 2
        lo, hi = mid - need, mid + need
    return lo, hi


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


def sweep_terminal_plot(result: Sweep, columns: int, rows: int = 18, color: bool = False) -> str:
    """log10 |error| against log10 eps, one curve per method, as text at most ``columns`` wide.

    Steps whose error is exactly 0 have no logarithm and are left out (the table shows them).
    """
    fig = _figure(columns, rows, color)
    fig.x_label, fig.y_label = "log10 eps", "log10 err"
    curves = sweep_curves(result)
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
    for mark, marker in SWEEP_MARKS.items():
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
        *sweep_notes(result),
    ]
    exact = sum(1 for r in result.rows if r.error == 0)
    if exact:
        lines.append(
            f"{exact} of {len(result.rows)} steps have an error of exactly 0 and are not drawn "
            "(0 has no logarithm): see the table"
        )
    return "\n".join(part for line in lines for part in _fit(line, columns)) + "\n"
