"""Piecewise functions with kinks or jumps: abs, sign, min, max, relu, where.

Each is ``analytic=False``: its complex rule follows the piece the real parts select. At a kink
backprop uses a subgradient (abs'(0) = relu'(0) = 0, a min/max tie splits evenly), the kink rule
says where that happens and the directional rule gives the exact one-sided slope there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .op import Array, NaryRule, Op, Rule, at_zero, mpmath, unary, unsettled


def _nan_or(rule: Callable[..., Any]) -> Callable[..., Any]:
    """An mp rule that gives NaN for a NaN argument (as numpy's would), else ``rule``."""

    def guarded(*args: Any) -> Any:
        m = mpmath()
        return m.nan if any(m.isnan(a) for a in args) else rule(*args)

    return guarded


# --- abs and sign -----------------------------------------------------------------------------------

ABS = unary(
    name="abs",
    forward=np.abs,
    slope=lambda x, o: np.sign(x),
    derivative="sign(x)",
    doc="absolute value",
    kink=lambda a: a[0] == 0,
    directional=lambda a, d, o: np.abs(d[0]),
    kink_doc="at x = 0 (slopes -1 and 1; backprop uses 0)",
    seams=at_zero,
    analytic=False,
    complex_forward=lambda z: np.where(np.real(z) < 0, -z, z),
    mp=lambda x: abs(x),
)

SIGN = unary(
    name="sign",
    forward=np.sign,
    slope=lambda x, o: 0.0,
    derivative="0",
    doc="-1, 0 or 1, the sign of x",
    kink=lambda a: a[0] == 0,
    directional=lambda a, d, o: np.where(
        unsettled(d[0]), np.nan, np.where(np.asarray(d[0]) == 0, 0.0, np.nan)
    ),
    kink_doc="at x = 0 (it jumps from -1 to 1; backprop uses 0)",
    seams=at_zero,
    jumps=(0,),
    analytic=False,
    complex_forward=lambda z: np.sign(np.real(z)) + 0j,
    mp=_nan_or(lambda x: mpmath().sign(x)),
)

# --- min and max: any number of arguments -----------------------------------------------------------
# Every rule here is linear in the number of arguments: the extreme is computed once.


def _extreme(pick: np.ufunc) -> Rule:
    """min (pick=np.minimum) or max (np.maximum) of any number of arguments."""
    return lambda *args: pick.reduce(np.broadcast_arrays(*args))


def _minmax_partials(args: Sequence[Array], out: Array) -> list[Array]:
    hits = [np.asarray(a == out, dtype=float) for a in args]
    count = sum(hits)
    return [h / count for h in hits]


def _tie(pick: np.ufunc) -> Callable[[Sequence[Array]], Array]:
    """Where two or more arguments share the smallest (largest) value."""

    def tie(args: Sequence[Array]) -> Array:
        out = _extreme(pick)(*args)
        return np.greater(sum(np.asarray(a == out, dtype=int) for a in args), 1)

    return tie


def _extreme_directional(pick: np.ufunc, fill: float) -> Callable[..., Array]:
    # min(u, v) moves, to first order, like the smallest slope among the arguments that tie
    # for the minimum (max: the largest); this is its exact one-sided derivative.
    def directional(args: Sequence[Array], dots: Sequence[Array], out: Array) -> Array:
        cand = [np.where(a == out, d, fill) for a, d in zip(args, dots)]
        return pick.reduce(np.broadcast_arrays(*cand))

    return directional


def _pick_complex(smaller: bool) -> Rule:
    """min (smaller) or max by real part: the piece a complex step stays on."""

    def pick(*args: Array) -> Array:
        args = np.broadcast_arrays(*[np.asarray(a, dtype=complex) for a in args])
        out = args[0]
        for a in args[1:]:
            out = np.where(a.real < out.real if smaller else a.real > out.real, a, out)
        return out

    return pick


MIN = Op(
    name="min",
    min_args=2,
    max_args=None,
    forward=_extreme(np.minimum),
    partials=_minmax_partials,
    derivative="1 for the smallest argument, 0 for the others",
    # 1+sign(out-x) is 2 where x is the minimum and 0 elsewhere: a tie splits evenly
    symbolic=NaryRule(weight="1+sign(out-x)", pair="(1+sign(y-x))/2 and (1+sign(x-y))/2"),
    doc="smallest of its arguments",
    signature="min(x, y, ...)",
    kink=_tie(np.minimum),
    directional=_extreme_directional(np.minimum, np.inf),
    kink_doc="where two arguments tie (backprop splits the gradient evenly)",
    seams=lambda a, o: [x - o for x in a],  # where another argument comes down to the smallest
    analytic=False,
    complex_forward=_pick_complex(smaller=True),
    idempotent=True,
    mp=_nan_or(lambda *args: min(args)),
)

MAX = Op(
    name="max",
    min_args=2,
    max_args=None,
    forward=_extreme(np.maximum),
    partials=_minmax_partials,
    derivative="1 for the largest argument, 0 for the others",
    symbolic=NaryRule(weight="1-sign(out-x)", pair="(1-sign(y-x))/2 and (1-sign(x-y))/2"),
    doc="largest of its arguments",
    signature="max(x, y, ...)",
    kink=_tie(np.maximum),
    directional=_extreme_directional(np.maximum, -np.inf),
    kink_doc="where two arguments tie (backprop splits the gradient evenly)",
    seams=lambda a, o: [o - x for x in a],  # where another argument comes up to the largest
    analytic=False,
    complex_forward=_pick_complex(smaller=False),
    idempotent=True,
    mp=_nan_or(lambda *args: max(args)),
)

# --- relu ----------------------------------------------------------------------------------------------

RELU = unary(
    name="relu",
    forward=lambda x: np.maximum(x, 0.0),
    slope=lambda x, o: np.asarray(x > 0, dtype=float),
    derivative="1 for x > 0, 0 for x < 0",
    symbolic="sign(relu(x))",  # 1 for x > 0, 0 for x <= 0, as backprop
    doc="max(x, 0)",
    kink=lambda a: a[0] == 0,
    directional=lambda a, d, o: np.maximum(d[0], 0.0),
    kink_doc="at x = 0 (slopes 0 and 1; backprop uses 0)",
    seams=at_zero,
    analytic=False,
    complex_forward=lambda z: np.where(np.real(z) > 0, z, 0.0),
    activation=True,
    mp=_nan_or(lambda x: x if x > 0 else mpmath().mpf(0)),
)

# --- where(c, a, b) ------------------------------------------------------------------------------------
# a where c is nonzero, b where c is 0 (NaN where c is NaN). Its slope by c is 0 wherever it is
# differentiable. Where c is 0 it is at its switch: beside the point (c moving off 0) it takes
# a, so it jumps there unless a = b, and is then continuous with a's slope. Where c does not
# depend on the variable it stays 0 and b's slope holds; where it does but its slope is 0
# (c = x**2 at 0) the rule cannot tell (NaN), and the values beside the point decide.


def _where(c: Array, a: Array, b: Array) -> Array:
    return np.where(np.isnan(c), np.nan, np.where(c != 0, a, b))


def _where_complex(c: Array, a: Array, b: Array) -> Array:
    return np.where(np.real(c) != 0, a, b)


def _where_partials(args: Sequence[Array], out: Array) -> tuple[Array, Array, Array]:
    c = np.asarray(args[0], dtype=np.float64)
    taken = np.asarray(c != 0, dtype=np.float64)
    nan = np.where(np.isnan(c), np.nan, 0.0)
    return nan, taken + nan, 1.0 - taken + nan


def _where_kink(args: Sequence[Array]) -> Array:
    c = np.asarray(args[0])
    return c == 0  # (NaN is not 0)


def _where_directional(args: Sequence[Array], dots: Sequence[Array], out: Array) -> Array:
    """The one-sided slope at c = 0: b's if c stays, a's if c moves and a = b, NaN (a jump) else."""
    c_dot, a_dot, b_dot = (np.asarray(d, dtype=np.float64) for d in dots)
    moves = c_dot != 0
    same = np.asarray(args[1]) == np.asarray(args[2])
    return np.where(unsettled(dots[0]), np.nan, np.where(moves, np.where(same, a_dot, np.nan), b_dot))


def _mp_where(c: Any, a: Any, b: Any) -> Any:
    return mpmath().nan if mpmath().isnan(c) else (a if c != 0 else b)


WHERE = Op(
    name="where",
    min_args=3,
    max_args=3,
    forward=_where,
    partials=_where_partials,
    derivative="0 by c; 1 by a where c != 0, else 1 by b",
    symbolic="0 and abs(sign(c)) and 1-abs(sign(c))",
    doc="a where c is nonzero, b where c is 0",
    signature="where(c, a, b)",
    kink=_where_kink,
    directional=_where_directional,
    kink_doc="where c = 0: it jumps from b to a unless a = b (backprop follows b)",
    seams=at_zero,
    jumps=(0,),
    analytic=False,
    complex_forward=_where_complex,
    mp=_mp_where,
)

OPS = (ABS, SIGN, MIN, MAX, RELU, WHERE)
