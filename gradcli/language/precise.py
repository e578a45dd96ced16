"""High precision: every node's value and every op's partials in mpmath, where float64 cannot decide.

The float64 pass (:mod:`gradcli.language.evaluate`, :mod:`gradcli.derive.backprop`) can lose
every digit to cancellation; this module recomputes the same quantities with mpmath at a chosen
number of significant digits, from the registry's own rules, so nothing is written twice:

* values come from each op's ``mp`` rule (the high-precision form beside its float64 one);
* partials come from each op's ``symbolic`` rule, the derivative text ``gradcli diff`` prints,
  parsed once per (op, number of arguments) and evaluated with the ``mp`` rules.

mpmath is imported when a function here runs, never when the module is imported.

Interface
---------
``values(expr, point, dps) -> list``
    Every node's value (mpmath ``mpf``, in evaluation order; the last is f) at ``point``, computed
    with ``dps`` significant decimal digits. ``point`` is float64 values, one per variable in
    ``expr.variables`` order (or a mapping name -> value), each converted exactly
    (``mpmath.mpf(float)``). Number literals are taken at their float64 value, exactly as the
    float64 pass sees them; the named constants ``pi`` and ``e`` are the true constants. A domain
    error gives mpmath's NaN, never an exception or a complex number (log(-1), sqrt(-1), asin(2)
    are NaN; log(0) is -inf; x/0 is +-inf and 0/0 NaN, as in float64, but mpmath has no signed
    zero, so 1/-0.0 is +inf here). mpmath does not overflow: exp(1000) is finite.
``partials(node, values_mp, dps=None) -> list``
    d node / d each argument of ``node`` (a :class:`~gradcli.language.nodes.Call`), as ``mpf``, at
    the argument values ``values_mp[j]`` for ``j`` in ``node.args`` (``values_mp`` as returned by
    :func:`values`). Computed at ``dps`` digits, or at mpmath's current precision when ``dps`` is
    None (``values`` restores the caller's precision when it returns, so pass the same ``dps``).
``gradient(expr, point, dps) -> (value, list)``
    f and df/dv for each variable (``expr.variables`` order): a reverse sweep over
    :func:`values` and :func:`partials`, accumulating adjoints as float64 backprop does (a zero
    adjoint stops an inf or NaN slope). A reference, not tuned for speed.
``supported(expr)``
    Raises :class:`UnsupportedPrecision` naming the first function with no high-precision form.
``UnsupportedPrecision``
    An :class:`~gradcli.errors.OptionError` (exit 2), raised by all of the above when ``expr``
    uses an op whose ``mp`` rule is None.
``BeyondRange``
    Raised by all of the above when an argument or a result of some op lies beyond
    2**+-``MAGNITUDE`` (about 10**+-5,050,000), or when ``x**y``
    would: there mpmath's cost grows with the size of the exponent (a power with an exponent of
    2**16000 takes seconds), and no float64 result depends on the digits. The caller keeps
    float64's value and its bound.

Kinks and removable singularities
---------------------------------
At a kink the partials follow the same subgradient convention as the float64 rules, because the
symbolic rules are written to: abs'(0) = sign(0) = 0, relu'(0) = 0, leaky_relu'(0) = alpha,
hard_sigmoid' is 0 at +-3, and a min/max tie splits evenly (1/k each for a k-way tie, exact
here). Where a rule's formula is undefined (NaN) at float64 arguments but the float64 partial
gives a finite limit or convention there (hypot at (0, 0): 0; d/dy x**y at x = 0: 0; d/dx x**0:
0), that finite value is used; those values are exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import OptionError
from ..registry import CONSTANTS, MAGNITUDE, BeyondRange, NaryRule, Op
from .nodes import Call, Const, Expression, Var
from .parse import parse
from .poles import through_infinity
from .symbolic import rule_texts


class UnsupportedPrecision(OptionError):
    """The expression uses a function that gradcli cannot evaluate in high precision."""


# (op name, number of arguments) -> the parsed rule of each partial; (op name, "weight") -> [weight]
_RULES: dict[tuple[str, int | str], list[Expression]] = {}


def _log2_size(x: Any) -> int:
    """log2 |x| rounded up (negative for |x| < 1), for a finite nonzero mpf; 0 otherwise."""
    mpf = getattr(x, "_mpf_", None)
    if mpf is None or not mpf[1]:
        return 0
    return int(mpf[2] + mpf[3])


def _magnitude(x: Any) -> int:
    """|log2 |x|| rounded up, for a finite nonzero mpf; 0 for 0, inf and NaN."""
    return abs(_log2_size(x))


# Refused before mpmath is called, where the argument already tells that the result lies
# beyond 2**+-MAGNITUDE (as it would be after the call) or, for an argument past float64's range
# (only an intermediate in high precision gets there), where the op takes exp of it inside:
# mpmath's time grows with such arguments without bound (exp(-1e740000) runs for minutes; erf's
# derivative takes exp(-x**2) at x = gamma(84834), about 1e381265).
_EXP_LIMIT = MAGNITUDE * math.log(2)  # |x| past this: exp(x) is beyond 2**+-MAGNITUDE
_BEYOND: dict[str, Any] = {  # op -> whether its result is beyond range, from x
    "exp": lambda x: abs(x) > _EXP_LIMIT,
    "sinh": lambda x: abs(x) > _EXP_LIMIT,
    "cosh": lambda x: abs(x) > _EXP_LIMIT,
    "expm1": lambda x: x > _EXP_LIMIT,
    "erfc": lambda x: x > 0 and x * x > _EXP_LIMIT,
    "gamma": lambda x: abs(x) > 1e6,  # log2 gamma(1e6) is 1.85e7, past MAGNITUDE (1.68e7)
}
# sin and its kin reduce their argument by pi to as many digits as it has before the point:
# csc(gamma(60282)), with an argument of 1e260000, ran for minutes (sin at 1e30000: 0.06 s)
_PERIODIC_BITS = 33_000  # |log2 x| past this (x beyond about 1e10000): refused
for _name in ("sin", "cos", "tan", "sec", "csc", "cot"):
    _BEYOND[_name] = lambda x: _log2_size(x) > _PERIODIC_BITS

_EXP_INSIDE = frozenset(
    {"expm1", "sigmoid", "softplus", "elu", "selu", "silu", "swish", "mish", "gelu", "erfc"}
)
_FLOAT64_MAX = 1.7976931348623157e308


def _within(op: Op, args: Sequence[Any]) -> None:
    """Raise :class:`BeyondRange` if an argument of ``op``, or its result as the arguments
    foretell it (x**y, exp, gamma, ...), is out of range, or if an exp taken inside the op would
    be (an argument past float64's range)."""
    for a in args:
        if _magnitude(a) > MAGNITUDE:
            raise BeyondRange(op.name)
    name = op.alias_of or op.name
    if args and name in _BEYOND and _BEYOND[name](args[0]):  # x is the first argument
        raise BeyondRange(op.name)
    if args and name in _EXP_INSIDE and abs(args[0]) > _FLOAT64_MAX:
        raise BeyondRange(op.name)
    if op.name == "pow" and args[1] != 0 and args[0] != 0 and abs(args[0]) != 1:
        # |log2 |x**y|| = |y| * |log2 |x||: refuse before mpmath spends the time. (|log2 |x|| is
        # taken as it is, not rounded: 0.8**1e6080 has a base of magnitude 0 and took mpmath 21 s.)
        y = abs(args[1])
        base = abs(args[0])
        if _magnitude(base) > 2:
            size = y * (_magnitude(base) - 1)  # |log2 |x|| is at least this
        else:
            import mpmath

            size = y * abs(mpmath.log(base, 2)) if mpmath.isfinite(base) and mpmath.isfinite(y) else 0
        if size > 2 * MAGNITUDE:
            raise BeyondRange(op.name)


def supported(expr: Expression) -> None:
    """Raise :class:`UnsupportedPrecision` if some op of ``expr`` has no high-precision form."""
    for node in expr.nodes:
        if type(node) is Call and node.op.mp is None:
            _refuse(node.op)


def _refuse(op: Op) -> None:
    raise UnsupportedPrecision(
        f"{op.name} has no high-precision form, so it cannot be evaluated at --precision N",
        hint="use --precision off, or rewrite the expression without it",
    )


def values(expr: Expression, point: Sequence[Any] | Mapping[str, Any], dps: int) -> list:
    """Every node's value in mpmath at ``dps`` significant digits (see the module docstring).
    The point's coordinates are floats, or mpmath numbers taken as they are."""
    import mpmath

    supported(expr)
    if isinstance(point, Mapping):
        point = [point[name] for name in expr.variables]
    if len(point) != len(expr.variables):
        raise ValueError(f"{len(expr.variables)} variables but {len(point)} values")
    out: list = []
    with mpmath.workdps(dps):
        given = [v if isinstance(v, mpmath.mpf) else mpmath.mpf(float(v)) for v in point]
        for node in expr.nodes:
            if isinstance(node, Call):
                out.append(_apply(node.op, [out[j] for j in node.args]))
            elif isinstance(node, Const):
                out.append(_constant(node))
            else:
                out.append(given[node.index])
    return out


def _constant(node: Const) -> Any:
    import mpmath

    text = node.text.strip()
    sign = -1 if text.startswith("-") else 1
    if text.lstrip("-") in CONSTANTS and float(node.value) == sign * CONSTANTS[text.lstrip("-")]:
        return sign * (+getattr(mpmath, text.lstrip("-")))  # the true pi or e, at this precision
    return mpmath.mpf(float(node.value))


def _apply(op: Op, args: Sequence[Any]) -> Any:
    """``op.mp(*args)`` as a real mpf: NaN for a domain error, never an exception or complex."""
    import mpmath

    if op.mp is None:
        _refuse(op)
    _within(op, args)
    try:
        result = op.mp(*args)  # type: ignore[misc]
    except (ZeroDivisionError, ValueError, OverflowError, ArithmeticError):
        return mpmath.nan
    if isinstance(result, mpmath.mpc):
        result = mpmath.mpf(result.real) if result.imag == 0 else mpmath.nan
    result = mpmath.mpf(result)
    if _magnitude(result) > MAGNITUDE:
        raise BeyondRange(op.name)
    return result


def _evaluate(rule: Expression, bind: Mapping[str, Any]) -> Any:
    """A parsed rule evaluated with the mp rules, its variables bound to ``bind``."""
    out: list = []
    for node in rule.nodes:
        kind = type(node)
        if kind is Call:
            out.append(_apply(node.op, [out[j] for j in node.args]))  # type: ignore[union-attr]
        elif kind is Const:
            out.append(_constant(node))  # type: ignore[arg-type]
        else:
            out.append(bind[node.name])  # type: ignore[union-attr]
    return out[-1]


def _rules(op: Op, n: int) -> list[Expression]:
    key = (op.name, n)
    rules = _RULES.get(key)
    if rules is None:
        rules = _RULES[key] = [parse(text) for text in rule_texts(op, n)]
    return rules


def partials(node: Call, values_mp: Sequence[Any], dps: int | None = None) -> list:
    """d node / d each of its arguments, in mpmath (see the module docstring)."""
    import mpmath

    op = node.op
    if op.mp is None:
        _refuse(op)
    args = [values_mp[j] for j in node.args]
    if dps is None:
        return _partials(op, args, node.args)
    with mpmath.workdps(dps):
        return _partials(op, args, node.args)


def _partials(op: Op, args: list, nodes: Sequence[int] = ()) -> list:
    """The partials of ``op`` at ``args`` (the values of the nodes ``nodes``, if given).

    An n-ary rule's weights (min, max: a tie's share) are summed per node before they are
    divided, so an argument written several times gets its whole share exactly: max(x, x, x)
    passes 3/3 = 1 to x, where three rounded thirds would not add up to 1 and would leave a
    residue in x/x's cancellation that no precision settles.
    """
    import mpmath

    n = len(args)
    rule = op.symbolic
    if isinstance(rule, NaryRule) and n != 2:
        key = (op.name, "weight")
        if key not in _RULES:
            _RULES[key] = [parse(rule.weight)]
        weight = _RULES[key][0]
        out = _apply(op, args)
        weights = [_evaluate(weight, {"out": out, "x": a}) for a in args]
        total = mpmath.fsum(weights)
        if len(set(nodes)) < len(nodes):  # an argument written more than once: its shares as one
            first: dict[int, int] = {}
            merged = [mpmath.mpf(0)] * n
            for i, k in enumerate(nodes):
                at = first.setdefault(k, i)
                merged[at] += weights[i]
            weights = merged
        got = [w / total for w in weights]
    else:
        bind = dict(zip(op.params(n), args))
        got = [_evaluate(r, bind) for r in _rules(op, n)]
    if any(mpmath.isnan(g) for g in got):
        got = _limits(op, args, got)
    return got


def _limits(op: Op, args: list, got: list) -> list:
    """Where the rule's formula is NaN at float64 arguments, the float64 partial's finite value
    (a limit or a convention, exact there: hypot at (0, 0), 0**y's slope in y)."""
    import mpmath

    floats = [float(a) for a in args]
    if any(mpmath.isnan(a) or mpmath.mpf(f) != a for a, f in zip(args, floats)):
        return got  # not float64 arguments: no float64 rule to consult
    with np.errstate(all="ignore"):
        arrays = [np.float64(f) for f in floats]
        slopes = op.partials(arrays, op.forward(*arrays))
    fixed = []
    for g, s in zip(got, slopes):
        s = float(np.asarray(s, dtype=np.float64))
        fixed.append(mpmath.mpf(s) if mpmath.isnan(g) and math.isfinite(s) else g)
    return fixed


LOG10_2 = math.log10(2.0)  # digits per bit: spreads and gains are counted from exponents (mpmath.mag)
ROOMY_DIGITS = 2000  # the most digits :func:`gradient` takes to hold terms far apart


def gradient(expr: Expression, point: Sequence[float] | Mapping[str, float], dps: int) -> tuple[Any, list]:
    """f and df/dv for each variable at ``point``, in mpmath at ``dps`` digits (reverse sweep).
    NaN for a variable whose way to a finite f passes an infinite value (1/x at 0 in 1/(1/x)):
    f is a limit there, and the chain rule does not give its derivative (:mod:`.poles`).
    Where the sweep adds terms too far apart for ``dps`` digits to hold their sum (see
    :func:`gradient_digits`), it is taken again with 40 digits to spare, up to ``ROOMY_DIGITS``:
    at least ``dps`` digits, never fewer than the terms need (x + x/x at 1e-100: 1, not 0)."""
    f, grads, needed = gradient_digits(expr, point, dps)
    more = ROOMY_DIGITS if math.isinf(needed) else min(ROOMY_DIGITS, int(needed) + 40)
    if needed + 20 > dps and more > dps:
        f, grads, _ = gradient_digits(expr, point, more)
    return f, grads


def gradient_digits(
    expr: Expression, point: Sequence[float] | Mapping[str, float], dps: int
) -> tuple[Any, list, float]:
    """:func:`gradient`, and the digits its reverse sweep needs: the widest span, in decimal
    digits, between the largest term summed into one adjoint along any chain and the smaller of
    the smallest nonzero term and the (nonzero) sum (x + x/x at 1e-100 adds 1 to 1e100 and -1e100:
    100 digits, and at fewer the 1 is lost and the derivative reads 0; expm1(x)/x at 1e-57 adds
    1e57 and -1e57 for 0.5: 57 digits); inf where nonzero terms cancel to exactly 0 (exact, as in
    sin(x)**2 + cos(x)**2, or rounding: expm1(x)/x at 1e-70 at 60 digits). Where ``dps`` is not
    comfortably above it, take more (see :func:`sweep`)."""
    done = sweep(expr, point, dps)
    return done.value, done.grads, math.inf if done.zeroed else done.needed


class Sweep(NamedTuple):
    """One reverse sweep in mpmath (see :func:`sweep`)."""

    value: Any  # f
    grads: list  # df/dv per variable
    needed: float  # digits its sums need, where none cancelled to exactly 0
    zeroed: tuple[int, ...]  # the nodes whose adjoint's nonzero terms cancelled to exactly 0


def sweep(expr: Expression, point: Sequence[float] | Mapping[str, float], dps: int) -> Sweep:
    """f and its gradient at ``dps`` digits, the digits the sums need (:func:`gradient_digits`),
    and the nodes whose adjoint's nonzero terms cancelled to exactly 0. Such a 0 may be exact
    (x*x - 2*x at 1, sin(x)**2 + cos(x)**2) or every digit lost (expm1(x)/x at 1e-70 adds
    1e70 + 1 and -(1e70 + 0.5), which at 60 digits round to one number; x - asinh(x) at 1e-31
    adds 1 and -(1 - 5e-63), which round to 1 at 40 and 60 digits alike): no sweep at one
    precision tells which."""

    import mpmath

    vals = values(expr, point, dps)
    nodes = expr.nodes
    adjoint: list = [None] * len(nodes)
    adjoint[-1] = mpmath.mpf(1)
    span = [0.0] * len(nodes)  # digits node i's adjoint needed so far (its own sum, and its chain)
    high: list = [None] * len(nodes)  # the largest and smallest nonzero |term| summed into each
    low: list = [None] * len(nodes)

    def spread(i: int) -> float:
        # the digits between the largest term summed into i and the smaller of its smallest term
        # and the sum itself: terms that cancel (expm1(x)/x at 1e-57 adds 1e57 and -1e57 for
        # 0.5) need as many digits as ones far apart (a sum exactly 0: see ``zeroed``)
        if high[i] is None or low[i] is None or not mpmath.isfinite(high[i]):
            return 0.0
        floor = low[i]
        total = abs(adjoint[i]) if adjoint[i] is not None else None
        if total is not None and total != 0 and mpmath.isfinite(total):
            floor = min(floor, total)
        return max(0.0, (mpmath.mag(high[i]) - mpmath.mag(floor)) * LOG10_2)

    def cancelled(i: int) -> bool:
        return high[i] is not None and adjoint[i] == 0

    with mpmath.workdps(dps):
        # The forward pass's own conditioning: a value's relative error is its arguments' times
        # |a f_a / f| (sin at 1.6e298 multiplies it by 1e298: relu(sin(acos(x)/x)) at 1e-298 needs
        # 300 digits to know sin's sign), so the digits each value may have lost add up along the
        # way; a sum or difference that comes to exactly 0 from nonzero terms ((x + 1e200) - 1e200
        # at 60 digits) may have lost them all, as an adjoint's may (``zeroed``).
        slopes: dict[int, list] = {}
        lost = [0.0] * len(nodes)
        absorbed: list[int] = []
        for i, node in enumerate(nodes):
            if type(node) is not Call or not expr.depends[i]:
                continue
            args = [vals[k] for k in node.args]
            slopes[i] = part = _partials(node.op, args, node.args)
            out = vals[i]
            if not (isinstance(out, mpmath.mpf) and mpmath.isfinite(out)):
                continue
            if out == 0:
                nonzero = any(isinstance(a, mpmath.mpf) and a != 0 for a in args)
                if node.op.name in ("add", "sub") and nonzero:
                    absorbed.append(i)
                elif nonzero and node.op.analytic and any(type(nodes[k]) is Call for k in node.args):
                    # an analytic op at an isolated zero of a computed argument, such as log of
                    # erf(12.26), which is 1 - 1e-67 and reads exactly 1 at 60 and 80 digits:
                    # the 0 may be the precision's, as a sum's may
                    absorbed.append(i)
                continue
            # relative error, in units of the working precision: 1 (its own rounding) plus each
            # argument's times |a f_a / f| (1 for each factor of a product: a chain of 1,000
            # products loses 3 digits, not 1,000 times a rounded gain)
            terms = [0.0]
            for k, a, slope in zip(node.args, args, part):
                if not (isinstance(a, mpmath.mpf) and isinstance(slope, mpmath.mpf)) or a == 0 or slope == 0:
                    continue
                if not (mpmath.isfinite(a) and mpmath.isfinite(slope)):
                    continue
                bits = mpmath.mag(a) + mpmath.mag(slope) - mpmath.mag(out)
                if abs(bits) < 1000:
                    gain = float(abs(a * slope / out))
                    digits = math.log10(gain) if gain > 0 else -math.inf
                else:  # beyond float64: its exponent, to a bit
                    digits = bits * LOG10_2
                terms.append(digits + lost[k])
            top = max(terms)
            lost[i] = top + math.log10(sum(10.0 ** (t - top) for t in terms))
        for i in range(len(nodes) - 1, -1, -1):
            node = nodes[i]
            g = adjoint[i]
            if g is None or type(node) is not Call or not expr.depends[i]:
                continue
            span[i] = max(span[i], spread(i))
            for j, slope in zip(node.args, slopes[i]):
                if not expr.depends[j]:
                    continue
                term = mpmath.mpf(0) if g == 0 else g * slope  # a zero adjoint stops inf/nan slopes
                adjoint[j] = term if adjoint[j] is None else adjoint[j] + term
                span[j] = max(span[j], span[i])
                size = abs(term)
                if size != 0 and not mpmath.isnan(size):
                    high[j] = size if high[j] is None else max(high[j], size)
                    low[j] = size if low[j] is None else min(low[j], size)
    needed = max((max(span[slot], spread(slot)) for slot in expr.var_nodes), default=0.0)
    needed = max(needed, max(lost, default=0.0))
    zeroed = tuple(
        i for i in range(len(nodes)) if expr.depends[i] and adjoint[i] is not None and cancelled(i)
    ) + tuple(absorbed)
    grads = [
        adjoint[slot] if type(nodes[slot]) is Var and adjoint[slot] is not None else mpmath.mpf(0)
        for slot in expr.var_nodes
    ]
    if mpmath.isfinite(vals[-1]):  # f finite through an infinite value: a limit, no derivative known

        def infinite(v: Any) -> bool:
            return isinstance(v, mpmath.mpf) and bool(mpmath.isinf(v))

        if any(map(infinite, vals)):
            hit, _ = through_infinity(expr, vals, 1, infinite)
            grads = [mpmath.nan if hit[v, 0] else g for v, g in enumerate(grads)]
    return Sweep(vals[-1], grads, needed, zeroed)


__all__ = ["Sweep", "UnsupportedPrecision", "gradient", "gradient_digits", "partials", "supported", "values"]
