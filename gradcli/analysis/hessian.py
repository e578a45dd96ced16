"""The Hessian: exact, by finite differences, and what its eigenvalues say about the point.

Exact: each first derivative df/dx_i is built symbolically (:mod:`gradcli.symbolic`, from the
registry's rules) and backprop differentiates it once more, giving row i, d2f/dx_i dx_j, exact
up to rounding like backprop itself (symbolic-then-reverse, no step to choose).

Finite differences: row i is the finite-difference gradient (:mod:`gradcli.finite_diff`, the
chosen method and step, ``auto`` by default) of the same exact df/dx_i, with its error
estimate. So each entry is a first difference of a first derivative: error order h for
forward/backward, h**2 for central, h**4 for five-point; richardson and complex as for
``gradcli grad``. Each row takes its own auto steps (its df/dx_i has its own length scale):
``steps[p, i, j]`` is the step of variable j in row i, and ``step[p, j]`` the one of the
diagonal entry d2f/dx_j**2, the step reported for x_j. The two are computed
independently of each other beyond the shared df/dx_i; their difference tests the symbolic
rules against the registry's numeric ones.

Each exact entry carries a bound on its error: backprop's running bound
(:mod:`gradcli.derive.bound`) over the row, or, where that shows lost digits (``precision``
auto, the default), the row's gradient again in mpmath (:func:`gradcli.derive.precise.refine`):
``(exp(x)-1)/x`` at 1e-5 has d2f/dx2 = 0.33333583..., which float64 gives as 0.139.

Classification, at each point, from the exact Hessian H (symmetrized, (H + H^T)/2) and the exact
gradient g:

* the gradient counts as zero when ``|g|_inf <= sqrt(eps_m) * |H|_max * max(1, |x|_inf)``:
  near a critical point x*, g(x) ~ H (x - x*), and a point given to float64 or to 8 or more
  significant digits lies within about sqrt(eps_m) max(1, |x|) of x*, so a gradient that small
  is what sitting on x* looks like (a flat H leaves only an exactly zero gradient);
* an eigenvalue (``numpy.linalg.eigvalsh``, backward stable) counts as zero when
  ``|lambda| <= 64 k eps_m max|lambda|``: eigvalsh's own error is about k eps_m |H| and the
  exact Hessian's entries carry a few dozen ulps of rounding from the derivative rules;
* where the bounds leave a sign open (an eigenvalue no larger than the Frobenius norm of the
  symmetrized bound, which bounds how far any eigenvalue can move; or a nonzero gradient
  within its bound), the kind is ``uncertain``;
* a point where f is finite and f or one of its first derivatives sits on a kink (abs(0),
  relu(0), a min/max tie, sign(0) inside a derivative, hypot(0, 0), ...) is a ``kink``: the
  Hessian there is a convention, or not finite;
* then: all eigenvalues positive, a minimum; all negative, a maximum; both signs, a saddle;
  all zero, flat (the second-order test says nothing); some zero and the rest of one sign,
  degenerate (inconclusive). Where the gradient is not zero the point is not critical, and the
  eigenvalues give the curvature there (convex, concave, or saddle-shaped).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from ..derive.backprop import kinks
from ..derive.bound import frobenius
from ..derive.methods import METHODS, finite_difference
from ..derive.precise import (
    AUTO_SECONDS,
    DEFAULT_PRECISION,
    Precise,
    Precision,
    check_precision,
    reference_gradient,
)
from ..derive.rounding import EPS_MACHINE
from ..errors import OptionError
from ..language.evaluate import columns, forward
from ..language.nodes import Expression
from ..language.symbolic import Algebra, derivatives, to_expression
from .kink_rows import agreed_sides, settle_apart, widened

BACKPROP = "backprop"
MAX_VARIABLES = 64  # k**2 entries, each row a finite-difference gradient: beyond this, use grad
EIGEN_ULPS = 64.0
GRADIENT_ZERO = EPS_MACHINE**0.5

KINDS = (
    "minimum",
    "maximum",
    "saddle",
    "flat",
    "degenerate",
    "not critical",
    "kink",
    "undefined",
    "uncertain",
)


class HessianResult(NamedTuple):
    """Hessians of one expression at n points, k variables (arrays indexed [point, i, j])."""

    expr: Expression
    method: str
    eps: float | None  # the fixed step asked for; None: auto (see step) or backprop
    points: np.ndarray  # (n, k)
    value: np.ndarray  # (n,)
    gradient: np.ndarray  # (n, k), exact (backprop; at a kink f does not feel, its one-sided derivative)
    # (n, k, k): d2f/dx_i dx_j, symbolic derivative then backprop (where a row sits on a kink it
    # does not feel, the row's one-sided derivatives: abs(x)**2 at 0 has 2, not backprop's 0)
    exact: np.ndarray
    fd: np.ndarray | None  # (n, k, k): finite differences of the exact df/dx_i (None: backprop)
    error: np.ndarray | None  # |fd - exact|
    error_estimate: np.ndarray | None  # the finite difference's own estimate (finite_diff)
    step: np.ndarray | None  # (n, k): the step used for variable j in row j (for d2f/dx_j**2)
    eigenvalues: np.ndarray  # (n, k), ascending, of the symmetrized exact Hessian
    kinds: tuple[str, ...]  # one of KINDS per point
    verdicts: tuple[str, ...]  # the kind in words, per point
    steps: np.ndarray | None = None  # (n, k, k): the step used for variable j in row i
    # bounds on |exact - the true value| (inf or NaN: unknown), as backprop's (gradcli.derive.bound),
    # or from high precision where float64 lost digits (``notes``)
    gradient_bound: np.ndarray | None = None  # (n, k)
    bound: np.ndarray | None = None  # (n, k, k)
    digits: tuple[int | None, ...] = ()  # per point: the most digits a re-evaluation took (None: float64)
    notes: tuple[str | None, ...] = ()  # per point: what the re-evaluation found, for people

    @property
    def variables(self) -> tuple[str, ...]:
        return self.expr.variables

    @property
    def finite(self) -> np.ndarray:
        return np.asarray(np.isfinite(self.value))


def hessian(
    expr: Expression,
    points: np.ndarray,
    method: str = "central",
    eps: float | None = None,
    precision: Precision = DEFAULT_PRECISION,
) -> HessianResult:
    """Exact and finite-difference Hessians of ``expr`` at ``points`` (n, k), classified.

    ``precision`` as for ``gradcli grad`` (:mod:`gradcli.derive.precise`): under auto, the
    points where the gradient's or a row's rounding bound shows lost digits are evaluated again
    in mpmath, that row (or the gradient) at a time.
    """
    precision = check_precision(precision)
    if method not in (*METHODS, BACKPROP):
        raise OptionError(
            f"unknown method '{method}'", hint=f"choose one of {', '.join((*METHODS, BACKPROP))}"
        )
    if eps is not None and not (np.isfinite(eps) and eps > 0):
        raise OptionError(f"eps must be a positive finite number, not {eps!r}")
    names = expr.variables
    k = len(names)
    if k > MAX_VARIABLES:
        raise OptionError(
            f"the expression has {k} variables; gradcli hessian takes at most {MAX_VARIABLES}",
            hint="gradcli grad gives the gradient of any size",
        )
    points = np.asarray(points, dtype=np.float64)
    n = points.shape[0] if points.ndim else 1
    points = points.reshape(n, k)
    cols = columns(points)
    values = forward(expr, cols)
    f = np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (n,))
    deadline = time.monotonic() + AUTO_SECONDS  # one budget for the gradient and every row
    grad, gbound, precise = reference_gradient(expr, points, values, precision, deadline)
    records: list[list[Precise]] = [[rec] if rec is not None else [] for rec in precise]
    kinked: list[str | None] = [None] * n  # where f or a first derivative is not differentiable
    ruled_at: dict[int, str] = {}  # kinks f does not feel, where backprop's rule is not f's derivative
    f_kinks = kinks(expr, values, n)
    if f_kinks:  # a kink f does not feel (abs(x)**2 at 0) is no kink of f: its sides agree
        smooth, agreed = agreed_sides(expr, values, n)
        on = np.logical_or.reduce([mask for _, mask in f_kinks]) & np.isfinite(f)
        with np.errstate(invalid="ignore"):
            ruled = on & smooth & np.any(grad != agreed, axis=0)
        take = on & smooth
        gbound[:, take] = widened(gbound[:, take], grad[:, take], agreed[:, take])
        grad[:, take] = agreed[:, take]  # the derivative, not backprop's rule there
        for node, mask in f_kinks:
            for p in np.flatnonzero(mask & ~smooth).tolist():
                kinked[p] = kinked[p] or f"{expr.nodes[node].text} sits on a kink"
        for p in np.flatnonzero(ruled).tolist():  # the rows carry the rule's numbers: say so, claim no more
            where = ", ".join(expr.nodes[i].text for i, mask in f_kinks if mask[p])
            ruled_at[p] = where
    exact = np.zeros((n, k, k))
    bound = np.zeros((n, k, k))
    fd = estimate = steps = None
    if method != BACKPROP:
        fd, estimate, steps = np.zeros((n, k, k)), np.zeros((n, k, k)), np.zeros((n, k, k))
    rows = to_expression(derivatives(expr, Algebra()), names, [f"df/d{name}" for name in names])
    with np.errstate(all="ignore"):
        for i, row in enumerate(rows):
            row_values = forward(row, cols)
            d0 = np.broadcast_to(np.asarray(row_values[-1], dtype=np.float64), (n,))
            row_grad, row_bound, row_precise = reference_gradient(
                row, points, row_values, precision, deadline
            )
            exact[:, i, :], bound[:, i, :] = row_grad.T, row_bound.T
            for p, rec in enumerate(row_precise):
                if rec is not None:
                    records[p].append(rec)
            row_kinks = kinks(row, row_values, n)
            if row_kinks:
                smooth, agreed = agreed_sides(row, row_values, n)
                # (where the row itself is not finite, as x/hypot(x, y) at (0, 0), its sides come
                # from limits beside the point, which say nothing of the row at it)
                finite = np.isfinite(np.broadcast_to(np.asarray(row_values[-1], dtype=np.float64), (n,)))
                on = np.logical_or.reduce([mask for _, mask in row_kinks]) & smooth & finite
                bound[on, i, :] = widened(bound[on, i, :], exact[on, i, :], agreed[:, on].T)
                settle_apart(row, row_values, on, exact[:, i, :], bound[:, i, :], agreed)
                exact[on, i, :] = agreed[:, on].T  # the second derivatives, not backprop's rule there
                for _, mask in row_kinks:
                    for p in np.flatnonzero(mask & ~smooth).tolist():
                        kinked[p] = kinked[p] or f"df/d{names[i]} is not differentiable here"
            if fd is not None and estimate is not None and steps is not None:  # all three, or none
                diff = finite_difference(row, cols, d0, method, eps)
                fd[:, i, :] = diff.gradient.T
                estimate[:, i, :] = diff.error_estimate.T
                # each row has its own auto steps (its own length scale): keep them all
                steps[:, i, :] = diff.step.T
        undefined = ~np.isfinite(f)
        exact[undefined] = np.nan
        bound[undefined] = np.nan
        grad[:, undefined] = np.nan
        gbound[:, undefined] = np.nan
        error = None
        if fd is not None:
            fd[undefined] = np.nan
            error = np.abs(fd - exact)
    eigen = np.full((n, k), np.nan)
    kinds: list[str] = []
    verdicts: list[str] = []
    for p in range(n):
        kind, verdict, lam = classify(exact[p], grad[:, p], points[p], bound[p], gbound[:, p])
        if p in ruled_at and np.isfinite(f[p]):
            kind = "kink"
            verdict = (
                f"a kink f does not feel ({ruled_at[p]}): f is differentiable here, but backprop's rule "
                "there is not its derivative (the gradient shown is the one-sided derivative), so the "
                "Hessian shown, taken from that rule, and its eigenvalues do not classify the point"
            )
        elif kinked[p] is not None and np.isfinite(f[p]):
            # a kink says why, even where the Hessian is not finite there (hypot at (0, 0))
            shown = (
                "the Hessian is not finite there"
                if kind == "undefined"
                else "the Hessian shown uses backprop's one-sided conventions"
            )
            kind = "kink"
            verdict = f"not twice differentiable here ({kinked[p]}): {shown}, and its eigenvalues do not classify the point"
        eigen[p] = lam
        kinds.append(kind)
        verdicts.append(verdict)
    return HessianResult(
        expr,
        method,
        eps if fd is not None else None,
        points,
        f,
        grad.T.copy(),
        exact,
        fd,
        error,
        estimate,
        None if steps is None else np.diagonal(steps, axis1=1, axis2=2).copy(),
        eigen,
        tuple(kinds),
        tuple(verdicts),
        steps,
        gbound.T.copy(),
        bound,
        tuple(max(r.digits for r in recs) if recs else None for recs in records),
        tuple(_note(recs) for recs in records),
    )


def _note(records: list[Precise]) -> str | None:
    """One line for a point's re-evaluations (the gradient's and each row's): the first one's
    note, with how many of the k + 1 were needed."""
    if not records:
        return None
    worst = max(records, key=lambda r: (not r.converged, max(r.lost, default=0.0)))
    return worst.note if len(records) == 1 else f"{worst.note} (the worst of {len(records)} re-evaluations)"


def classify(
    h: np.ndarray,
    g: np.ndarray,
    x: np.ndarray,
    h_bound: np.ndarray | None = None,
    g_bound: np.ndarray | None = None,
) -> tuple[str, str, np.ndarray]:
    """(kind, the kind in words, eigenvalues) for Hessian ``h`` and gradient ``g`` at ``x``.

    ``h_bound`` and ``g_bound`` bound the entries' errors (None: within a few ulps). An error E
    in the symmetric Hessian moves each eigenvalue by at most its 2-norm, at most its Frobenius
    norm (Weyl): an eigenvalue no larger than that, or a gradient no larger than its bound
    where it is not 0, leaves the kind ``uncertain``.
    """
    k = len(g)
    if k == 0:
        return "flat", "f has no variables: it is constant", np.zeros(0)
    if not (np.all(np.isfinite(h)) and np.all(np.isfinite(g))):
        return "undefined", "the Hessian or the gradient is not finite here", np.full(k, np.nan)
    with np.errstate(all="ignore"):
        # Eigenvalues of the symmetric part over 2**e, 2**e about its largest entry (exact, and
        # no overflow: exp(x)*y at 709.5 has entries of 1.35e308, whose sum is inf); the signs and
        # every comparison are read on that scale, the eigenvalues reported on f's own (an
        # eigenvalue beyond float64 is reported as inf).
        sym = h / 2.0 + h.T / 2.0
        e = int(np.frexp(np.max(np.abs(sym)))[1])
        scaled = np.ldexp(sym, -e)
        unit = np.linalg.eigvalsh(scaled)
        lam = np.ldexp(unit, e)
        tol = EIGEN_ULPS * k * EPS_MACHINE * float(np.max(np.abs(unit)))
        positive, negative = int(np.sum(unit > tol)), int(np.sum(unit < -tol))
        zero = k - positive - negative
        g_size = float(np.max(np.abs(g)))
        g_tol = GRADIENT_ZERO * float(np.max(np.abs(scaled))) * max(1.0, float(np.max(np.abs(x))))
        moving = float(np.ldexp(g_size, -e)) > g_tol if g_size > 0 else False
        doubt = _doubt(unit, e, tol, g, moving, h_bound, g_bound)
    if doubt:
        return "uncertain", doubt, lam
    if moving:
        shape = (
            "convex (every eigenvalue positive)"
            if positive == k
            else "concave (every eigenvalue negative)"
            if negative == k
            else "saddle-shaped (eigenvalues of both signs)"
            if positive and negative
            else "flat (every eigenvalue 0)"
            if zero == k
            else "degenerate (some eigenvalues 0)"
        )
        return (
            "not critical",
            f"not a critical point: the gradient is not 0 (largest |df/dx| {g_size:.3g}); f is {shape} here",
            lam,
        )
    if positive == k:
        return "minimum", "a local minimum: the gradient is 0 and every eigenvalue is positive", lam
    if negative == k:
        return "maximum", "a local maximum: the gradient is 0 and every eigenvalue is negative", lam
    if positive and negative:
        return "saddle", "a saddle point: the gradient is 0 and the eigenvalues have both signs", lam
    if zero == k:
        return (
            "flat",
            "flat to second order: the gradient and the Hessian are 0, so the test is inconclusive",
            lam,
        )
    sign = "positive" if positive else "negative"
    return (
        "degenerate",
        f"inconclusive: the gradient is 0 and the eigenvalues are {sign} or 0 (a higher-order test is needed)",
        lam,
    )


def _doubt(
    unit: np.ndarray,
    e: int,
    tol: float,
    g: np.ndarray,
    moving: bool,
    h_bound: np.ndarray | None,
    g_bound: np.ndarray | None,
) -> str | None:
    """Why the bounds leave the kind open (None: they do not). ``unit`` are the eigenvalues over
    2**e and ``tol`` their zero on that scale; the bound's Frobenius norm is taken there too."""
    with np.errstate(all="ignore"):
        if h_bound is not None:
            # the norm on the bound's own scale 2**b, then compared on the eigenvalues' 2**e
            norm, b = frobenius(h_bound / 2.0 + h_bound.T / 2.0)
            if not np.all(np.isfinite(h_bound)):
                norm = np.inf
            spread = float(np.ldexp(norm, b - e))
            open_ = [v for v in unit.tolist() if tol < abs(v) <= spread]
            if open_:
                return (
                    f"float64 cannot tell: the exact Hessian's rounding bound ({_short(float(np.ldexp(norm, b)))}) "
                    f"is as large as its eigenvalue {_short(float(np.ldexp(open_[0], e)))}, whose sign is not "
                    "known; try --precision 50"
                )
        if moving and g_bound is not None and np.all(np.abs(g) <= g_bound):
            return (
                "float64 cannot tell: every component of the gradient is within its rounding bound "
                f"(largest |df/dx| {_short(float(np.max(np.abs(g))))}, bound "
                f"{_short(float(np.max(g_bound)))}), so whether it is 0 is not known; try --precision 50"
            )
    return None


def _short(v: float) -> str:
    return f"{v:.3g}"


__all__ = ["KINDS", "HessianResult", "classify", "hessian"]
