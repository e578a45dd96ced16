"""A rounding-error bound on float64 backprop: running error analysis through both passes.

Backprop in float64 is not exact: every value and every partial is rounded, and cancellation
(``(exp(x)-1)/x`` at 1e-9, ``sin(x)/x`` at 1e-8) can leave no correct digit at all. This module
carries, beside each computed number, a bound on its distance from the exact number (the one
exact arithmetic would give for the same expression, constants and point taken as the float64
numbers they are), vectorized over the points like backprop itself.

Forward pass (each node's value ``v`` from arguments ``a_j`` carrying error bounds ``e_j``)::

    e(v) = S * sum_j D_j + c_op u |v| + TINY

where ``u = 2**-53``, ``c_op`` the op's own rounding in units of u (``ULPS``, measured against
mpmath, see below), and ``D_j`` how far v can move when ``a_j`` moves within ``+/- e_j``: the
first-order term ``|dv/da_j| e_j``, or, for ops that are not linear, the larger of that and
``|f(a_j +/- e_j) - f(a_j)|`` evaluated at both ends (which sees the curvature that the first
order misses, e.g. ``log`` of an argument with a large relative error). ``+ - neg`` are exact
to first order, ``*`` gets its exact ``e_a e_b`` cross term. ``S = 1.5`` covers the
second-order terms that two evaluations cannot see. An interval that reaches a point where the
op is not defined or not finite, or crosses a pole (the op looks monotone at the three points
but its values turn back; a divisor or a negative power's base within its error of 0) makes
the bound inf: unknown.

Reverse sweep (through :func:`gradcli.derive.backprop.backprop`'s ``on_edge``): the term
``g * p`` that an edge adds to its child's adjoint has error at most

    |p| E(g) + (|g| + E(g)) dp + u |g p|,     dp = c_p u max(|p|, m) + S s_p + TINY

where ``E(g)`` is the parent adjoint's bound, ``c_p`` the partial's own rounding (``ULPS``;
``m`` a magnitude of the terms inside the partial where its formula can cancel: silu, swish,
mish, gelu, gamma, lgamma), and ``s_p`` the partial's sensitivity to its arguments' forward errors, measured
by the same end-point evaluations (``|p(a_j +/- e_j) - p(a_j)|``; ``*`` gets it exactly: the
other argument's bound). Summing the terms of an adjoint adds ``u |running sum|`` per
addition, so cancellation in a sum of adjoints shows as a bound far above the result. A zero
adjoint with a zero bound stops everything behind it, as in backprop.

The bound is first order with end-point checks, not a proof: ``tests/derive/test_bound.py`` checks
with hypothesis that it covers |float64 backprop - 60-digit backprop| on random expressions
over the whole registry. NaN or inf means unknown.

``ULPS`` (forward, partials; in :mod:`gradcli.derive.rounding`, whose estimate for finite
differences reads the forward figures too) per op in units of u, about twice the largest error
measured against mpmath at 40 digits on ~1,000 points per op (uniform, log-spread over 1e-12..300, near
the ops' special points; ``tests/derive/test_bound.py`` re-measures them): IEEE operations are
correctly rounded (1); numpy's exp, log, sin, ... measured within 2; the composite activations
(sigmoid, selu, silu, mish) within 3 to 4; cbrt, gamma, lgamma (absolute, near its zeros)
and polygamma (whose reflection for x < 0 cancels) more, as the table says.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..language.evaluate import Values
from ..language.nodes import Call, Expression
from .backprop import backprop, slopes
from .rounding import ULPS, UNMEASURED, U, op_name, own_rounding

TINY = 4 * 2.0**-1074  # a few subnormal spacings: what an underflowed result can be off by
S = 1.5  # safety factor on the propagated (first order plus end-point) terms

_LINEAR = frozenset({"add", "sub", "neg", "pos"})
_POLES = frozenset({"tan"})  # poles away from 0 (those at 0 are checked by op: div, pow)


def _sig(x: Any) -> Any:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# Ops whose slope is a constant on each piece (hard_sigmoid: 1/6 or 0; leaky_relu: 1 or alpha):
# it never underflows, so a slope of 0 is exact and carries no TINY.
_CONSTANT_SLOPES = frozenset({"hard_sigmoid", "leaky_relu"})
_CANCELS = frozenset({"silu", "swish", "mish", "gelu", "gamma", "lgamma"})


def _magnitude(name: str, args: list, out: Any) -> Any:
    """The size of the terms inside a partial whose formula cancels near its own zero."""
    x = args[-1]
    if name == "gamma":
        return np.abs(out)
    if name == "lgamma":
        return 1.0
    if name in ("silu", "swish"):
        s = _sig(x)
        return s * (1.0 + np.abs(x) * (1.0 - s))
    if name == "mish":
        t = np.tanh(np.logaddexp(0.0, x))
        return np.abs(t) + np.abs(x) * (1.0 - t * t) * _sig(x)
    if name == "gelu":
        return _sig(1.702 * x) + np.abs(x) * np.exp(-0.5 * x * x)
    return 0.0


class Bounded(NamedTuple):
    """Backprop with its rounding-error bounds.

    ``grad`` (k, n) and ``adjoints`` as :func:`~gradcli.derive.backprop.backprop` returns
    them; ``bound`` (k, n) bounds |grad - exact gradient| (inf/NaN: unknown); ``value_bound``
    (n,) bounds |computed f - f|.
    """

    grad: np.ndarray
    adjoints: list
    bound: np.ndarray
    value_bound: np.ndarray


def _zero(x: Any) -> bool:
    return np.ndim(x) == 0 and x == 0


def _forward_bounds(expr: Expression, values: Values, local: list) -> tuple[list, list]:
    """Each node's value bound, and per Call node the sensitivity of each partial."""
    nodes = expr.nodes
    err: list = [0.0] * len(nodes)
    sens: list = [None] * len(nodes)
    for i, node in enumerate(nodes):
        if type(node) is not Call:
            continue
        op = node.op
        name = op_name(op)
        args = [values[j] for j in node.args]
        errs = [err[j] for j in node.args]
        v = values[i]
        own = own_rounding(name, v) + TINY if ULPS.get(name, UNMEASURED)[0] else 0.0
        inexact = [k for k, e in enumerate(errs) if not _zero(e)]
        if not inexact:
            err[i] = own
            continue
        p = local[i]
        if name in _LINEAR:
            total = own
            for k in inexact:
                total = total + errs[k]
            err[i] = total
            continue
        if name == "mul":
            ea, eb = errs
            total = own
            if not _zero(ea):
                total = total + np.abs(args[1]) * ea
            if not _zero(eb):
                total = total + np.abs(args[0]) * eb
            if not (_zero(ea) or _zero(eb)):
                total = total + ea * eb
            err[i] = total
            sens[i] = [eb, ea]
            continue
        need = [expr.depends[j] for j in node.args]
        if name in ("min", "max"):
            total, sens[i] = _extreme(args, errs, v)
        else:
            total, sens[i] = _ends(op, args, errs, inexact, v, p, need)
        err[i] = S * total + 3 * own
    return err, sens


def _extreme(args: list, errs: list, v: Any) -> tuple[Any, list]:
    """min/max of many arguments: moves by at most the largest error of a candidate; the
    partials (0, 1, or a tie's share) can change only among the arguments within reach of v."""
    widest: Any = 0.0
    for e in errs:
        widest = np.maximum(widest, e)
    reach = [np.abs(a - v) <= e + widest for a, e in zip(args, errs)]
    count: Any = 0
    for r in reach:
        count = count + r
    contested = count > 1
    return widest, [np.where(contested & r, 1.0, 0.0) for r in reach]


def _ends(
    op: Any, args: list, errs: list, inexact: list[int], v: Any, p: list, need: list[bool]
) -> tuple[Any, list]:
    """Forward moves and partial sensitivities of a non-linear op from an end-point evaluation.

    Each inexact argument is moved by its bound towards 0 (where most of the registry's poles,
    domain edges and kinks are), ``a - sign(a) e``; the op's value and partials there give the
    move of v (at least the first-order ``|p| e``) and of each partial. The move the other way
    differs from this one in second order only, which ``S`` covers. The rounding of the
    end-point values themselves is added by the caller (``3 c_op u |v|``, ``3 c_p u |p|``).
    A value or partial that is not finite at the end makes the bound inf or NaN (unknown).
    """
    total: Any = 0.0
    s: list = [0.0] * len(args)
    bad: Any = False
    for k in inexact:
        e = errs[k]
        step = -np.copysign(e, args[k])
        shifted = list(args)
        shifted[k] = args[k] + step
        v2 = op.forward(*shifted)
        p2 = op.partials(shifted, v2)
        rise = v2 - v
        total = total + np.maximum(np.abs(p[k]) * e, np.abs(rise))
        if op.name in _POLES:  # a pole crossed: the values move against the slope on both sides
            bad = bad | ((rise * step * p[k] < 0) & (rise * step * p2[k] < 0))
        if (op.name == "div" and k == 1) or (op.name == "pow" and k == 0):
            bad = bad | ((np.abs(args[k]) <= e) & ((op.name == "div") | (np.asarray(args[1]) < 1)))
        for m in range(len(args)):
            if need[m]:
                s[m] = s[m] + np.abs(p2[m] - p[m])
    if np.any(bad):
        total = np.where(bad, np.inf, total)
        s = [np.where(bad, np.inf, x) for x in s]
    return total, [x * S for x in s]


def frobenius(m: np.ndarray) -> tuple[float, int]:
    """The Frobenius norm of a matrix of bounds as (s, b), the norm being s * 2**b, its squares
    taken on the scale of the largest entry so that none overflows (entries beyond 1e154) or
    underflows; (inf or NaN, 0) where an entry is inf or NaN, (0, 0) where all are 0."""
    m = np.asarray(m, dtype=np.float64)
    top = float(np.max(np.abs(m))) if m.size else 0.0
    if not 0 < top < np.inf:
        return top, 0
    b = int(np.frexp(top)[1])
    return float(np.sqrt(np.sum(np.ldexp(m, -b) ** 2))), b


def bounded_backprop(expr: Expression, values: Values, n: int) -> Bounded:
    """Backprop at ``n`` points with a bound on the rounding error of each gradient entry."""
    with np.errstate(all="ignore"):
        local = slopes(expr, values)
        err, sens = _forward_bounds(expr, values, local)
        nodes = expr.nodes
        adj_err: list = [0.0] * len(nodes)
        seen = [False] * len(nodes)

        def edge(parent: int, child: int, g: Any, slope: Any, term: Any, total: Any) -> None:
            node = nodes[parent]
            assert isinstance(node, Call)  # a parent has children: it is a call
            name = op_name(node.op)
            c_p = ULPS.get(name, UNMEASURED)[1]
            k = (
                node.args.index(child)
                if node.args.count(child) == 1
                else _slot(parent, node, child, seen_edges)
            )
            dp: Any = 0.0
            if c_p:
                size = np.abs(slope)
                if name in _CANCELS:
                    size = np.maximum(size, _magnitude(name, [values[j] for j in node.args], values[parent]))
                dp = (c_p * U) * size + (0.0 if name in _CONSTANT_SLOPES else TINY)
            if sens[parent] is not None and not _zero(sens[parent][k]):
                dp = 3 * dp + sens[parent][k]
            e_g = adj_err[parent]
            bound: Any = U * np.abs(term)
            if not _zero(e_g):
                bound = bound + np.abs(slope) * e_g
            if not _zero(dp):
                bound = bound + (np.abs(g) + e_g) * dp
            if not (np.all(np.isfinite(bound))):
                bound = np.where((np.asarray(g) == 0) & (np.asarray(e_g) == 0), 0.0, bound)
                bound = np.where(np.isnan(bound), np.inf, bound)
            if seen[child]:
                bound = bound + U * np.abs(total)
            seen[child] = True
            adj_err[child] = bound if _zero(adj_err[child]) else adj_err[child] + bound

        seen_edges: dict = {}
        grad, adjoints = backprop(expr, values, n, local, on_edge=edge)
        bound = np.zeros_like(grad)
        for k, slot in enumerate(expr.var_nodes):
            if adjoints[slot] is not None:
                bound[k] = adj_err[slot]
        f_err = np.broadcast_to(np.asarray(err[-1], dtype=np.float64), (n,))
    return Bounded(grad, adjoints, bound, f_err)


def _slot(parent: int, node: Any, child: int, seen_edges: dict) -> int:
    """Which argument of ``node`` an edge to ``child`` is, when the child is used twice (x*x)."""
    key = (parent, child)
    positions = [k for k, j in enumerate(node.args) if j == child]
    used = seen_edges.get(key, 0)
    seen_edges[key] = used + 1
    return positions[used % len(positions)]
