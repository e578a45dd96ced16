"""Step rules shared by the difference methods: exact steps, and the length over which f is smooth.

A step h is *representable* against x when x + h and x - h are exact in float64, so the
difference formula divides exactly the change in x it made. The *length scale* s of f at x
along one variable is how far f can be trusted to stay smooth (see :func:`scale`): for a
function of scale 1 it is max(1, |x|); near a pole, domain edge or kink at distance d it is of
order d (seen by pilot differences, or named by the expression's functions: ``Op.seams``), and
where f varies faster than x's own size suggests (sin at 1e12) it is f's own scale, so steps
chosen as fractions of s stay on the smooth side and never alias.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ..errors import OptionError
from ..language.evaluate import Values, forward, value
from ..language.nodes import Expression
from .seams import (
    NOISE,
    moved,
    overflow_reach,
    seam_functions,
    seam_nodes,
    seam_reach,
    second_difference,
    wave_nodes,
    wave_reach,
)

PILOT = 2.0**-17  # the first pilot difference's step (at least one ulp of x)
PILOTS = 24  # most pilot differences per variable (two evaluations each; the later ones only where needed)
SHRINK = 2.0**4  # each pilot again is at least this many times closer
RESOLVE = 4.0  # a pilot resolves f when the scale it finds is at least this many pilot steps
NEAR_CAP = 2.0  # once a pilot had to shrink, s is at most this many times the pilot that resolved f
CONFIRM = math.log(4.0)  # a retried pilot's length, and the one at half its step, agree within 4x
WIDEN = 16.0  # a short length the first pilot saw is tested at this many pilot steps (or twice it) first
GROW = 32.0  # and then at this many times farther each time, while f follows its parabola
PARABOLA = 0.25  # f follows its parabola at h when f(x +- h) is within this much of its h**2 term


Eps = float | tuple | np.ndarray | None  # one step, auto (None), a step (or None) per variable,
# or an (n,) array: a step per point (a sweep: one point repeated, a step each)


def per_variable(eps: float | Mapping[str, float] | None, variables: Sequence[str]) -> Eps:
    """``--eps`` made ready for the difference methods: a number or None as given; a mapping
    name -> step becomes a tuple in ``variables`` order, None (auto) for a variable not named.
    A name that is not a variable is an OptionError listing the variables."""
    if not isinstance(eps, Mapping):
        return eps
    unknown = [name for name in eps if name not in variables]
    if unknown:
        listing = (
            f"the expression's variables are {', '.join(variables)}" if variables else "it has no variables"
        )
        raise OptionError(
            f"--eps names {unknown[0]}, which is not a variable of the expression", hint=listing
        )
    steps = tuple(eps.get(name) for name in variables)
    return None if all(h is None for h in steps) else steps


def given(eps: Eps, j: int) -> float | np.ndarray | None:
    """The step asked for variable ``j`` (None: choose it automatically)."""
    return eps[j] if isinstance(eps, tuple) else eps


def fixed_steps(wanted: float | np.ndarray, n: int) -> np.ndarray:
    """A given step (one number, or one per point) as a fresh (n,) float64 array."""
    return np.array(np.broadcast_to(np.asarray(wanted, dtype=np.float64), (n,)))


def every_auto(eps: Eps) -> bool:
    """Whether every variable's step is chosen automatically."""
    return eps is None or (isinstance(eps, tuple) and all(h is None for h in eps))


class Scale(NamedTuple):
    """f's smooth length along one variable at n points (see :func:`scale`)."""

    length: np.ndarray  # s
    near: np.ndarray  # bool: a pole, domain edge, kink or fast variation is within the first pilot step
    resolved: np.ndarray  # bool: False where no step float64 can take at x resolves f (sin at 1e20)
    pilots: int  # most pilot differences taken at any point
    # |f''| p at x, by the pilot that resolved f at step p (0 within rounding; NaN where none
    # did): the change in slope across one pilot step, finite where f'' alone would overflow
    bend: np.ndarray | None = None
    pilot: np.ndarray | None = None  # that pilot's step p (NaN where none resolved f)
    # bool: x sits on a seam the variable moves (a seam function is 0 at x and not beside it):
    # f may be smooth on each side only (x*abs(x) at 0), so a stencil across x errs in h, not h**2
    on_seam: np.ndarray | None = None


_EXPONENT = np.int64(0x7FF0000000000000)  # a float64's exponent bits
_TINY = 5e-324  # the spacing of the subnormals (and at 0)


def ulp(x: np.ndarray) -> np.ndarray:
    """The float spacing at |x| (toward larger magnitude), finite even at the largest float64;
    inf at inf and NaN at NaN.

    The same as ``np.spacing(|x|)`` wherever that is finite (tested), and in the largest binade
    the spacing within it (2**971), computed from x's exponent bits: 2**(e - 52) for a normal
    number 2**e * 1.m, at least the subnormal spacing.
    """
    with np.errstate(all="ignore"):
        x = np.asarray(x, dtype=np.float64)
        a = np.abs(x, out=np.empty_like(x))  # an array even where x is 0-d
        up = np.empty_like(a)
        np.bitwise_and(a.view(np.int64), _EXPONENT, out=up.view(np.int64))  # 2**e (inf for inf, NaN)
        np.multiply(up, 2.0**-52, out=up)
        np.maximum(up, _TINY, out=up)
        if np.isnan(a.sum()):  # only a NaN makes the sum of magnitudes NaN
            up[np.isnan(a)] = np.nan
        return up[()] if up.ndim == 0 else up  # a scalar for a scalar, as numpy gives


def representable(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """h rounded so that x + h and x - h are both exact in float64; never below one ulp of x.

    Overflow-safe: where |x| + h overflows, h is kept at the spacing of x's own binade.
    """
    with np.errstate(all="ignore"):
        a = np.abs(x)
        spacing = ulp(a)
        out = (a + np.maximum(h, spacing)) - a
        return np.where(np.isfinite(out), out, spacing)


def along(expr: Expression, cols: Sequence[np.ndarray], j: int, xj: np.ndarray, n: int) -> np.ndarray:
    """f at the n points with variable j moved to ``xj``."""
    return value(expr, moved(cols, j, xj), n)


def subset(cols: Sequence[np.ndarray], idx: np.ndarray, n: int) -> list[np.ndarray]:
    """The columns at the points ``idx`` (each column broadcast to n first)."""
    return [np.broadcast_to(np.asarray(c, dtype=np.float64), (n,))[idx] for c in cols]


def length_scale(
    expr: Expression, cols: Sequence[np.ndarray], j: int, x: np.ndarray, f0: np.ndarray
) -> np.ndarray:
    """s of :func:`scale` alone."""
    return scale(expr, cols, j, x, f0).length


def scale(
    expr: Expression,
    cols: Sequence[np.ndarray],
    j: int,
    x: np.ndarray,
    f0: np.ndarray,
    values: Values | None = None,
) -> Scale:
    """How far f can be trusted to stay smooth along variable j, from pilot central differences.

    A pilot at step p gives f' and f'' by central differences, and the scale it sees is
    s = min(max(1, |x|), max(|f'/f''|, sqrt(|f/f''|))) (infinite where f'' = 0, or where
    f = f' = 0: nothing there says an edge is near). Near a pole or domain edge at distance d
    both ratios are of order d (1/(x-a): d/2 and d/sqrt(2)); where only f' vanishes (sin at
    pi/2) the second keeps s at f's own scale. The pilot *resolves* f when s >= ``RESOLVE`` p.
    A second difference within f's rounding (4 eps_m times the sum of the |f| values in it)
    counts as f'' = 0, so at large |x| a pilot blind to f's curvature leaves s at |x| (log at
    1e8), while a function varying on a scale of 1 shows it (sin at 1e12: the pilot is never
    longer than f's scale, so it cannot alias). The first pilot is at p = 2**-17 (at least
    one ulp of x); where it does not resolve f (its stencil
    straddles a pole or kink, leaves f's domain, or spans periods of f, as at sin(1e12)), the
    pilot is taken again, at most p / ``SHRINK`` and at most the scale it saw / (2 ``RESOLVE``),
    or half of |x| where f was not finite (an edge at 0: log at 1e-100), up to ``PILOTS``
    times, two evaluations each, at those points only; a retried pilot that resolves f is
    confirmed by one at half its step, which must see a length within ``CONFIRM`` (4x) of it
    (f varying below the float spacing can pass one pilot by chance, not two). After a retry s is at most
    ``NEAR_CAP`` times the pilot that resolved f (``near``). Where no pilot above the float
    spacing at x resolves f, s is that spacing and ``resolved`` is False: no float64 step
    can resolve f there.

    Where the expression names a seam (``Op.seams``: a kink, jump, pole or edge) along the
    variable, s is at most the distance to it (:func:`seam_reach`): a pilot cannot see a kink
    of a piecewise-linear f beyond its step, nor a pole that f hides (erf(2/x)), and reads a
    cone's tip within its step as a smooth minimum (sqrt(2) |x| as x**2 / p). s is also at most
    the distance at which f would overflow float64 (:func:`overflow_reach`), and at most a
    radian of every periodic function's argument (``Op.period``: :func:`wave_reach`; a wiggle
    under f's rounding, cos(x) + x at 1e10, is invisible to the pilot). ``bend`` is |f''| p
    from the pilot that resolved f at step p (``pilot``). ``values`` are the node values at the
    points, if at hand (else computed).
    """
    n = len(f0)
    x = np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))
    f0 = np.asarray(f0, dtype=np.float64)
    with np.errstate(all="ignore"):
        wide = np.maximum(1.0, np.abs(x))
        length = wide.copy()
        near = np.zeros(n, dtype=bool)
        resolved = np.ones(n, dtype=bool)
        bend, pilot = np.full(n, np.nan), np.full(n, np.nan)
        idx = np.flatnonzero(np.isfinite(f0) & np.isfinite(x))
        p = representable(x if idx.size == n else x[idx], np.full(idx.size, PILOT))
        first = np.zeros(n)  # the first pilot's step, at which seams are read (0: none taken)
        first[idx] = p
        here: list[np.ndarray] = []  # the seam functions at x
        taken = 0
        bit = 1 << j
        seams = [i for i in seam_nodes(expr) if expr.uses[i] & bit]
        waves = [i for i in wave_nodes(expr) if expr.uses[i] & bit]
        reach = np.full(n, np.inf)
        radian = np.full(n, np.inf)  # a radian of the fastest periodic function's argument
        room = np.full(n, np.inf)  # how far f may go before it overflows float64
        on_seam = np.zeros(n, dtype=bool)
        for attempt in range(PILOTS):
            if idx.size == 0:
                break
            taken += 1
            m = idx.size
            if m == n:  # every point (the usual first pilot): no copies
                xs, f, sub = x, f0, [np.broadcast_to(np.asarray(c, dtype=np.float64), (n,)) for c in cols]
            else:
                xs, f, sub = x[idx], f0[idx], subset(cols, idx, n)
            if (attempt == 0 and seams) or waves:
                up_values, down_values = (forward(expr, moved(sub, j, at)) for at in (xs + p, xs - p))
                plus, minus = (
                    seam_functions(expr, seams, up_values, m),
                    seam_functions(expr, seams, down_values, m),
                )
                fp, fm = plus.pop(), minus.pop()
                if attempt == 0 and seams:
                    here = seam_functions(
                        expr, seams, values if values is not None else forward(expr, cols), n
                    )[:-1]
                    at_x = [g[idx] for g in here] if m < n else here
                    reach[idx] = seam_reach(at_x, plus, minus, p)
                    on_seam[idx] = np.logical_or.reduce(
                        [(g0 == 0) & (gp != gm) for g0, gp, gm in zip(at_x, plus, minus)]
                    )
            else:
                fp, fm = along(expr, sub, j, xs + p, m), along(expr, sub, j, xs - p, m)
            finite, d1, d2, r1, r2, seen, second = _pilot(f, fp, fm, p, wide[idx])
            if attempt == 0:  # (not where a seam the expression names is as near: log(x) at 0.1)
                room[idx] = overflow_reach(f, 0.5 * (fp - fm), second, p, wide[idx])
                usable = finite & (d2 != 0) & (reach[idx] > 2.0 * seen)
                seen = _widen(expr, sub, j, xs, (f, d1, d2), p, seen, wide[idx], usable)
            ok = finite & (seen >= RESOLVE * p)
            if attempt and ok.any():
                # A retried pilot is confirmed by one at half its step, which must see about the
                # same length: f varying below the float spacing (sin(polygamma(2, x)) near 0)
                # can pass one pilot by chance, not two.
                c = np.flatnonzero(ok)
                half = representable(xs[c], 0.5 * p[c])
                sub_c = subset(sub, c, m)
                up, down = (
                    along(expr, sub_c, j, xs[c] + half, c.size),
                    along(expr, sub_c, j, xs[c] - half, c.size),
                )
                finite2, _, _, _, _, seen2, _ = _pilot(f[c], up, down, half, wide[idx][c])
                ok[c] &= finite2 & (seen2 >= RESOLVE * half) & (np.abs(np.log(seen2 / seen[c])) <= CONFIRM)
                # at the float spacing there is no half step: the "confirmation" would be the same
                # evaluations again (csc(x**x) at 91.8 varies every 1e-180 and passed that way)
                ok[c] &= half < p[c]
            if attempt:
                seen = np.minimum(seen, NEAR_CAP * p)
            done = idx[ok]
            if waves:  # read at the pilot that resolved f: a longer one may straddle a pole (sin(3/x))
                radian[done] = wave_reach(expr, waves, up_values, down_values, p)[ok]
            length[done], near[done] = seen[ok], attempt > 0
            bend[done], pilot[done] = np.abs(second[ok]) / p[ok], p[ok]
            if ok.all():  # every pilot resolved f: nothing to retry
                idx, p = idx[:0], p[:0]
                break
            # no smaller step exists at x: f varies faster than float64 can step here
            stuck = ~ok & (p <= ulp(xs))
            length[idx[stuck]], near[idx[stuck]], resolved[idx[stuck]] = p[stuck], True, False
            nxt = p / SHRINK
            hint = np.fmin(np.where(r1 > 0, r1, np.inf), np.where(r2 > 0, r2, np.inf)) / (2.0 * RESOLVE)
            nxt = np.where(finite & (hint > 0), np.minimum(nxt, hint), nxt)
            nxt = np.where(~finite & (np.abs(xs) > 0), np.minimum(nxt, 0.5 * np.abs(xs)), nxt)
            # a seam the expression names within the pilot: the next pilot fits inside its reach
            # (where f's derivatives overflow, as sqrt(abs(x)) at 1e-250, no hint comes from f)
            near_seam = reach[idx] < p
            nxt = np.where(near_seam, np.minimum(nxt, reach[idx] / (2.0 * RESOLVE)), nxt)
            keep = ~ok & ~stuck
            idx = idx[keep]
            p = representable(x[idx], np.maximum(nxt[keep], 0.0))
        # pilots ran out (an edge closer than the last one): s is the last pilot step
        length[idx], near[idx] = p, True
        resolved[idx] = False
        np.minimum(length, reach, out=length)
        np.minimum(length, room, out=length)
        np.minimum(length, radian, out=length)
        # seams and radians read by a pilot longer than the length now found: read again inside it
        again = np.flatnonzero(np.isfinite(length) & (first > length / (2.0 * RESOLVE)) & resolved)
        if (seams or waves) and again.size:
            if not here:  # (the first pilot's seam functions at x, if it took none)
                at_values = values if values is not None else forward(expr, cols)
                here = seam_functions(expr, seams, at_values, n)[:-1]
            closer_reach, closer_radian = _closer(expr, cols, j, x, again, length, seams, waves, here)
            # (the nearer reading wins: where f's float64 values hide a pole's side, as
            # sec(acos(x)) at 1e-20, whose cos(acos(x)) rounds to one value, a closer one sees none)
            reach[again] = np.fmin(reach[again], closer_reach)
            radian[again] = np.fmin(radian[again], closer_radian)
            length[again] = np.minimum.reduce([length[again], reach[again], radian[again]])
        if waves:
            # a periodic function turning faster than float64 can step at x (sin(3/x) at 1e-74,
            # a radian every 1e-148): no step resolves f, though a pilot may have seemed to
            fast = radian < RESOLVE * ulp(x)
            resolved[fast], near[fast] = False, True
    return Scale(length, near, resolved, taken, bend, pilot, on_seam)


def _closer(
    expr: Expression,
    cols: Sequence[np.ndarray],
    j: int,
    x: np.ndarray,
    at: np.ndarray,
    length: np.ndarray,
    seams: list[int],
    waves: list[int],
    here: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The seam reach and the radian at the points ``at``, read again at a step inside the
    ``length`` found there, (reach, radian) for those points; ``here`` are the seam functions at
    x (every point).

    The first pilot reads them at 2**-17, which near a pole spans it and reads nonsense: at
    selu(sin(2/x)) at 8.4e-11, sin's zeros lie 1.1e-20 apart and its argument turns a radian every
    3.5e-21, where a pilot of 7.6e-6 read a slope of 1e10 for 2/x.
    """
    n = len(x)
    q = representable(x[at], length[at] / (2.0 * RESOLVE))
    sub = subset(cols, at, n)
    up, down = (forward(expr, moved(sub, j, x[at] + d)) for d in (q, -q))
    reach = np.full(at.size, np.inf)
    if seams:
        plus, minus = seam_functions(expr, seams, up, at.size), seam_functions(expr, seams, down, at.size)
        plus.pop(), minus.pop()
        reach = seam_reach([g[at] for g in here], plus, minus, q)
    radian = wave_reach(expr, waves, up, down, q) if waves else np.full(at.size, np.inf)
    return reach, radian


def _pilot(
    f: np.ndarray, fp: np.ndarray, fm: np.ndarray, p: np.ndarray, wide: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One pilot's reading at step p: (finite, f', f'', |f'/f''|, sqrt|f/f''|, the length seen,
    the second difference f'' p**2 itself, which does not overflow where f'' may)."""
    finite = np.isfinite(fp) & np.isfinite(fm)
    first, second = 0.5 * (fp - fm), second_difference(fp, f, fm)
    d1 = first / p
    d2 = (second / p) / p  # p * p would underflow at tiny p
    # the ratios from the differences themselves: f'' overflows where f's own values do not
    # (sqrt(abs(x)) at 1e-250 has f'' about 1e375), and f/f'' would underflow
    r1 = p * (np.abs(first) / np.abs(second))
    r2 = p * (np.sqrt(np.abs(f)) / np.sqrt(np.abs(second)))
    ratio = np.fmax(r1, r2)
    ratio = np.where(np.isnan(ratio) | ((f == 0) & (d1 == 0)), np.inf, ratio)
    return finite, d1, d2, r1, r2, np.minimum(wide, ratio), second


def _widen(
    expr: Expression,
    cols: Sequence[np.ndarray],
    j: int,
    x: np.ndarray,
    pilot: tuple[np.ndarray, np.ndarray, np.ndarray],  # f, and the pilot's f' and f'' at x
    p: np.ndarray,
    seen: np.ndarray,
    wide: np.ndarray,
    usable: np.ndarray,
) -> np.ndarray:
    """The length the first pilot saw, longer where f is shown to follow its parabola farther.

    A short length from the pilot's ratios means a pole or edge near x, or only that f and f'
    are small: at a double root, ``exp(x)-1-x`` at 0 or ``x**2-0.2*x+0.01`` at 0.1, both ratios
    vanish as they do next to a pole, though f is as smooth there as anywhere. The two differ
    beyond the length seen: next to a pole at distance d, f(x +- h) leaves the parabola
    f + f' h + f'' h**2 / 2 for h of order d (and is on the pole's far side, or outside the
    domain, for h > d); at a double root it follows it until h is of order f's own scale L
    (the cubic term is h / 3L of the quadratic one). So where the length seen is below a
    quarter of max(1, |x|), f is evaluated at x +- h for h = max(2 x seen, ``WIDEN`` p), then
    ``GROW`` times farther each time up to max(1, |x|), while both values stay within
    ``PARABOLA`` of the h**2 term (plus their rounding); the length is the largest h passed.
    Two evaluations a step, at those points only (``usable``: not where a seam is as near as
    the length seen, which caps the length anyway); next to a pole the first step fails.
    """
    f, d1, d2 = pilot
    out = seen.copy()
    h = np.minimum(np.maximum(2.0 * seen, WIDEN * p), wide)
    todo = np.flatnonzero(usable & np.isfinite(f) & (seen < 0.25 * wide) & (h > seen))
    if not todo.size:
        return out
    m = len(x)
    while todo.size:
        step = representable(x[todo], h[todo])
        sub = subset(cols, todo, m)
        up = along(expr, sub, j, x[todo] + step, todo.size)
        down = along(expr, sub, j, x[todo] - step, todo.size)
        ok = _parabola(f[todo], d1[todo], d2[todo], step, up) & _parabola(
            f[todo], -d1[todo], d2[todo], step, down
        )
        out[todo[ok]] = np.maximum(out[todo[ok]], step[ok])
        more = ok & (h[todo] < wide[todo])  # (the last step asked for max(1, |x|) itself)
        todo = todo[more]
        h[todo] = np.minimum(GROW * h[todo], wide[todo])
    return out


def _parabola(f: np.ndarray, d1: np.ndarray, d2: np.ndarray, h: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Whether ``at`` = f(x + h) is within ``PARABOLA`` of the h**2 term of f + d1 h + d2 h**2 / 2,
    beyond the rounding of the values."""
    quad = 0.5 * np.abs(d2) * h * h
    line = f + d1 * h
    noise = NOISE * (np.abs(at) + np.abs(f) + np.abs(d1 * h) + quad)
    return np.isfinite(at) & (np.abs(at - line - np.copysign(quad, d2)) <= PARABOLA * quad + noise)
