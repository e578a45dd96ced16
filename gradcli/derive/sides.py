"""One-sided derivatives at a kink, and where f jumps: forward mode with each op's one-sided
rule (:func:`gradcli.derive.backprop.directional`), else the values beside the point, in
mpmath first, then float64 (:func:`sides`, whose docstring gives the order)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..errors import GradcliError
from ..language.evaluate import Values
from ..language.nodes import Call, Expression
from .backprop import backprop, forward_slopes

MAX_PRECISE_JUMPS = 1000  # points per call whose jumps mpmath judges (float64 judges the rest)
PRECISE_DPS = 200  # (x moved by 2**-250 of |x|: a second-order term is 2**-500)


class Sides(NamedTuple):
    """f's exact one-sided derivatives in one variable at each point (:func:`sides`).

    ``left`` and ``right`` are NaN where f is not defined on that side, or jumps there, or the
    derivative could not be found (``unknown_left``, ``unknown_right``: f is defined and does not
    jump there, but neither forward mode nor the quotients beside the point settle the slope);
    where it jumps (``jump_left``, ``jump_right``), ``f_left`` and ``f_right`` are its values
    just beside the point (else NaN).
    """

    left: np.ndarray
    right: np.ndarray
    jump_left: np.ndarray
    jump_right: np.ndarray
    f_left: np.ndarray
    f_right: np.ndarray
    unknown_left: np.ndarray
    unknown_right: np.ndarray


def one_sided(expr: Expression, values: Values, var: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact (left, right) derivatives of f with respect to variable ``var`` at ``n`` points
    (:func:`sides`, without the jumps)."""
    found = sides(expr, values, var, n)
    return found.left, found.right


def sides(expr: Expression, values: Values, var: int, n: int) -> Sides:
    """Exact one-sided derivatives of f with respect to variable ``var`` at ``n`` points, and
    where f jumps.

    Forward mode gives them, with each op's one-sided rule at its kinks; where it cannot (NaN:
    a jump, 0 * inf as in ``sqrt(x)**2`` at 0, an argument that moves only at a higher order as
    in ``cbrt(x**2)``), the values beside the point decide, in this order:

    * mpmath (at most ``MAX_PRECISE_JUMPS`` points a call; :func:`_beside_precise`): a jump where
      f beside stays away from f at the point as the step shrinks (its value is kept, so the
      claim rests on it), else the quotient's limit, else unknown;
    * float64, where mpmath did not judge: f exactly unchanged at 2**-20 and 2**-44 of
      max(|x|, 1) to that side is a flat piece, slope 0 (relu's dead side; float64 cannot tell
      it from a slope below f's spacing over that move, which mpmath can);
    * float64, where mpmath cannot evaluate f: a jump only where an op that ``jumps`` gave NaN
      on the way and f at 1 and 64 float spacings of x (2**-800 and 2**-700 at 0) stays away
      (:func:`_stays_away`); else the limit of backprop just beside the point (for f
      continuous on that side, by the mean value theorem) at 4 and 64 spacings (2**-700 and
      2**-800 at 0), taken if the two agree to 1e-12 relative (or both below 2**-300 and
      falling: 0; both above 2**300 and rising: inf).

    A side that none of these settles, where f is defined, is ``unknown``; where f is not a
    real number beside the point (a domain edge) its derivative is NaN and not unknown.
    """
    seed = [0.0] * len(expr.variables)
    seed[var] = 1.0
    right, right_jumps = forward_slopes(expr, values, seed)
    seed[var] = -1.0
    left, left_jumps = forward_slopes(expr, values, seed)
    right, left = np.array(np.broadcast_to(right, (n,))), -np.array(np.broadcast_to(left, (n,)))
    f = np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (n,))
    # f finite through an infinite value that moves with the variable (a pole at the point:
    # min(cot(x), 0, x) at 0, where cot is inf and, just to the left, -inf): forward mode's slopes
    # are not f's; the values beside the point decide instead
    if any(np.isinf(values[i]).any() for i in range(len(expr.nodes)) if type(expr.nodes[i]) is Call):
        from ..language.poles import through_infinity

        pole = through_infinity(expr, values, n)[0][var]
        right, left = np.where(pole, np.nan, right), np.where(pole, np.nan, left)
    found = []
    for side, out, maybe in ((-1.0, left, left_jumps), (1.0, right, right_jumps)):
        jumped = np.zeros(n, dtype=bool)
        unknown = np.zeros(n, dtype=bool)
        beside = np.full(n, np.nan)
        could = np.flatnonzero(np.isnan(out))
        if could.size:
            # mpmath first: float64 can round a move away (c = -1+(x+1) is 0 for |x| < 2**-53),
            # or make one up; float64 judges the points past MAX_PRECISE_JUMPS, or where mpmath cannot
            moved, near = np.zeros(could.size, dtype=bool), np.full(could.size, np.nan)
            judged, undefined = np.zeros(could.size, dtype=bool), np.zeros(could.size, dtype=bool)
            slope = np.full(could.size, np.nan)
            ask = np.arange(min(could.size, MAX_PRECISE_JUMPS))
            found_mp = _beside_precise(expr, values, var, could[ask], side) if ask.size else None
            if found_mp is not None:
                moved[ask], near[ask], judged[ask], slope[ask], undefined[ask] = found_mp
            # where mpmath did not judge: f exactly as it is at both 2**-20 and 2**-44 of
            # max(|x|, 1) to this side is taken for a flat piece (relu's dead side), slope 0. Only
            # there: float64 cannot tell flat from a slope its spacing hides (the row of elu(y, y)
            # at -38.9 is -1 - 5e-16, and moves by 1.8e-20 at 2**-20 of 38.9: slope -4.8e-16)
            rest = np.flatnonzero(~judged & ~undefined)
            if rest.size:
                flat = np.zeros(could.size, dtype=bool)
                flat[rest] = _unmoved(expr, values, var, could[rest], side, f[could[rest]])
                judged[flat], slope[flat] = True, 0.0
            out[could] = np.where(judged & ~moved, slope, out[could])
            rest = np.flatnonzero(~judged & ~undefined)
            if rest.size:  # float64: a jump only where an op that jumps says so, then the limit
                close = _beside(expr, values, var, could[rest], side, 2.0**-800, 1.0)
                far = _beside(expr, values, var, could[rest], side, 2.0**-700, 64.0)
                maybe_rest = np.broadcast_to(maybe, (n,))[could[rest]]
                moved[rest] = _stays_away(f[could[rest]], close, far) & maybe_rest
                near[rest] = close
                undefined[rest] = ~np.isfinite(close)
                todo = rest[~moved[rest] & ~undefined[rest]]
                if todo.size:
                    out[could[todo]] = _limit(expr, values, var, could[todo], side)
            jumped[could[moved]] = True
            beside[could[moved]] = near[moved]
            unknown[could] = np.isnan(out[could]) & ~moved & ~undefined
        found.append((jumped, beside, unknown))
    (jump_left, f_left, unknown_left), (jump_right, f_right, unknown_right) = found
    return Sides(left, right, jump_left, jump_right, f_left, f_right, unknown_left, unknown_right)


def _nudged(
    expr: Expression, values: Values, var: int, todo: np.ndarray, side: float, tiny: float, ulps: float
) -> list:
    """The variables at the points ``todo``, ``var`` moved to one side: by ``ulps`` float
    spacings of x, or by ``tiny`` at x = 0."""
    x = np.asarray(values[expr.var_nodes[var]], dtype=np.float64)[todo]
    with np.errstate(all="ignore"):  # (the spacing of 1.8e308 overflows: inf, a step off the range)
        return _moved(
            expr, values, var, todo, x + side * np.where(x == 0, tiny, ulps * np.spacing(np.abs(x)))
        )


def _moved(expr: Expression, values: Values, var: int, todo: np.ndarray, x: np.ndarray) -> list:
    """The variables at the points ``todo``, with ``var`` at ``x`` instead."""
    cols = [np.asarray(values[slot], dtype=np.float64)[todo] for slot in expr.var_nodes]
    cols[var] = x
    return cols


def _f_at(expr: Expression, cols: list, size: int) -> np.ndarray:
    """f in float64 at the points whose variables are ``cols`` (``size`` of them)."""
    from ..language.evaluate import forward

    with np.errstate(all="ignore"):
        return np.array(np.broadcast_to(np.asarray(forward(expr, cols)[-1], dtype=np.float64), (size,)))


def _unmoved(
    expr: Expression, values: Values, var: int, todo: np.ndarray, side: float, f: np.ndarray
) -> np.ndarray:
    """Whether f, in float64, is exactly its value ``f`` at x moved to one side by 2**-20 and by
    2**-44 of max(|x|, 1): a flat piece on that side (a finite f only)."""
    x = np.asarray(values[expr.var_nodes[var]], dtype=np.float64)[todo]
    same = np.isfinite(f)
    for scale in (2.0**-20, 2.0**-44):
        with np.errstate(all="ignore"):
            x_near = x + side * scale * np.maximum(np.abs(x), 1.0)
        near = _f_at(expr, _moved(expr, values, var, todo, x_near), todo.size)
        same &= near == f
    return same


def _beside(
    expr: Expression, values: Values, var: int, todo: np.ndarray, side: float, tiny: float, ulps: float
) -> np.ndarray:
    """f just beside the points ``todo`` on one side (``ulps`` float spacings of x, ``tiny`` at 0)."""
    return _f_at(expr, _nudged(expr, values, var, todo, side, tiny, ulps), todo.size)


def _stays_away(f: Any, near: Any, far: Any) -> np.ndarray:
    """Whether f beside a point (``near``: closer, ``far``: 64 or 2**100 times farther) stays away
    from f at it: both moves finite, within a factor of 2 of each other, and beyond 2**-40 of f."""
    with np.errstate(all="ignore"):
        step, wide = np.abs(near - f), np.abs(far - f)
        noise = 2.0**-40 * np.maximum(np.abs(f), np.abs(near))
        return np.asarray((step > noise) & (step >= wide / 2) & np.isfinite(step) & np.isfinite(wide))


def _beside_precise(
    expr: Expression, values: Values, var: int, todo: np.ndarray, side: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """:func:`_stays_away` in mpmath at 200 digits, x moved by d = 2**-150 and 2**-250 of |x|
    (of 1 at 0); f just beside; which points mpmath could judge (not those where a value is
    beyond its range, complex or not finite); where f does not jump, the one-sided derivative
    from the quotient q(d) = (f(x +/- d) - f(x)) / (+/- d): q where its two values agree to 1e-12
    relative (a smooth piece: they differ by about d times the curvature), 0 where it falls by
    2**20 or more as d falls by 2**100 (x**(4/3) at 0: q ~ d**(1/3)), +-inf where it grows as
    much with one sign (cbrt at 0), else NaN; and where f is not a real number beside the point
    (a domain edge). None where f has no high-precision form."""
    import mpmath

    from ..language import precise
    from ..registry import BeyondRange

    try:
        precise.supported(expr)
    except GradcliError:
        return None
    cols = [np.asarray(values[slot], dtype=np.float64) for slot in expr.var_nodes]
    moved = np.zeros(todo.size, dtype=bool)
    judged = np.zeros(todo.size, dtype=bool)
    undefined = np.zeros(todo.size, dtype=bool)
    beside = np.full(todo.size, np.nan)
    slope = np.full(todo.size, np.nan)
    with mpmath.workdps(PRECISE_DPS):
        for k, p in enumerate(todo.tolist()):
            point = [mpmath.mpf(float(c[p])) for c in cols]
            x = point[var]
            scale = abs(x) if x else mpmath.mpf(1)
            try:
                at = precise.values(expr, point, PRECISE_DPS)[-1]
                got, steps = [], [side * scale * mpmath.mpf(2) ** -bits for bits in (150, 250)]
                for d in steps:
                    point[var] = x + d
                    got.append(precise.values(expr, point, PRECISE_DPS)[-1])
            except (BeyondRange, ArithmeticError, ValueError):
                continue
            near, far = got[1], got[0]
            if not all(isinstance(v, mpmath.mpf) and mpmath.isfinite(v) for v in (at, near, far)):
                real = [isinstance(v, mpmath.mpf) and not mpmath.isnan(v) for v in (at, near, far)]
                undefined[k] = real[0] and not (real[1] and real[2])  # defined here, not beside
                continue
            judged[k] = True
            step, wide = abs(near - at), abs(far - at)
            if step > mpmath.mpf(2) ** -40 * max(abs(at), abs(near)) and step >= wide / 2:
                if _settled(expr, point, var, x, steps[1], at, near):
                    moved[k], beside[k] = True, float(near)
                # else a move of the precision's own size (sin(atan2(0, x)) just left of 0 is
                # sin(pi), 1.4e-201 at 200 digits and 0 in truth): neither a jump nor a slope
                continue
            q_far, q_near = (far - at) / steps[0], (near - at) / steps[1]
            if abs(q_near - q_far) <= mpmath.mpf(10) ** -12 * max(abs(q_near), abs(q_far)):
                slope[k] = float(q_near)
            elif abs(q_near) * 2**20 <= abs(q_far) and q_near != 0:  # (an exact 0 may be lost digits)
                slope[k] = 0.0
            elif abs(q_near) >= 2**20 * abs(q_far) and q_near * q_far > 0:
                slope[k] = math.copysign(math.inf, float(q_near))
    return moved, beside, judged, slope, undefined


def precise_slopes(
    expr: Expression, values: Values, var: int, todo: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The one-sided derivatives (left, right) of f in variable ``var`` at the points ``todo``
    from its quotients in mpmath (:func:`_beside_precise`: two steps whose quotients agree to
    1e-12 relative), NaN where mpmath cannot judge them, or f jumps or is not defined beside;
    and what the working precision alone can hide in them (f's rounding at ``PRECISE_DPS``
    digits over the nearer step, with a margin: a slope read as 0 is 0 to within it)."""
    out = []
    for side in (-1.0, 1.0):
        found = _beside_precise(expr, values, var, todo, side) if todo.size else None
        if found is None:
            nan = np.full(todo.size, np.nan)
            return nan, nan, nan
        moved, _, judged, slope, undefined = found
        out.append(np.where(judged & ~moved & ~undefined, slope, np.nan))
    x = np.abs(np.asarray(values[expr.var_nodes[var]], dtype=np.float64))
    f = np.abs(np.broadcast_to(np.asarray(values[-1], dtype=np.float64), x.shape))
    with np.errstate(all="ignore"):
        hidden = f[todo] * 10.0 ** (20 - PRECISE_DPS) / (2.0**-250 * np.where(x[todo] > 0, x[todo], 1.0))
    return out[0], out[1], hidden


def _settled(expr: Expression, point: list, var: int, x: Any, d: Any, at: Any, near: Any) -> bool:
    """Whether f at x and at x + d, taken again at 40 more digits, moves by the same amount
    (to 1e-6): a jump of f's own, not of the working precision (a value that is 0 in truth,
    sin(pi), reads 1e-201 at 200 digits and 1e-241 at 240)."""
    import mpmath

    from ..language import precise

    with mpmath.workdps(PRECISE_DPS + 40):
        point = list(point)
        point[var] = x
        at2 = precise.values(expr, point, PRECISE_DPS + 40)[-1]
        point[var] = x + d
        near2 = precise.values(expr, point, PRECISE_DPS + 40)[-1]
        if not all(isinstance(v, mpmath.mpf) and mpmath.isfinite(v) for v in (at2, near2)):
            return False
        step, step2 = abs(near - at), abs(near2 - at2)
        return bool(abs(step2 - step) <= mpmath.mpf(10) ** -6 * step)


def _limit(expr: Expression, values: Values, var: int, todo: np.ndarray, side: float) -> np.ndarray:
    """The derivative in ``var`` just beside the points ``todo``, on one side: its limit or NaN."""
    from ..language.evaluate import forward

    found = []
    with np.errstate(all="ignore"):
        for tiny, ulps in ((2.0**-700, 4.0), (2.0**-800, 64.0)):
            grad, _ = backprop(
                expr, forward(expr, _nudged(expr, values, var, todo, side, tiny, ulps)), todo.size
            )
            found.append(grad[var])
        a, b = found
        agree = np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= 1e-12 * np.abs(b))
        to_zero = (np.abs(b) <= np.abs(a)) & (np.abs(a) < 2.0**-300)  # x**1.5 at 0: 2**-350, 2**-400
        to_inf = (np.abs(b) >= np.abs(a)) & (np.abs(a) > 2.0**300) & (np.sign(a) == np.sign(b))
        return np.where(agree, b, np.where(to_zero, 0.0, np.where(to_inf, np.copysign(np.inf, b), np.nan)))


__all__ = ["MAX_PRECISE_JUMPS", "PRECISE_DPS", "Sides", "one_sided", "precise_slopes", "sides"]
