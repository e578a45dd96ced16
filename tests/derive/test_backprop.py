"""Backprop against mpmath: fixed expressions to a few ulps, random trees over the whole registry.

References are computed with mpmath at 50 digits, either with ``mpmath.diff`` on the same text
(fixed expressions) or by forward-mode differentiation of the same tree with the analytic
partials in ``MP`` below (random expressions). ``MP`` must cover every registry entry.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradcli.derive.backprop import backprop, kinks
from gradcli.derive.gradient import compute
from gradcli.derive.sides import one_sided
from gradcli.language.evaluate import columns, forward
from gradcli.language.parse import parse
from gradcli.registry import FUNCTIONS, OPERATORS

mp.mp.dps = 50
MPF = mp.mpf
EPS = 2.0**-52


# --- mpmath versions of every registry entry ---------------------------------------------------


def _sigmoid(x):
    return 1 / (1 + mp.exp(-x))


_SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
_SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")


def _extreme_partial(i: int, pick: Callable) -> Callable:
    return lambda *a: MPF(1) if a[i] == pick(a) else MPF(0)


# (registry key, number of arguments) -> (f, [d f / d arg_i]) in mpmath
MP: dict[tuple[str, int], tuple[Callable, list[Callable]]] = {
    ("+", 2): (lambda a, b: a + b, [lambda a, b: 1, lambda a, b: 1]),
    ("-", 2): (lambda a, b: a - b, [lambda a, b: 1, lambda a, b: -1]),
    ("*", 2): (lambda a, b: a * b, [lambda a, b: b, lambda a, b: a]),
    ("/", 2): (lambda a, b: a / b, [lambda a, b: 1 / b, lambda a, b: -a / b**2]),
    ("**", 2): (lambda x, y: x**y, [lambda x, y: y * x ** (y - 1), lambda x, y: x**y * mp.log(x)]),
    ("neg", 1): (lambda a: -a, [lambda a: -1]),
    ("pos", 1): (lambda a: a, [lambda a: 1]),
    ("exp", 1): (mp.exp, [mp.exp]),
    ("log", 1): (mp.log, [lambda x: 1 / x]),
    ("log", 2): (
        lambda x, b: mp.log(x) / mp.log(b),
        [lambda x, b: 1 / (x * mp.log(b)), lambda x, b: -mp.log(x) / (b * mp.log(b) ** 2)],
    ),
    ("log2", 1): (lambda x: mp.log(x, 2), [lambda x: 1 / (x * mp.log(2))]),
    ("log10", 1): (lambda x: mp.log(x, 10), [lambda x: 1 / (x * mp.log(10))]),
    ("log1p", 1): (mp.log1p, [lambda x: 1 / (1 + x)]),
    ("expm1", 1): (mp.expm1, [mp.exp]),
    ("sqrt", 1): (mp.sqrt, [lambda x: 1 / (2 * mp.sqrt(x))]),
    ("abs", 1): (abs, [mp.sign]),
    ("sign", 1): (mp.sign, [lambda x: MPF(0)]),
    ("erf", 1): (mp.erf, [lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)]),
    ("erfc", 1): (mp.erfc, [lambda x: -2 / mp.sqrt(mp.pi) * mp.exp(-x * x)]),
    ("sin", 1): (mp.sin, [mp.cos]),
    ("cos", 1): (mp.cos, [lambda x: -mp.sin(x)]),
    ("tan", 1): (mp.tan, [lambda x: mp.sec(x) ** 2]),
    ("asin", 1): (mp.asin, [lambda x: 1 / mp.sqrt(1 - x * x)]),
    ("acos", 1): (mp.acos, [lambda x: -1 / mp.sqrt(1 - x * x)]),
    ("atan", 1): (mp.atan, [lambda x: 1 / (1 + x * x)]),
    ("atan2", 2): (mp.atan2, [lambda y, x: x / (x * x + y * y), lambda y, x: -y / (x * x + y * y)]),
    ("sinh", 1): (mp.sinh, [mp.cosh]),
    ("cosh", 1): (mp.cosh, [mp.sinh]),
    ("tanh", 1): (mp.tanh, [lambda x: mp.sech(x) ** 2]),
    ("asinh", 1): (mp.asinh, [lambda x: 1 / mp.sqrt(1 + x * x)]),
    ("acosh", 1): (mp.acosh, [lambda x: 1 / mp.sqrt(x * x - 1)]),
    ("atanh", 1): (mp.atanh, [lambda x: 1 / (1 - x * x)]),
    ("hypot", 2): (
        lambda x, y: mp.sqrt(x * x + y * y),
        [lambda x, y: x / mp.sqrt(x * x + y * y), lambda x, y: y / mp.sqrt(x * x + y * y)],
    ),
    ("min", 2): (min, [_extreme_partial(i, min) for i in range(2)]),
    ("min", 3): (min, [_extreme_partial(i, min) for i in range(3)]),
    ("max", 2): (max, [_extreme_partial(i, max) for i in range(2)]),
    ("max", 3): (max, [_extreme_partial(i, max) for i in range(3)]),
    ("sigmoid", 1): (_sigmoid, [lambda x: _sigmoid(x) * _sigmoid(-x)]),
    ("softplus", 1): (lambda x: mp.log1p(mp.exp(x)), [_sigmoid]),
    ("relu", 1): (lambda x: max(x, 0), [lambda x: MPF(1) if x > 0 else MPF(0)]),
    ("leaky_relu", 1): (
        lambda x: x if x > 0 else MPF(0.01) * x,
        [lambda x: MPF(1) if x > 0 else MPF(0.01)],
    ),
    ("leaky_relu", 2): (
        lambda x, a: x if x > 0 else a * x,
        [lambda x, a: MPF(1) if x > 0 else a, lambda x, a: MPF(0) if x > 0 else x],
    ),
    ("elu", 1): (lambda x: x if x > 0 else mp.expm1(x), [lambda x: MPF(1) if x > 0 else mp.exp(x)]),
    ("elu", 2): (
        lambda x, a: x if x > 0 else a * mp.expm1(x),
        [lambda x, a: MPF(1) if x > 0 else a * mp.exp(x), lambda x, a: MPF(0) if x > 0 else mp.expm1(x)],
    ),
    ("selu", 1): (
        lambda x: _SELU_SCALE * (x if x > 0 else _SELU_ALPHA * mp.expm1(x)),
        [lambda x: _SELU_SCALE * (MPF(1) if x > 0 else _SELU_ALPHA * mp.exp(x))],
    ),
    ("gelu", 1): (lambda x: x * mp.ncdf(x), [lambda x: mp.ncdf(x) + x * mp.npdf(x)]),
    ("silu", 1): (lambda x: x * _sigmoid(x), [lambda x: _sigmoid(x) * (1 + x * _sigmoid(-x))]),
    ("softsign", 1): (lambda x: x / (1 + abs(x)), [lambda x: 1 / (1 + abs(x)) ** 2]),
    ("mish", 1): (
        lambda x: x * mp.tanh(mp.log1p(mp.exp(x))),
        [lambda x: mp.tanh(mp.log1p(mp.exp(x))) + x * mp.sech(mp.log1p(mp.exp(x))) ** 2 * _sigmoid(x)],
    ),
    ("hard_sigmoid", 1): (
        lambda x: max(MPF(0), min(MPF(1), (x + 3) / 6)),
        [lambda x: MPF(1) / 6 if -3 < x < 3 else MPF(0)],
    ),
}
MP[("pow", 2)] = MP[("**", 2)]
MP[("swish", 1)] = MP[("silu", 1)]
MP[("ln", 1)], MP[("ln", 2)] = MP[("log", 1)], MP[("log", 2)]
MP[("cbrt", 1)] = (lambda x: mp.sign(x) * mp.cbrt(abs(x)), [lambda x: 1 / (3 * mp.cbrt(abs(x)) ** 2)])
MP[("sec", 1)] = (mp.sec, [lambda x: mp.sec(x) * mp.tan(x)])
MP[("csc", 1)] = (mp.csc, [lambda x: -mp.csc(x) * mp.cot(x)])
MP[("cot", 1)] = (mp.cot, [lambda x: -1 - mp.cot(x) ** 2])
MP[("gamma", 1)] = (mp.gamma, [lambda x: mp.gamma(x) * mp.digamma(x)])
MP[("lgamma", 1)] = (lambda x: mp.log(abs(mp.gamma(x))), [mp.digamma])


def _polygamma(n, x, more=0):
    if n != int(n) or n < 0:
        raise ValueError("polygamma is defined for whole orders n >= 0 only")
    return mp.polygamma(int(n) + more, x)


MP[("polygamma", 2)] = (_polygamma, [lambda n, x: MPF(0), lambda n, x: _polygamma(n, x, 1)])
MP[("where", 3)] = (
    lambda c, a, b: a if c != 0 else b,
    [lambda c, a, b: MPF(0), lambda c, a, b: MPF(c != 0), lambda c, a, b: MPF(c == 0)],
)


def _arities(op) -> range:
    return range(op.min_args, (op.max_args if op.max_args is not None else op.min_args + 1) + 1)


CALLS = [(name, k) for name, op in FUNCTIONS.items() for k in _arities(op)]
BINARY = [sym for sym, op in OPERATORS.items() if op.min_args == 2]
UNARY = [sym for sym, op in OPERATORS.items() if op.max_args == 1]

# mpmath namespace for evaluating expression text (fixed tests, via mpmath.diff)
MP_NAMES: dict[str, object] = {name: MP[(name, FUNCTIONS[name].min_args)][0] for name in FUNCTIONS}
MP_NAMES.update(log=lambda x, b=None: mp.log(x) if b is None else mp.log(x) / mp.log(b))
MP_NAMES.update(min=min, max=max, pow=lambda x, y: x**y, pi=mp.pi, e=mp.e)


def test_mp_table_covers_the_whole_registry():
    needed = [(sym, op.min_args) for sym, op in OPERATORS.items()] + CALLS
    missing = [case for case in needed if case not in MP]
    assert not missing, f"add mpmath versions of {missing} to MP in tests/derive/test_backprop.py"
    assert set(BINARY) | set(UNARY) == set(OPERATORS)


# --- helpers -----------------------------------------------------------------------------------


def _grad(text: str, point: dict[str, float]) -> tuple[np.ndarray, tuple[str, ...], float]:
    """gradcli's value and backprop gradient (through gradient.compute) at one point."""
    expr = parse(text)
    pts = np.array([[point[v] for v in expr.variables]], dtype=np.float64)
    r = compute(expr, pts, method="backprop")
    return r.exact[0], expr.variables, float(r.value[0])


def _mp_grad(text: str, point: dict[str, float], names: Sequence[str]) -> list[mp.mpf]:
    code = compile(text, "<expr>", "eval")

    def f(*vals):
        return eval(code, {"__builtins__": {}}, {**MP_NAMES, **dict(zip(names, vals))})

    at = tuple(MPF(point[v]) for v in names)
    out = []
    for k in range(len(names)):
        orders = tuple(1 if j == k else 0 for j in range(len(names)))
        out.append(mp.diff(f, at, orders))
    return out


def _ulps(got: float, true) -> float:
    true = MPF(true)
    if true == 0:
        return 0.0 if got == 0 else math.inf
    return float(abs(MPF(got) - true) / abs(true)) / EPS


# --- the seed and "accumulate, never assign" ---------------------------------------------------


def test_seed_expression_gives_exact_gradient():
    g, names, f = _grad("3*(a+b*c)", {"a": 5.0, "b": 3.0, "c": 2.0})
    assert names == ("a", "b", "c")
    assert f == 33.0
    assert g.tolist() == [3.0, 6.0, 9.0]


def test_accumulate_x_times_x():
    g, _, f = _grad("x*x", {"x": 3.0})
    assert f == 9.0 and g.tolist() == [6.0]


def test_accumulate_x_plus_x():
    g, _, _ = _grad("x+x", {"x": 3.0})
    assert g.tolist() == [2.0]


def test_accumulate_x_times_x_times_x():
    g, _, f = _grad("x*x*x", {"x": 2.0})
    assert f == 8.0 and g.tolist() == [12.0]


def test_accumulate_x_minus_x_and_x_over_x_are_zero():
    assert _grad("x-x", {"x": 3.7})[0].tolist() == [0.0]
    assert _grad("x/x", {"x": 3.7})[0].tolist() == [0.0]


def test_accumulate_reused_product():
    # (x*y)*(x*y): d/dx = 2*x*y**2, d/dy = 2*x**2*y, exact in float64 at these points
    g, names, _ = _grad("(x*y)*(x*y)", {"x": 1.5, "y": 2.5})
    assert names == ("x", "y")
    assert g.tolist() == [2 * 1.5 * 2.5**2, 2 * 1.5**2 * 2.5]


def test_accumulate_reused_product_in_two_functions():
    point = {"x": 0.5, "y": 1.2}
    g, _, _ = _grad("sin(x*y)+cos(x*y)", point)
    xm, ym = MPF(0.5), MPF(1.2)
    want = [ym * (mp.cos(xm * ym) - mp.sin(xm * ym)), xm * (mp.cos(xm * ym) - mp.sin(xm * ym))]
    for got, true in zip(g, want):
        assert _ulps(got, true) <= 8


def test_accumulate_variable_used_in_many_places():
    # each of the four uses of x adds its own contribution
    g, _, _ = _grad("x*y + x + sin(x) + x**2", {"x": 0.75, "y": 2.0})
    x = MPF(0.75)
    assert _ulps(g[0], 2 + 1 + mp.cos(x) + 2 * x) <= 4
    assert g[1] == 0.75


# --- specific functions --------------------------------------------------------------------------


def test_log_with_base():
    g, names, f = _grad("log(x, b)", {"x": 8.0, "b": 2.0})
    assert names == ("b", "x")
    x, b = MPF(8), MPF(2)
    assert _ulps(f, 3) <= 2
    assert _ulps(g[1], 1 / (x * mp.log(b))) <= 4
    assert _ulps(g[0], -mp.log(x) / (b * mp.log(b) ** 2)) <= 4


def test_atan2_argument_order():
    # atan2(y, x): d/dy = x/(x**2+y**2), d/dx = -y/(x**2+y**2); variables come out sorted (x, y)
    g, names, f = _grad("atan2(y, x)", {"x": 2.0, "y": 1.0})
    assert names == ("x", "y")
    assert _ulps(f, mp.atan2(1, 2)) <= 2
    assert _ulps(g[0], MPF(-1) / 5) <= 4
    assert _ulps(g[1], MPF(2) / 5) <= 4


def test_hypot():
    g, _, f = _grad("hypot(x, y)", {"x": 3.0, "y": 4.0})
    assert f == 5.0
    assert g.tolist() == [0.6, 0.8]


def test_pow_with_variable_exponent():
    g, _, f = _grad("x**y", {"x": 2.0, "y": 3.0})
    assert f == 8.0
    assert g[0] == 12.0
    assert _ulps(g[1], 8 * mp.log(2)) <= 4
    g2, _, _ = _grad("pow(x, y)", {"x": 2.0, "y": 3.0})
    g3, _, _ = _grad("x^y", {"x": 2.0, "y": 3.0})
    assert g2.tolist() == g.tolist() == g3.tolist()


def test_min_of_a_variable_with_itself():
    assert _grad("min(x, x)", {"x": 1.5})[0].tolist() == [1.0]
    assert _grad("max(x, x)", {"x": 1.5})[0].tolist() == [1.0]


def test_min_max_tie_splits_evenly():
    assert _grad("min(x, y)", {"x": 2.0, "y": 2.0})[0].tolist() == [0.5, 0.5]
    assert _grad("max(x, y)", {"x": 2.0, "y": 2.0})[0].tolist() == [0.5, 0.5]
    # three-way tie where x appears twice: x gets 2/3, y 1/3, summing to 1
    g = _grad("min(x, y, x)", {"x": -1.0, "y": -1.0})[0]
    assert g[0] == pytest.approx(2 / 3, abs=1e-16) and g[1] == pytest.approx(1 / 3, abs=1e-16)


def test_min_max_without_tie_picks_one_argument():
    assert _grad("min(x, y)", {"x": 1.0, "y": 2.0})[0].tolist() == [1.0, 0.0]
    assert _grad("max(x, y, 3*x)", {"x": 1.0, "y": 2.0})[0].tolist() == [3.0, 0.0]


def test_zero_times_sqrt_at_zero_is_zero_not_nan():
    g, _, f = _grad("0*sqrt(x)", {"x": 0.0})
    assert f == 0.0
    assert g.tolist() == [0.0]
    g, _, _ = _grad("x + 0*log(x+1) + 0*sqrt(x)", {"x": 0.0})
    assert g.tolist() == [1.0]


def test_sqrt_at_zero_has_infinite_slope():
    g, _, _ = _grad("sqrt(x)", {"x": 0.0})
    assert g.tolist() == [math.inf]


def test_constant_subtree_with_an_infinite_slope_gets_no_adjoint():
    # sqrt(0) has slope inf, but it does not depend on x, so nothing flows through it
    g, _, f = _grad("x*2 + sqrt(0)*x", {"x": 1.0})
    assert f == 2.0 and g.tolist() == [2.0]


def test_many_points_at_once_match_one_at_a_time():
    expr = parse("sigmoid(x*y) + log(hypot(x, y)) - relu(x - y)")
    pts = np.array([[0.5, 1.5], [-2.0, 3.0], [4.0, 1.0], [1e-3, -7.0]])
    r = compute(expr, pts, method="backprop")
    for i, p in enumerate(pts):
        one = compute(expr, p[None, :], method="backprop")
        np.testing.assert_array_equal(r.exact[i], one.exact[0])


# --- fixed well-conditioned expressions, to a few ulps ------------------------------------------

FIXED = [
    ("x*y + sin(x)", {"x": 0.7, "y": 1.3}),
    ("exp(x)*cos(y)", {"x": 0.5, "y": 0.25}),
    ("log(x**2 + y**2)", {"x": 1.5, "y": 2.5}),
    ("sigmoid(x*y)", {"x": 2.0, "y": 3.0}),
    ("sigmoid(x) * softplus(y)", {"x": -20.0, "y": 30.0}),
    ("tanh(x) / (1 + y*y)", {"x": 0.3, "y": 2.0}),
    ("tanh(x*y)", {"x": 5.0, "y": 2.0}),
    ("hypot(x, y) * atan(y/x)", {"x": 3.0, "y": 4.0}),
    ("sqrt(x) * log1p(y)", {"x": 2.0, "y": 0.5}),
    ("x**y", {"x": 2.5, "y": 1.5}),
    ("softplus(x - y)", {"x": 1.0, "y": 0.25}),
    ("atan2(y, x)", {"x": 1.0, "y": 2.0}),
    ("log(x, y)", {"x": 8.0, "y": 3.0}),
    ("sinh(x) + cosh(y)", {"x": 1.25, "y": 2.0}),
    ("asinh(x*y) + asin(y/4)", {"x": 1.5, "y": 2.0}),
    ("acosh(x + y) * atanh(y/x)", {"x": 3.0, "y": 0.5}),
    ("expm1(x) * log2(y) + log10(x*y)", {"x": 0.1, "y": 3.0}),
    ("tan(x) + acos(-y)", {"x": 1.0, "y": 0.3}),
    ("exp(-x*x/2) / sqrt(2*pi)", {"x": 1.3, "y": 0.0}),
    ("abs(x - y) + relu(x*y) + max(x, y, 1) - min(x, y)", {"x": 2.0, "y": 0.5}),
    ("1/(1 + exp(-x))", {"x": 3.0, "y": 0.0}),
    ("x/(x + y)", {"x": 1.0, "y": 3.0}),
]


@pytest.mark.parametrize(("text", "point"), FIXED, ids=[t for t, _ in FIXED])
def test_fixed_expression_matches_mpmath_diff_to_a_few_ulps(text, point):
    g, names, _ = _grad(text, point)
    want = _mp_grad(text, point, names)
    for name, got, true in zip(names, g, want):
        assert _ulps(got, true) <= 8, f"d/d{name} {text}: got {got!r}, true {mp.nstr(true, 17)}"


# --- random expression trees over the whole registry ------------------------------------------

LEAF_CONSTANTS = [0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
VARS = ("x", "y")


@st.composite
def _trees(draw, depth: int | None = None, root: tuple[str, int] | None = None):
    """A random expression tree: leaves x, y or a small constant; nodes from the registry.

    ``root`` fixes the function at the top (so every function can be made to appear).
    """
    if depth is None:
        depth = draw(st.integers(1, 4))
    if root is None and (depth == 0 or draw(st.integers(0, 7)) == 0):
        if draw(st.integers(0, 3)) == 0:
            return ("const", draw(st.sampled_from(LEAF_CONSTANTS)))
        return ("var", draw(st.sampled_from(VARS)))
    kind = "call" if root is not None else draw(st.sampled_from(["call", "call", "call", "bin", "bin", "un"]))
    if kind == "call":
        name, k = root if root is not None else draw(st.sampled_from(CALLS))
        return ("call", name, tuple(draw(_trees(depth - 1)) for _ in range(k)))
    if kind == "bin":
        return ("bin", draw(st.sampled_from(BINARY)), draw(_trees(depth - 1)), draw(_trees(depth - 1)))
    return ("un", draw(st.sampled_from(UNARY)), draw(_trees(depth - 1)))


def render(tree) -> str:
    kind = tree[0]
    if kind == "var":
        return tree[1]
    if kind == "const":
        return repr(tree[1])
    if kind == "bin":
        return f"({render(tree[2])} {tree[1]} {render(tree[3])})"
    if kind == "un":
        return f"({'-' if tree[1] == 'neg' else '+'}{render(tree[2])})"
    return f"{tree[1]}({', '.join(render(a) for a in tree[2])})"


class Reject(Exception):
    """The sample is not one where float64 backprop can be compared with the exact gradient."""


BIG = MPF(10) ** 250
SMALL = MPF(10) ** -250


def _check_number(v) -> mp.mpf:
    if isinstance(v, mp.mpc):  # outside the real domain somewhere inside, even if im(v) == 0
        raise Reject("complex")
    v = MPF(v)
    if not mp.isfinite(v) or abs(v) > BIG or (v != 0 and abs(v) < SMALL):
        raise Reject("out of range")
    return v


def _key(tree) -> tuple[str, int]:
    if tree[0] == "bin":
        return tree[1], 2
    if tree[0] == "un":
        return tree[1], 1
    return tree[1], len(tree[2])


def _children(tree):
    return (tree[2], tree[3]) if tree[0] == "bin" else (tree[2],) if tree[0] == "un" else tree[2]


def _check_kinks(name: str, vals: Sequence[mp.mpf], deps: Sequence[bool]) -> None:
    """Reject points on a kink, a branch cut or a domain edge of the op."""
    if name in ("abs", "relu", "sqrt", "leaky_relu", "elu", "selu") and vals[0] == 0:
        raise Reject("kink")
    if name == "hard_sigmoid" and abs(vals[0]) == 3:
        raise Reject("kink")
    if name in ("min", "max"):
        pick = min(vals) if name == "min" else max(vals)
        if sum(1 for v in vals if v == pick) > 1:
            raise Reject("tie")
    if name == "hypot" and vals[0] == 0 and vals[1] == 0:
        raise Reject("cone")
    if name in ("**", "pow") and vals[0] <= 0 and (vals[0] == 0 or deps[1] or vals[1] != int(vals[1])):
        raise Reject("pow at a non-positive base")
    if name == "atan2" and vals[0] == 0 and vals[1] <= 0:
        raise Reject("atan2 branch cut")
    if name in ("/", "log") and len(vals) == 2 and (vals[1] == 0 or (name == "log" and vals[1] == 1)):
        raise Reject("division by zero")


def mp_eval(tree, env: dict[str, mp.mpf], rel: float = 0.0, rng: random.Random | None = None):
    """Value, (d/dx, d/dy) and whether it depends on a variable; forward mode in mpmath.

    With ``rel`` > 0 every operation's value, local partials and tangent are perturbed by a
    random relative amount of up to ``rel``: a model of float64 rounding, used to measure how
    sensitive the gradient is to it.
    """

    def fuzz(v):
        return v if rel == 0 else v * (1 + rel * (2 * rng.random() - 1))

    kind = tree[0]
    if kind == "var":
        return env[tree[1]], tuple(MPF(int(tree[1] == v)) for v in VARS), True
    if kind == "const":
        return MPF(tree[1]), (MPF(0), MPF(0)), False
    parts = [mp_eval(c, env, rel, rng) for c in _children(tree)]
    vals = [p[0] for p in parts]
    deps = [p[2] for p in parts]
    name, k = _key(tree)
    f, partials = MP[(name, k)]
    _check_kinks(name, vals, deps)
    value = _check_number(f(*vals))
    tangent = [MPF(0), MPF(0)]
    for (_, dots, dep), q in zip(parts, partials):
        if not dep:
            continue
        slope = fuzz(_check_number(q(*vals)))
        for c in range(2):
            tangent[c] += fuzz(slope * dots[c])
    return fuzz(value), tuple(_check_number(fuzz(t)) for t in tangent), any(deps)


def _gradcli(text: str, env: dict[str, float]) -> tuple[float, dict[str, float]]:
    expr = parse(text)
    cols = columns(np.array([[env[v] for v in expr.variables]], dtype=np.float64))
    values = forward(expr, cols)
    grad, _ = backprop(expr, values, 1)
    f = float(np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (1,))[0])
    got = {v: 0.0 for v in VARS}  # f does not depend on a variable it does not mention
    got.update({v: float(grad[i, 0]) for i, v in enumerate(expr.variables)})
    return f, got


COORD = st.one_of(
    st.sampled_from([0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 3.0]),
    st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)


def _compare_with_mpmath(tree, x: float, y: float) -> None:
    """Assert backprop matches the exact gradient of ``tree`` at (x, y), or assume() it away."""
    text = render(tree)
    env = {"x": MPF(x), "y": MPF(y)}
    try:
        value, exact, _ = mp_eval(tree, env)
        # sensitivity to rounding: rerun with every operation perturbed by up to 1e-13 relative
        rng = random.Random(1234)
        runs = [mp_eval(tree, env, 1e-13, rng) for _ in range(4)]
    except (Reject, ZeroDivisionError, ValueError, OverflowError):
        assume(False)
        return
    spread_v = max(abs(r[0] - value) for r in runs)
    spread = [max(abs(r[1][c] - exact[c]) for r in runs) for c in range(2)]
    # well conditioned: a 1e-13 perturbation moves the gradient by at most 1e-5 relative
    assume(all(s <= 1e-5 * abs(g) or g == 0 for s, g in zip(spread, exact)))
    assume(spread_v <= 1e-5 * abs(value) or value == 0)

    f, got = _gradcli(text, {"x": x, "y": y})
    assert abs(MPF(f) - value) <= 1e-9 * abs(value) + spread_v + 1e-300, (text, x, y, f, value)
    for c, v in enumerate(VARS):
        true = exact[c]
        tol = 1e-9 * abs(true) + spread[c] + 1e-300
        assert abs(MPF(got[v]) - true) <= tol, (
            f"d/d{v} {text} at x={x!r}, y={y!r}: backprop {got[v]!r}, exact {mp.nstr(true, 17)}"
        )


RANDOM = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


@settings(RANDOM, max_examples=200)
@given(tree=_trees(), x=COORD, y=COORD)
def test_backprop_matches_mpmath_on_random_expressions(tree, x, y):
    _compare_with_mpmath(tree, x, y)


@pytest.mark.parametrize("root", CALLS, ids=[f"{n}/{k}" for n, k in CALLS])
@settings(RANDOM, max_examples=15)
@given(data=st.data(), x=COORD, y=COORD)
def test_backprop_matches_mpmath_on_random_expressions_around_each_function(root, data, x, y):
    tree = data.draw(_trees(depth=data.draw(st.integers(1, 3)), root=root), label="tree")
    _compare_with_mpmath(tree, x, y)


def test_random_trees_reach_every_registry_function():
    # the strategy can produce every function and operator (so the test above covers them all)
    keys = {(name, k) for name, k in CALLS} | {(s, 2) for s in BINARY} | {(s, 1) for s in UNARY}
    for key in keys:
        assert key in MP


def test_render_round_trips_through_the_parser():
    tree = ("call", "log", (("bin", "**", ("var", "x"), ("const", 2.0)), ("un", "neg", ("const", 0.5))))
    text = render(tree)
    assert text == "log((x ** 2.0), (-0.5))"
    assert parse(text).variables == ("x",)


# --- one-sided derivatives at kinks ------------------------------------------------------------


def _one_sided(text: str, point: dict[str, float], var: str) -> tuple[float, float]:
    expr = parse(text)
    pts = np.array([[point[v] for v in expr.variables]], dtype=np.float64)
    values = forward(expr, columns(pts))
    left, right = one_sided(expr, values, expr.variables.index(var), 1)
    return float(left[0]), float(right[0])


@pytest.mark.parametrize(
    ("text", "point", "var", "want"),
    [
        ("abs(x)", {"x": 0.0}, "x", (-1.0, 1.0)),
        ("relu(x)", {"x": 0.0}, "x", (0.0, 1.0)),
        ("relu(x)+relu(-x)", {"x": 0.0}, "x", (-1.0, 1.0)),
        ("abs(x)**2", {"x": 0.0}, "x", (0.0, 0.0)),
        ("max(x, 2*x)", {"x": 0.0}, "x", (1.0, 2.0)),
        ("min(x, 2*x)", {"x": 0.0}, "x", (2.0, 1.0)),
        ("abs(x - 1)", {"x": 1.0}, "x", (-1.0, 1.0)),
        ("3*abs(x) + x", {"x": 0.0}, "x", (-2.0, 4.0)),
        ("abs(abs(x) - 1)", {"x": 1.0}, "x", (-1.0, 1.0)),
        ("abs(sin(x))", {"x": 0.0}, "x", (-1.0, 1.0)),
        ("max(x, y)", {"x": 1.0, "y": 1.0}, "x", (0.0, 1.0)),
        ("min(x, y)", {"x": 1.0, "y": 1.0}, "y", (1.0, 0.0)),
        ("hypot(x, y)", {"x": 0.0, "y": 0.0}, "x", (-1.0, 1.0)),
        ("hypot(x, 2*x)", {"x": 0.0}, "x", (-math.sqrt(5.0), math.sqrt(5.0))),
        ("x*y + abs(y)", {"x": 2.0, "y": 0.0}, "y", (1.0, 3.0)),
        ("sin(x)", {"x": 0.5}, "x", (math.cos(0.5), math.cos(0.5))),
    ],
)
def test_one_sided_derivatives(text, point, var, want):
    assert _one_sided(text, point, var) == pytest.approx(want, abs=1e-15)


def test_one_sided_sqrt_at_zero():
    left, right = _one_sided("sqrt(x)", {"x": 0.0}, "x")
    assert right == math.inf
    assert math.isnan(left)


def test_one_sided_agrees_with_backprop_where_smooth():
    point = {"x": 0.3, "y": -1.7}
    text = "sigmoid(x*y) + abs(x - y) + max(x, y) * hypot(x, y)"
    g, names, _ = _grad(text, point)
    for k, v in enumerate(names):
        left, right = _one_sided(text, point, v)
        assert left == pytest.approx(g[k], rel=1e-15) and right == pytest.approx(g[k], rel=1e-15)


def test_one_sided_over_many_points():
    expr = parse("abs(x)")
    pts = np.array([[-2.0], [0.0], [3.0]])
    left, right = one_sided(expr, forward(expr, columns(pts)), 0, 3)
    np.testing.assert_array_equal(left, [-1.0, -1.0, 1.0])
    np.testing.assert_array_equal(right, [-1.0, 1.0, 1.0])


def test_kinks_are_found_only_where_they_are():
    expr = parse("abs(x) + relu(y) + 2*x")
    pts = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    found = kinks(expr, forward(expr, columns(pts)), 3)
    masks = {expr.nodes[i].op.name: m.tolist() for i, m in found}
    assert masks == {"abs": [True, False, False], "relu": [False, True, False]}


def test_backprop_subgradient_convention_at_kinks():
    # abs and relu use 0 at the kink (min/max ties split evenly, tested above)
    assert _grad("abs(x)", {"x": 0.0})[0].tolist() == [0.0]
    assert _grad("relu(x)", {"x": 0.0})[0].tolist() == [0.0]
