"""The healthy input range of a function of one variable, found numerically from its derivative.

Two sets, each a union of open intervals (ends may be -inf or inf):

* ``above_vanish``: where |f'(x)| >= ``vanish`` (the ``--vanish`` threshold): outside it the
  gradient vanishes, so a gradient step barely moves x;
* ``strong``: where |f'(x)| >= ``STRONG`` (10%) of its peak: where learning is brisk.

Nothing is hard-coded: the slope comes from the registry's derivative rule (:func:`slope_of`).

Method. |f'| is evaluated on a fixed grid: every 1/128 on [-64, 64] and geometrically spaced
points from 64 out to the largest float64, both signs. Between neighbouring grid points where the
test |f'| >= t changes, the edge is found by bisection on the float64 numbers themselves
(ordered as integers), so it ends between two adjacent floats: the reported end is the last float
that fails the test (so ``relu`` is healthy on ``0 < x``, and its end is exactly 0). Where f'
changes sign between two grid points (gelu, silu and mish have a minimum), its root is found the
same way and |f'| dips below any threshold around it, so that dip is found too. A dip narrower
than the grid spacing without a sign change would be missed; none of the registry's activations
has one. The peak is the grid maximum of |f'|, refined by golden-section search between the
neighbours of the best grid point.

A side that stays healthy out to the largest float64 is reported as unbounded (inf): the function
has no vanishing side there (relu for x > 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from ..registry import Op

STRONG = 0.1  # the "strong gradient" set: |f'| at least this fraction of its peak
UNIT_RANGE = (-1.0, 1.0)  # the usual advice for the sigmoid: keep -1 < x < 1
_LINEAR = np.linspace(-64.0, 64.0, 128 * 128 + 1)
_TAIL = np.geomspace(64.0, 1e308, 1200)[1:]
GRID = np.concatenate([-_TAIL[::-1], _LINEAR, _TAIL, [np.finfo(np.float64).max]])
GRID = np.concatenate([[-np.finfo(np.float64).max], GRID])

Slope = Callable[[np.ndarray], np.ndarray]
Interval = tuple[float, float]


class Health(NamedTuple):
    """Where f' neither vanishes nor fades; see the module docstring for the method."""

    vanish: float
    above_vanish: tuple[Interval, ...]  # |f'| >= vanish
    peak: float  # max |f'|
    peak_at: float | None  # where, to 6 decimals; None when |f'| is flat at its peak (relu)
    strong: tuple[Interval, ...]  # |f'| >= STRONG * peak
    unit_low: float  # min |f'| on the usual -1 < x < 1
    unit_high: float  # max |f'| there
    zero_left: bool  # f' is exactly 0 all the way left of the healthy range (dead: relu)
    zero_right: bool
    zeros: tuple[float, ...] = ()  # where f' changes sign (f has a minimum or maximum there)

    @property
    def strong_threshold(self) -> float:
        return STRONG * self.peak


def slope_of(op: Op, params: Sequence[float] = ()) -> Slope:
    """x -> d op(x, *params) / dx, from the registry's own derivative rule, vectorized."""

    def slope(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        args = [x, *(np.float64(p) for p in params)]
        with np.errstate(all="ignore"):
            out = op.forward(*args)
            return np.broadcast_to(np.asarray(op.partials(args, out)[0], dtype=np.float64), x.shape)

    return slope


def healthy_range(slope: Slope, vanish: float) -> Health:
    """Both healthy sets of the function whose derivative is ``slope``, and its peak.

    ``vanish`` 0 (no vanishing threshold) makes the whole line the set above it. Raises
    ValueError if ``vanish`` is neither 0 nor a positive finite number.
    """
    if not (math.isfinite(vanish) and vanish >= 0):
        raise ValueError(f"vanish must be 0 or a positive finite number, not {vanish!r}")
    size = np.abs(slope(GRID))
    size = np.where(np.isfinite(size), size, 0.0)
    peak, peak_at = _peak(slope, size)
    roots = _sign_changes(slope, peak)
    inside = [r for r in roots if UNIT_RANGE[0] < r < UNIT_RANGE[1]]  # |f'| is least at a zero of f'
    unit = np.abs(slope(np.concatenate([np.linspace(*UNIT_RANGE, 2001), inside])))
    above = _intervals(slope, vanish, roots) if vanish > 0 else ((-math.inf, math.inf),)
    # dead: f' is exactly 0 everywhere beyond the healthy range (relu for x <= 0), which is more
    # than the float64 underflow of a slope that only fades (sigmoid's at -1e308): it must be 0
    # at the edge itself too, since the grid's tail is too coarse to see a slope that fades
    # below --vanish long before it underflows (sigmoid with --vanish 1e-320, elu with alpha 1e300)
    first, last = (above[0][0], above[-1][1]) if above else (math.inf, -math.inf)
    return Health(
        vanish=vanish,
        above_vanish=above,
        peak=peak,
        peak_at=peak_at,
        strong=_intervals(slope, STRONG * peak, roots) if peak > 0 else (),
        unit_low=float(unit.min()),
        unit_high=float(unit.max()),
        zero_left=bool(
            math.isfinite(first) and _scalar(slope, first) == 0 and np.all(size[GRID <= first] == 0)
        ),
        zero_right=bool(
            math.isfinite(last) and _scalar(slope, last) == 0 and np.all(size[GRID >= last] == 0)
        ),
        zeros=tuple(roots),
    )


# --- bisection on the float64 numbers --------------------------------------------------------


def _key(x: float) -> int:
    """An integer that orders float64 numbers as they are ordered (adjacent floats differ by 1)."""
    bits = int(np.float64(x).view(np.int64))
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)


def _unkey(k: int) -> float:
    bits = k if k >= 0 else (-k) | -0x8000000000000000
    return float(np.int64(bits).view(np.float64))


def _bisect(test: Callable[[float], bool], a: float, b: float) -> tuple[float, float]:
    """Adjacent floats (a', b') in [a, b] with test(a') == test(a) and test(b') != test(a)."""
    side = test(a)
    ka, kb = _key(a), _key(b)
    while kb - ka > 1:
        km = (ka + kb) // 2
        if test(_unkey(km)) == side:
            ka = km
        else:
            kb = km
    return _unkey(ka), _unkey(kb)


def _scalar(slope: Slope, x: float) -> float:
    return float(slope(np.array([x]))[0])


JUMP = float(np.finfo(np.float64).eps) ** 0.5


def _sign_changes(slope: Slope, peak: float) -> list[float]:
    """Each root of f' between grid points where it changes sign (the float nearest it).

    A sign change where f' jumps (leaky_relu or elu with a negative alpha, at their kink) is no
    root: f' is not small on either side of it. Between two adjacent floats a continuous f'
    is within rounding of 0, far below ``JUMP`` times its peak.
    """
    s = np.sign(np.nan_to_num(slope(GRID)))
    roots = []
    for i in np.flatnonzero(s[:-1] * s[1:] < 0):
        a, b = _bisect(lambda x: _scalar(slope, x) > 0, float(GRID[i]), float(GRID[i + 1]))
        near, at = min((abs(_scalar(slope, a)), a), (abs(_scalar(slope, b)), b))
        if near <= JUMP * peak:
            roots.append(at)
    return roots


def _intervals(slope: Slope, threshold: float, roots: Sequence[float]) -> tuple[Interval, ...]:
    """The open intervals where |f'| >= threshold; ends are the last floats that fail the test."""

    def ok(x: float) -> bool:
        v = abs(_scalar(slope, x))
        return math.isfinite(v) and v >= threshold

    xs = np.unique(np.concatenate([GRID, roots]))
    size = np.abs(slope(xs))
    good = np.isfinite(size) & (size >= threshold)
    edges: list[tuple[float, bool]] = []  # (last failing float, True if healthy starts right of it)
    for i in np.flatnonzero(good[:-1] != good[1:]):
        a, b = _bisect(ok, float(xs[i]), float(xs[i + 1]))
        edges.append((a, True) if not good[i] else (b, False))
    found: list[Interval] = []
    start = -math.inf if good[0] else None
    for x, opens in edges:
        if opens:
            start = x
        elif start is not None:
            found.append((start, x))
            start = None
    if start is not None:
        found.append((start, math.inf))
    return tuple(found)


def _peak(slope: Slope, size: np.ndarray) -> tuple[float, float | None]:
    i = int(np.argmax(size))
    best = float(size[i])
    if best == 0:
        return 0.0, None
    if (i > 0 and size[i - 1] == best) or (i + 1 < len(size) and size[i + 1] == best):
        return best, None  # flat at its peak (relu, hard_sigmoid): no single place
    a, b = float(GRID[max(i - 1, 0)]), float(GRID[min(i + 1, len(GRID) - 1)])
    g = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(100):  # golden section on |f'|
        c, d = b - g * (b - a), a + g * (b - a)
        if abs(_scalar(slope, c)) >= abs(_scalar(slope, d)):
            b = d
        else:
            a = c
        if b - a <= 4 * np.spacing(max(abs(a), abs(b), 1e-300)):
            break
    x = (a + b) / 2.0
    value = abs(_scalar(slope, x))
    if value < best:
        value, x = best, float(GRID[i])
    # |f'| is flat at a smooth peak, so its place is known to about sqrt(eps) only; the value
    # is read at the place reported, so rounding noise near the top is not mistaken for height
    at = round(x, 6) + 0.0
    there = abs(_scalar(slope, at))
    return (there, at) if there >= best else (value, at)
