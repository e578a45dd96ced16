"""Where f may stop being analytic along a variable, read from the expression's own functions.

Every function in the registry names its *seams* (``Op.seams``: relu's x = 0, max's ties, a
division's zero denominator, gamma's poles): functions of its arguments that are smooth on each
piece, 0 on a seam and change sign across it. :func:`seam_reach` reads from their values at x
and x +- p how far the nearest seam is, which bounds the length over which difference steps may
reach (:func:`gradcli.derive.steps.scale`); a pilot difference cannot see a kink of a
piecewise-linear f beyond its own step. Two more reaches bound it the same way: a radian of a
periodic function's argument (:func:`wave_reach`, ``Op.period``), and the distance at which f
would overflow float64 (:func:`overflow_reach`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..language.evaluate import Values
from ..language.nodes import Call, Expression

NOISE = 4.0 * 2.220446049250313e-16  # a second difference this small, relative to f, is rounding


def second_difference(up: np.ndarray, here: np.ndarray, down: np.ndarray) -> np.ndarray:
    """The second difference up - 2 here + down, 0 where it is within the values' own rounding
    (4 eps_m times the sum of their magnitudes): as far as such a difference sees, it is 0."""
    second = (up - here) - (here - down)  # (not up - 2 here + down: 2 here overflows near 1e308)
    size = 0.25 * np.abs(up) + 0.5 * np.abs(here) + 0.25 * np.abs(down)
    return np.where(np.abs(second) <= (4.0 * NOISE) * size, 0.0, second)


def seam_nodes(expr: Expression) -> list[int]:
    """The nodes whose op has seams (``Op.seams``): where f may stop being analytic."""
    return [i for i, node in enumerate(expr.nodes) if type(node) is Call and node.op.seams is not None]


def wave_nodes(expr: Expression) -> list[int]:
    """The nodes whose op is periodic in its argument (``Op.period``: sin, cos, tan, ...) or
    repeats itself somewhere (``Op.wave``: gamma's poles below 1/2)."""
    return [
        i
        for i, node in enumerate(expr.nodes)
        if type(node) is Call and (node.op.period is not None or node.op.wave is not None)
    ]


def wave_reach(
    expr: Expression, waves: Sequence[int], plus: Values, minus: Values, p: np.ndarray
) -> np.ndarray:
    """How far along the variable every periodic node's argument moves by at most a radian,
    from the argument's values at x +- p (``plus``, ``minus``: node values there): 1 / |a'|,
    a' by central difference; inf where no argument moves. For an op with ``Op.wave`` the
    angle is that function of the arguments (lgamma(2/x) at -2.3e-6: pi * 2/x, whose poles
    are 2.7e-12 apart; inf where it is NaN on either side).

    A radian of a periodic function's argument is the length it may vary on, however flat f
    looks at x under its rounding: cos(x) + x at 1e10 has f'' of 1 where the pilot sees only
    f's rounding (2e-6), and a step of 10 spans periods.
    """
    m = len(p)
    reach = np.full(m, np.inf)
    with np.errstate(all="ignore"):
        for i in waves:
            node = expr.nodes[i]
            assert type(node) is Call
            wave = node.op.wave
            if wave is None:
                up_angle, down_angle = plus[node.args[0]], minus[node.args[0]]
            else:
                up_angle = wave([plus[k] for k in node.args])
                down_angle = wave([minus[k] for k in node.args])
            up = np.broadcast_to(np.asarray(up_angle, dtype=np.float64), (m,))
            down = np.broadcast_to(np.asarray(down_angle, dtype=np.float64), (m,))
            slope = np.abs((up - down) / (2.0 * p))
            reach = np.fmin(reach, np.where(slope > 0, 1.0 / slope, np.inf))
    return reach


def moved(cols: Sequence[np.ndarray], j: int, xj: np.ndarray) -> list[np.ndarray]:
    """The columns with variable j's replaced by ``xj``."""
    out = list(cols)
    out[j] = xj
    return out


def seam_functions(expr: Expression, seams: list[int], values: Values, m: int) -> list[np.ndarray]:
    """The seam functions of the nodes ``seams`` from their values, each an (m,) array, and f."""
    out = []
    for i in seams:
        node = expr.nodes[i]
        assert type(node) is Call and node.op.seams is not None
        for g in node.op.seams([values[k] for k in node.args], values[i]):
            out.append(np.broadcast_to(np.asarray(g, dtype=np.float64), (m,)))
    out.append(np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (m,)))
    return out


def seam_reach(
    here: Sequence[np.ndarray], plus: Sequence[np.ndarray], minus: Sequence[np.ndarray], p: np.ndarray
) -> np.ndarray:
    """How far along the variable the nearest seam is, from each seam function g at x and x +- p.

    Per g, the smaller of the Newton step |g / g'| and the nearer real root of g's quadratic
    model (g' and g'' by central differences at p; a second difference within rounding counts
    as 0). Exact where g is linear in the variable (relu(x - 0.3): 0.3 - x), within a few
    percent where a pilot at p sees g's curvature; a far seam may be nearer than it reads where
    g curves more further away. Where g has a corner at its 0 within p (|g| of hypot(x, x) near
    0, or a min/max hinge that is 0 at a pilot point), the distance is |g| over its steeper
    one-sided slope. inf where no g crosses 0 near x by
    that model, where x is on a seam (g = 0: the pilot differences straddle it), and where g
    jumps across 0 within p rather than crossing it (``Op.seams`` of a division, where its
    numerator vanishes too: sin(x)/x at 0, smooth there).
    """
    reach = np.full(len(p), np.inf)
    with np.errstate(all="ignore"):
        for g0, gp, gm in zip(here, plus, minus):
            slope = (gp - gm) / (2.0 * p)
            d = np.abs(g0 / slope)  # the Newton step
            second = second_difference(gp, g0, gm)
            if second.any():  # (not where every g is linear in the variable: relu(x - 1))
                c = second / p / p / 2.0
                disc = slope * slope - 4.0 * c * g0
                q = -0.5 * (slope + np.copysign(np.sqrt(disc), slope))
                roots = np.fmin(np.abs(q / c), np.abs(g0 / q))
                d = np.fmin(d, np.where(disc >= 0, roots, np.inf))
            # Within the pilot step a g that crosses 0 smoothly reads as a seam, and so does one
            # with a corner at its 0, read over its steeper one-sided slope (the central one
            # averages the corner): |g| that falls to 0 and rises again (hypot's cone), or a hinge
            # that is exactly 0 at a pilot point (min and max's seams are 0 wherever their
            # argument is the extreme: max(x, 1) at 1.000001, a tie 1e-6 away). One that jumps
            # across (a division whose numerator vanishes too: sin(x)/x) is not a seam.
            rough = np.abs(second) > 0.25 * np.abs(gp - gm)
            vee = (
                rough & (g0 * gp > 0) & (g0 * gm > 0) & (np.abs(g0) < np.abs(gp)) & (np.abs(g0) < np.abs(gm))
            )
            corner = vee | ((g0 != 0) & ((gp == 0) | (gm == 0)))
            if corner.any():
                steepest = np.maximum(np.abs(gp - g0), np.abs(g0 - gm)) / p
                d = np.where(corner, np.fmin(d, np.abs(g0) / steepest), d)
            # (a jump changes g's sign within the pilot; a g that only touches 0 beyond it, as
            # the base x**2 of (x**2)**x does at 0, keeps its sign there and is a seam)
            crosses = (np.sign(gp) != np.sign(g0)) | (np.sign(gm) != np.sign(g0))
            d[(g0 == 0) | ((d < p) & rough & ~corner & crosses)] = np.inf
            np.fmin(reach, d, out=reach)
    return reach


def overflow_reach(
    f: np.ndarray, first: np.ndarray, second: np.ndarray, p: np.ndarray, wide: np.ndarray | None = None
) -> np.ndarray:
    """How far along the variable |f| may grow before it overflows float64, by the pilot's
    half difference ``first`` (f' p) and second difference ``second`` (f'' p**2) at step p.

    The distance d at which f's parabola |f| + |f'| d + |f''| d**2 / 2 reaches the largest
    float, in logarithms (no overflow of its own): 0.0825 at exp(709.7), 1.26 at 1e308*cosh(x)
    at 0. Beyond f's own length |f'/f''| a parabola understates growth (exp at 700: 190, not
    9.8), but there the length itself is the shorter; inf where f' and f'' are both 0, and where
    the parabola stays below half the largest float out to ``wide`` (the usual case, found
    without logarithms: a length is never more than that).
    """
    out = np.full(len(f), np.inf)
    with np.errstate(all="ignore"):
        todo = np.isfinite(f)
        if wide is not None:
            slope, bend = np.abs(first) / p, (np.abs(second) / p) / p
            peak = np.abs(f) + slope * wide + 0.5 * bend * wide * wide
            todo &= ~(peak <= 0.5 * np.finfo(float).max)
        idx = np.flatnonzero(todo)
        if not idx.size:
            return out
        f, first, second, p = f[idx], first[idx], second[idx], p[idx]
        lp = np.log(p)
        lb = np.log(np.abs(first)) - lp  # ln |f'|
        la = np.log(0.5 * np.abs(second)) - 2.0 * lp  # ln |f''| / 2
        lc = np.log(np.finfo(float).max - np.abs(f))  # the room left
        lq = 0.5 * (np.log(4.0) + la + lc)  # ln sqrt(4 a c)
        top = np.fmax(lb, lq)
        # d = 2c / (b + sqrt(b**2 + 4ac)), each term over e**top
        rb, rq = np.exp(lb - top), np.exp(lq - top)
        d = np.exp(np.log(2.0) + lc - top - np.log(rb + np.sqrt(rb * rb + rq * rq)))
        out[idx] = np.where(d >= 0, d, np.inf)
    return out
