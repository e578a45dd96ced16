"""Step rules shared by the difference methods: exact steps, and the length over which f is smooth.

A step h is *representable* against x when x + h and x - h are exact in float64, so the
difference formula divides exactly the change in x it made. The *length scale* s of f at x
along one variable is how far f can be trusted to stay smooth, from one pilot central
difference (see :func:`length_scale`). For a function of scale 1 it is max(1, |x|); near a pole or
domain edge at distance d it is of order d, so steps chosen as fractions of s stay on the
smooth side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..language.evaluate import value
from ..language.nodes import Expression

PILOT = 2.0**-17  # the pilot difference's step, relative to max(1, |x|)
MIN_SCALE = 2.0**-30  # s is never below this fraction of max(1, |x|)
RETRIES = 3  # pilots again, each RETRY_SHRINK times closer, where f is not finite at x +- p
RETRY_SHRINK = 2.0**4


def representable(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """h rounded so that x + h and x - h are both exact in float64; never below one ulp of x."""
    a = np.abs(x)
    return (a + np.maximum(h, np.spacing(a))) - a


def along(expr: Expression, cols: Sequence[np.ndarray], j: int, xj: np.ndarray, n: int) -> np.ndarray:
    """f at the n points with variable j moved to ``xj``."""
    moved = list(cols)
    moved[j] = xj
    return value(expr, moved, n)


def length_scale(
    expr: Expression, cols: Sequence[np.ndarray], j: int, x: np.ndarray, f0: np.ndarray
) -> np.ndarray:
    """How far f can be trusted to stay smooth along variable j.

    s = min(max(1, |x|), max(|f'/f''|, sqrt(|f/f''|))), with f' and f'' from one pilot central
    difference at p = 2**-17 max(1, |x|) (two evaluations of f). Near a pole or domain edge at
    distance d, both ratios are of order d (1/(x-a): d/2 and d/sqrt(2)); at a point where only
    f' vanishes (sin at pi/2) the second keeps s at f's own scale. Where the pilot is not
    finite (a domain edge is nearer than p), it is taken again up to ``RETRIES`` times, each
    ``RETRY_SHRINK`` times closer (two more evaluations each, only then), and s is at most
    ``RETRY_SHRINK`` times the pilot step that stayed inside; where none does, s is the last
    pilot step (never below ``MIN_SCALE`` max(1, |x|)).

    Limit: at |x| much larger than f's own length scale (sin at 1e10) the pilot, 2**-17 |x|,
    spans many periods and s can be far too large; the difference's error estimate and the
    inaccurate warning still report it.
    """
    n = len(f0)
    wide = np.maximum(1.0, np.abs(x))
    p = representable(x, PILOT * wide)
    fp, fm = along(expr, cols, j, x + p, n), along(expr, cols, j, x - p, n)
    for _ in range(RETRIES):  # an edge nearer than p: pilot again, RETRY_SHRINK times closer
        lost = ~(np.isfinite(fp) & np.isfinite(fm)) & np.isfinite(f0)
        if not lost.any():
            break
        p = np.where(lost, representable(x, p / RETRY_SHRINK), p)
        fp = np.where(lost, along(expr, cols, j, x + p, n), fp)
        fm = np.where(lost, along(expr, cols, j, x - p, n), fm)
    d1 = (fp - fm) / (2.0 * p)
    d2 = (fp - 2.0 * f0 + fm) / (p * p)
    # |f'/f''| alone vanishes where f' does (sin at pi/2), which is no edge: take the larger of
    # it and sqrt(|f/f''|); near a pole or edge at distance d both are of order d.
    ratio = np.maximum(np.abs(d1 / d2), np.sqrt(np.abs(f0 / d2)))
    ratio = np.where(np.isnan(ratio), np.inf, ratio)  # 0/0: f looks linear (or flat) here
    # a pilot that found f finite only this close (after retries) caps s at its own step's scale
    retried = p < representable(x, PILOT * wide)
    ratio = np.where(retried, np.minimum(ratio, RETRY_SHRINK * p), ratio)
    scale = np.where(np.isfinite(fp) & np.isfinite(fm), np.minimum(wide, ratio), p)
    return np.maximum(scale, MIN_SCALE * wide)
