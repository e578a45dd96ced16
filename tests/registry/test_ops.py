"""The registry's forward and derivative rules against mpmath at 50 digits.

Every entry of ``gradcli.registry.FUNCTIONS`` and ``gradcli.registry.OPERATORS`` must have a row in
``REFERENCE`` below (a test fails otherwise, so a new function cannot slip through untested).
A row gives, for one arity, the function and each partial derivative written with mpmath, and
a grid of points in the function's domain, large |x| included.

Accuracy is judged against the exact value at the exact float64 arguments:

* forward rules: within ``ULPS`` units in the last place (relative error ``ULPS * eps_m``);
* partial derivatives: within ``max(ULPS, kappa)`` ulps, where kappa is the condition number of
  the partial derivative itself (sum over arguments of |a_i d q/d a_i| / |q|, from mpmath). So
  wherever the derivative is well conditioned (kappa <= ULPS) the bound is a few ulps, and
  elsewhere it is the error a backward-stable rule may make;
* where the exact value is 0 or below the normal float64 range, the absolute error must be
  below the smallest normal number (2.2e-308).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import pytest

from gradcli.derive.gradient import compute
from gradcli.language.evaluate import forward
from gradcli.language.parse import parse
from gradcli.registry import FUNCTIONS, OPERATORS, Op

EPS = 2.0**-52
ULPS = 8
TINY = 2.2250738585072014e-308  # smallest normal float64
HUGE = 1.7976931348623157e308

mp.mp.dps = 50
MPF = mp.mpf


def _sigmoid(x):
    return 1 / (1 + mp.exp(-x))


def _ncdf(x):
    # mpmath's ncdf overflows past |x| ~ 1e150; there the tail exp(-x**2/2)/|x| is far below
    # any precision in use, so the CDF is 1 (or that tail) to every digit
    if abs(x) < 1e100:
        return mp.ncdf(x)
    return 1 - mp.npdf(x) / x if x > 0 else mp.npdf(x) / -x


def _min_partial(i: int, pick: Callable) -> Callable:
    def partial(*args):
        return MPF(1) if args[i] == pick(args) else MPF(0)

    return partial


def _pow_dy(x, y):
    if x > 0:
        return x**y * mp.log(x)
    if x == 0 and y > 0:
        return MPF(0)  # 0**y is 0 for every y > 0
    return None  # x < 0: x**y is defined only at integer y, no derivative in y


def _pow_dx(x, y):
    if y == 0:
        return MPF(0)  # x**0 is the constant 1
    return y * x ** (y - 1)


@dataclass
class Ref:
    """One arity of one op: f and its partials in mpmath, and points in its domain."""

    f: Callable
    partials: Sequence[Callable]
    points: list[tuple[float, ...]]


def _grid(*values: float) -> list[tuple[float, ...]]:
    return [(float(v),) for v in values]


def _pairs(xs: Sequence[float], ys: Sequence[float], keep: Callable = lambda a, b: True):
    return [(float(a), float(b)) for a, b in itertools.product(xs, ys) if keep(a, b)]


_SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")
_SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")
ONE_MINUS = 1.0 - 2.0**-53  # the float just below 1
ONE_PLUS = 1.0 + 2.0**-52  # the float just above 1

_ARITH = [-3.5, -1.0, -1e-8, 1e-10, 0.25, 2.0, 7.0, 1e10, -1e150]
_LOGS = [1e-300, 1e-10, 0.5, 0.999999, ONE_MINUS, ONE_PLUS, 1.000001, 2.0, 10.0, 1e10, 1e300]
_UNIT = [-ONE_MINUS, -0.999999, -0.5, -1e-10, 0.0, 1e-10, 0.3, 0.5, 0.999999, ONE_MINUS]
_SATURATING = [-800, -40, -20, -5, -1, -1e-10, 0, 1e-10, 1, 5, 20, 40, 800]
_TWO = [-3.0, -1e-10, 0.0, 0.5, 2.0, 1e200, -1e200, 1e-200]

REFERENCE: dict[tuple[str, int], Ref] = {
    # operators (keyed by their symbol, as in OPERATORS)
    ("+", 2): Ref(lambda a, b: a + b, [lambda a, b: 1, lambda a, b: 1], _pairs(_ARITH, _ARITH)),
    ("-", 2): Ref(lambda a, b: a - b, [lambda a, b: 1, lambda a, b: -1], _pairs(_ARITH, _ARITH)),
    ("*", 2): Ref(lambda a, b: a * b, [lambda a, b: b, lambda a, b: a], _pairs(_ARITH, _ARITH)),
    ("/", 2): Ref(
        lambda a, b: a / b,
        [lambda a, b: 1 / b, lambda a, b: -a / b**2],
        [*_pairs(_ARITH, _ARITH), (0.0, 3.0), (5.0, 1e-100)],
    ),
    ("**", 2): Ref(
        lambda x, y: x**y,
        [_pow_dx, _pow_dy],
        _pairs(
            [0.001, 0.3, 0.5, 0.999999, 1.000001, 2.0, 3.0, 10.0, 1e10],
            [-7.3, -2.5, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0, 3.7, 10.1],
        )
        + _pairs([-2.5, -0.7, -10.0], [-2.0, -1.0, 0.0, 2.0, 3.0, 5.0])
        + [(0.0, 1.0), (0.0, 2.0), (0.0, 3.0)],
    ),
    ("neg", 1): Ref(lambda a: -a, [lambda a: -1], _grid(*_ARITH, 0.0)),
    ("pos", 1): Ref(lambda a: a, [lambda a: 1], _grid(*_ARITH, 0.0)),
    # functions
    ("exp", 1): Ref(mp.exp, [mp.exp], _grid(-700, -20, -1, -1e-10, 0, 1e-10, 1, 20, 700, 709)),
    ("log", 1): Ref(mp.log, [lambda x: 1 / x], _grid(*_LOGS)),
    ("log", 2): Ref(
        lambda x, b: mp.log(x) / mp.log(b),
        [lambda x, b: 1 / (x * mp.log(b)), lambda x, b: -mp.log(x) / (b * mp.log(b) ** 2)],
        _pairs(
            [1e-10, 0.5, 0.999999, 1.000001, 2.0, 8.0, 10.0, 1e300],
            [0.5, 0.999999, 1.000001, 1.5, 2.0, 10.0, 100.0],
        ),
    ),
    ("log2", 1): Ref(lambda x: mp.log(x, 2), [lambda x: 1 / (x * mp.log(2))], _grid(*_LOGS)),
    ("log10", 1): Ref(lambda x: mp.log(x, 10), [lambda x: 1 / (x * mp.log(10))], _grid(*_LOGS)),
    ("log1p", 1): Ref(
        mp.log1p, [lambda x: 1 / (1 + x)], _grid(-0.999999, -0.5, -1e-10, 0, 1e-10, 1, 1e10, 1e300)
    ),
    ("expm1", 1): Ref(mp.expm1, [mp.exp], _grid(-40, -20, -5, -1, -1e-10, 0, 1e-10, 1, 5, 20, 700)),
    ("sqrt", 1): Ref(mp.sqrt, [lambda x: 1 / (2 * mp.sqrt(x))], _grid(1e-300, 1e-10, 0.5, 2, 1e10, 1e300)),
    ("abs", 1): Ref(abs, [mp.sign], _grid(-1e300, -3, -1e-300, 1e-300, 2.5, 1e300)),
    ("erf", 1): Ref(
        mp.erf, [lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)], _grid(-4, -1, -1e-10, 0, 1e-10, 0.5, 1, 2, 4)
    ),
    ("erfc", 1): Ref(
        mp.erfc,
        [lambda x: -2 / mp.sqrt(mp.pi) * mp.exp(-x * x)],
        _grid(-4, -1, -1e-10, 0, 1e-10, 0.5, 1, 2, 4, 20),
    ),
    ("sign", 1): Ref(mp.sign, [lambda x: MPF(0)], _grid(-1e300, -3, -1e-300, 1e-300, 2.5, 1e300)),
    ("sin", 1): Ref(
        mp.sin, [mp.cos], _grid(-3, -1, 0, 1e-10, 0.5, 1, math.pi / 2, 1.5707963, 2, 3, math.pi, 100, 1e5)
    ),
    ("cos", 1): Ref(
        mp.cos,
        [lambda x: -mp.sin(x)],
        _grid(-3, -1, 0, 1e-10, 0.5, 1, math.pi / 2, 1.5707963, 2, 3, math.pi, 100, 1e5),
    ),
    ("tan", 1): Ref(
        mp.tan,
        [lambda x: mp.sec(x) ** 2],
        _grid(-3, -1.57, -1, 0, 1e-10, 0.5, 1, 1.5707963, math.pi / 2, 2, 3, 100),
    ),
    ("sec", 1): Ref(
        mp.sec,
        [lambda x: mp.sec(x) * mp.tan(x)],
        _grid(-3, -1.57, -1, 0, 1e-10, 0.5, 1, 1.5707963, math.pi / 2, 2, 3, math.pi, 100),
    ),
    ("csc", 1): Ref(
        mp.csc,
        [lambda x: -mp.csc(x) * mp.cot(x)],
        _grid(-3, -1, -1e-10, 1e-300, 1e-10, 0.5, 1, math.pi / 2, 2, 3, math.pi, 100),
    ),
    ("cot", 1): Ref(
        mp.cot,
        [lambda x: -1 - mp.cot(x) ** 2],
        _grid(-3, -1, -1e-10, 1e-300, 1e-10, 0.5, 1, 1.5707963, math.pi / 2, 2, 3, math.pi, 100),
    ),
    ("asin", 1): Ref(mp.asin, [lambda x: 1 / mp.sqrt(1 - x * x)], _grid(*_UNIT)),
    ("acos", 1): Ref(mp.acos, [lambda x: -1 / mp.sqrt(1 - x * x)], _grid(*_UNIT)),
    ("atan", 1): Ref(
        mp.atan, [lambda x: 1 / (1 + x * x)], _grid(-1e10, -3, -1, 0, 1e-10, 0.5, 1, 3, 1e10, 1e150)
    ),
    ("atan2", 2): Ref(
        mp.atan2,
        [lambda y, x: x / (x * x + y * y), lambda y, x: -y / (x * x + y * y)],
        [
            *_pairs(
                [-3.0, -1.0, -1e-10, 0.0, 1e-10, 0.5, 2.0, 1e100],
                [-3.0, -1e-10, 1e-10, 0.5, 2.0, 1e100],
                lambda y, x: y != 0 or x > 0,  # not on the branch cut, where atan2 jumps
            ),
            (1.0, 0.0),
            (-2.0, 0.0),
        ],
    ),
    ("sinh", 1): Ref(mp.sinh, [mp.cosh], _grid(-700, -20, -3, -1, -1e-10, 0, 1e-10, 1, 3, 20, 700)),
    ("cosh", 1): Ref(mp.cosh, [mp.sinh], _grid(-700, -20, -3, -1, -1e-10, 0, 1e-10, 1, 3, 20, 700)),
    ("tanh", 1): Ref(
        mp.tanh,
        [lambda x: mp.sech(x) ** 2],
        _grid(-20, -10, -1, -1e-10, 0, 1e-10, 0.5, 1, 10, 20, 300, 355, 400),
    ),
    ("asinh", 1): Ref(
        mp.asinh,
        [lambda x: 1 / mp.sqrt(1 + x * x)],
        _grid(-1e300, -1e10, -3, -1, -1e-10, 0, 1e-10, 1, 3, 1e10, 1e200, 1e300),
    ),
    ("acosh", 1): Ref(
        mp.acosh,
        [lambda x: 1 / mp.sqrt(x * x - 1)],
        _grid(ONE_PLUS, 1.000001, 1.5, 2, 10, 1e10, 1e150, 1e155, 1e200, 1e300),
    ),
    ("atanh", 1): Ref(mp.atanh, [lambda x: 1 / (1 - x * x)], _grid(*[v for v in _UNIT])),
    ("pow", 2): None,  # type: ignore[dict-item]  # filled in below: the same op as "**"
    ("hypot", 2): Ref(
        lambda x, y: mp.sqrt(x * x + y * y),
        [lambda x, y: x / mp.sqrt(x * x + y * y), lambda x, y: y / mp.sqrt(x * x + y * y)],
        _pairs(_TWO, _TWO, lambda a, b: (a, b) != (0.0, 0.0)),
    ),
    ("min", 2): Ref(
        min,
        [_min_partial(0, min), _min_partial(1, min)],
        _pairs(_TWO, _TWO, lambda a, b: a != b),
    ),
    ("min", 3): Ref(
        min,
        [_min_partial(i, min) for i in range(3)],
        [p for p in itertools.permutations([-3.0, 0.0, 0.5, 1e200], 3)],
    ),
    ("max", 2): Ref(
        max,
        [_min_partial(0, max), _min_partial(1, max)],
        _pairs(_TWO, _TWO, lambda a, b: a != b),
    ),
    ("max", 3): Ref(
        max,
        [_min_partial(i, max) for i in range(3)],
        [p for p in itertools.permutations([-1e200, -3.0, 0.0, 0.5], 3)],
    ),
    ("sigmoid", 1): Ref(_sigmoid, [lambda x: _sigmoid(x) * _sigmoid(-x)], _grid(*_SATURATING)),
    ("softplus", 1): Ref(lambda x: mp.log1p(mp.exp(x)), [_sigmoid], _grid(*_SATURATING)),
    ("relu", 1): Ref(
        lambda x: max(x, 0),
        [lambda x: MPF(1) if x > 0 else MPF(0)],
        _grid(-1e300, -3, -1e-300, 1e-300, 0.5, 1e300),
    ),
    # activation functions
    ("leaky_relu", 1): Ref(
        lambda x: x if x > 0 else MPF(0.01) * x,
        [lambda x: MPF(1) if x > 0 else MPF(0.01)],
        _grid(-1e300, -800, -3, -1e-300, 1e-300, 0.5, 20, 1e300),
    ),
    ("leaky_relu", 2): Ref(
        lambda x, a: x if x > 0 else a * x,
        [lambda x, a: MPF(1) if x > 0 else a, lambda x, a: MPF(0) if x > 0 else x],
        _pairs([-1e300, -3.0, -1e-300, 1e-300, 0.5, 1e300], [0.01, 0.2, 1.0, 3.0]),
    ),
    ("elu", 1): Ref(
        lambda x: x if x > 0 else mp.expm1(x),
        [lambda x: MPF(1) if x > 0 else mp.exp(x)],
        _grid(*_SATURATING, -1e300, 1e300),
    ),
    ("elu", 2): Ref(
        lambda x, a: x if x > 0 else a * mp.expm1(x),
        [lambda x, a: MPF(1) if x > 0 else a * mp.exp(x), lambda x, a: MPF(0) if x > 0 else mp.expm1(x)],
        _pairs([-800.0, -20.0, -1.0, -1e-10, 1e-10, 1.0, 1e300], [0.5, 1.0, 2.0]),
    ),
    ("selu", 1): Ref(
        lambda x: _SELU_SCALE * (x if x > 0 else _SELU_ALPHA * mp.expm1(x)),
        [lambda x: _SELU_SCALE * (MPF(1) if x > 0 else _SELU_ALPHA * mp.exp(x))],
        _grid(*[v for v in _SATURATING if v != 0], -1e300, 1e300),
    ),
    ("gelu", 1): Ref(
        lambda x: x * _ncdf(x),
        [lambda x: _ncdf(x) + x * mp.npdf(x)],
        _grid(*_SATURATING, -38, -30, -10, -3, -0.75, 0.5, 3, 10, 1e10, 1e300, -1e10, -1e300),
    ),
    ("silu", 1): Ref(
        lambda x: x * _sigmoid(x),
        [lambda x: _sigmoid(x) * (1 + x * _sigmoid(-x))],
        _grid(*_SATURATING, -1.25, 1e300, -1e300),
    ),
    ("softsign", 1): Ref(
        lambda x: x / (1 + abs(x)),
        [lambda x: 1 / (1 + abs(x)) ** 2],
        _grid(*_SATURATING, 1e10, 1e300, -1e300),
    ),
    ("mish", 1): Ref(
        lambda x: x * mp.tanh(mp.log1p(mp.exp(x))),
        [lambda x: mp.tanh(mp.log1p(mp.exp(x))) + x * mp.sech(mp.log1p(mp.exp(x))) ** 2 * _sigmoid(x)],
        _grid(*_SATURATING, -1.2, 1e300, -1e300),
    ),
    ("hard_sigmoid", 1): Ref(
        lambda x: max(MPF(0), min(MPF(1), (x + 3) / 6)),
        [lambda x: MPF(1) / 6 if -3 < x < 3 else MPF(0)],
        _grid(-1e300, -800, -3.5, -2.9999999, -1, 0, 1e-10, 2.5, 2.9999999, 3.5, 1e300),
    ),
}
REFERENCE[("pow", 2)] = REFERENCE[("**", 2)]
REFERENCE[("ln", 1)] = REFERENCE[("log", 1)]
REFERENCE[("ln", 2)] = REFERENCE[("log", 2)]
REFERENCE[("cbrt", 1)] = Ref(
    lambda x: mp.sign(x) * mp.cbrt(abs(x)),
    [lambda x: 1 / (3 * mp.cbrt(abs(x)) ** 2)],
    _grid(-1e300, -8, -1, -1e-10, -1e-300, 1e-300, 1e-10, 0.5, 1, 8, 27, 1e10, 1e300),
)
REFERENCE[("gamma", 1)] = Ref(
    mp.gamma,
    [lambda x: mp.gamma(x) * mp.digamma(x)],
    _grid(-170.5, -2.5, -0.5, 1e-300, 1e-10, 0.3, 1, 1.4616321449683622, 2, 3.5, 10, 100.5, 171.5, 180),
)
REFERENCE[("lgamma", 1)] = Ref(
    lambda x: mp.log(abs(mp.gamma(x))) if x < 1e10 else mp.loggamma(x),
    [mp.digamma],
    _grid(-10.3, -3.7, -2.3, -0.5, 1e-300, 1e-10, 0.5, 1, 1.5, 2, 2.5, 10, 1e5, 1e300),  # not at its zeros
)
REFERENCE[("polygamma", 2)] = Ref(
    lambda n, x: mp.polygamma(int(mp.nint(n)), x),  # only whole n: constant in n between them
    [lambda n, x: MPF(0), lambda n, x: mp.polygamma(int(mp.nint(n)) + 1, x)],
    _pairs([0.0, 1.0, 2.0, 3.0, 5.0], [1e-10, 0.3, 1, 1.5, 2.5, 7, 30, 1e10, -0.5, -2.3]),
)
REFERENCE[("where", 3)] = Ref(
    lambda c, a, b: a if c != 0 else b,
    [lambda c, a, b: MPF(0), lambda c, a, b: MPF(c != 0), lambda c, a, b: MPF(c == 0)],
    [(c, a, b) for c in (-2.0, 0.0, 1e-300, 3.0) for a in (-1.5, 2.0) for b in (0.25, -7.0)],
)
REFERENCE[("swish", 1)] = REFERENCE[("silu", 1)]


def _arities(op: Op) -> range:
    """The arities to test: all of a bounded range, and two more than the least if unbounded."""
    top = op.max_args if op.max_args is not None else op.min_args + 1
    return range(op.min_args, top + 1)


REGISTRY: dict[str, Op] = {**OPERATORS, **FUNCTIONS}
CASES = [(key, k) for key, op in REGISTRY.items() for k in _arities(op)]


# --- helpers -----------------------------------------------------------------------------------


def _run(op: Op, point: Sequence[float]) -> tuple[float, list[float]]:
    """The op's value and partials at one point, passed as length-1 arrays as gradcli does."""
    args = [np.array([v], dtype=np.float64) for v in point]
    with np.errstate(all="ignore"):
        out = op.forward(*args)
        parts = op.partials(args, out)
    first = lambda a: float(np.broadcast_to(np.asarray(a, dtype=np.float64), (1,))[0])
    return first(out), [first(p) for p in parts]


def _mpdiff(f: Callable, x, *, default: mp.mpf | None = None) -> mp.mpf:
    """d f/dx at x with a step relative to |x| (mpmath's default step is absolute)."""
    h = max(abs(x), MPF(1)) * MPF(2) ** (-mp.mp.prec - 10)
    try:
        return mp.diff(f, x, h=h)
    except (ValueError, ZeroDivisionError, TypeError):
        return MPF(0) if default is None else default


def _condition(q: Callable, point: Sequence[mp.mpf], value: mp.mpf) -> mp.mpf:
    """Relative condition number of q at point: sum of |a_i dq/da_i| / |q|."""
    if value == 0:
        return mp.inf
    total = MPF(0)
    for i, a in enumerate(point):
        if a == 0:
            continue

        def along(t, i=i):
            shifted = list(point)
            shifted[i] = t
            r = q(*shifted)
            return MPF(0) if r is None else mp.re(r)

        total += abs(a * _mpdiff(along, a))
    return total / abs(value)


def _check(got: float, true, kappa: float = 0.0) -> str | None:
    """None if ``got`` is within tolerance of ``true`` (see the module docstring), else why not."""
    if true is None:
        return None if math.isnan(got) else f"expected NaN (undefined), got {got!r}"
    if isinstance(true, mp.mpc):
        return f"reference is complex ({true}); the grid point is outside the domain"
    true = MPF(true)
    if abs(true) > HUGE:
        return None if got == (math.inf if true > 0 else -math.inf) else f"expected overflow, got {got!r}"
    if not math.isfinite(got):
        return f"got {got!r}, true {mp.nstr(true, 17)}"
    err = abs(MPF(got) - true)
    if abs(true) < TINY:
        return None if err <= TINY else f"got {got!r}, true {mp.nstr(true, 17)}"
    ulps = float(err / abs(true)) / EPS
    bound = max(ULPS, kappa)
    if ulps <= bound:
        return None
    return f"got {got!r}, true {mp.nstr(true, 17)}: {ulps:.3g} ulps (allowed {bound:.3g}, kappa {kappa:.3g})"


# --- the registry is covered -------------------------------------------------------------------


def test_every_registry_entry_and_arity_has_an_mpmath_reference():
    missing = [case for case in CASES if case not in REFERENCE]
    assert not missing, f"add mpmath references for {missing} to REFERENCE in tests/registry/test_ops.py"


def test_reference_rows_match_registry_arities():
    # a reference for an arity the op does not accept would silently test nothing
    for (key, k), ref in REFERENCE.items():
        assert key in REGISTRY, f"{key} is not in the registry"
        op = REGISTRY[key]
        assert op.min_args <= k and (op.max_args is None or k <= op.max_args), (key, k)
        assert len(ref.partials) == k
        assert ref.points and all(len(p) == k for p in ref.points)


# --- forward rules and partial derivatives -----------------------------------------------------


def _reference(key, nargs):
    ref = REFERENCE.get((key, nargs))
    if ref is None:
        pytest.fail(f"no mpmath reference for {key} with {nargs} arguments")
    return ref, REGISTRY[key]


@pytest.mark.parametrize(("key", "nargs"), CASES, ids=[f"{k}/{n}" for k, n in CASES])
def test_forward_rule_matches_mpmath(key, nargs):
    ref, op = _reference(key, nargs)
    bad = []
    for point in ref.points:
        out, _ = _run(op, point)
        why = _check(out, ref.f(*[MPF(v) for v in point]))
        if why:
            bad.append(f"{op.name}{point}: {why}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("key", "nargs"), CASES, ids=[f"{k}/{n}" for k, n in CASES])
def test_partial_derivatives_match_mpmath(key, nargs):
    ref, op = _reference(key, nargs)
    bad = []
    for point in ref.points:
        _, parts = _run(op, point)
        assert len(parts) == nargs, f"{op.name} gave {len(parts)} partials for {nargs} arguments"
        mpoint = [MPF(v) for v in point]
        for i, (got, q) in enumerate(zip(parts, ref.partials)):
            true = q(*mpoint)
            kappa = 0.0
            if true is not None and not isinstance(true, mp.mpc) and true != 0:
                kappa = float(_condition(q, mpoint, MPF(true)))
            why = _check(got, true, kappa)
            if why:
                bad.append(f"d {op.name}{point} / d arg{i}: {why}")
    assert not bad, "\n".join(bad)


def _moderate(point: Sequence[float]) -> bool:
    return all(a == 0 or 1e-8 <= abs(a) <= 50 for a in point)


@pytest.mark.parametrize(
    "case", sorted(REFERENCE, key=str), ids=[f"{k}/{n}" for k, n in sorted(REFERENCE, key=str)]
)
def test_reference_partials_agree_with_mpmath_diff(case):
    # The analytic partials in REFERENCE are themselves checked by numerical differentiation
    # (mpmath.diff at 50 digits) wherever the grid's arguments are moderate.
    ref = REFERENCE[case]
    checked = 0
    for point in filter(_moderate, ref.points):
        mpoint = [MPF(v) for v in point]
        for i, q in enumerate(ref.partials):
            analytic = q(*mpoint)
            if analytic is None:
                continue

            def along(t, i=i, mpoint=mpoint):
                moved = list(mpoint)
                moved[i] = t
                return ref.f(*moved)

            numeric = _mpdiff(along, mpoint[i], default=mp.nan)
            assert abs(numeric - analytic) <= MPF(10) ** -30 * max(1, abs(analytic)), (case, point, i)
            checked += 1
    assert checked > 0


# --- named stability checks --------------------------------------------------------------------


def _ulps(got: float, true) -> float:
    return float(abs(MPF(got) - true) / abs(true)) / EPS


def test_sigmoid_at_minus_800_is_zero_with_zero_gradient():
    out, (slope,) = _run(FUNCTIONS["sigmoid"], (-800.0,))
    assert out == 0.0
    assert slope == 0.0  # not NaN
    r = compute(parse("sigmoid(x)"), np.array([[-800.0]]), method="backprop")
    assert r.value[0] == 0.0
    assert r.exact[0, 0] == 0.0


def test_sigmoid_at_plus_800_is_one_with_zero_gradient():
    out, (slope,) = _run(FUNCTIONS["sigmoid"], (800.0,))
    assert out == 1.0
    assert slope == 0.0


def test_softplus_at_800_is_800_with_gradient_one():
    out, (slope,) = _run(FUNCTIONS["softplus"], (800.0,))
    assert out == 800.0  # not inf
    assert slope == 1.0
    r = compute(parse("softplus(x)"), np.array([[800.0]]), method="backprop")
    assert r.value[0] == 800.0
    assert r.exact[0, 0] == 1.0


def test_softplus_at_minus_800_is_zero_with_zero_gradient():
    out, (slope,) = _run(FUNCTIONS["softplus"], (-800.0,))
    assert out == 0.0
    assert slope == 0.0


@pytest.mark.parametrize("x", [20.0, -20.0, 40.0, -40.0])
def test_sigmoid_derivative_far_out_is_accurate_to_a_few_ulps(x):
    true = _sigmoid(MPF(x)) * _sigmoid(-MPF(x))
    _, (slope,) = _run(FUNCTIONS["sigmoid"], (x,))
    assert _ulps(slope, true) <= ULPS
    if x == 20.0:
        # the naive s*(1-s) loses about 7 digits here: this check would catch it
        s = 1.0 / (1.0 + math.exp(-x))
        assert _ulps(s * (1.0 - s), true) > 1e6


@pytest.mark.parametrize("x", [10.0, -10.0, 20.0])
def test_tanh_derivative_far_out_is_accurate_to_a_few_ulps(x):
    true = mp.sech(MPF(x)) ** 2
    _, (slope,) = _run(FUNCTIONS["tanh"], (x,))
    assert _ulps(slope, true) <= ULPS
    if x == 10.0:
        t = math.tanh(x)
        assert _ulps(1.0 - t * t, true) > 1e6  # the naive 1 - tanh**2 would fail


@pytest.mark.parametrize("x", [-5.0, -20.0, -40.0])
def test_expm1_derivative_for_negative_x_is_accurate(x):
    # d/dx expm1(x) = exp(x): well conditioned, and representable even where expm1(x) ~ -1.
    _, (slope,) = _run(FUNCTIONS["expm1"], (x,))
    assert _ulps(slope, mp.exp(MPF(x))) <= ULPS


@pytest.mark.parametrize("x", [1e155, 1e200, 1e300])
def test_acosh_derivative_for_large_x_is_accurate(x):
    # d/dx acosh(x) = 1/sqrt(x**2 - 1) ~ 1/x: representable, although x**2 overflows.
    _, (slope,) = _run(FUNCTIONS["acosh"], (x,))
    assert _ulps(slope, 1 / mp.sqrt(MPF(x) ** 2 - 1)) <= ULPS


def test_exp_700_and_log_near_one():
    out, (slope,) = _run(FUNCTIONS["exp"], (700.0,))
    assert _ulps(out, mp.exp(700)) <= ULPS and _ulps(slope, mp.exp(700)) <= ULPS
    x = 1.0 + 2.0**-40
    out, (slope,) = _run(FUNCTIONS["log"], (x,))
    assert _ulps(out, mp.log(MPF(x))) <= ULPS  # log near 1 keeps its digits
    assert _ulps(slope, 1 / MPF(x)) <= ULPS


@pytest.mark.parametrize("x", [0.999999, -0.999999, ONE_MINUS])
def test_inverse_trig_derivatives_near_the_domain_edge(x):
    xm = MPF(x)
    for name, true in [
        ("asin", 1 / mp.sqrt(1 - xm**2)),
        ("acos", -1 / mp.sqrt(1 - xm**2)),
        ("atanh", 1 / (1 - xm**2)),
    ]:
        _, (slope,) = _run(FUNCTIONS[name], (x,))
        assert _ulps(slope, true) <= ULPS, name


@pytest.mark.parametrize("x", [1.000001, ONE_PLUS])
def test_acosh_derivative_near_one(x):
    _, (slope,) = _run(FUNCTIONS["acosh"], (x,))
    assert _ulps(slope, 1 / mp.sqrt(MPF(x) ** 2 - 1)) <= ULPS


def test_rules_are_vectorized_over_points():
    # one call over an array of points gives the same numbers as one call per point
    for (key, nargs), ref in REFERENCE.items():
        op = REGISTRY[key]
        cols = [np.array([p[i] for p in ref.points]) for i in range(nargs)]
        with np.errstate(all="ignore"):
            out = np.broadcast_to(op.forward(*cols), (len(ref.points),))
            parts = [np.broadcast_to(p, out.shape) for p in op.partials(cols, op.forward(*cols))]
        for j, point in enumerate(ref.points):
            one, one_parts = _run(op, point)
            np.testing.assert_array_equal(out[j], one, err_msg=f"{key}{point}")
            for p, q in zip(parts, one_parts):
                np.testing.assert_array_equal(p[j], q, err_msg=f"{key}{point}")


# --- kinks and one-sided derivatives ---------------------------------------------------------

# op name -> [(args at a kink, direction of the arguments, expected one-sided slope)]
KINKS: dict[str, list[tuple[tuple[float, ...], tuple[float, ...], float]]] = {
    "abs": [((0.0,), (1.0,), 1.0), ((0.0,), (-1.0,), 1.0), ((0.0,), (0.0,), 0.0), ((0.0,), (2.5,), 2.5)],
    "relu": [((0.0,), (1.0,), 1.0), ((0.0,), (-1.0,), 0.0), ((0.0,), (3.0,), 3.0)],
    "sign": [((0.0,), (1.0,), math.nan), ((0.0,), (-1.0,), math.nan), ((0.0,), (0.0,), 0.0)],
    "where": [
        ((0.0, 1.0, 2.0), (1.0, 0.0, 0.0), math.nan),  # c moves off 0 and a != b: a jump
        ((0.0, 1.0, 2.0), (-1.0, 4.0, 4.0), math.nan),
        ((0.0, 1.0, 2.0), (0.0, 1.0, 3.0), 3.0),  # c stays: b's slope
        ((0.0, 2.0, 2.0), (1.0, 5.0, 7.0), 5.0),  # a = b: continuous, a's slope on either side
        ((0.0, 2.0, 2.0), (-1.0, 5.0, 7.0), 5.0),
        ((-0.0, 2.0, 2.0), (0.0, 5.0, 7.0), 7.0),
    ],
    "sqrt": [((0.0,), (1.0,), math.inf), ((0.0,), (-1.0,), math.nan), ((0.0,), (0.0,), 0.0)],
    "cbrt": [((0.0,), (1.0,), math.inf), ((0.0,), (-1.0,), -math.inf), ((0.0,), (0.0,), 0.0)],
    "hypot": [
        ((0.0, 0.0), (1.0, 0.0), 1.0),
        ((0.0, 0.0), (-1.0, 0.0), 1.0),
        ((0.0, 0.0), (0.0, -2.0), 2.0),
        ((0.0, 0.0), (3.0, 4.0), 5.0),
        ((0.0, 0.0), (-3.0, 4.0), 5.0),
    ],
    "min": [
        ((1.0, 1.0), (1.0, 2.0), 1.0),
        ((1.0, 1.0), (-1.0, -2.0), -2.0),
        ((1.0, 1.0), (3.0, -1.0), -1.0),
        ((-2.0, -2.0, 5.0), (4.0, 3.0, -100.0), 3.0),  # the third argument is not in the tie
        ((0.0, 0.0, 0.0), (1.0, -1.0, 2.0), -1.0),
    ],
    "max": [
        ((1.0, 1.0), (1.0, 2.0), 2.0),
        ((1.0, 1.0), (-1.0, -2.0), -1.0),
        ((1.0, 1.0), (3.0, -1.0), 3.0),
        ((-2.0, -2.0, -5.0), (4.0, 3.0, 100.0), 4.0),
        ((0.0, 0.0, 0.0), (1.0, -1.0, 2.0), 2.0),
    ],
    "pow": [
        ((0.0, 0.5), (1.0, 0.0), math.inf),  # sqrt-like: vertical tangent to the right
        ((0.0, 0.5), (-1.0, 0.0), math.nan),  # undefined to the left
        ((0.0, 1.5), (1.0, 0.0), 0.0),
        ((0.0, 1.5), (-1.0, 0.0), math.nan),
        ((0.0, 0.25), (2.0, 0.0), math.inf),
        ((0.0, 0.0), (1.0, 0.0), 0.0),  # 0**0 = 1, and x**0 = 1: y fixed, nothing moves
        ((0.0, 0.0), (-1.0, 0.0), 0.0),
        ((0.0, 0.0), (0.0, 1.0), math.nan),  # 0**t = 0: a jump from 1
        ((0.0, 0.0), (0.0, -1.0), math.nan),  # 0**-t = inf
        ((0.0, 0.0), (1.0, 1.0), -math.inf),  # t**t -> 1 with slope log(t) + 1 -> -inf
        ((0.0, 0.0), (1.0, -1.0), math.inf),
    ],
    "leaky_relu": [
        ((0.0,), (1.0,), 1.0),
        ((0.0,), (-1.0,), -0.01),
        ((0.0, 0.2), (-1.0, 0.0), -0.2),
        ((0.0, 0.2), (1.0, 5.0), 1.0),  # alpha's change does not matter at x = 0
    ],
    "elu": [((0.0, 2.0), (1.0, 0.0), 1.0), ((0.0, 2.0), (-1.0, 0.0), -2.0), ((0.0, 0.5), (-2.0, 1.0), -1.0)],
    "selu": [
        ((0.0,), (1.0,), 1.0507009873554805),
        ((0.0,), (-1.0,), -1.0507009873554805 * 1.6732632423543772),
    ],
    "hard_sigmoid": [
        ((-3.0,), (1.0,), 1 / 6),
        ((-3.0,), (-1.0,), 0.0),
        ((3.0,), (1.0,), 0.0),
        ((3.0,), (-1.0,), -1 / 6),
    ],
    "atan2": [  # arguments (y, x): the branch cut y = 0, x <= 0
        ((0.0, -2.0), (1.0, 0.0), -0.5),  # from above: smooth, slope dy/x
        ((0.0, -2.0), (-1.0, 0.0), math.nan),  # from below: jumps from pi to -pi
        ((0.0, -2.0), (0.0, 1.0), 0.0),  # along the cut
        ((0.0, 0.0), (1.0, 0.0), math.nan),  # the origin
    ],
}


def _directional(op: Op, args, dots) -> float:
    a = [np.float64(v) for v in args]
    d = [np.float64(v) for v in dots]
    with np.errstate(all="ignore"):
        out = op.forward(*a)
        return float(op.directional(a, d, out))


def _same(got: float, want: float) -> bool:
    return (math.isnan(got) and math.isnan(want)) or got == want


def test_every_op_with_a_kink_has_a_directional_rule_and_a_kink_table_row():
    for key, op in REGISTRY.items():
        if op.kink is not None:
            assert op.directional is not None, f"{key} has a kink but no directional rule"
            assert op.name in KINKS, f"add one-sided slopes for {op.name} to KINKS"
            assert op.kink_doc, f"{key} has a kink but no kink_doc"
        else:
            assert op.directional is None or op.name in KINKS


@pytest.mark.parametrize(
    ("name", "args", "dots", "want"),
    [(name, *row) for name, rows in KINKS.items() for row in rows],
)
def test_directional_rule_gives_the_one_sided_slope(name, args, dots, want):
    op = FUNCTIONS[name]
    assert bool(np.all(op.kink([np.float64(v) for v in args]))), f"{name}{args} is not flagged as a kink"
    got = _directional(op, args, dots)
    assert _same(got, want), f"{name}{args} along {dots}: got {got}, want {want}"


@pytest.mark.parametrize(
    ("name", "args", "dots", "want"),
    [(name, *row) for name, rows in KINKS.items() for row in rows],
)
def test_directional_rule_agrees_with_an_mpmath_one_sided_quotient(name, args, dots, want):
    # (f(a + t*d) - f(a)) / t for a tiny t > 0, at 100 digits, independently of the table above
    ref = REFERENCE[(name, len(args))]
    got = _directional(FUNCTIONS[name], args, dots)
    with mp.workdps(100):
        t = MPF(10) ** -40
        a = [MPF(v) for v in args]
        moved = [v + t * MPF(d) for v, d in zip(a, dots)]
        base, shifted = ref.f(*a), ref.f(*moved)
        if isinstance(shifted, mp.mpc) and mp.im(shifted) != 0:
            assert math.isnan(got), f"{name}{args} along {dots} is undefined, got {got}"
            return
        jump = abs(mp.re(shifted) - base)
        quotient = (mp.re(shifted) - base) / t
        closer = [v + t**2 * MPF(d) for v, d in zip(a, dots)]  # the quotient again at t**2
        quotient2 = (mp.re(ref.f(*closer)) - base) / t**2 if jump <= 1e-3 else quotient
    if jump > 1e-3:  # f itself jumps (atan2 across its cut): no one-sided derivative
        assert math.isnan(got), f"{name}{args} along {dots} jumps, got {got}"
    elif abs(quotient) > 1e10:  # continuous with a vertical tangent (sqrt, cbrt at 0)
        assert got == (math.inf if quotient > 0 else -math.inf)
    elif math.isinf(got):  # a slope that diverges slowly (t**t at 0: log(t) + 1): it keeps growing
        assert abs(quotient2) > abs(quotient) + 50 and (quotient2 > 0) == (got > 0), (quotient, quotient2)
    else:
        assert abs(MPF(got) - quotient) <= 1e-15  # t**0.5 for pow(x, 1.5) at 0, else ~0


def test_abs_one_sided_slopes_at_zero():
    op = FUNCTIONS["abs"]
    right = _directional(op, (0.0,), (1.0,))
    left = -_directional(op, (0.0,), (-1.0,))
    assert (left, right) == (-1.0, 1.0)


def test_relu_one_sided_slopes_at_zero():
    op = FUNCTIONS["relu"]
    assert (-_directional(op, (0.0,), (-1.0,)), _directional(op, (0.0,), (1.0,))) == (0.0, 1.0)


def test_sqrt_one_sided_slopes_at_zero():
    op = FUNCTIONS["sqrt"]
    assert _directional(op, (0.0,), (1.0,)) == math.inf
    assert math.isnan(_directional(op, (0.0,), (-1.0,)))


def test_hypot_at_origin_is_a_cone():
    op = FUNCTIONS["hypot"]
    for theta in np.linspace(0, 2 * np.pi, 13):
        d = (math.cos(theta), math.sin(theta))
        assert _directional(op, (0.0, 0.0), d) == pytest.approx(1.0, abs=1e-15)


def test_kink_masks_are_false_away_from_kinks():
    for name in KINKS:
        op = FUNCTIONS[name]
        for nargs in _arities(op):
            for point in REFERENCE[(name, nargs)].points:
                args = [np.float64(v) for v in point]
                if name in ("pow", "where") and point[0] == 0.0:
                    continue  # (where's reference also checks backprop's rule on its switch, c = 0)
                assert not bool(np.any(op.kink(args))), f"{name}{point} flagged as a kink"


def test_kink_masks_work_on_arrays():
    op = FUNCTIONS["abs"]
    np.testing.assert_array_equal(op.kink([np.array([-1.0, 0.0, 2.0])]), [False, True, False])
    op = FUNCTIONS["min"]
    mask = op.kink([np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])])
    np.testing.assert_array_equal(mask, [True, False, True])


def test_subgradient_convention_at_kinks():
    # backprop's convention: abs'(0) = relu'(0) = 0, a min/max tie splits evenly
    assert _run(FUNCTIONS["abs"], (0.0,))[1] == [0.0]
    assert _run(FUNCTIONS["relu"], (0.0,))[1] == [0.0]
    assert _run(FUNCTIONS["min"], (2.0, 2.0))[1] == [0.5, 0.5]
    assert _run(FUNCTIONS["max"], (2.0, 2.0, 1.0))[1] == [0.5, 0.5, 0.0]
    assert _run(FUNCTIONS["hypot"], (0.0, 0.0))[1] == [0.0, 0.0]


def test_forward_pass_uses_the_registry_rules():
    # evaluate.forward on parsed text gives the registry's own value, for every function
    for (key, nargs), ref in REFERENCE.items():
        if key not in FUNCTIONS:
            continue
        point = ref.points[len(ref.points) // 2]
        names = "abc"[:nargs]
        expr = parse(f"{key}({', '.join(names)})")
        cols = [np.array([v]) for v in point]
        with np.errstate(all="ignore"):
            got = float(np.asarray(forward(expr, cols)[-1]).reshape(-1)[0])
        want, _ = _run(REGISTRY[key], point)
        assert _same(got, want), (key, point)


# --- complex step: each rule on complex input is the analytic continuation ----------------------


def _step(x: float) -> float:
    from gradcli.derive.complex_step import complex_step_size

    return float(complex_step_size(np.array([x]))[0])


def _complex_partial(op: Op, point: Sequence[float], i: int) -> float:
    """Im op(point with arg i + ih) / h, by the rule complex step uses (gradcli's default h)."""
    h = _step(point[i])
    args = [np.array([complex(v)]) for v in point]
    args[i] = args[i] + 1j * h
    rule = op.complex_forward or op.forward
    with np.errstate(all="ignore"):
        out = np.asarray(rule(*args))
    return float(np.imag(out).reshape(-1)[0] / h)


@pytest.mark.parametrize(("key", "nargs"), CASES, ids=[f"{k}/{n}" for k, n in CASES])
def test_complex_step_rule_matches_mpmath(key, nargs):
    # off its kinks, every op's complex rule gives each partial derivative to a few ulps (times
    # the derivative's own condition number): the rule is analytic, or follows the smooth piece
    ref, op = _reference(key, nargs)
    bad, checked = [], 0
    for point in ref.points:
        args = [np.array([v]) for v in point]
        value, parts = _run(op, point)
        if not math.isfinite(value) or (op.kink is not None and bool(np.any(op.kink(args)))):
            continue
        mpoint = [MPF(v) for v in point]
        for i, q in enumerate(ref.partials):
            true = q(*mpoint)
            if true is None or isinstance(true, mp.mpc) or not math.isfinite(parts[i]):
                continue
            got = _complex_partial(op, point, i)
            checked += 1
            if true == 0:  # what is left is the h**2 truncation term, h = 2**-60 here
                if abs(got) > 1e-30:
                    bad.append(f"complex step d {op.name}{point} / d arg{i}: got {got!r}, true 0")
                continue
            if abs(true) * _step(point[i]) < 2.0**-970:
                continue  # Im f = f' h is subnormal: digits are lost (the documented limit)
            kappa = float(_condition(q, mpoint, MPF(true)))
            why = _check(got, true, 4 * kappa)
            if why:
                bad.append(f"complex step d {op.name}{point} / d arg{i}: {why}")
    assert checked, f"no point of {key} was checked"
    assert not bad, "\n".join(bad)


def test_piecewise_ops_are_marked_not_analytic():
    for name in ("abs", "relu", "min", "max"):
        assert FUNCTIONS[name].analytic is False and FUNCTIONS[name].complex_forward is not None
    for name in ("exp", "sin", "sigmoid", "softplus", "atan2", "hypot", "pow"):
        assert FUNCTIONS[name].analytic is True
