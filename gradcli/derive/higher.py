"""Higher derivatives of one variable: d^n f / dx^n, exact and by a central finite difference.

Exact: the (n-1)-th derivative is built symbolically (:func:`gradcli.language.symbolic.derivative`,
applied n-1 times, from the registry's rules) and backprop differentiates it once more, as the
Hessian does for n = 2: exact up to rounding, no step to choose, with backprop's rounding bound
(:mod:`gradcli.derive.bound`). ``precision`` as for ``gradcli grad`` (:mod:`gradcli.derive.precise`):
under auto, where the bound shows lost digits (``(exp(x)-1)/x`` at 1e-5: float64 gives
d2f/dx2 = 0.139 for 0.3333358), that last sweep runs again in mpmath; with a number of
digits, everywhere.

Finite difference: the central stencil on the 2p+1 points x + j*h (j = -p..p) with the fewest
points that has truncation error O(h**4) for the n-th derivative (its weights are solved exactly
in rational arithmetic). Its error estimate is meant to be an upper bound: twice the larger of
two truncation estimates (Richardson's |fd(2h) - fd(h)| / 15, and |fd(h/2) - fd(h)|, which still
holds where the stencil has not reached its asymptotic order, near a singularity of f) plus the
rounding bound sum_j |w_j| u_j / h**n at both steps, u_j the error f(x + j h) may carry
(eps_m |f|, or more where f's evaluation cancels:
:func:`gradcli.derive.rounding.evaluation_error`). The auto step
``eps_m**(1/(n+4)) * max(1, |x|)`` balances the two, cut so that the widest stencil stays
within s/2 of x, s being f's smooth length there (pilot differences and the expression's seams,
:func:`gradcli.derive.steps.scale`: about the distance to a pole, kink or edge near one, or
f's own scale where it varies fast: abs(tan(csc(x**3))) at 2.93 takes 8e-6, not 0.007).

Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from math import factorial
from typing import NamedTuple

import numpy as np

from ..errors import OptionError
from ..language.evaluate import forward, value
from ..language.nodes import Expression
from ..language.symbolic import Algebra, SymbolicError, derivative, to_expression, to_text
from .finite_diff import EPS_MACHINE
from .precise import DEFAULT_PRECISION, Precision, reference_gradient
from .rounding import error_at, evaluation_error
from .steps import fixed_steps, given, per_variable, scale

MAX_ORDER = 10
ACCURACY = 4  # the stencil's truncation order in h


class HigherResult(NamedTuple):
    """d^n f / dx^n of one expression in one variable at m points (arrays of length m)."""

    expr: Expression
    variable: str
    order: int
    points: np.ndarray  # (m,)
    value: np.ndarray  # f
    exact: np.ndarray  # symbolic (n-1) times, then backprop
    fd: np.ndarray  # the central finite difference
    error: np.ndarray  # |fd - exact|
    error_estimate: np.ndarray  # the finite difference's own estimate
    step: np.ndarray  # h
    formula: str | None  # the n-th derivative as gradcli input (None: too long to write)
    digits: int | None = None  # the most digits a re-evaluation of the exact value took, None: float64
    exact_bound: np.ndarray | None = None  # bounds |exact - the true derivative| (inf, NaN: unknown)
    notes: tuple[str | None, ...] = ()  # per point: what a re-evaluation found, for people

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.variable,)


def check_order(expr: Expression, order: int) -> str:
    """The one variable ``expr`` is differentiated in; OptionError (exit 2) if ``order`` or
    the expression does not suit."""
    if not 1 <= order <= MAX_ORDER:
        raise OptionError(f"--order must be between 1 and {MAX_ORDER}, not {order}")
    names = expr.variables
    if len(names) != 1:
        listing = ", ".join(names) if names else "none"
        raise OptionError(
            f"--order needs an expression of exactly one variable; it has {len(names)} ({listing})",
            hint="fix the others as numbers, or use gradcli hessian for mixed second derivatives",
        )
    return names[0]


def weights(order: int, accuracy: int) -> tuple[int, list[Fraction]]:
    """(p, w): the central stencil sum_j w_j f(x + j h) / h**order, j = -p..p, exact to O(h**accuracy)."""
    p = (order + 1) // 2 - 1 + accuracy // 2
    size = 2 * p + 1
    offsets = range(-p, p + 1)
    # sum_j w_j j**k / k! = [k == order], k = 0..size-1 (Taylor conditions), solved exactly
    rows = [
        [Fraction(j**k) for j in offsets] + [Fraction(factorial(order) if k == order else 0)]
        for k in range(size)
    ]
    for c in range(size):
        pivot = next(r for r in range(c, size) if rows[r][c] != 0)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        lead = rows[c][c]
        rows[c] = [v / lead for v in rows[c]]
        for r in range(size):
            if r != c and rows[r][c] != 0:
                f = rows[r][c]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[c])]
    return p, [rows[k][size] for k in range(size)]


def auto_step(x: np.ndarray, order: int, length: np.ndarray | None = None) -> np.ndarray:
    """The step balancing O(h**4) truncation against rounding eps_m / h**order, scaled to
    max(1, |x|), and short enough that the widest stencil (at 2h) stays within half f's smooth
    ``length`` s of x (:func:`gradcli.derive.steps.scale`; None: no limit)."""
    h = EPS_MACHINE ** (1.0 / (order + ACCURACY)) * np.maximum(1.0, np.abs(x))
    if length is None:
        return h
    half, _ = weights(order, ACCURACY)
    return np.minimum(h, length / (4.0 * half))


def _stencil(
    expr: Expression, x: np.ndarray, h: np.ndarray, order: int, accuracy: int, delta: np.ndarray
) -> tuple:
    """The stencil at step h, and its rounding bound sum_j |w_j| u_j / h**order, where u_j, the
    error of f(x + j h), is max(eps_m |f|, ``delta``) (:func:`gradcli.derive.rounding.evaluation_error`
    at x: lgamma's error near its zeros is absolute), ``delta`` read again at x + j h where that
    moves x by more than 1% (:func:`gradcli.derive.rounding.error_at`: sinh(x) - x carries
    5e-24 at 2.3e-8 and 1e-20 at 1e-4, where a step of 5e-5 probes it)."""
    p, w = weights(order, accuracy)
    offsets = [j for j, wj in zip(range(-p, p + 1), w) if wj != 0]
    with np.errstate(all="ignore"):
        fs = {j: value(expr, [x + j * h], len(x)) for j in offsets}
        # The sums run on f / 2**k, 2**k about the largest |f| (exact: the same bits as the plain
        # sum wherever that does not overflow; -5/2 f(x) does near 1e308: exp at 709).
        big = np.fmax.reduce([np.where(np.isfinite(v), np.abs(v), 0.0) for v in fs.values()])
        k = np.where(big > 1.0, np.frexp(big)[1], 0)
        total = np.zeros_like(x)
        size = np.zeros_like(x)
        for j, wj in zip(range(-p, p + 1), w):
            if wj == 0:
                continue
            fj = np.ldexp(fs[j], -k)
            total = total + float(wj) * fj
            dj = delta if j == 0 else error_at(expr, [x], 0, x + j * h, len(x), delta)
            size = size + abs(float(wj)) * np.maximum(EPS_MACHINE * np.abs(fj), np.ldexp(dj, -k))
        return _over(total, k, h, order), _over(size, k, h, order)


def _over(total: np.ndarray, k: np.ndarray, h: np.ndarray, order: int) -> np.ndarray:
    """total * 2**k / h**order: as written where h**order is a normal float (the same bits), else
    one h at a time (h**order underflows for a short h and a high order: 1e-70 ** 5)."""
    hp = h**order
    plain = np.ldexp(total, k) / hp
    if np.all(hp >= np.finfo(float).tiny):
        return plain
    stepwise = total.copy()
    for _ in range(order):
        stepwise = stepwise / h
    return np.where(hp >= np.finfo(float).tiny, plain, np.ldexp(stepwise, k))


def higher(
    expr: Expression,
    points: np.ndarray,
    order: int,
    eps: float | Mapping[str, float] | None = None,
    precision: Precision = DEFAULT_PRECISION,
) -> HigherResult:
    """d^order f / dx^order at ``points`` (an (m,) or (m, 1) array) for a one-variable ``expr``."""
    var = check_order(expr, order)
    step = given(per_variable(eps, expr.variables), 0)
    x = np.asarray(points, dtype=np.float64).reshape(-1)
    m = len(x)
    low = expr
    algebra = Algebra()
    for _ in range(order - 1):
        term = derivative(low, var, algebra)
        low = to_expression([term], (var,), texts=["d"])[0]
    try:
        formula = to_text(derivative(low, var, algebra))
    except SymbolicError:
        formula = None
    values = forward(expr, [x])
    f = np.array(np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (m,)))
    grad, bound, records = reference_gradient(low, x.reshape(m, 1), forward(low, [x]), precision)
    exact = np.asarray(grad[0], dtype=np.float64).copy()
    exact_bound = np.asarray(bound[0], dtype=np.float64).copy()
    digits = max((rec.digits for rec in records if rec is not None), default=None)
    notes = tuple(rec.note if rec is not None else None for rec in records)
    with np.errstate(all="ignore"):
        unresolved = np.zeros(m, dtype=bool)
        if step is None:
            sc = scale(expr, [x], 0, x, f, values)
            h = auto_step(x, order, sc.length)
            unresolved = ~sc.resolved & np.isfinite(f)  # no float64 step resolves f: no estimate
        else:
            h = fixed_steps(step, m)
        h = (x + h) - x  # exactly representable, so x + j*h is the point meant
        h = np.where(h > 0, h, np.abs(x) * EPS_MACHINE + np.finfo(float).tiny)
        delta = evaluation_error(expr, [x], m, values)
        fd, size = _stencil(expr, x, h, order, ACCURACY, delta)
        coarse, _ = _stencil(expr, x, 2 * h, order, ACCURACY, delta)
        fine, fine_size = _stencil(expr, x, h / 2, order, ACCURACY, delta)
        # the truncation, two ways: Richardson's fd(2h) - fd(h) ~ 15 C h**4, and fd(h/2) - fd(h),
        # which holds before the stencil reaches its asymptotic order; doubled for safety
        truncation = 2.0 * np.maximum(np.abs(coarse - fd) / (2**ACCURACY - 1), np.abs(fine - fd))
        estimate = np.where(unresolved, np.inf, truncation + size + fine_size)
        error = np.abs(fd - exact)
    return HigherResult(
        expr, var, order, x, f, exact, fd, error, estimate, h, formula, digits, exact_bound, notes
    )
