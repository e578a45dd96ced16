"""Plots as text for a terminal: f above df/dx, each on its own panel with its own y axis, sharing
one x axis and its columns, as the image output does; and a step-size sweep's errors.

The drawing is gradcli's own braille grid (:mod:`gradcli.plot.canvas`) with "nice" tick labels
(:mod:`gradcli.plot.ticks`): plotille's figure labels its ticks at even fractions of the range
(``0.94224622``), colours only a terminal whatever ``--color`` says, and pads its rows with blank
braille. Without colour each curve has its own glyph (braille, ``*``, ``+``...) and the legend
shows it, so a piped plot reads in a log. The height fits ``rows`` (the terminal's lines).
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as np

from ..analysis.sweep import Sweep
from ..output.numbers import number
from .canvas import BRAILLE, Grid, paint, sample
from .curves import SWEEP_MARKS, Curves, labels, scale_of, scale_text, sweep_curves, sweep_notes
from .ticks import Axis, x_axis, y_axis

ROWS = 24  # the height to fit when the terminal's is not known
GLYPHS = ("*", "#", "%", "@", "=", "&")  # curves after the first, without colour (not + - |: axes)
COLOURS = ("blue", "red", "green", "magenta", "cyan", "yellow")
FEWEST = 3  # rows of a panel, however small the terminal


class Series(NamedTuple):
    """One curve to draw: its label, samples, glyph and colour."""

    label: str
    x: np.ndarray
    y: np.ndarray
    glyph: str
    colour: str | None


def terminal_plot(c: Curves, columns: int, rows: int = ROWS, color: bool = False) -> str:
    """f (top) and df/dx (below) as text at most ``columns`` wide and about ``rows`` high; where
    |df/dx| < vanish is marked ``v`` on the bottom axis; notes on what is not drawn follow."""
    f_label, d_label, v_label = labels(c)
    whole, c = c, _thin(c)  # the texts below read every sample; the grid only what it can show
    f_scale, d_scale = scale_of(c.f), scale_of(c.slope)  # each panel its own factor
    notes = [
        *(f"{name}: {scale_text(k)}" for name, k in (("f", f_scale), (f"df/d{c.var}", d_scale)) if k != 1.0),
        *_undefined_text(whole),
        _vanishing_text(whole),
    ]
    notes = [part for line in notes for part in _fit(line, columns)]
    height = max(FEWEST, (rows - 1 - 5 - len(notes)) // 2)  # 2 titles, 2 axes, the x labels
    panels = [
        [Series(f_label, c.x, c.f / f_scale, BRAILLE, "blue" if color else None)],
        [Series(d_label, c.x, c.slope / d_scale, BRAILLE if color else GLYPHS[0], "red" if color else None)],
    ]
    vanishing = c.x[c.vanishing]
    marks = (
        [Series(v_label, vanishing, vanishing, "v", "yellow" if color else None)] if len(vanishing) else []
    )
    lines = _draw(panels, (float(c.x[0]), float(c.x[-1])), c.var, columns, height, color, marks)
    return "\n".join([*lines, *notes]) + "\n"


def _draw(
    panels: list[list[Series]],
    xs: tuple[float, float],
    name: str,
    columns: int,
    height: int,
    color: bool,
    marks: list[Series] | None = None,
    extra: list[Series] | None = None,
) -> list[str]:
    """Panels stacked top to bottom, each titled by its curves (glyph and label) over a y axis of
    its own, all sharing the x axis ``xs`` (labelled once, at the bottom, and named ``name``).
    ``marks``: glyphs at x values on the bottom axis; ``extra``: glyphs at points of the bottom
    panel. Both are in its legend."""
    ys = [_y_axis([s.y for s in panel], height) for panel in panels]
    label_width = max(len(t) for axis, _ in ys for t in axis.labels)
    right = len(name) + 1
    for _ in range(3):  # room on the right for the last x label, found in a few tries
        width = max(8, columns - label_width - 2 - right)
        axis = x_axis(*xs, width)
        overhang = len(axis.labels[-1]) // 2 + 1 if axis.labels else 0
        if overhang <= right:
            break
        right = overhang
    lines: list[str] = []
    for i, (panel, (y, rows)) in enumerate(zip(panels, ys)):
        grid = Grid(width, rows, (axis.lo, axis.hi), (y.lo, y.hi))
        for s in panel:
            grid.curve(s.x, s.y, s.glyph, s.colour)
        last = i == len(panels) - 1
        for s in (extra or []) if last else []:
            grid.points(s.x, s.y, s.glyph, s.colour)
        lines += _legend(panel, [*(extra or []), *(marks or [])] if last else [], columns, color)
        at_row = {grid.row(t): text for t, text in zip(y.ticks, y.labels)}
        for r, row in enumerate(grid.lines(color)):
            tick = r in at_row
            lines.append(f"{at_row.get(r, ''):>{label_width}} {'+' if tick else '|'}{row}".rstrip())
        lines.append(" " * label_width + " +" + _axis_line(grid, axis, (marks or []) if last else [], color))
    lines[-1] += " " + name
    lines.append(_labels_line(grid, axis, label_width + 2)[: max(columns, len(lines[-1]))].rstrip())
    return lines


def _y_axis(values: list[np.ndarray], height: int) -> tuple[Axis, int]:
    finite = np.concatenate([v[np.isfinite(v)] for v in values] or [np.zeros(0)])
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (-1.0, 1.0)
    return y_axis(lo, hi, height)


def _legend(curves: list[Series], points: list[Series], columns: int, color: bool) -> list[str]:
    """The glyphs (two for a curve, one for marked points) and labels, in as few lines as fit."""
    lines: list[str] = []
    seen = 0
    for i, s in enumerate(curves + points):
        glyph = sample(s.glyph) if i < len(curves) else s.glyph
        parts = _fit(f"{glyph} {s.label}", columns)  # a long expression is wrapped
        parts[0] = paint(glyph, s.colour if color else None) + parts[0][len(glyph) :]
        if lines and len(parts) == 1 and seen + 3 + len(s.label) + len(glyph) + 1 <= columns:
            lines[-1] += "   " + parts[0]
            seen += 3 + len(s.label) + len(glyph) + 1
        else:
            lines += parts
            seen = len(s.label) + len(glyph) + 1 if len(parts) == 1 else columns
    return lines


def _axis_line(grid: Grid, axis: Axis, marks: list[Series], color: bool) -> str:
    cells = ["-"] * grid.width
    for t in axis.ticks:
        if 0 <= (col := grid.column(t)) < grid.width:
            cells[col] = "+"
    for mark in marks:
        for col in {grid.column(float(x)) for x in mark.x}:
            if 0 <= col < grid.width:
                cells[col] = paint(mark.glyph, mark.colour if color else None)
    return "".join(cells)


def _labels_line(grid: Grid, axis: Axis, indent: int) -> str:
    """The x labels, each centred under its tick (kept on the line at the ends)."""
    line = [" "] * (indent + grid.width + 40)
    end = 0
    for t, text in zip(axis.ticks, axis.labels):
        start = max(indent + grid.column(t) - (len(text) - 1) // 2, end)
        line[start : start + len(text)] = text
        end = start + len(text) + 1
    return "".join(line).rstrip()


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


def sweep_terminal_plot(result: Sweep, columns: int, rows: int = ROWS, color: bool = False) -> str:
    """log10 |error| against log10 eps, one curve per method, as text at most ``columns`` wide;
    best, auto and your --eps marked (o, ^, x).

    Steps whose error is exactly 0 have no logarithm and are left out (the table shows them).
    """
    series = []
    for i, (method, (eps, err, _)) in enumerate(sweep_curves(result).items()):
        glyph = BRAILLE if color or i == 0 else GLYPHS[(i - 1) % len(GLYPHS)]
        colour = COLOURS[i % len(COLOURS)] if color else None
        series.append(Series(f"{method} |error|", np.log10(eps), np.log10(err), glyph, colour))
    marks = []
    for mark, marker in SWEEP_MARKS.items():
        hits = [r for r in result.rows if mark in r.marks and math.isfinite(r.error) and r.error > 0]
        if hits:
            label = {"best": "best", "auto": "auto", "eps": "your --eps"}[mark]
            eps, err = np.array([r.eps for r in hits]), np.array([r.error for r in hits])
            marks.append(Series(label, np.log10(eps), np.log10(err), marker, None))
    notes = [
        f"log10 of the |error| of df/d{result.var} against backprop ({number(result.exact)}), by log10 eps",
        *sweep_notes(result),
    ]
    exact = sum(1 for r in result.rows if r.error == 0)
    if exact:
        notes.append(
            f"{exact} of {len(result.rows)} steps have an error of exactly 0 and are not drawn "
            "(0 has no logarithm): see the table"
        )
    notes = [part for line in notes for part in _fit(line, columns)]
    xs = np.log10([r.eps for r in result.rows]) if result.rows else np.zeros(1)
    height = max(FEWEST + 2, rows - 1 - 4 - len(notes))
    lines = _draw(
        [series], (float(xs.min()), float(xs.max())), "log10 eps", columns, height, color, extra=marks
    )
    return "\n".join([*lines, *notes]) + "\n"
