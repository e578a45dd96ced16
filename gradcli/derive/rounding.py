"""How much rounding error the computed f carries: a running error bound over the forward pass.

Finite differences divide differences of f values by a small step, so their rounding error is
the error in each f value over h. That error is eps_m |f| only when f is computed without
cancellation; ``log(1 + exp(t))`` at t = -16 is 1.1e-7 but carries an error of 2.2e-16, the
rounding of 1 + exp(t) at the scale of 1, a billion times eps_m |f|. No difference of f values
can see this where the rounding drifts smoothly with x (it did, in tests), so the bound is made
from the evaluation itself.

Method (running error analysis, first order): every operation's result is taken to be rounded
by at most the larger of eps_m times its magnitude (one ulp: twice the error of the correctly
rounded + - * /) and the largest error measured for the op against mpmath (half its figure in
``ULPS``: the composite activations reach 1.25 to 1.5 eps_m, cbrt, gamma and polygamma more;
lgamma's error is absolute near its zeros at 1 and 2, where |lgamma| is small). This is an
estimate, as a typical rounding is smaller still; backprop's bound (:mod:`gradcli.derive.bound`)
takes the full ``ULPS`` figures, with their margin of two. An error in an argument reaches the result
multiplied by the op's local partial derivative (from the registry). Forward through the nodes,

    err(node) = own(node) + sum over args |d node / d arg| * err(arg),

with variables and constants exact (the steps are chosen so that x + h is exact). It uses the
forward pass and the ops' local slopes only, never the gradient of f, and it bounds the error
of f at x; f's error at x + h is the same to first order for the steps finite differences use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..language.evaluate import Values, forward
from ..language.nodes import Call, Expression

EPS_MACHINE = 2.220446049250313e-16
U = 2.0**-53  # the unit roundoff, eps_m / 2
SUBNORMAL = 2.0**-1074  # the spacing of float64's subnormal numbers
TINY_NORMAL = 2.0**-1022  # the smallest normal float64

# op name -> (forward, partials) rounding in units of u: about twice the largest error measured
# against mpmath at 40 digits on ~1,000 points per op (see gradcli.derive.bound, whose bound uses
# both; tests/derive/test_bound.py measures them again)
ULPS: dict[str, tuple[float, float]] = {
    "add": (1, 0),
    "sub": (1, 0),
    "mul": (1, 0),
    "div": (1, 3),
    "neg": (0, 0),
    "pos": (0, 0),
    "abs": (0, 0),
    "sign": (0, 0),
    "relu": (0, 0),
    "min": (0, 0),
    "max": (0, 0),
    "leaky_relu": (2, 1),
    "hard_sigmoid": (3, 1),
    "sqrt": (1, 3),
    "pow": (2, 5),
    "exp": (2, 2),
    "expm1": (3, 2),
    "log": (2, 3),
    "ln": (2, 3),
    "log1p": (3, 3),
    "log2": (2, 4),
    "log10": (4, 5),
    "sin": (2, 2),
    "cos": (2, 2),
    "tan": (2, 5),
    "asin": (2, 5),
    "acos": (2, 5),
    "atan": (2, 4),
    "atan2": (2, 7),
    "sinh": (4, 4),
    "cosh": (4, 4),
    "tanh": (3, 10),
    "asinh": (4, 3),
    "acosh": (4, 5),
    "atanh": (3, 5),
    "hypot": (2, 4),
    "erf": (3, 4),
    "erfc": (4, 4),
    "sigmoid": (5, 7),
    "softplus": (4, 4),
    "elu": (3, 3),
    "selu": (6, 7),
    "gelu": (4, 8),
    "silu": (6, 8),
    "swish": (6, 8),
    "softsign": (4, 6),
    "mish": (6, 8),
    "cbrt": (7, 14),
    "sec": (3, 5),
    "csc": (3, 5),
    "cot": (3, 7),
    "gamma": (11, 12),  # partial: relative to max(|p|, |gamma(x)|) (it cancels at digamma's root)
    "lgamma": (8, 8),  # relative to max(|v|, 1) and max(|p|, 1) (zeros at 1, 2 and digamma's root)
    "polygamma": (17, 200),
    "where": (0, 0),
}
MEASURED = 0.5  # the error estimate takes each op's largest measured error (ULPS holds twice it)
# inexact ops whose 0 at nonzero arguments is exact (x - x, log(1), acos(1), lgamma(2), hard_sigmoid
# below -3); any other inexact op that gives 0 from nonzero arguments underflowed (x*x at 1e-200)
EXACT_ZEROS = frozenset({"add", "sub", "log", "ln", "log2", "log10", "acos", "lgamma", "hard_sigmoid"})
UNMEASURED = (8.0, 8.0)  # an op added to the registry without measured figures yet
TIMES_X = frozenset({"silu", "swish", "mish", "gelu"})  # x times a factor that may be subnormal


def op_name(op: Any) -> str:
    """The op's registry name, an alias (ln) read as the op it names (log)."""
    return getattr(op, "alias_of", None) or op.name


def own_rounding(name: str, value: Any, margin: float = 1.0, least: float = 0.0) -> Any:
    """How far numpy's result of op ``name`` may be from the exact value of the op at the same
    arguments: ``margin`` times ``ULPS`` (forward) u, at least ``least``, times |value|
    (max(|value|, 1) for lgamma, whose error is absolute near its zeros at 1 and 2). ``ULPS``
    holds twice the largest error measured: ``margin`` 1/2 gives that error itself."""
    size = np.maximum(np.abs(value), 1.0) if name == "lgamma" else np.abs(value)
    return max(margin * ULPS.get(name, UNMEASURED)[0] * U, least) * size


def _kink_slopes(op: Any, args: list, out: Any, partials: list) -> list:
    """The partials, with each argument's steeper one-sided slope where the op is at its kink: an
    error in the argument moves the value by that much, whatever the rule's own value there
    (abs's slope at 0 is 0 by its rule, and -1 + x**x, which rounds to 0 at 1e-18 from
    -4.1e-17, carried no error into abs(-1 + x**x): its bound, and a difference's estimate, read 0)."""
    at = np.asarray(op.kink(args), dtype=bool)
    if not at.any():
        return partials
    if len(args) > 2:  # min and max of many: at a tie each argument moves the value by at most itself
        return [np.where(at, np.fmax(np.abs(slope), 1.0), slope) for slope in partials]
    out_slopes = []
    for j, slope in enumerate(partials):
        sides = []
        for sign in (1.0, -1.0):
            dots: list = [0.0] * len(args)
            dots[j] = np.full(np.shape(at) or (1,), sign)
            sides.append(np.abs(np.asarray(op.directional(args, dots, out), dtype=np.float64)))
        steeper = np.fmax(sides[0], sides[1])
        out_slopes.append(np.where(at & ~np.isnan(steeper), np.fmax(np.abs(slope), steeper), slope))
    return out_slopes


SUSPECT = 1e-3  # an argument's error share of |f| from which a seam within its interval is looked for
NEAR_MOVE = 0.01  # a probe moving x by at most this share of |x| carries x's own evaluation error


def error_at(
    expr: Expression, cols: Sequence[np.ndarray], j: int, xj: np.ndarray, n: int, delta: np.ndarray
) -> np.ndarray:
    """The evaluation error of f at the n points with variable j moved to ``xj``: ``delta`` (the
    error at the points themselves) where the move is within ``NEAR_MOVE`` of |x|, and otherwise
    the larger of it and :func:`evaluation_error` at the moved point. Cancellation inside f
    scales with its arguments: x - asinh(x) carries 2e-24 at 1e-8 and 7e-21 at 3e-5, where
    richardson's first steps probe it, and an estimate from the first missed by 50x."""
    x = np.broadcast_to(np.asarray(cols[j], dtype=np.float64), (n,))
    with np.errstate(all="ignore"):
        far = ~(np.abs(xj - x) <= NEAR_MOVE * np.abs(x)) & np.isfinite(xj)
    if not far.any():
        return delta
    idx = np.flatnonzero(far)
    sub = [np.broadcast_to(np.asarray(c, dtype=np.float64), (n,))[idx] for c in cols]
    sub[j] = np.asarray(xj)[idx]
    out = np.array(np.broadcast_to(delta, (n,)), dtype=np.float64)
    out[idx] = np.fmax(out[idx], evaluation_error(expr, sub, idx.size))
    return out


def _seam_within(
    node: Call, args: Sequence[Any], out: Any, err: Sequence[Any], partials: Sequence[Any]
) -> Any:
    """Where an argument's error interval [a - e, a + e] holds one of the op's seams (a pole,
    or a domain edge: a seam function changes sign across it, or the op is not finite at an end
    where it is at a): there no first-order bound holds. sec(acos(x)) at 1e-20: acos rounds
    to float64's pi/2 within 1.7e-16, sec's pole lies 6e-17 from it, and f, 1.6e16 in float64,
    is 1e20; the first-order bound said 4.6e16.

    Read only where the argument's first-order share of the error is at least ``SUSPECT`` of
    |out|: a seam at distance d <= e makes it e |f'| / |f| >= 1 next to a pole, and at least
    1/745 next to log's edge (|log| <= 745 in float64); next to an edge where f stays bounded
    (sqrt, x**0.5) the first-order bound is the larger one anyway."""
    op = node.op
    assert op.seams is not None
    found: Any = False
    finite = np.isfinite(out)
    size = np.abs(out)
    for k, j in enumerate(node.args):
        e = err[j]
        if e is None or not np.any(e > 0):
            continue
        with np.errstate(all="ignore"):
            suspect = ~(np.abs(partials[k]) * e < SUSPECT * size)
        if not np.any(suspect):
            continue
        ends = []
        for sign in (-1.0, 1.0):
            moved_args = list(args)
            moved_args[k] = np.asarray(args[k]) + sign * e
            at = op.forward(*moved_args)
            ends.append((op.seams(moved_args, at), at))
        (low, at_low), (high, at_high) = ends
        crossed: Any = finite & (~np.isfinite(at_low) | ~np.isfinite(at_high))
        for g_low, g_high in zip(low, high):
            crossed = crossed | (np.sign(g_low) * np.sign(g_high) < 0) | (g_low == 0) | (g_high == 0)
        found = found | (crossed & (e > 0))
    return found


def evaluation_error(
    expr: Expression, cols: Sequence[np.ndarray], n: int, values: Values | None = None
) -> np.ndarray:
    """A first-order bound on |computed f - f| at each of the n points (never below eps_m |f|;
    an inexact op with a subnormal result, or a 0 that underflowed, adds the subnormal spacing
    2**-1074);
    ``values``, the forward pass at the points if at hand."""
    if values is None:
        values = forward(expr, cols)
    err: list = [None] * len(expr.nodes)
    with np.errstate(all="ignore"):
        for i, node in enumerate(expr.nodes):
            if type(node) is not Call:
                continue  # variables and constants are exact
            args = [values[j] for j in node.args]
            name = op_name(node.op)
            if not ULPS.get(name, UNMEASURED)[0] and all(err[j] is None for j in node.args):
                continue  # an exact op (neg, abs, relu, min, ...) of exact arguments: exact (-1 in x**-1)
            total = own_rounding(name, values[i], MEASURED, EPS_MACHINE)
            if ULPS.get(name, UNMEASURED)[0]:
                # a subnormal result is rounded to a grid of 2**-1074, where eps_m |value|
                # underflows (sigmoid(-729) = 1.2e-317 is not within 1e-333 of its true value)
                tiny = np.abs(values[i]) < TINY_NORMAL
                if np.any(tiny):
                    rounded = values[i] != 0
                    if name not in EXACT_ZEROS:  # a 0 from nonzero arguments: an underflow
                        nonzero: Any = True
                        for arg in args:
                            nonzero = nonzero & (np.asarray(arg) != 0)
                        rounded = rounded | nonzero
                    # x times a factor that is itself subnormal (mish(-733) = -733 tanh(softplus(-733)),
                    # the factor 9.4e-320 on the grid): that grid's spacing, times |x|
                    spacing = SUBNORMAL * np.maximum(np.abs(args[0]), 1.0) if name in TIMES_X else SUBNORMAL
                    total = total + np.where(tiny & rounded, spacing, 0.0)
            partials = list(node.op.partials(args, values[i]))
            if node.op.kink is not None and node.op.directional is not None:
                partials = _kink_slopes(node.op, args, values[i], partials)
            for j, slope in zip(node.args, partials):
                if err[j] is not None:  # (an exact argument adds nothing, even through an infinite slope)
                    carried = np.abs(slope) * err[j]
                    # a bound rounds up: 0.5 * 2**-1074 is 0 in float64 (gelu's slope at 0 over an
                    # underflowed x*x at 1e-162 carried no error, and f's estimate missed by 1e-162)
                    carried = np.where((carried == 0) & (slope != 0), SUBNORMAL, carried)
                    total = total + np.where(err[j] == 0, 0.0, carried)
            if node.op.seams is not None and node.op.analytic:
                total = np.where(_seam_within(node, args, values[i], err, partials), np.inf, total)
            err[i] = total
        f = np.broadcast_to(np.abs(np.asarray(values[-1], dtype=np.float64)), (n,))
        bound = np.broadcast_to(np.asarray(err[-1] if err[-1] is not None else 0.0, dtype=np.float64), (n,))
        # An inexact argument through an infinite slope (sqrt at a computed 0, acos at erf(6.3),
        # which rounds to 1) leaves the bound inf: f may be off by any amount there, and the
        # differences' estimates say so (unknown) rather than claim eps_m |f|. NaN: f is not finite.
        bound = np.where(np.isnan(bound), 0.0, bound)
        return np.maximum(bound, EPS_MACHINE * np.where(np.isfinite(f), f, 0.0))
