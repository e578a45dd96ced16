r"""Finite-difference gradients, their steps, and an error estimate for each.

Methods (h is the step, ``--eps``; each partial derivative perturbs one variable):

==========  ===================================================  =====  ==========================
method      formula                                              order  truncation (leading term)
==========  ===================================================  =====  ==========================
forward     (f(x+h) - f(x)) / h                                  1      h/2 * |f''|
backward    (f(x) - f(x-h)) / h                                  1      h/2 * |f''|
central     (f(x+h) - f(x-h)) / (2h)                             2      h**2/6 * |f'''|
five-point  (8(f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / (12h)   4      h**4/30 * |f^(5)|
==========  ===================================================  =====  ==========================

These are the textbook formulas, computed in exactly this order, so ``forward`` with
``eps=0.01`` reproduces a hand computation to the last bit.

Error. Each result carries two estimates, computed from f alone (never from backprop):

* truncation, from the next difference with the same step: forward uses
  |f(x+2h) - 2f(x+h) + f(x)| / (2h), and at least h/2 |f''(x)| from the pilot difference
  (the second difference is centred at x+h: beside an inflection it reads too little), and
  with the auto step at least |f''(x)| h/2 + |f'''| h**2/6 from f at x+h, x+2h and x+3h at
  the step chosen (:func:`_beside_inflection`); backward likewise; central uses
  |f(x+2h) - 2f(x+h) + 2f(x-h) - f(x-2h)| / (12h) (= |D(2h) - D(h)| / 3); five-point uses the
  fifth difference |f(x+3h) - 4f(x+2h) + 5f(x+h) - 5f(x-h) + 4f(x-2h) - f(x-3h)| / (60h); where
  that is below its own rounding noise (the same sum of each f value's rounding error), it is
  unknown (NaN);
* rounding: each f value may be off by u = max(eps_m |f|, delta), where delta is the running
  error bound of f's evaluation (:func:`gradcli.rounding.evaluation_error`: larger than eps_m |f|
  wherever f cancels internally; at a probe that moves x by more than 1%, the larger of that
  and the probe's own, :func:`gradcli.rounding.error_at`); the formula's weights times u over
  its denominator, e.g.
  (u(x+h) + u(x)) / h for forward and (u(x+h) + u(x-h)) / (2h) for central; plus the error
  from x+h not being exactly representable when h is fixed by the user: |g| * |((x+h)-x) - h| / h.

``error_estimate`` is twice their sum (``SAFETY``), which covers the next terms; it is unknown
(inf; null in JSON, with an ``unconverged`` warning) where a probe of the truncation estimate
left f's domain, or where no step float64 can take at x resolves f (sin at 1e20, where the
float spacing is 16384). The accuracy benchmark (benchmarks/accuracy.py) counts how often it
covers the true error against 60-digit truth: every case of its smooth, cancellation and
geography suites, for every method.

Default step (``--eps auto``). Truncation falls as h**p and rounding rises as 1/h, so the total
is smallest near h ~ (eps_m |f| / |f^(p+1)|)**(1/(p+1)). gradcli finds it in three moves:

1. the smooth length s of f along the variable (:func:`gradcli.steps.scale`: pilot central
   differences from 2**-17, retried closer where a pole, domain edge or kink is within the
   pilot; s is about the distance to it, or f's own scale, at most max(1, |x|), and at most a
   radian of any periodic function's argument);
2. a first step for a function whose derivatives are about 1 on that scale: sqrt(eps_m) s for
   forward and backward, eps_m**(1/3) s for central, eps_m**(1/5) s for five-point;
3. up to two refinements (``ROUNDS``) from the stencil's own estimates: the balancing step
   (c2 / (p c1))**(1/(p+1)) with c1 = truncation / h**p, c2 = rounding * h / ``TYPICAL`` (the
   rounding estimate bounds the error; a typical one is several times smaller) where the truncation
   is known, ``GROW`` times longer where it is below the rounding noise (a linear or quadratic
   f: 3*(a+b*c) comes out exact); each only where the step moves by more than ``MOVE``, and the
   round with the least estimate (the truncation's noise standing in where it is unknown) wins.

Every probe stays within s/2 of x, so no auto step crosses a pole, edge or kink the pilot
found or the expression names (``Op.seams``), and none aliases at large |x| (sin at 1e12
takes about 1e-4, the float spacing).
Each h is rounded so that x + h and x - h are exact. Expect about 8 correct digits from
forward/backward, 10-11 from central and 13 from five-point, fewer where f cancels.

A given ``--eps`` keeps the textbook formula above (the seed's numbers bit for bit), with two
exceptions that ``asked`` records and a ``step`` warning names: a probe beyond s/2 is cut to
it (no step asked for crosses a pole, edge or kink either), and a step that x + eps misses by
more than ``DRIFT_LIMIT`` (1%: eps near or below the float spacing at x) is rounded so that
x + h is exact (``grad x --at 1e10 --eps 1e-6`` uses 1.9073486328125e-06 and gives exactly 1).

When not to trust the result: where f has a kink, pole or domain edge closer than the pilot
can see; where f varies on a scale shorter than the first pilot (2**-17) and aliases it, or
on a scale the pilot cannot see under f's rounding that no periodic function names (a periodic
function's argument bounds the steps to a radian of it: :func:`gradcli.derive.seams.wave_reach`);
where f changes by less than its own rounding error across the step (a saturated sigmoid: the
difference is 0 or noise); and where |f| is much larger than |h f'|. Diagnostics compares
every result with backprop and says which of these happened.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..language.evaluate import forward
from ..language.nodes import Expression
from .rounding import EPS_MACHINE, error_at, evaluation_error
from .steps import Eps, along, every_auto, fixed_steps, given, representable, scale, subset

SAFETY = 2.0  # error_estimate of a fixed stencil: twice its leading-order truncation + rounding

METHODS = ("forward", "backward", "central", "five-point")
# Error order in h; richardson's is that of its base (central) difference, complex step's its own.
ORDER = {"forward": 1, "backward": 1, "central": 2, "five-point": 4, "richardson": 2, "complex": 2}
AUTO_SCALE = {
    "forward": EPS_MACHINE**0.5,
    "backward": EPS_MACHINE**0.5,
    "central": EPS_MACHINE ** (1.0 / 3.0),
    "five-point": EPS_MACHINE**0.2,
}
# Evaluations of f per variable: the formula's own, then the ones for the truncation estimate.
OFFSETS = {
    "forward": (1, 2),
    "backward": (-1, -2),
    "central": (1, -1, 2, -2),
    "five-point": (1, -1, 2, -2, 3, -3),
}
FORMULA = {"forward": (1,), "backward": (-1,), "central": (1, -1), "five-point": (1, -1, 2, -2)}
REACH = {m: max(abs(o) for o in offsets) for m, offsets in OFFSETS.items()}  # widest probe, in steps
THIRD = {"forward": 3, "backward": -3}  # the auto step's last look at forward and backward (x +- 3h)
ROUNDS = 3  # stencils per variable at most with the auto step: the first, then refined twice
GROW = 2.0**6  # where truncation is below rounding noise, the next step is this much larger
MOVE = 2.0  # a refined step this close to the current one is not worth another stencil
TYPICAL = 4.0  # the rounding estimate is a bound; the balance assumes a typical error this much smaller
DRIFT_LIMIT = 0.01  # a given eps that x + eps misses by more than this share is rounded to one it hits


class Differences(NamedTuple):
    """Finite-difference gradients at n points for k variables: every array is (k, n)."""

    method: str
    step: np.ndarray  # h, as used in the formula
    gradient: np.ndarray
    truncation: np.ndarray  # estimated truncation error (NaN: unknown, below its own noise)
    rounding: np.ndarray  # estimated rounding error
    evaluations: int  # evaluations of f per point (the most any point took), the one at x included
    estimate: np.ndarray | None = None  # the method's own error estimate, if it makes one
    unresolved: np.ndarray | None = None  # bool: the estimate is unknown (see ``error_estimate``)
    asked: np.ndarray | None = None  # the step asked for where it is not the one used (else NaN)
    points: np.ndarray | None = None  # the variables' values, (k, n), for messages
    auto: bool = False  # the steps were chosen by gradcli (no --eps)

    @property
    def order(self) -> int:
        return ORDER[self.method]

    @property
    def error_estimate(self) -> np.ndarray:
        """A bound on |error|: inf where it is unknown (``unresolved``: the steps could not resolve
        f's scale, a probe left f's domain, or an extrapolation did not converge).

        Fixed stencils: twice (``SAFETY``) the truncation estimate plus the rounding estimate
        (rounding alone where the truncation is below its own noise); NaN where the difference
        itself is not finite. Richardson carries its own (``estimate``).
        """
        if self.estimate is not None:
            total = self.estimate
        else:
            with np.errstate(over="ignore"):  # beyond float64: inf, unknown (``unconverged`` says why)
                total = self.rounding + np.nan_to_num(self.truncation, nan=0.0)
                total = SAFETY * total if self.method in METHODS else total
        if self.unresolved is not None:
            total = np.where(self.unresolved, np.inf, total)
        return total


def auto_step(x: np.ndarray, method: str, length: np.ndarray | None = None) -> np.ndarray:
    """The first step for ``method`` at x on f's smooth ``length`` (default max(1, |x|)), rounded
    so that x + h and x - h are exact; :func:`differences` refines it."""
    with np.errstate(all="ignore"):
        if length is None:
            length = np.maximum(1.0, np.abs(x))
        return representable(x, AUTO_SCALE[method] * length)


class _Stencil(NamedTuple):
    g: np.ndarray
    t: np.ndarray  # truncation estimate, NaN where below its noise or a probe was not finite
    r: np.ndarray
    noise: np.ndarray
    lost: np.ndarray  # a probe (f at x + m h) was not finite where f(x) is
    bound: np.ndarray  # the rounding bound reported: r, with each far probe's own evaluation error
    near: np.ndarray  # (2, n): f one and two steps out on the stencil's side (forward: +h, +2h)


def _stencil(
    expr: Expression,
    cols: list[np.ndarray],
    j: int,
    f0: np.ndarray,
    delta: np.ndarray,
    method: str,
    h: np.ndarray,
    bend: tuple[np.ndarray, np.ndarray] | None = None,
    on_seam: np.ndarray | None = None,
) -> _Stencil:
    """One stencil of ``method`` at step h (per point), with its truncation and rounding estimates.

    ``bend``: |f''| p at x from the pilot at step p, and p (:class:`gradcli.derive.steps.Scale`);
    forward and backward take their truncation as at least h/2 |f''| (as (h/p) |f''| p / 2: f''
    alone may overflow where this does not, sqrt(abs(x)) at 1e-300), since their own second difference
    reads f'' at x +- h, not at x (asinh at -1e-6, an inflection 1e-6 away: 14 times smaller).
    ``on_seam``: where x sits on a seam of f, central and five-point (whose stencils straddle
    it) take their truncation as at least |D(2h) - D(h)|, D the central difference: the error
    of a difference across a seam is first order in h (x*abs(x) at 0: D(h) = h).
    """
    n = len(f0)
    x = cols[j]
    f = {}
    drift = np.zeros(n)  # |((x+mh)-x) - mh| / h, worst over the formula's own offsets
    at = {}
    for m in OFFSETS[method]:
        xs = x + h if m == 1 else x - h if m == -1 else x + m * h
        f[m], at[m] = along(expr, cols, j, xs, n), xs
        if m in FORMULA[method]:
            drift = np.maximum(drift, np.abs((xs - x) - m * h) / h)
    u = {m: np.maximum(EPS_MACHINE * np.abs(v), delta) for m, v in f.items()}  # error in f(x+mh)
    u[0] = np.maximum(EPS_MACHINE * np.abs(f0), delta)
    # The reported bound takes each probe's own evaluation error where the probe moves x by more
    # than 1% (richardson's and five-point's steps at x - asinh(x) at 1e-8 probe at 1e-6..1e-5,
    # whose cancellation carries 100-1000x more than x's); the step choice keeps x's, which is
    # typical of the probes (the bound would push steps longer: central at the accuracy
    # benchmark's cancellation cases lost 16x in median error with it).
    far = {
        m: np.maximum(EPS_MACHINE * np.abs(v), error_at(expr, cols, j, at[m], n, delta)) for m, v in f.items()
    }
    if method == "forward":
        g = (f[1] - f0) / h
        t = np.abs((f[2] - f[1]) - (f[1] - f0)) / (2.0 * h)
        noise = (u[2] + 2.0 * u[1] + u[0]) / (2.0 * h)
        r, bound = (u[1] + u[0]) / h, (far[1] + u[0]) / h
    elif method == "backward":
        g = (f0 - f[-1]) / h
        t = np.abs((f0 - f[-1]) - (f[-1] - f[-2])) / (2.0 * h)
        noise = (u[0] + 2.0 * u[-1] + u[-2]) / (2.0 * h)
        r, bound = (u[0] + u[-1]) / h, (u[0] + far[-1]) / h
    elif method == "five-point":
        g = (8.0 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12.0 * h)
        t = np.abs((f[3] - f[-3]) - 4.0 * (f[2] - f[-2]) + 5.0 * (f[1] - f[-1])) / (60.0 * h)
        noise = (u[3] + 4.0 * u[2] + 5.0 * (u[1] + u[-1]) + 4.0 * u[-2] + u[-3]) / (60.0 * h)
        r = (u[2] + 8.0 * (u[1] + u[-1]) + u[-2]) / (12.0 * h)
        bound = (far[2] + 8.0 * (far[1] + far[-1]) + far[-2]) / (12.0 * h)
    else:
        g = (f[1] - f[-1]) / (2.0 * h)
        t = np.abs((f[2] - f[-2]) - 2.0 * (f[1] - f[-1])) / (12.0 * h)
        noise = (u[2] + 2.0 * u[1] + 2.0 * u[-1] + u[-2]) / (12.0 * h)
        r, bound = (u[1] + u[-1]) / (2.0 * h), (far[1] + far[-1]) / (2.0 * h)
    if bend is not None and method in ("forward", "backward"):
        t = np.fmax(t, 0.5 * (h / bend[1]) * bend[0])
    if on_seam is not None and method in ("central", "five-point") and on_seam.any():
        across = np.abs((f[2] - f[-2]) / (4.0 * h) - (f[1] - f[-1]) / (2.0 * h))
        t = np.where(on_seam, np.fmax(t, across), t)
    lost = np.logical_or.reduce([~np.isfinite(v) for v in f.values()]) & np.isfinite(f0)
    # A truncation estimate below its own rounding noise says nothing: call it unknown.
    t = np.where(np.isfinite(t) & (t > noise), t, np.nan)
    moved = np.abs(g) * drift
    side = THIRD.get(method, 3) // 3
    near = np.stack([f[side], f[2 * side]])
    return _Stencil(g, t, r + moved, np.where(np.isfinite(noise), noise, np.inf), lost, bound + moved, near)


def _beside_inflection(
    expr: Expression,
    cols: list[np.ndarray],
    j: int,
    f0: np.ndarray,
    delta: np.ndarray,
    method: str,
    h: np.ndarray,
    t: np.ndarray,
    near: np.ndarray,
) -> np.ndarray:
    """Forward's or backward's truncation ``t`` at the step chosen, at least |f''(x)| h/2 +
    |f'''| h**2/6 from f at x +- h and 2h (``near``, the stencil's own) and 3h (one more
    evaluation): the one-sided second-order f'' at x and the
    third difference. The stencil's own second difference reads f'' at x +- h, which beside an
    inflection vanishes while the error does not (acos at 5.6e-5 by backward: an error of 1.1e-9
    against an estimate of 3.1e-10). The step is chosen as before; this only reports."""
    n = len(f0)
    side = THIRD[method] // 3
    x = cols[j]
    f1, f2 = near
    f3 = along(expr, cols, j, x + 3 * side * h, n)
    cubic = np.abs((f3 - f0) - 3.0 * (f2 - f1))  # the third derivative times h**3
    at_x = np.abs(2.0 * f0 - 5.0 * f1 + 4.0 * f2 - f3)  # f'' at x times h**2, to second order
    u = [np.maximum(EPS_MACHINE * np.abs(v), delta) for v in (f0, f1, f2, f3)]
    noise = (2.0 * u[0] + 5.0 * u[1] + 4.0 * u[2] + u[3]) / (2.0 * h) + (
        u[0] + 3.0 * u[1] + 3.0 * u[2] + u[3]
    ) / (6.0 * h)
    more = at_x / (2.0 * h) + cubic / (6.0 * h)
    return np.where(np.isfinite(more) & (more > noise), np.fmax(t, more), t)


def _estimate(st: _Stencil) -> np.ndarray:
    """How the auto step compares its rounds: SAFETY (truncation + rounding), the truncation's
    noise standing in where it is unknown (so a step where truncation is invisible does not
    look better than it is), inf where a probe left f's domain."""
    total = SAFETY * (st.r + np.where(np.isnan(st.t), st.noise, st.t))
    return np.where(np.isfinite(st.g) & ~st.lost, total, np.inf)


def balancing_steps(h: np.ndarray, t: np.ndarray, r: np.ndarray, order: int) -> np.ndarray:
    """:func:`balancing_step` for arrays, in logarithms (overflow-safe); NaN where unknown."""
    with np.errstate(all="ignore"):
        ok = (h > 0) & np.isfinite(h) & np.isfinite(t) & (t > 0) & np.isfinite(r) & (r > 0)
        log_c1 = np.log(t) - order * np.log(h)
        log_c2 = np.log(r) + np.log(h)
        log_best = (log_c2 - np.log(order) - log_c1) / (order + 1)
        return np.where(ok & (log_best < 709.0), np.exp(log_best), np.nan)


def differences(
    expr: Expression,
    cols: Sequence[np.ndarray],
    f0: np.ndarray,
    method: str,
    eps: Eps,
) -> Differences:
    """Finite-difference gradient of ``expr`` by ``method`` with step ``eps`` (None: auto).

    ``eps`` None: the step is chosen per variable and point from a pilot (:func:`gradcli.steps.scale`)
    and refined up to ``ROUNDS`` times from the stencil's own truncation and rounding
    estimates (each refinement only where the step moves by more than 2x). A given ``eps``
    is used as given (the textbook formula, the error of x + eps not being exact in float64
    counted in the rounding estimate), except where its widest probe reaches beyond half f's
    smooth length s (a pole, domain edge, kink, steep curvature or float64 overflow), where it is cut to that or where x + eps is off by more than
    ``DRIFT_LIMIT`` of eps (it is rounded so that x + h is exact); ``asked`` records those.
    """
    if method not in OFFSETS:
        raise ValueError(f"unknown method {method!r}")
    k, n = len(cols), len(f0)
    shape = (k, n)
    step, grad, trunc, rnd = (np.empty(shape) for _ in range(4))
    unresolved = np.zeros(shape, dtype=bool)
    asked = np.full(shape, np.nan)
    full = [np.broadcast_to(np.asarray(c, dtype=np.float64), (n,)) for c in cols]
    f0 = np.asarray(f0, dtype=np.float64)
    values = forward(expr, full)
    delta = evaluation_error(expr, full, n, values)  # the rounding error each f value may carry
    most = 0
    with np.errstate(all="ignore"):
        for j, x in enumerate(full):
            sc = scale(expr, full, j, x, f0, values)
            bend = None if sc.bend is None or sc.pilot is None else (sc.bend, sc.pilot)
            hmax = representable(x, sc.length / (2.0 * REACH[method]))
            rounds = 1
            wanted = given(eps, j)
            if wanted is not None:
                h = fixed_steps(wanted, n)
                # every probe stays within s/2 of x, on the smooth side
                cut = h > hmax
                h = np.where(cut, hmax, h)
                drift = np.maximum(np.abs(((x + h) - x) - h), np.abs(((x - h) - x) + h)) / h
                rounded = (drift > DRIFT_LIMIT) & np.isfinite(x)
                if rounded.any():
                    h = np.where(rounded, representable(x, h), h)
                asked[j] = np.where(cut | rounded, fixed_steps(wanted, n), np.nan)
                st = _stencil(expr, full, j, f0, delta, method, h, bend, sc.on_seam)
                e = _estimate(st)
            else:
                h = np.minimum(auto_step(x, method, sc.length), hmax)
                st = _stencil(expr, full, j, f0, delta, method, h, bend, sc.on_seam)
                e = _estimate(st)
                active = np.flatnonzero(np.isfinite(st.g) & np.isfinite(x))
                g, t, r, noise, lost, bound, near = (np.array(a, copy=True) for a in st)
                cur_h, cur_t, cur_r = h.copy(), t.copy(), r.copy()
                for _ in range(ROUNDS - 1):
                    if active.size == 0:
                        break
                    a = active
                    best = balancing_steps(cur_h[a], cur_t[a], cur_r[a] / TYPICAL, ORDER[method])
                    proposed = np.where(np.isnan(cur_t[a]), cur_h[a] * GROW, best)
                    proposed = np.minimum(proposed, hmax[a])
                    move = proposed / cur_h[a]
                    redo = np.isfinite(move) & ((move > MOVE) | (move < 1.0 / MOVE))
                    active = a[redo]
                    if active.size == 0:
                        break
                    rounds += 1
                    h_new = representable(x[active], proposed[redo])
                    sub = subset(full, active, n)
                    bent = None if bend is None else (bend[0][active], bend[1][active])
                    on_seam = None if sc.on_seam is None else sc.on_seam[active]
                    got = _stencil(expr, sub, j, f0[active], delta[active], method, h_new, bent, on_seam)
                    e_new = _estimate(got)
                    cur_h[active], cur_t[active], cur_r[active] = h_new, got.t, got.r
                    # Truncation grows with the step (as h**p) wherever its estimate holds. A longer
                    # step whose truncation reads less than a shorter one's is not in that regime:
                    # it spans f's variation and aliases it (cos(x) + x at 1e10, whose pilot cannot
                    # see cos under f's rounding: at h = 149 the estimate read 0.005 and the error
                    # was 0.5), so it never wins against the shorter step.
                    t_old, t_new = t[active], got.t
                    up_old = np.where(np.isnan(t_old), noise[active], t_old)  # at most this
                    up_new = np.where(np.isnan(t_new), got.noise, t_new)
                    longer = h_new > h[active]
                    aliased_old = ~longer & ~np.isnan(t_new) & (t_new > up_old)
                    aliased_new = longer & ~np.isnan(t_old) & (up_new < t_old)
                    better = ((e_new < e[active]) & ~aliased_new) | aliased_old
                    won = active[better]
                    h[won], e[won] = h_new[better], e_new[better]
                    g[won], t[won], r[won] = got.g[better], got.t[better], got.r[better]
                    bound[won], near[:, won] = got.bound[better], got.near[:, better]
                    noise[won], lost[won] = got.noise[better], got.lost[better]
                if method in THIRD:
                    t = _beside_inflection(expr, full, j, f0, delta, method, h, t, near)
                st = _Stencil(g, t, r, noise, lost, bound, near)
            step[j], grad[j], trunc[j], rnd[j] = h, st.g, st.t, st.bound
            unresolved[j] = (~sc.resolved | st.lost) & np.isfinite(f0) & np.isfinite(st.g)
            last = 1 if wanted is None and method in THIRD else 0  # (_beside_inflection's f at x +- 3h)
            most = max(most, 2 * sc.pilots + rounds * len(OFFSETS[method]) + last)
    return Differences(
        method, step, grad, trunc, rnd, 1 + k * most, None, unresolved, asked, np.array(full), every_auto(eps)
    )


def best_step(diff: Differences, var: int, point: int) -> float | None:
    """The step that balances ``diff``'s own truncation and rounding estimates at one entry."""
    return balancing_step(
        float(diff.step[var, point]),
        float(diff.truncation[var, point]),
        float(diff.rounding[var, point]),
        diff.order,
    )


def balancing_step(h: float, truncation: float, rounding: float, order: int) -> float | None:
    """The step that balances truncation and rounding error (None if they are unknown).

    With truncation ~ c1 h**p and rounding ~ c2 / h, measured at step h, the sum is least at
    h = (c2 / (p c1)) ** (1 / (p + 1)).
    """
    balance = _balance(h, truncation, rounding, order)
    return None if balance is None else balance[0]


def error_at_best_step(h: float, truncation: float, rounding: float, order: int) -> float | None:
    """The total error estimate at :func:`balancing_step`'s step (None if it is unknown)."""
    balance = _balance(h, truncation, rounding, order)
    return None if balance is None else balance[1]


def _balance(h: float, t: float, r: float, order: int) -> tuple[float, float] | None:
    """Computed in logarithms, so no step or error of any size (h up to 1e308, t down to
    subnormal) overflows or divides by zero; None where a figure cannot be computed."""
    if not (h > 0 and np.isfinite(h) and np.isfinite(t) and t > 0 and np.isfinite(r) and r > 0):
        return None
    # c1 = t / h**order, c2 = r * h; best = (c2 / (order c1))**(1/(order+1))
    log_c1 = math.log(t) - order * math.log(h)
    log_c2 = math.log(r) + math.log(h)
    log_best = (log_c2 - math.log(order) - log_c1) / (order + 1)
    # at the best step c1 best**order = c2 / (order best), so the total is (1 + 1/order) c2 / best
    log_total = math.log1p(1.0 / order) + log_c2 - log_best
    if not (-745.0 < log_best < 709.0 and log_total < 709.0):
        return None  # the step or its error is outside float64's range
    return math.exp(log_best), math.exp(log_total)
