"""Interim high-precision forms of the registry's ops (until the registry carries its own).

Two functions, the interface :mod:`gradcli.derive.precise` needs:
``values(expr, point, dps)`` every node's value at one point in mpmath at ``dps`` digits, and
``partials(node, values_mp)`` a node's local derivatives from those values. Constants and the
point are taken as the float64 numbers they are (exactly). A value outside an op's real domain
is NaN. Imports mpmath: load this module only when high precision is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mpmath as mp

from ..language.nodes import Call, Const, Expression, Node

MPF = mp.mpf
_SELU_ALPHA = "1.6732632423543772848170429916717"
_SELU_SCALE = "1.0507009873554804934193349852946"


def _sig(x):
    return 1 / (1 + mp.exp(-x))


def _step(x):
    return MPF(1) if x > 0 else MPF(0)


def _pick(i: int, pick: Callable) -> Callable:
    def rule(*a):
        best = pick(a)
        ties = sum(1 for v in a if v == best)
        return MPF(1) / ties if a[i] == best else MPF(0)

    return rule


def _pow_dx(x, y):
    if y == 0:
        return MPF(0)
    return y * x ** (y - 1)


def _pow_dy(x, y):
    if x > 0:
        return x**y * mp.log(x)
    return MPF(0) if x == 0 and y > 0 else mp.nan


def _softplus(x):
    return mp.log1p(mp.exp(x))


# name -> (forward, [d forward / d arg_i]); the partials follow the registry's conventions at kinks
_UNARY: dict[str, tuple[Callable, Callable]] = {
    "neg": (lambda a: -a, lambda a: MPF(-1)),
    "pos": (lambda a: a, lambda a: MPF(1)),
    "exp": (mp.exp, mp.exp),
    "log1p": (mp.log1p, lambda x: 1 / (1 + x)),
    "expm1": (mp.expm1, mp.exp),
    "log2": (lambda x: mp.log(x, 2), lambda x: 1 / (x * mp.log(2))),
    "log10": (lambda x: mp.log(x, 10), lambda x: 1 / (x * mp.log(10))),
    "sqrt": (mp.sqrt, lambda x: 1 / (2 * mp.sqrt(x))),
    "abs": (abs, lambda x: MPF(mp.sign(x))),
    "sign": (lambda x: MPF(mp.sign(x)), lambda x: MPF(0)),
    "erf": (mp.erf, lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)),
    "erfc": (mp.erfc, lambda x: -2 / mp.sqrt(mp.pi) * mp.exp(-x * x)),
    "sin": (mp.sin, mp.cos),
    "cos": (mp.cos, lambda x: -mp.sin(x)),
    "tan": (mp.tan, lambda x: mp.sec(x) ** 2),
    "asin": (mp.asin, lambda x: 1 / mp.sqrt(1 - x * x)),
    "acos": (mp.acos, lambda x: -1 / mp.sqrt(1 - x * x)),
    "atan": (mp.atan, lambda x: 1 / (1 + x * x)),
    "sinh": (mp.sinh, mp.cosh),
    "cosh": (mp.cosh, mp.sinh),
    "tanh": (mp.tanh, lambda x: mp.sech(x) ** 2),
    "asinh": (mp.asinh, lambda x: 1 / mp.sqrt(1 + x * x)),
    "acosh": (mp.acosh, lambda x: 1 / mp.sqrt(x * x - 1)),
    "atanh": (mp.atanh, lambda x: 1 / (1 - x * x)),
    "sigmoid": (_sig, lambda x: _sig(x) * _sig(-x)),
    "softplus": (_softplus, _sig),
    "relu": (lambda x: max(x, MPF(0)), _step),
    "selu": (
        lambda x: MPF(_SELU_SCALE) * (x if x > 0 else MPF(_SELU_ALPHA) * mp.expm1(x)),
        lambda x: MPF(_SELU_SCALE) * (MPF(1) if x > 0 else MPF(_SELU_ALPHA) * mp.exp(x)),
    ),
    "gelu": (lambda x: x * mp.ncdf(x), lambda x: mp.ncdf(x) + x * mp.npdf(x)),
    "silu": (lambda x: x * _sig(x), lambda x: _sig(x) * (1 + x * _sig(-x))),
    "swish": (lambda x: x * _sig(x), lambda x: _sig(x) * (1 + x * _sig(-x))),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    "mish": (
        lambda x: x * mp.tanh(_softplus(x)),
        lambda x: mp.tanh(_softplus(x)) + x * mp.sech(_softplus(x)) ** 2 * _sig(x),
    ),
    "hard_sigmoid": (
        lambda x: max(MPF(0), min(MPF(1), (x + 3) / 6)),
        lambda x: MPF(1) / 6 if -3 < x < 3 else MPF(0),
    ),
}

_BINARY: dict[str, tuple[Callable, Callable, Callable]] = {
    "add": (lambda a, b: a + b, lambda a, b: MPF(1), lambda a, b: MPF(1)),
    "sub": (lambda a, b: a - b, lambda a, b: MPF(1), lambda a, b: MPF(-1)),
    "mul": (lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    "div": (lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b**2),
    "pow": (lambda x, y: x**y, _pow_dx, _pow_dy),
    "atan2": (mp.atan2, lambda y, x: x / (x * x + y * y), lambda y, x: -y / (x * x + y * y)),
    "hypot": (mp.hypot, lambda x, y: x / mp.hypot(x, y), lambda x, y: y / mp.hypot(x, y)),
    "log": (
        lambda x, b: mp.log(x) / mp.log(b),
        lambda x, b: 1 / (x * mp.log(b)),
        lambda x, b: -mp.log(x) / (b * mp.log(b) ** 2),
    ),
    "leaky_relu": (
        lambda x, a: x if x > 0 else a * x,
        lambda x, a: MPF(1) if x > 0 else a,
        lambda x, a: MPF(0) if x > 0 else x,
    ),
    "elu": (
        lambda x, a: x if x > 0 else a * mp.expm1(x),
        lambda x, a: MPF(1) if x > 0 else a * mp.exp(x),
        lambda x, a: MPF(0) if x > 0 else mp.expm1(x),
    ),
}
_DEFAULT_SECOND = {"leaky_relu": 0.01, "elu": 1.0}


def _rules(name: str, n: int) -> tuple[Callable, list[Callable]]:
    if name in ("min", "max"):
        pick = min if name == "min" else max
        return (lambda *a: pick(a)), [_pick(i, pick) for i in range(n)]
    if name == "log" and n == 1:
        return mp.log, [lambda x: 1 / x]
    if name in _DEFAULT_SECOND and n == 1:
        f, da, _ = _BINARY[name]
        alpha = MPF(_DEFAULT_SECOND[name])
        return (lambda x: f(x, alpha)), [lambda x: da(x, alpha)]
    if n == 1:
        f, d = _UNARY[name]
        return f, [d]
    f, da, db = _BINARY[name]
    return f, [da, db]


def _real(v) -> mp.mpf:
    if isinstance(v, mp.mpc):
        return MPF(v.real) if v.imag == 0 else mp.nan
    return MPF(v)


def _safe(rule: Callable, args: Sequence) -> mp.mpf:
    if any(mp.isnan(a) for a in args):
        return mp.nan
    try:
        return _real(rule(*args))
    except (ZeroDivisionError, ValueError, OverflowError):
        return mp.nan


def values(expr: Expression, point: Sequence[float], dps: int) -> list:
    """Every node's value at ``point`` (one float per variable), in mpmath at ``dps`` digits."""
    out: list = []
    with mp.workdps(dps):
        for node in expr.nodes:
            if type(node) is Call:
                f, _ = _rules(node.op.name, len(node.args))
                out.append(_safe(f, [out[j] for j in node.args]))
            elif type(node) is Const:
                out.append(MPF(node.value))
            else:
                out.append(MPF(point[node.index]))
    return out


def partials(node: Node, values_mp: Sequence, dps: int) -> list:
    """The local derivatives of ``node`` (a Call) at the values of :func:`values`."""
    _, rules = _rules(node.op.name, len(node.args))  # type: ignore[union-attr]
    args = [values_mp[j] for j in node.args]  # type: ignore[union-attr]
    with mp.workdps(dps):
        return [_safe(rule, args) for rule in rules]
