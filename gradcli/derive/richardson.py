r"""Richardson extrapolation of central differences: many digits from a few steps.

Method (Ridders' form of Richardson extrapolation). Central differences
D(h) = (f(x+h) - f(x-h)) / (2h) have an error that is a series in even powers of h,
D(h) = f'(x) + c1 h**2 + c2 h**4 + ... . gradcli computes D at a shrinking sequence
h_i = h_0 / 2**i (each made exactly representable against x, so x+h and x-h are exact) and
builds Neville's tableau of polynomial extrapolations in h**2 to h = 0:

    T[i][0] = D(h_i)
    T[i][j] = T[i][j-1] + (T[i][j-1] - T[i-1][j-1]) / ((h_{i-j} / h_i)**2 - 1)

T[i][j] has error order h**(2j+2). Each entry's error estimate is the larger of its distance
to the two entries it was made from (the correction it applied), plus its rounding error; the
answer is the entry with the smallest estimate. Levels are added until, at every point, that
smallest estimate stops improving (two levels running whose best is more than ``SAFE`` times the
best so far: one such level can come from first steps not yet in the h**2 regime) or is already
at rounding level (``CONVERGED``), or ``LEVELS`` steps have been taken.
Rounding error grows as the steps shrink, which is what ends the improvement.

Default first step (``--eps auto``): h_0 = 2**-3 s, where s is the length over which f stays
smooth (:func:`gradcli.steps.scale`: near a pole, domain edge or kink at distance d, s is of
order d; at sin(1e12) it is 1, not 1e12), so the steps start inside the smooth region and
never alias. ``--eps`` sets h_0; one beyond s/2 is cut to it, and one that x + h_0 misses by
more than 1% is rounded so that it is exact (``asked`` records both). A step that cannot
shrink any further (one ulp of x) extrapolates nothing.

The reported estimate is ``ERROR_FACTOR`` times the tableau's own estimate plus the rounding
error of the chosen entry: each difference's (u(x+h) + u(x-h)) / (2h), where u is the error
each f value may carry (the larger of eps_m |f| and :func:`gradcli.rounding.evaluation_error`),
carried through the extrapolation weights exactly: T = (r a - b) / (r - 1) has rounding bound
(r |a| + |b|) / (r - 1). It is unknown (inf, ``unresolved``) where no entry of the tableau has
a finite estimate (the extrapolation did not converge) or no step at x resolves f.
benchmarks/accuracy.py counts how often it covers the true error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..language.evaluate import forward
from ..language.nodes import Expression
from .finite_diff import DRIFT_LIMIT, EPS_MACHINE, Differences
from .rounding import error_at, evaluation_error
from .steps import Eps, along, every_auto, fixed_steps, given, representable, scale

LEVELS = 10  # most central differences per variable (2 evaluations each)
MIN_LEVELS = 3
SAFE = 2.0
FIRST_STEP = 2.0**-3
ERROR_FACTOR = 2.0
CONVERGED = 8.0 * EPS_MACHINE  # an estimate this small (relative) cannot improve: stop


def richardson(expr: Expression, cols: Sequence[np.ndarray], f0: np.ndarray, eps: Eps) -> Differences:
    """Extrapolated central differences for every variable at every point (arrays are (k, n)).

    ``eps`` is the first step h_0 (None: 2**-3 s, s from :func:`gradcli.steps.scale`); a given
    h_0 beyond s/2 is cut to it, and one that x + h_0 misses
    by more than ``DRIFT_LIMIT`` is rounded so that it is exact (``asked`` records both). Error:
    as h**(2j+2) for the j-th extrapolation, until rounding takes over; the result carries the
    tableau's estimate, unknown (inf, ``unresolved``) where no entry converged or no step at x
    resolves f.
    """
    k, n = len(cols), len(f0)
    step, grad, trunc, rnd = (np.empty((k, n)) for _ in range(4))
    unresolved = np.zeros((k, n), dtype=bool)
    asked = np.full((k, n), np.nan)
    full = [np.broadcast_to(np.asarray(c, dtype=np.float64), (n,)) for c in cols]
    f0 = np.asarray(f0, dtype=np.float64)
    values = forward(expr, full)
    delta = evaluation_error(expr, full, n, values)  # the rounding error each f value may carry
    most = 0
    with np.errstate(all="ignore"):
        for j, x in enumerate(full):
            sc = scale(expr, full, j, x, f0, values)
            wanted = given(eps, j)
            if wanted is None:
                h0 = representable(x, FIRST_STEP * sc.length)
            else:
                h0 = fixed_steps(wanted, n)
                limit = representable(x, 0.5 * sc.length)
                cut = h0 > limit
                h0 = np.where(cut, limit, h0)
                drift = np.abs(((x + h0) - x) - h0) / h0
                rounded = (drift > DRIFT_LIMIT) & np.isfinite(x)
                h0 = np.where(rounded, representable(x, h0), h0)
                asked[j] = np.where(cut | rounded, fixed_steps(wanted, n), np.nan)
            g, est, r, h, levels = _extrapolate(expr, full, j, x, f0, h0, delta)
            step[j], grad[j], trunc[j], rnd[j] = h, g, est, r
            unresolved[j] = (~sc.resolved | ~np.isfinite(est)) & np.isfinite(f0)
            most = max(most, 2 * levels + 2 * sc.pilots)
    estimate = np.where(unresolved, np.inf, trunc + rnd)
    return Differences(
        "richardson",
        step,
        grad,
        trunc,
        rnd,
        1 + most * k,
        estimate,
        unresolved,
        asked,
        np.array(full),
        every_auto(eps),
    )


def _extrapolate(
    expr: Expression,
    cols: Sequence[np.ndarray],
    j: int,
    x: np.ndarray,
    f0: np.ndarray,
    h0: np.ndarray,
    delta: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    n = len(f0)
    steps: list[np.ndarray] = []
    rows: list[list[np.ndarray]] = []
    bounds: list[list[np.ndarray]] = []  # rounding bound of each tableau entry
    best = np.full(n, np.nan)
    best_err = np.full(n, np.inf)
    best_noise = np.zeros(n)
    best_step = np.full(n, np.nan)
    best_level = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=bool)  # stopped: later levels (taken for other points) leave it alone
    for i in range(LEVELS):
        h = h0 if i == 0 else representable(x, h0 / 2.0**i)
        fp, fm = along(expr, cols, j, x + h, n), along(expr, cols, j, x - h, n)
        d = (fp - fm) / (2.0 * h)
        steps.append(h)
        up, down = error_at(expr, cols, j, x + h, n, delta), error_at(expr, cols, j, x - h, n, delta)
        noise = (np.maximum(EPS_MACHINE * np.abs(fp), up) + np.maximum(EPS_MACHINE * np.abs(fm), down)) / (
            2.0 * h
        )
        row, bound = [d], [noise]
        level_err = np.full(n, np.inf)
        for m in range(1, i + 1):
            ratio = (steps[i - m] / h) ** 2
            t = row[m - 1] + (row[m - 1] - rows[i - 1][m - 1]) / (ratio - 1.0)
            row.append(t)
            err = np.maximum(np.abs(t - row[m - 1]), np.abs(t - rows[i - 1][m - 1]))
            # a step that could not shrink (one ulp of x) extrapolates nothing
            err = np.where(np.isfinite(err) & np.isfinite(t) & (ratio > 1.0), err, np.inf)
            # Rounding in the differences passes through the extrapolation's weights:
            # t = (ratio * a - b) / (ratio - 1), so its bound is (ratio * |a| + |b|) / (ratio - 1).
            amplified = (ratio * bound[m - 1] + bounds[i - 1][m - 1]) / (ratio - 1.0)
            bound.append(amplified)
            better = (err + amplified < best_err) & ~done
            best = np.where(better, t, best)
            best_err = np.where(better, err + amplified, best_err)
            best_noise = np.where(better, amplified, best_noise)
            best_step = np.where(better, h, best_step)
            best_level = np.where(better, i, best_level)
            level_err = np.minimum(level_err, err + amplified)
        rows.append(row)
        bounds.append(bound)
        if i + 1 >= MIN_LEVELS:
            # worse for two levels running: one level can be worse only because the first
            # steps were not yet in the h**2 regime (sigmoid(mish(swish(x+x))) at 1 from
            # h0 = 0.125: D(h0) and D(h0/2) err by 1.8e-5 and 1.5e-5, their extrapolation kept
            # 1.4e-5 with an estimate of 4e-6, and the next level, worse, stopped it there)
            worse = (level_err > SAFE * best_err) & (i - best_level >= 2)
            converged = best_err <= CONVERGED * np.abs(best)
            done |= worse | converged | ~np.isfinite(x)
            if bool(np.all(done)):
                break
    # No entry with a finite estimate (every step crossed a pole): fall back to the last difference.
    missing = ~np.isfinite(best)
    best = np.where(missing, rows[-1][0], best)
    best_step = np.where(missing, steps[-1], best_step)
    estimate = np.where(missing, np.nan, ERROR_FACTOR * (best_err - best_noise))
    return best, estimate, np.where(missing, bounds[-1][0], best_noise), best_step, len(rows)
