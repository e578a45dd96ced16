"""A Hessian's rows (and its gradient) where backprop's rule sits on a kink it does not read:
the one-sided derivatives where they agree, and what bounds them (:func:`agreed_sides`,
:func:`widened`, :func:`settle_apart`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..derive.rounding import EPS_MACHINE
from ..derive.sides import one_sided, precise_slopes
from ..language.nodes import Expression


def widened(bound: np.ndarray, rule: np.ndarray, agreed: np.ndarray) -> np.ndarray:
    """The bound of a derivative taken from one-sided derivatives that agree (``agreed``) where
    backprop's rule gave ``rule`` with ``bound``. Where the two differ by rounding only (1e-8
    relative), both read the derivative, and the rule's bound plus their gap bounds the
    one-sided one's error: ``(min(0.5, x, 0) - 1)/(0.5 - y)``'s row at (-0.33, -0.02) is 1 ulp
    off 1/(0.5 - y)**2, with the rule, re-evaluated at 640 digits, bounded by 1.2e-17. Where
    they differ more, the rule is not the derivative there (2*abs(x)*sign(x) at 0: 0 against 2)
    and its bound stands."""
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.abs(agreed - rule)
        near = gap <= 1e-8 * np.maximum(np.abs(agreed), np.abs(rule))
        return np.where(near, bound + gap, bound)


APART_POINTS = 100  # points a row whose rule and sides disagree has its sides taken in mpmath


def settle_apart(
    row: Expression,
    values: list[Any],
    on: np.ndarray,
    rule: np.ndarray,
    bound: np.ndarray,
    agreed: np.ndarray,
) -> None:
    """Where the rule (``rule``, (n, k), with ``bound``) and float64's one-sided derivatives
    (``agreed``, (k, n)) differ by more than rounding, one of them is wrong, and float64 cannot
    say which: the rule at a kink it does not read (2*abs(x)*sign(x) at 0: 0 against 2), or the
    sides' own rounding where the row's terms cancel (ln(y/x)'s mixed partial at (-22.8, -1.9):
    sides 3.5e-18, rule 0 at 640 digits). There the sides are taken again from quotients in
    mpmath (at most ``APART_POINTS`` points), ``agreed`` becomes theirs and ``bound`` their gap
    plus float64's rounding; where mpmath cannot judge them, the bound is unknown (inf).
    Changes ``agreed`` and ``bound`` in place."""
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.abs(agreed.T - rule)
        apart = on[:, None] & ~(gap <= 1e-8 * np.maximum(np.abs(agreed.T), np.abs(rule)))
    points = np.flatnonzero(apart.any(axis=1))[:APART_POINTS]
    for j in range(agreed.shape[0]):
        todo = points[apart[points, j]]
        if not todo.size:
            continue
        left, right, hidden = precise_slopes(row, values, j, todo)
        with np.errstate(invalid="ignore", over="ignore"):
            gap_lr = np.abs(left - right)
            same = gap_lr <= 1e-12 * np.maximum(np.abs(left), np.abs(right))
            error = gap_lr + EPS_MACHINE * np.abs(right) + np.where(np.isfinite(hidden), hidden, np.inf)
        agreed[j, todo] = np.where(same, right, agreed[j, todo])
        bound[todo, j] = np.where(same, error, np.inf)


def agreed_sides(row: Expression, values: list[Any], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per point: whether the row's one-sided derivatives agree, and are finite, in every
    variable; and those derivatives, (variables, n) (where they agree: the derivative, which
    backprop's rule at a kink need not give: 2*abs(x)*sign(x) at 0 has slope 2, backprop says 0).

    The symbolic rules write step functions as ``sign(relu(x))``, whose sign sits on its kink
    wherever relu(x) is 0, that is on relu's whole flat side; but there its argument does not
    move, so the row is as smooth as it looks (elu's df/dx at x = -1 is exp(x)). A kink whose
    argument moves gives different or non-finite one-sided derivatives, and stays a kink.
    """
    ok = np.ones(n, dtype=bool)
    slopes = np.full((len(row.variables), n), np.nan)
    with np.errstate(all="ignore"):
        for j in range(len(row.variables)):
            left, right = one_sided(row, values, j, n)
            ok &= np.isfinite(left) & np.isfinite(right) & (left == right)
            slopes[j] = right
    return ok, slopes


__all__ = ["APART_POINTS", "agreed_sides", "settle_apart", "widened"]
