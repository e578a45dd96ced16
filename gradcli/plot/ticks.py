"""Axis ticks for the terminal plots: "nice" values (1, 2, 2.5 or 5 times a power of ten apart)
and the shortest labels that tell them apart. Pure arithmetic, no drawing.

    x ticks   multiples of the step inside the range the user gave, which is kept as it is
    y ticks   the range is widened to multiples of the step, so the top and bottom rows are labelled

Labels are fixed-point with as many decimals as the step needs (``0``, ``0.25``, ``0.5``), or the
compact exponent form (``1e-09``, ``2.5e+08``) when that is shorter or the values are huge.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

MANTISSAS = (1.0, 2.0, 2.5, 5.0)
NARROWEST = 1e-6  # a y range narrower than this relative to its values is widened: labels stay short
TINIEST = 1e-300  # and no narrower than this absolutely (subnormal spans have no steps)


class Axis(NamedTuple):
    """An axis: its limits, the tick values inside them and their labels."""

    lo: float
    hi: float
    ticks: list[float]
    labels: list[str]


def widened(lo: float, hi: float, narrowest: float = NARROWEST) -> tuple[float, float]:
    """``lo``..``hi`` made drawable: a single value gets a range around it (3 -> 1.5..4.5, 0 ->
    -1..1), a range narrower than ``narrowest`` of its values or :data:`TINIEST` is widened
    around its middle, and non-finite limits become -1..1."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        return -1.0, 1.0
    top = max(abs(lo), abs(hi))
    if lo == hi:
        half = max(top / 2, TINIEST / 2) if top else 1.0  # a subnormal value too: steps need room
        return lo - half, hi + half
    need = max(top * narrowest, TINIEST)
    if hi / 2 - lo / 2 < need / 2:
        mid = lo / 2 + hi / 2
        lo, hi = mid - need / 2, mid + need / 2
    return lo, hi


def steps(lo: float, hi: float) -> list[float]:
    """Nice steps for ``lo``..``hi`` (finite, lo < hi), smallest first: from about a 200th of the
    range to the whole range."""
    half = hi / 2 - lo / 2  # the span halved: a range of -1e308..1e308 does not overflow
    exponent = math.floor(math.log10(half)) - 3
    found: list[float] = []
    while len(found) < 12 or found[-1] < 2 * half:
        for m in MANTISSAS:
            step = m * 10.0**exponent if exponent > -308 else m * 10.0 ** (exponent + 20) / 1e20
            if step > 0 and math.isfinite(step) and step * 100 >= half:
                found.append(step)
        exponent += 1
        if exponent > 308:
            break
    return found


def multiples(lo: float, hi: float, step: float) -> list[float]:
    """The multiples of ``step`` from ``lo`` to ``hi`` (ends included, up to rounding)."""
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [k * step for k in range(first, last + 1)]


def x_axis(lo: float, hi: float, fits: int) -> Axis:
    """Ticks inside ``lo``..``hi`` for an axis ``fits`` characters long: the smallest nice step
    whose labels, centred on their ticks, keep two spaces apart. The range is kept (unless it is a
    single value or narrower than :data:`TINIEST`)."""
    lo, hi = widened(lo, hi, narrowest=0.0)
    half = hi / 2 - lo / 2
    fallback = None
    for step in steps(lo, hi):
        ticks = multiples(lo, hi, step)
        if len(ticks) > max(fits // 8, 2) or len(ticks) < 2:
            continue
        labels = tick_labels(ticks, step)
        fallback = Axis(lo, hi, ticks, labels)  # the fewest ticks that are still two
        apart = step / 2 / half * (fits - 1)  # characters from one tick to the next
        if apart >= max((len(a) + len(b)) / 2 + 3 for a, b in itertools.pairwise(labels)):
            return fallback
    return fallback or Axis(lo, hi, [lo, hi], tick_labels([lo, hi], 2 * half))


def y_axis(lo: float, hi: float, height: int) -> tuple[Axis, int]:
    """An axis over ``lo``..``hi`` (widened to whole rows) for at most ``height`` rows, and the rows
    it uses. Every tick falls on a row, with a row or more between labelled rows (when the height
    allows); of the choices where the values fill at least 3/4 as much of the panel as they can,
    the one with the most ticks."""
    lo, hi = widened(lo, hi)
    gap = 2 if height >= 5 else 1
    found: list[tuple[float, int, float, int]] = []  # filled, ticks, step, rows per tick
    for step in steps(lo, hi):
        if (hi / 2 - lo / 2) / step > height:  # more ticks than rows
            continue
        for per in range(gap, max(gap, height - 1) + 1):  # rows from one tick to the next
            a, b, rows = _rows(lo, hi, step / per)
            if rows > height:
                break  # more rows per tick only need more rows
            count = len(multiples(a, b, step))
            if count >= 2 and math.isfinite(a) and math.isfinite(b) and a < b:
                found.append(((hi / 2 - lo / 2) / (b / 2 - a / 2) * rows / height, count, step, per))
    if found:
        most = max(f[0] for f in found)
        _, _, step, per = max((f for f in found if f[0] >= 0.75 * most), key=lambda f: (f[1], f[0]))
        a, b, rows = _rows(lo, hi, step / per)
        ticks = multiples(a, b, step)
        return Axis(a, b, ticks, tick_labels(ticks, step)), rows
    return Axis(lo, hi, [lo, hi], tick_labels([lo, hi], hi / 2 - lo / 2)), height


def _rows(lo: float, hi: float, row: float) -> tuple[float, float, int]:
    """Limits that are whole ``row``s around ``lo``..``hi``, and how many rows that is."""
    a = math.floor(lo / row) * row
    rows = math.ceil((hi - a) / row - 1e-9) + 1
    return min(a, lo), max(a + (rows - 1) * row, hi), rows  # min, max: against rounding


def tick_labels(ticks: list[float], step: float) -> list[str]:
    """The shortest labels that tell ``ticks`` (multiples of ``step``) apart: fixed-point with the
    decimals the step needs (``0.25``, ``20000``), or the exponent form when that is shorter and
    the fixed-point labels are over 6 characters (``1e-09``, ``2.5e+08``)."""
    if not ticks:
        return []
    exponent = math.floor(math.log10(step) + 1e-9)
    extra = 0 if round(step / 10.0**exponent, 6) in (1.0, 2.0, 5.0) else 1
    top = max(abs(t) for t in ticks)
    decimals = max(0, extra - exponent)
    fixed = [_fixed(t, decimals) for t in ticks]
    if max(map(len, fixed)) <= 6:
        return fixed
    digits = max(0, math.floor(math.log10(top) + 1e-9) - exponent + extra) if top else 0
    compact = [_exponent(t, digits) for t in ticks]
    return compact if max(map(len, compact)) <= max(map(len, fixed)) else fixed


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _exponent(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    mantissa, _, power = f"{value:.{digits}e}".partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{power}"
