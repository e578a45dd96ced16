"""High precision (gradcli.language.precise and the registry's mp rules) against mpmath and float64.

Every op's mp forward rule and its high-precision partials (built from the symbolic rule) are
held to three oracles at the grid points of ``tests/registry/test_ops.py``: the independent mpmath
references there (to 30 of 50 digits), the float64 rules (within a few ulps, or the partial's
condition number, exactly as test_ops judges float64 against mpmath), and mpmath.diff at 50
digits of the mp forward rule itself.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time

import mpmath as mp
import numpy as np
import pytest
from registry.test_ops import CASES, MPF, REFERENCE, REGISTRY, _check, _condition, _moderate, _mpdiff, _run

from gradcli.derive.backprop import backprop
from gradcli.errors import EXIT_USAGE, OptionError
from gradcli.language import precise
from gradcli.language.evaluate import columns, forward
from gradcli.language.nodes import Call
from gradcli.language.parse import parse
from gradcli.registry import FUNCTIONS, OPERATORS, SELU_ALPHA, SELU_SCALE, BeyondRange

DPS = 50
# selu's mp rule uses the float64 constants exactly, as its float64 and symbolic rules do (the
# decimal ones of tests/registry/test_ops.py differ in the 17th digit): its reference here does too.
_SCALE, _ALPHA = MPF(SELU_SCALE), MPF(SELU_ALPHA)
REFERENCE = {
    **REFERENCE,
    ("selu", 1): REFERENCE[("selu", 1)].__class__(
        lambda x: _SCALE * (x if x > 0 else _ALPHA * mp.expm1(x)),
        [lambda x: _SCALE * (1 if x > 0 else _ALPHA * mp.exp(x))],
        REFERENCE[("selu", 1)].points,
    ),
}
AGREE = MPF(10) ** -30  # mp rule vs an independent mpmath formula, both at 50 digits


@pytest.fixture(autouse=True)
def _fifty_digits():
    """Other test modules change mpmath's global precision; these tests compare at 50 digits."""
    with mp.workdps(DPS):
        yield


def _mp_value(op, point):
    """The mp rule's value, or None where it lies beyond 2**+-MAGNITUDE (BeyondRange)."""
    with mp.workdps(DPS):
        try:
            return precise._apply(op, [MPF(v) for v in point])
        except BeyondRange:
            return None


def _mp_partials(op, point):
    """The mp partials, or None where some lies beyond 2**+-MAGNITUDE (BeyondRange)."""
    node = Call(op, tuple(range(len(point))), op.name, 0)
    try:
        return precise.partials(node, [MPF(v) for v in point], dps=DPS)
    except BeyondRange:
        return None


def _outside_float64(x) -> bool:
    """What float64 has where the true value lies beyond 10**+-5,050,000: 0 or an infinity."""
    return np.all((np.asarray(x) == 0) | np.isinf(np.asarray(x)))


def _at_kink(op, point) -> bool:
    if op.kink is None:
        return False
    with np.errstate(all="ignore"):
        return bool(np.any(op.kink([np.array([v]) for v in point])))


def _close(got, true) -> str | None:
    """None if the mp result matches the reference to 30 digits (NaN for an undefined one)."""
    if true is None:
        return None if mp.isnan(got) else f"expected NaN, got {got}"
    if mp.isnan(got):
        return f"got NaN, true {mp.nstr(true, 20)}"
    if mp.isinf(true) or mp.isinf(got):
        return None if got == true else f"got {got}, true {true}"
    if abs(got - true) <= AGREE * max(abs(true), MPF(10) ** -300):
        return None
    return f"got {mp.nstr(got, 35)}, true {mp.nstr(true, 35)}"


# --- the interface ----------------------------------------------------------------------------------


def test_importing_the_registry_and_precise_does_not_import_mpmath():
    code = (
        "import sys, gradcli.registry, gradcli.language.precise, gradcli.language.parse;"
        "print('mpmath' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_registry_op_has_a_high_precision_form():
    missing = sorted({op.name for op in REGISTRY.values() if op.mp is None})
    assert not missing, f"give these ops an mp= rule (or document why not): {missing}"


def test_an_op_without_a_high_precision_form_is_refused_by_name(monkeypatch):
    monkeypatch.setitem(FUNCTIONS, "erf", FUNCTIONS["erf"]._replace(mp=None))
    expr = parse("x+erf(x)")
    with pytest.raises(precise.UnsupportedPrecision, match="erf has no high-precision form") as info:
        precise.values(expr, [1.0], 30)
    assert isinstance(info.value, OptionError) and info.value.exit_code == EXIT_USAGE
    with pytest.raises(precise.UnsupportedPrecision, match="erf"):
        precise.partials(expr.nodes[-2], [MPF(1)] * len(expr.nodes))
    with pytest.raises(precise.UnsupportedPrecision, match="erf"):
        precise.supported(expr)


def test_values_are_every_node_at_the_requested_digits():
    expr = parse("x*y+1/3")
    vals = precise.values(expr, {"x": 0.1, "y": 3.0}, 40)
    assert len(vals) == len(expr.nodes)
    with mp.workdps(40):  # the point at its exact float64 value (0.1 is not 1/10), 1/3 divided at 40 digits
        want = mp.mpf(0.1) * 3 + mp.mpf(1) / 3
        assert mp.almosteq(vals[-1], want, rel_eps=mp.mpf(10) ** -39)
        assert not mp.almosteq(vals[-1], mp.mpf(3) / 10 + mp.mpf(1) / 3, rel_eps=mp.mpf(10) ** -30)
    assert isinstance(vals[-1], mp.mpf)


def test_named_constants_are_the_true_ones():
    (value,) = precise.values(parse("sin(pi)"), [], 50)[-1:]
    assert abs(value) < MPF(10) ** -45  # float64's pi would give 1.2e-16
    (value,) = precise.values(parse("log(e)"), [], 50)[-1:]
    assert abs(value - 1) < MPF(10) ** -45


@pytest.mark.parametrize(
    ("text", "point", "want"),
    [
        ("log(x)", -1.0, "nan"),
        ("sqrt(x)", -1.0, "nan"),
        ("asin(x)", 2.0, "nan"),
        ("acosh(x)", 0.5, "nan"),
        ("x**0.5", -4.0, "nan"),
        ("x/0", 0.0, "nan"),
        ("x/0", 2.0, "inf"),
        ("x/0", -2.0, "-inf"),
        ("log(x)", 0.0, "-inf"),
        ("atanh(x)", 1.0, "inf"),
        ("0**x", -1.0, "inf"),
        ("log1p(x)", -2.0, "nan"),
    ],
)
def test_domain_errors_give_nan_or_inf_as_float64_does(text, point, want):
    value = precise.values(parse(text), [point], 30)[-1]
    assert isinstance(value, mp.mpf)
    assert repr(float(value)) == want  # mpmath spells +inf "+inf" or "inf" by version
    with np.errstate(all="ignore"):
        f64 = float(np.asarray(forward(parse(text), columns(np.array([[point]])))[-1]).reshape(-1)[0])
    assert repr(f64) == {"nan": "nan", "inf": "inf", "-inf": "-inf"}[want]


def test_no_overflow_in_high_precision():
    value = precise.values(parse("exp(x)"), [1000.0], 30)[-1]
    assert mp.isfinite(value) and value > MPF(10) ** 434


# --- every op: forward -----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "nargs"), CASES, ids=[f"{k}/{n}" for k, n in CASES])
def test_mp_forward_matches_mpmath_and_float64(key, nargs):
    ref, op = REFERENCE[(key, nargs)], REGISTRY[key]
    bad = []
    for point in ref.points:
        got = _mp_value(op, point)
        if got is None:  # beyond 10**+-5,050,000: float64 must be out of its range as well
            if not _outside_float64(_run(op, point)[0]):
                bad.append(f"{op.name}{point}: BeyondRange, but float64 gives {_run(op, point)[0]}")
            continue
        with mp.workdps(DPS):
            true = ref.f(*[MPF(v) for v in point])
        why = _close(got, None if isinstance(true, mp.mpc) else true)
        if why:
            bad.append(f"{op.name}{point} vs mpmath: {why}")
        out64, _ = _run(op, point)
        why = _check(out64, None if mp.isnan(got) else got)
        if why:
            bad.append(f"{op.name}{point} float64 vs mp: {why}")
    assert not bad, "\n".join(bad)


# --- every op: partials -----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "nargs"), CASES, ids=[f"{k}/{n}" for k, n in CASES])
def test_mp_partials_match_mpmath_and_float64(key, nargs):
    ref, op = REFERENCE[(key, nargs)], REGISTRY[key]
    bad = []
    for point in ref.points:
        if _at_kink(op, point):
            continue  # the conventions there are tested below
        got = _mp_partials(op, point)
        _, parts64 = _run(op, point)
        if got is None:
            # some term of the rule lies beyond 10**+-5,050,000: either float64 cannot hold the
            # partial either, or the term is one such as gelu's x*exp(-x**2/2) at |x| > 4096 next
            # to a plain one, where float64's partial stands (the high-precision pass skips it)
            if not all(_outside_float64(p) for p in parts64) and max(map(abs, point)) <= 4096:
                bad.append(f"d {op.name}{point}: BeyondRange, but float64 gives {parts64}")
            continue
        assert len(got) == nargs
        mpoint = [MPF(v) for v in point]
        for i, (g, q) in enumerate(zip(got, ref.partials)):
            true = q(*mpoint)
            why = _close(g, None if isinstance(true, mp.mpc) else true)
            if why:
                bad.append(f"d {op.name}{point} / d arg{i} vs mpmath: {why}")
            if mp.isnan(g):
                continue
            kappa = float(_condition(q, mpoint, MPF(true))) if g != 0 else 0.0
            why = _check(parts64[i], g, kappa)
            if why:
                bad.append(f"d {op.name}{point} / d arg{i} float64 vs mp: {why}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("key", "nargs"), CASES, ids=[f"{k}/{n}" for k, n in CASES])
def test_mp_partials_agree_with_mpmath_diff_of_the_mp_rule(key, nargs):
    ref, op = REFERENCE[(key, nargs)], REGISTRY[key]
    checked = 0
    for point in filter(_moderate, ref.points):
        if _at_kink(op, point):
            continue
        got = _mp_partials(op, point)
        mpoint = [MPF(v) for v in point]
        for i, g in enumerate(got):
            if mp.isnan(g):
                continue

            def along(t, i=i, mpoint=mpoint):
                moved = list(mpoint)
                moved[i] = t
                return precise._apply(op, moved)

            if op.name == "polygamma" and i == 0:
                assert g == 0  # its order n is whole: no derivative to take numerically
                continue
            with mp.workdps(DPS):
                numeric = _mpdiff(along, mpoint[i], default=mp.nan)
            assert abs(numeric - g) <= MPF(10) ** -30 * max(1, abs(g)), (op.name, point, i, g, numeric)
            checked += 1
    assert checked > 0


def test_partials_follow_the_float64_subgradient_conventions_at_kinks():
    def at(name, *point):
        return [float(p) for p in _mp_partials(FUNCTIONS[name], point)]

    assert at("abs", 0.0) == [0.0]
    assert at("relu", 0.0) == [0.0]
    assert at("leaky_relu", 0.0) == [0.01]
    assert at("leaky_relu", 0.0, 0.2) == [0.2, 0.0]
    assert at("hard_sigmoid", 3.0) == [0.0] and at("hard_sigmoid", -3.0) == [0.0]
    assert at("min", 2.0, 2.0) == [0.5, 0.5]
    assert at("max", 2.0, 2.0, 1.0) == [0.5, 0.5, 0.0]
    assert at("hypot", 0.0, 0.0) == [0.0, 0.0]
    assert at("sqrt", 0.0) == [math.inf]
    assert at("pow", 0.0, 2.0) == [0.0, 0.0]  # d/dy 0**y is 0 for y > 0, as float64 has it
    assert at("pow", 0.0, 0.0)[0] == 0.0  # x**0 is the constant 1
    three = _mp_partials(FUNCTIONS["min"], (1.0, 1.0, 1.0))
    assert all(abs(p - MPF(1) / 3) < MPF(10) ** -48 for p in three)  # 1/3 to 50 digits
    for name, point in [("abs", 0.0), ("relu", 0.0), ("min", (2.0, 2.0))]:
        point = point if isinstance(point, tuple) else (point,)
        assert at(name, *point) == _run(FUNCTIONS[name], point)[1]


def test_rules_are_parsed_once(monkeypatch):
    precise._RULES.clear()
    calls = []
    real = precise.parse
    monkeypatch.setattr(precise, "parse", lambda text: calls.append(text) or real(text))
    for x in (0.5, 1.5, 2.5):
        _mp_partials(FUNCTIONS["atan2"], (x, 1.0))
        _mp_partials(FUNCTIONS["min"], (x, 1.0, 2.0))
    assert len(calls) == 3  # atan2's two partials, min's one weight


def test_many_argument_min_partials_are_linear():
    args = tuple(float(i % 7) for i in range(2400))
    start = time.perf_counter()
    got = _mp_partials(FUNCTIONS["min"], args)
    assert time.perf_counter() - start < 2.0
    zeros = args.count(0.0)
    assert abs(sum(got) - 1) < MPF(10) ** -45 and got[0] == MPF(1) / zeros and got[1] == 0


# --- gradient: the cancellation family ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "x", "dfdx"),
    [
        ("(exp(x)-1)/x", 1e-9, lambda x: (x * mp.exp(x) - mp.exp(x) + 1) / x**2),
        ("sin(x)/x", 1e-8, lambda x: (x * mp.cos(x) - mp.sin(x)) / x**2),
        ("(1-cos(x))/x**2", 1e-5, lambda x: mp.sin(x) / x**2 - 2 * (1 - mp.cos(x)) / x**3),
        ("log(1+x)-x", 1e-6, lambda x: 1 / (1 + x) - 1),
        ("tan(x)-sin(x)", 1e-4, lambda x: mp.sec(x) ** 2 - mp.cos(x)),
        ("sqrt(x**2+1)-x", 1e5, lambda x: x / mp.sqrt(x**2 + 1) - 1),
    ],
)
def test_gradient_recovers_what_float64_backprop_loses(text, x, dfdx):
    with mp.workdps(60):
        true = dfdx(mp.mpf(x))
    _, (got,) = precise.gradient(parse(text), [x], 40)
    assert abs(got - true) <= MPF(10) ** -15 * abs(true), (text, got, true)


def test_gradient_accumulates_like_backprop():
    for text in ("x*x", "x+x", "sin(x*y)*sin(x*y)+y", "min(x,y,x)"):
        expr = parse(text)
        point = [0.7, 1.3][: len(expr.variables)]
        _, grads = precise.gradient(expr, point, 30)
        cols = columns(np.array([point]))
        grad64, _ = backprop(expr, forward(expr, cols), 1)
        for got, want in zip(grads, grad64[:, 0]):
            assert float(got) == pytest.approx(want, rel=1e-14), text


def test_operators_and_functions_share_one_mp_rule():
    assert OPERATORS["**"].mp is FUNCTIONS["pow"].mp
    assert FUNCTIONS["swish"].mp is FUNCTIONS["silu"].mp


@pytest.mark.parametrize(
    ("base", "exponent", "beyond"),
    [
        ("0.8", "1e6080", True),  # |log2 0.8| rounds to 0 bits, yet 0.8**1e6080 is 10**-(5.9e6079)
        ("1.5", "-1e8", True),
        ("0.8", "1e6", False),  # 10**-96,910: within range
        ("1.00000000000000000001", "1e21", False),  # e**10
    ],
)
def test_a_power_beyond_range_is_refused_before_mpmath_spends_the_time(base, exponent, beyond):
    """0.8**1e6080 took mpmath 21 s (gradcli grad at cosh(700)**20 as the exponent, found by the
    fuzz run): the range check read the base's magnitude as 0 bits."""
    import mpmath as mp

    with mp.workdps(30):
        try:
            precise._within(OPERATORS["**"], [mp.mpf(base), mp.mpf(exponent)])
        except BeyondRange:
            refused = True
        else:
            refused = False
    assert refused is beyond


def test_gradient_takes_the_digits_its_terms_need():
    # the sweep adds 1 to 8e152 and -8e152: at 60 digits the 1 was lost and d/dx read 0
    _, grads = precise.gradient(parse("x + x/x"), [mp.mpf(1.2580114055278582e-153)], 60)
    assert grads[0] == 1
    _, lossy, needed = precise.gradient_digits(parse("x + x/x"), [mp.mpf(1.2580114055278582e-153)], 60)
    assert lossy[0] == 0 and needed > 150  # what the roomier sweep repairs
