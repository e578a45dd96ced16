"""The running error bound of f's evaluation, against the true error of float64 f (mpmath)."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.derive.gradient import compute
from gradcli.derive.rounding import EPS_MACHINE, evaluation_error
from gradcli.language import precise
from gradcli.language.evaluate import columns, value
from gradcli.language.parse import parse

mp.mp.dps = 50


def _bound_and_error(text: str, f, x: float) -> tuple[float, float]:
    expr = parse(text)
    cols = columns(np.array([[x]]))
    got = float(value(expr, cols, 1)[0])
    return float(evaluation_error(expr, cols, 1)[0]), abs(got - float(f(mp.mpf(x))))


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-35.0, max_value=5.0))
def test_bound_covers_cancellation_inside_f(x):
    # log(1 + exp(x)) for x << 0: 1 + exp(x) is rounded at the scale of 1, so f carries an
    # absolute error near 1e-16 while |f| may be 1e-15 or less
    bound, err = _bound_and_error("log(1+exp(x))", lambda t: mp.log(1 + mp.exp(t)), x)
    assert err <= bound


def test_bound_sees_what_eps_times_f_misses():
    bound, err = _bound_and_error("log(1+exp(x))", lambda t: mp.log(1 + mp.exp(t)), -20.0)
    f = float(mp.log(1 + mp.exp(-20)))
    assert err > 1000 * EPS_MACHINE * f  # eps_m |f| would be far too small
    assert err <= bound <= 10 * EPS_MACHINE  # and the bound is about the rounding of 1 + exp(x)


@pytest.mark.parametrize(
    ("text", "f", "x"),
    [
        ("exp(x)", mp.exp, 3.0),
        ("x*x - 2*x + 1", lambda t: t * t - 2 * t + 1, 1.0 + 2.0**-20),
        ("sin(x)/x", lambda t: mp.sin(t) / t, 1e-3),
        ("sqrt(x**2 + 1) - x", lambda t: mp.sqrt(t**2 + 1) - t, 1e4),
        ("tanh(x)", mp.tanh, 0.3),
    ],
)
def test_bound_covers_and_is_not_vacuous(text, f, x):
    bound, err = _bound_and_error(text, f, x)
    assert err <= bound
    # first order, one ulp per operation: never more than a few ulps of the largest intermediate
    assert bound <= 1e-12 * max(1.0, abs(float(f(mp.mpf(x)))), abs(x) ** 2)


def test_bound_is_eps_f_without_operations_and_zero_for_zero():
    expr = parse("x")
    cols = columns(np.array([[3.0], [0.0]]))
    np.testing.assert_array_equal(evaluation_error(expr, cols, 2), [EPS_MACHINE * 3.0, 0.0])


def test_an_inexact_argument_through_an_infinite_slope_leaves_the_bound_unknown():
    # sqrt'(0) is inf and (x - 1) + 1 may be off by 2.2e-16 (here it is not, but the bound
    # cannot tell): sqrt of it may be off by 1.5e-8, not eps_m |f|. acos(erf(6.29)): erf rounds
    # to 1, acos to 0, and the true f is 4.5e-10
    cols = columns(np.array([[0.0]]))
    assert evaluation_error(parse("sqrt((x - 1) + 1) + 1"), cols, 1)[0] == np.inf
    assert evaluation_error(parse("acos(erf(x))"), columns(np.array([[6.29]])), 1)[0] == np.inf
    # an exact argument adds nothing through the same slope: sqrt(x) at 0 is exactly 0
    assert evaluation_error(parse("sqrt(x)"), cols, 1)[0] == 0.0


def test_a_subnormal_result_carries_at_least_the_subnormal_spacing():
    # sigmoid(-729) is 1.2e-317, on the subnormal grid of 4.9e-324: eps_m |f| (2.6e-333) would
    # claim ten digits that are not there
    cols = columns(np.array([[-729.0], [-2.0]]))
    bound = evaluation_error(parse("sigmoid(x)"), cols, 2)
    assert bound[0] >= 2.0**-1074 and bound[1] < 1e-16
    assert evaluation_error(parse("relu(x)"), cols, 2).tolist() == [0.0, 0.0]  # exact: 0 stays 0


def test_differences_in_the_subnormal_range_keep_an_honest_estimate():
    # f is about 1e-317 here: its values differ by a few subnormal spacings across any step, and
    # the estimate was exactly 0 where the central difference was 2% off
    x = -0.001371384133202027
    truth = -6.18142197399e-312  # (sigmoid(gamma(x)))' from mpmath, to 12 digits
    for method in ("forward", "central", "five-point", "richardson"):
        r = compute(parse("sigmoid(gamma(x))"), np.array([[x]]), method=method)
        error, estimate = abs(float(r.diff.gradient[0, 0]) - truth), float(r.diff.error_estimate[0, 0])
        assert 0 < estimate and error <= estimate, (method, error, estimate)


def test_a_zero_that_underflowed_is_not_taken_for_an_exact_one():
    # x*x at 1e-200 underflows to 0, whose true value is 1e-400: through cbrt's infinite slope
    # at 0, f may be off by any amount (the forward difference read -406 for -3.1e66 and claimed
    # an error estimate of 168); the bound is unknown, and the difference claims none
    cols = columns(np.array([[1e-200], [0.0]]))
    bound = evaluation_error(parse("-cbrt(x*x)"), cols, 2)
    assert bound[0] == np.inf and bound[1] == 0.0  # at 0 the product is exactly 0
    r = compute(parse("-cbrt(x*x)"), np.array([[1e-200]]), method="forward")
    assert r.diff.error_estimate[0, 0] == np.inf
    # ops whose 0 at nonzero arguments is exact keep their exact zero: x - x, log(1), acos(1)
    one = columns(np.array([[1.0]]))
    for text in ("sqrt(x - x)", "sqrt(log(x))", "sqrt(acos(x))"):
        assert evaluation_error(parse(text), one, 1)[0] == 0.0, text


def test_an_exact_op_of_exact_arguments_adds_no_error():
    # -1 in x**-1 is exact: counted as off by an ulp, it met pow's slope in its exponent, ln(x),
    # which is NaN at x < 0, and the NaN bound read as 0: sin(x + x**-1) at -0.01 got eps_m |f|
    # (1.1e-16) for an error of 1.9e-14, and its forward difference an estimate 4x short
    at = columns(np.array([[-0.01]]))
    assert (
        evaluation_error(parse("sin(x + x**-1)"), at, 1)[0]
        == evaluation_error(parse("sin(x + 1/x)"), at, 1)[0]
    )
    assert (
        evaluation_error(parse("relu(x) + abs(-x)"), columns(np.array([[-0.5]])), 1)[0] == EPS_MACHINE * 0.5
    )
    r = compute(parse("sin((x+(x**-1)))"), np.array([[-0.01]]), method="forward")
    truth = float(mp.cos(mp.mpf(-0.01) + 1 / mp.mpf(-0.01)) * (1 - 1 / mp.mpf(-0.01) ** 2))
    assert abs(r.diff.gradient[0, 0] - truth) <= r.diff.error_estimate[0, 0]


@pytest.mark.parametrize(
    ("text", "slope"), [("gelu(x*x)", 1.0), ("0.25*sin(x*x)", 0.5), ("tanh(abs(x)*x)/3", 2.0 / 3.0)]
)
def test_a_carried_bound_that_underflows_rounds_up(text: str, slope: float) -> None:
    """x*x at 1e-162 underflows to 0 (off by up to 2**-1074); a slope below 1 times 2**-1074 is 0
    in float64, and the bound on f read 0: gelu(abs(x)*x) got a forward difference of 0 for a
    derivative of 1e-162 with an estimate of 7e-181. (df/dx = slope * x near 0.)"""
    e = parse(text)
    assert evaluation_error(e, [np.array([1e-162])], 1)[0] >= 2.0**-1074
    r = compute(e, np.array([[1e-162]]), method="forward")
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    assert abs(g - slope * 1e-162) <= est


@pytest.mark.parametrize(
    ("text", "x"),
    [
        ("sec(acos(x))", 1e-20),
        ("1/(x - asinh(x))", 1e-8),
        ("log(x - asinh(x))", 1e-8),
        ("tan(atan(x) + pi/2)", 1e-17),
    ],
)
def test_a_pole_or_edge_within_an_arguments_error_leaves_the_bound_unknown(text: str, x: float) -> None:
    """sec(acos(x)) at 1e-20: acos rounds to float64's pi/2 within 1.7e-16 and sec's pole lies
    6e-17 from it; f is 1.6e16 in float64 and 1e20 in truth, and the first-order bound said
    4.6e16. A denominator, or log's argument, with no correct digit is the same."""
    expr = parse(text)
    cols = [np.array([x])]
    assert evaluation_error(expr, cols, 1)[0] == np.inf
    with mp.workdps(60):
        truth = precise.values(expr, [mp.mpf(x)], 60)[-1]
    f = value(expr, cols, 1)[0]
    assert not abs(f - truth) <= 1e-3 * abs(truth)  # float64's f is indeed far off


def test_an_error_interval_short_of_the_pole_keeps_its_first_order_bound() -> None:
    """sec(acos(x)) at 0.3 and 1/(x - asinh(x)) at 1e-3: far from their poles, bounds stay finite."""
    for text, x in (("sec(acos(x))", 0.3), ("1/(x - asinh(x))", 1e-3)):
        bound = evaluation_error(parse(text), [np.array([x])], 1)[0]
        assert 0 < bound < 1e-6 * abs(value(parse(text), [np.array([x])], 1)[0])
