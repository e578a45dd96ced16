r"""Finite-difference gradients, their steps, and an error estimate for each.

Methods (h is the step, ``--eps``; each partial derivative perturbs one variable):

=========  =======================================  =====  ===================================
method     formula                                  order  truncation error (leading term)
=========  =======================================  =====  ===================================
forward    (f(x+h) - f(x)) / h                      1      h/2 * |f''|
backward   (f(x) - f(x-h)) / h                      1      h/2 * |f''|
central    (f(x+h) - f(x-h)) / (2h)                 2      h**2/6 * |f'''|
=========  =======================================  =====  ===================================

These are the textbook formulas, computed in exactly this order, so ``forward`` with
``eps=0.01`` reproduces a hand computation to the last bit.

Error. Each result carries two estimates, computed from f alone (never from backprop):

* truncation, from the next difference with the same step: forward uses
  |f(x+2h) - 2f(x+h) + f(x)| / (2h); central uses
  |f(x+2h) - 2f(x+h) + 2f(x-h) - f(x-2h)| / (12h); where that is below its own rounding
  noise (eps_m times the same sum with absolute values), it is unknown (NaN);
* rounding, eps_m * (|f(x+h)| + |f(x)|) / h for one-sided methods (eps_m = 2.2e-16, each f
  value being correct to about one unit in its last place), eps_m * (|f(x+h)| + |f(x-h)|) / (2h)
  for central, plus the error from x+h not being exactly representable when h is fixed by the
  user: |g| * |((x+h)-x) - h| / h.

Truncation falls as h**p and rounding rises as 1/h, so the total is smallest near
h ~ (eps_m |f| / |f^(p+1)|)**(1/(p+1)). The default step (``--eps auto``) takes that balance
for a function whose scale and derivatives are about 1:
h = sqrt(eps_m) * max(1, |x|) for forward and backward (about 1.5e-8 |x|), and
h = eps_m**(1/3) * max(1, |x|) for central (about 6.1e-6 |x|), each rounded so that
(x+h) - x == h exactly. Expect about 8 correct digits from forward/backward and 10-11 from
central at that step, fewer where f is badly scaled.

When not to trust the result: where f has a kink, pole or domain edge within h of x (the
stencil straddles it); where f changes by less than its own rounding error across the step
(a saturated sigmoid: the difference is 0 or noise); and where |f| is much larger than |h f'|.
Diagnostics compares every result with backprop and says which of these happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .evaluate import value
from .expression import Expression

EPS_MACHINE = 2.220446049250313e-16  # float64 machine epsilon, 2**-52

METHODS = ("forward", "backward", "central")
ORDER = {"forward": 1, "backward": 1, "central": 2}
AUTO_SCALE = {
    "forward": EPS_MACHINE**0.5,
    "backward": EPS_MACHINE**0.5,
    "central": EPS_MACHINE ** (1.0 / 3.0),
}
# Evaluations of f per variable: the formula's own, then the ones for the truncation estimate.
OFFSETS = {"forward": (1, 2), "backward": (-1, -2), "central": (1, -1, 2, -2)}


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
        """Truncation plus rounding estimate; where truncation is unknown, rounding alone."""
        return self.rounding + np.nan_to_num(self.truncation, nan=0.0)


def auto_step(x: np.ndarray, method: str) -> np.ndarray:
    """The default step for ``method`` at x, exactly representable against x."""
    with np.errstate(all="ignore"):
        h = AUTO_SCALE[method] * np.maximum(1.0, np.abs(x))
        return (x + h) - x


def differences(
    expr: Expression,
    cols: Sequence[np.ndarray],
    f0: np.ndarray,
    method: str,
    eps: float | None,
) -> Differences:
    """Finite-difference gradient of ``expr`` by ``method`` with step ``eps`` (None: auto)."""
    if method not in ORDER:
        raise ValueError(f"unknown method {method!r}")
    k, n = len(cols), len(f0)
    shape = (k, n)
    step, grad, trunc, rnd = (np.empty(shape) for _ in range(4))
    with np.errstate(all="ignore"):
        for j, x in enumerate(cols):
            h = auto_step(x, method) if eps is None else np.full(n, eps)
            f = {}
            drift = np.zeros(n)  # |((x+mh)-x) - mh| / h, worst over the formula's own offsets
            for m in OFFSETS[method]:
                xs = x + h if m == 1 else x - h if m == -1 else x + m * h
                shifted = list(cols)
                shifted[j] = xs
                f[m] = value(expr, shifted, n)
                if abs(m) == 1:
                    drift = np.maximum(drift, np.abs((xs - x) - m * h) / h)
            if method == "forward":
                g = (f[1] - f0) / h
                t = np.abs(f[2] - 2.0 * f[1] + f0) / (2.0 * h)
                noise = (np.abs(f[2]) + 2.0 * np.abs(f[1]) + np.abs(f0)) / (2.0 * h)
                r = EPS_MACHINE * (np.abs(f[1]) + np.abs(f0)) / h
            elif method == "backward":
                g = (f0 - f[-1]) / h
                t = np.abs(f0 - 2.0 * f[-1] + f[-2]) / (2.0 * h)
                noise = (np.abs(f0) + 2.0 * np.abs(f[-1]) + np.abs(f[-2])) / (2.0 * h)
                r = EPS_MACHINE * (np.abs(f0) + np.abs(f[-1])) / h
            else:
                g = (f[1] - f[-1]) / (2.0 * h)
                t = np.abs(f[2] - 2.0 * f[1] + 2.0 * f[-1] - f[-2]) / (12.0 * h)
                noise = (np.abs(f[2]) + 2.0 * np.abs(f[1]) + 2.0 * np.abs(f[-1]) + np.abs(f[-2])) / (12.0 * h)
                r = EPS_MACHINE * (np.abs(f[1]) + np.abs(f[-1])) / (2.0 * h)
            step[j], grad[j] = h, g
            # A truncation estimate below its own rounding noise says nothing: call it unknown.
            trunc[j] = np.where(np.isfinite(t) & (t > EPS_MACHINE * noise), t, np.nan)
            rnd[j] = r + np.abs(g) * drift
    return Differences(method, step, grad, trunc, rnd, 1 + k * len(OFFSETS[method]))


def rounding_error(method: str, noise: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The rounding error of ``method``'s formula when each f value is off by up to ``noise``."""
    return 2.0 * noise / h if ORDER[method] == 1 else noise / h


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
    if not (h > 0 and np.isfinite(t) and t > 0 and np.isfinite(r) and r > 0):
        return None
    c1, c2 = t / h**order, r * h
    best = float((c2 / (order * c1)) ** (1.0 / (order + 1)))
    if not (np.isfinite(c1) and np.isfinite(best) and best > 0):  # h**order under/overflowed
        return None
    return best, c1 * best**order + c2 / best
