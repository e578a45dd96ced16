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
  |f(x+2h) - 2f(x+h) + f(x)| / (2h); central uses
  |f(x+2h) - 2f(x+h) + 2f(x-h) - f(x-2h)| / (12h) (= |D(2h) - D(h)| / 3); five-point uses the
  fifth difference |f(x+3h) - 4f(x+2h) + 5f(x+h) - 5f(x-h) + 4f(x-2h) - f(x-3h)| / (60h); where
  that is below its own rounding noise (the same sum of each f value's rounding error), it is
  unknown (NaN);
* rounding: each f value may be off by u = max(eps_m |f|, delta), where delta is the running
  error bound of f's evaluation (:func:`gradcli.rounding.evaluation_error`: larger than eps_m |f|
  wherever f cancels internally); the formula's weights times u over its denominator, e.g.
  (u(x+h) + u(x)) / h for forward and (u(x+h) + u(x-h)) / (2h) for central; plus the error
  from x+h not being exactly representable when h is fixed by the user: |g| * |((x+h)-x) - h| / h.

``error_estimate`` is twice their sum (``SAFETY``), which covers the next terms; the accuracy
benchmark (benchmarks/accuracy.py) counts how often it covers the true error.

Truncation falls as h**p and rounding rises as 1/h, so the total is smallest near
h ~ (eps_m |f| / |f^(p+1)|)**(1/(p+1)). The default step (``--eps auto``) takes that balance
for a function whose derivatives are about 1 on the length scale s of f:
h = sqrt(eps_m) * s for forward and backward (about 1.5e-8 s), h = eps_m**(1/3) * s for
central (about 6.1e-6 s) and h = eps_m**(1/5) * s for five-point (about 7.4e-4 s), where
s = min(max(1, |x|), max(|f'/f''|, sqrt(|f/f''|))) comes from one pilot central difference
(:func:`gradcli.steps.length_scale`, two more evaluations per variable). So s is max(1, |x|)
for a function of scale 1, and shrinks where f varies faster (sin at 1e6) or a pole, kink or
domain edge is near, keeping the stencil clear of it. Each h is rounded so that x + h and
x - h are exact. Expect about 8 correct digits from forward/backward, 10-11 from central and
13 from five-point at that step, fewer where f is badly scaled.

When not to trust the result: where f has a kink, pole or domain edge within h of x (the
stencil straddles it); where f varies on a scale shorter than the pilot difference can see (a
user's --eps skips the pilot: then a truncation estimate that assumes a small h is unreliable);
where f changes by less than its own
rounding error across the step (a saturated sigmoid: the difference is 0 or noise); and where
|f| is much larger than |h f'|.
Diagnostics compares every result with backprop and says which of these happened.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..language.evaluate import value
from ..language.nodes import Expression
from .rounding import EPS_MACHINE, evaluation_error
from .steps import length_scale, representable

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


class Differences(NamedTuple):
    """Finite-difference gradients at n points for k variables: every array is (k, n)."""

    method: str
    step: np.ndarray  # h, as used in the formula
    gradient: np.ndarray
    truncation: np.ndarray  # estimated truncation error (NaN: unknown, below its own noise)
    rounding: np.ndarray  # estimated rounding error
    evaluations: int  # evaluations of f per point, the one at x included

    @property
    def order(self) -> int:
        return ORDER[self.method]

    @property
    def error_estimate(self) -> np.ndarray:
        """A bound on |error|: truncation plus rounding (where truncation is unknown, rounding alone).

        For the fixed stencils both terms are leading-order guesses, so the sum is doubled
        (``SAFETY``): that covers the next term of the truncation series and f values that
        are off by two ulps rather than one. Richardson and complex step scale their own.
        """
        total = self.rounding + np.nan_to_num(self.truncation, nan=0.0)
        return SAFETY * total if self.method in METHODS else total


def auto_step(x: np.ndarray, method: str, scale: np.ndarray | None = None) -> np.ndarray:
    """The default step for ``method`` at x on f's length ``scale`` (default max(1, |x|), the most
    it can be), rounded so that x + h and x - h are exact."""
    with np.errstate(all="ignore"):
        if scale is None:
            scale = np.maximum(1.0, np.abs(x))
        return representable(x, AUTO_SCALE[method] * scale)


def differences(
    expr: Expression,
    cols: Sequence[np.ndarray],
    f0: np.ndarray,
    method: str,
    eps: float | None,
) -> Differences:
    """Finite-difference gradient of ``expr`` by ``method`` with step ``eps`` (None: auto)."""
    if method not in OFFSETS:
        raise ValueError(f"unknown method {method!r}")
    k, n = len(cols), len(f0)
    shape = (k, n)
    step, grad, trunc, rnd = (np.empty(shape) for _ in range(4))
    delta = evaluation_error(expr, cols, n)  # the rounding error each f value may carry
    with np.errstate(all="ignore"):
        for j, x in enumerate(cols):
            if eps is not None:
                h = np.full(n, eps)
            else:
                h = auto_step(x, method, length_scale(expr, cols, j, x, f0))
            f = {}
            drift = np.zeros(n)  # |((x+mh)-x) - mh| / h, worst over the formula's own offsets
            for m in OFFSETS[method]:
                xs = x + h if m == 1 else x - h if m == -1 else x + m * h
                shifted = list(cols)
                shifted[j] = xs
                f[m] = value(expr, shifted, n)
                if m in FORMULA[method]:
                    drift = np.maximum(drift, np.abs((xs - x) - m * h) / h)
            u = {m: np.maximum(EPS_MACHINE * np.abs(v), delta) for m, v in f.items()}  # error in f(x+mh)
            u[0] = np.maximum(EPS_MACHINE * np.abs(f0), delta)
            if method == "forward":
                g = (f[1] - f0) / h
                t = np.abs(f[2] - 2.0 * f[1] + f0) / (2.0 * h)
                noise = (u[2] + 2.0 * u[1] + u[0]) / (2.0 * h)
                r = (u[1] + u[0]) / h
            elif method == "backward":
                g = (f0 - f[-1]) / h
                t = np.abs(f0 - 2.0 * f[-1] + f[-2]) / (2.0 * h)
                noise = (u[0] + 2.0 * u[-1] + u[-2]) / (2.0 * h)
                r = (u[0] + u[-1]) / h
            elif method == "five-point":
                g = (8.0 * (f[1] - f[-1]) - (f[2] - f[-2])) / (12.0 * h)
                t = np.abs(f[3] - 4.0 * f[2] + 5.0 * f[1] - 5.0 * f[-1] + 4.0 * f[-2] - f[-3]) / (60.0 * h)
                noise = (u[3] + 4.0 * u[2] + 5.0 * (u[1] + u[-1]) + 4.0 * u[-2] + u[-3]) / (60.0 * h)
                r = (u[2] + 8.0 * (u[1] + u[-1]) + u[-2]) / (12.0 * h)
            else:
                g = (f[1] - f[-1]) / (2.0 * h)
                t = np.abs(f[2] - 2.0 * f[1] + 2.0 * f[-1] - f[-2]) / (12.0 * h)
                noise = (u[2] + 2.0 * u[1] + 2.0 * u[-1] + u[-2]) / (12.0 * h)
                r = (u[1] + u[-1]) / (2.0 * h)
            step[j], grad[j] = h, g
            # A truncation estimate below its own rounding noise says nothing: call it unknown.
            trunc[j] = np.where(np.isfinite(t) & (t > noise), t, np.nan)
            rnd[j] = r + np.abs(g) * drift
    pilot = 2 * k if eps is None else 0  # length_scale's pilot difference
    return Differences(method, step, grad, trunc, rnd, 1 + k * len(OFFSETS[method]) + pilot)


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
