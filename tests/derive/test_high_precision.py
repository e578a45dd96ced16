"""High precision where float64 cannot decide: the cancellation family against 60-digit mpmath."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import mpmath as mp
import numpy as np
import pytest

from derive.test_backprop import _mp_grad
from gradcli import grad
from gradcli.derive.gradient import compute
from gradcli.derive.precise import MAX_DIGITS, check_precision
from gradcli.errors import OptionError
from gradcli.language.parse import parse


def _truth(text: str, x: float):
    """The derivative by mpmath.diff on an mpmath evaluation of the text (tests/derive/test_backprop.py)."""
    with mp.workdps(60):
        return _mp_grad(text, {"x": x}, ("x",))[0]


FAMILY = [
    ("(exp(x)-1)/x", 1e-9),
    ("sin(x)/x", 1e-8),
    ("(1-cos(x))/x**2", 1e-5),
    ("log(1+x)-x", 1e-6),
    ("tan(x)-sin(x)", 1e-4),
    ("sqrt(x**2+1)-x", 1e5),
    ("(x+1)**2 - x**2 - 2*x", 1e8),
    ("1/(x-1)", 1.00000001),
]


@pytest.mark.parametrize(("text", "x"), FAMILY, ids=[t for t, _ in FAMILY])
@pytest.mark.parametrize("method", ["backprop", "central"])
def test_auto_precision_gives_the_true_derivative(text, x, method):
    r = grad(text, {"x": x}, method=method)
    true = _truth(text, x)
    g = float(r.exact[0, 0])
    assert abs(mp.mpf(g) - true) <= 1e-15 * abs(true), (g, mp.nstr(true, 17))
    assert abs(mp.mpf(g) - true) <= r.exact_bound[0, 0]
    if method == "central":  # the finite difference is judged against the reference
        assert r.error[0, 0] == abs(r.diff.gradient[0, 0] - g)


def test_float64_alone_gets_the_family_wrong_and_its_bound_says_so():
    r = grad("(exp(x)-1)/x", {"x": 1e-9}, method="backprop", precision="off")
    assert r.precise == [None]
    assert abs(r.exact[0, 0] - 0.5) > 1  # all digits lost
    assert r.exact_bound[0, 0] >= abs(r.exact[0, 0] - 0.5)


def test_notes_say_what_happened():
    r = grad("(exp(x)-1)/x", {"x": 1e-9}, method="backprop")
    rec = r.precise[0]
    assert rec.converged and rec.digits >= 40
    assert (
        rec.note == f"re-evaluated at {rec.digits} digits: float64 backprop lost all digits to cancellation"
    )
    r = grad("sigmoid(x)", {"x": -1000.0}, method="backprop")
    assert r.exact[0, 0] == 0.0 and 0 < r.exact_bound[0, 0] <= 5e-324
    assert r.precise[0].gradient[0].startswith("5.07595889754945") and r.precise[0].gradient[0].endswith(
        "e-435"
    )
    assert "below float64's normal range" in r.precise[0].note
    r = grad("x**2", {"x": 0.0}, method="backprop")
    assert r.exact[0, 0] == 0 and r.exact_bound[0, 0] == 0
    assert r.precise[0].note.endswith("the gradient is exactly 0")


def test_well_conditioned_points_stay_float64_bit_for_bit():
    r = grad("3*(a+b*c)", "a=5,b=3,c=2", method="forward", eps=0.01)
    assert r.precise == [None]
    assert r.gradient[0].tolist() == [3.0000000000001137, 6.000000000000227, 8.99999999999963]
    assert r.exact[0].tolist() == [3.0, 6.0, 9.0]


def test_forced_digits_everywhere_and_off():
    r = grad("sin(x)", {"x": 1.0}, method="backprop", precision=30)
    assert r.precise[0].digits == 50 and r.exact[0, 0] == float(mp.cos(1))
    assert "agreed to its last digits" in r.precise[0].note
    r = grad("sin(x)/x", {"x": 1e-8}, method="backprop", precision="off")
    assert r.exact[0, 0] == 0.0 and r.exact_bound[0, 0] > 1e-9  # 0 +/- a bound that cannot tell


def test_many_points_only_lost_ones_are_reevaluated():
    xs = np.array([[1e-8], [1.0], [2.0], [1e-9]])
    r = compute(parse("sin(x)/x"), xs, method="backprop")
    assert [p is not None for p in r.precise] == [True, False, False, True]


@pytest.mark.parametrize("bad", ["fast", 3, MAX_DIGITS + 1, 2.5, True])
def test_bad_precision_is_refused(bad):
    with pytest.raises(OptionError, match="precision must be"):
        check_precision(bad)


def test_mpmath_is_not_imported_without_lost_digits():
    code = (
        "import sys; from gradcli import grad; grad('sin(x)*exp(x)', 'x=1'); "
        "assert 'mpmath' not in sys.modules, 'imported'; "
        "grad('sin(x)/x', 'x=1e-8'); assert 'mpmath' in sys.modules; print('ok')"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert out.stdout.strip() == "ok", out.stderr


def test_values_beyond_quad_range_are_not_chased_in_mpmath():
    """An intermediate past 2**+-2**24 (exp(-x**2) at x = 1e200, a power of a huge exponent) stops
    the high-precision pass at once: mpmath's cost grows with such exponents without bound."""
    from gradcli.language.precise import MAGNITUDE, BeyondRange, values

    with pytest.raises(BeyondRange):
        values(parse("exp(-x*x)"), [1e200], 40)
    with pytest.raises(BeyondRange):
        values(parse("1.2**x"), [-8.3e9], 40)
    # inside the range the values are mpmath's own
    got = values(parse("exp(-x*x)"), [100.0], 40)[-1]
    with mp.workdps(40):
        assert abs(got / mp.exp(-(mp.mpf(100) ** 2)) - 1) < mp.mpf(10) ** -38
    assert abs(mp.log(got, 2)) < MAGNITUDE


@pytest.mark.parametrize(
    ("text", "x"), [("atan(abs(csc(3.5)))**sinh(pi*x*e)", -972763.0), ("x*(1+erf(x/sqrt(2)))/2", -9.86e226)]
)
def test_points_beyond_quad_range_keep_float64_and_its_bound(text, x):
    r = compute(parse(text), np.array([[x]]), method="backprop")
    assert r.precise is None or r.precise[0] is None  # not re-evaluated
    assert np.isfinite(r.value[0])


def test_sigmoid_underflow_is_still_re_evaluated():
    r = compute(parse("1/(1+exp(-x))"), np.array([[-1000.0]]), method="backprop")
    assert r.precise[0] is not None
    assert r.precise[0].gradient[0].startswith("5.07595889754945")


def test_erfc_tail_past_the_range_is_refused_cheaply():
    from gradcli.registry import BeyondRange
    from gradcli.registry.special import mp_erfc

    with mp.workdps(30):
        assert abs(mp_erfc(mp.mpf(4000)) / mp.erfc(mp.mpf(4000)) - 1) < mp.mpf(10) ** -28
        for x in (4097.0, 1e114, 1e200):
            with pytest.raises(BeyondRange):
                mp_erfc(mp.mpf(x))


@pytest.mark.parametrize(
    "args",
    [
        "plot --points 10 'erf(relu((where(2, 5e-324, 100)^x2)))-min(1e16, 0, 1e-320)'",
        "grad --at b=log(2),x10=-3.66562e+24 --method richardson --direction -8663.18,2435.0 "
        "'sqrt(erfc(((gelu(2)+(b-2))-(x10**1e16))))'",
        "gelu --at 1e-100:-6.29825e+114:5 --method forward --eps 1e-300",
    ],
)
def test_astronomical_intermediates_neither_crash_nor_stall(args):
    from conftest import gradcli

    result = gradcli(args)
    assert result.exit_code in (0, 1), result.stderr


def test_auto_re_evaluates_at_most_the_worst_max_auto_points(monkeypatch):
    import gradcli.derive.precise as precise

    monkeypatch.setattr(precise, "MAX_AUTO", 3)
    xs = np.array([1e-9, 1e-6, 1e-8, 1e-7, 1e-5]).reshape(-1, 1)  # (exp(x)-1)/x loses more as x -> 0
    r = compute(parse("(exp(x)-1)/x"), xs, method="backprop")
    done = [p is not None for p in r.precise]
    assert done == [True, False, True, True, False]  # the three worst, by bound against |gradient|
    assert r.exact_bound[1, 0] > 0 and np.isfinite(r.exact_bound[1, 0])  # the rest keep their bound


def test_auto_stops_re_evaluating_when_its_time_is_spent(monkeypatch):
    """Outside a stream, auto re-evaluates for at most AUTO_SECONDS, worst points first; the
    points left keep float64 and their bound. A stream's budget is by lines only, so the same
    limit does not apply there (its numbers must not depend on the machine's speed)."""
    import gradcli.derive.precise as precise

    xs = np.array([1e-9, 1e-6, 1e-8]).reshape(-1, 1)
    expr = parse("(exp(x)-1)/x")
    assert all(p is not None for p in compute(expr, xs, method="backprop").precise)
    monkeypatch.setattr(precise, "AUTO_SECONDS", 0.0)  # spent before the first point
    r = compute(expr, xs, method="backprop")
    assert r.precise == [None, None, None]
    assert np.isfinite(r.exact_bound).all() and (r.exact_bound > 0).all()  # each says what it lost
    # a stream's chunk (allow given) re-evaluates what its budget allows, whatever the clock says
    streamed = compute(expr, xs, method="backprop", allow=lambda todo, most: todo)
    assert all(p is not None for p in streamed.precise)


def test_exp_of_an_argument_that_foretells_a_result_beyond_range_is_not_attempted():
    """exp, gamma and kin refuse before mpmath runs where the argument already says the result
    is beyond 10**+-5,050,000 (mpmath's exp(-1e740000) runs for minutes); where the result is
    in range they are computed, and so is an activation whose exp inside stays in float64's range."""
    from gradcli.language.nodes import Call
    from gradcli.language.precise import BeyondRange, partials, values

    for text, x in [
        ("exp(-x)", 2e7),
        ("cosh(x)", -2e7),
        ("expm1(x)", 2e7),
        ("erfc(x)", 4e3),
        ("gamma(x)", 2e6),
    ]:
        with pytest.raises(BeyondRange):
            values(parse(text), [x], 30)
    for text, x in [
        ("exp(-x)", 1e6),
        ("expm1(x)", -2e7),
        ("erfc(x)", -4e3),
        ("sigmoid(x)", 1e300),
        ("elu(x)", -1e300),
    ]:
        assert mp.isfinite(values(parse(text), [x], 30)[-1]), text
    # the fuzz case: erf's derivative is exp(-x**2) at x = gamma(84834), about 1e381265
    expr = parse("erf(gamma(x))")
    node = expr.nodes[-1]
    assert isinstance(node, Call)
    with pytest.raises(BeyondRange):
        partials(node, values(expr, [84834.0], 30), 30)
    r = compute(parse("asinh(asin((erf(gamma(w_3))*b)))"), np.array([[0.5, 84834.0]]), method="backprop")
    assert r.precise[0] is None and np.isfinite(r.value[0])  # float64 and its bound stand


def test_an_infinite_gradient_from_an_underflow_is_taken_again():
    # x*x at 1e-200 underflows to 0, where cbrt's slope is infinite: float64 backprop gives -inf
    # with an infinite bound; the derivative is -2/3 * 1e-200**(-1/3), finite
    r = grad("-cbrt(x*x)", {"x": 1e-200}, method="backprop")
    true = -mp.mpf(2) / 3 * mp.mpf(1e-200) ** (-mp.mpf(1) / 3)
    assert abs(mp.mpf(r.exact[0, 0]) - true) <= 1e-15 * abs(true)
    assert r.precise[0] is not None
    assert not [w for w in r.warnings[0] if w.kind == "nonfinite"]
    # at 0 itself the infinite slope is met by an exact 0: nothing to take again
    assert grad("-cbrt(x*x)", {"x": 0.0}, method="backprop").precise == [None]


def test_terms_too_far_apart_for_the_precision_are_taken_again_with_room():
    # x + x/x at 1e-100: the sweep adds 1 to 1e100 and -1e100; at 60 and 80 digits both lose the
    # 1 and agree on 0, and gradcli said "df/dx is exactly 0 (confirmed at 60 digits)"
    r = grad("x + x/x", {"x": 1e-100}, method="backprop")
    assert r.exact[0, 0] == 1.0 and r.precise[0].digits > 100
    assert not [w for w in r.warnings[0] if w.kind == "vanishing"]
    # terms of one size that cancel exactly: an exact 0, confirmed at the most digits (no sweep
    # at fewer can tell it from terms that only round alike: x - asinh(x) at 1e-31)
    z = grad("x*x - 2*x", {"x": 1.0}, method="backprop")
    assert z.exact[0, 0] == 0.0 and z.precise[0].digits >= MAX_DIGITS
    assert "exactly 0" in z.precise[0].note


@pytest.mark.parametrize("x", [1e-57, 1e-70, 1e-100, 1e-200, 1e-300])
def test_terms_of_one_size_that_cancel_are_taken_again_until_they_do_not(x: float) -> None:
    """expm1(x)/x at 1e-70 sums 1e70 + 1 and -(1e70 + 0.5): at 60 and 80 digits both round to
    1e70 and cancel to exactly 0, and gradcli said "df/dx is exactly 0 (confirmed at 60 digits)"
    and blamed the (right) central difference: "f is not smooth within eps of the point". At
    1e-57 the sum, not 0, kept 3 digits: the term spread (1e57 and 1e57) missed the cancellation."""
    r = grad("expm1(x)/x", {"x": x})
    assert r.exact[0, 0] == 0.5
    assert r.precise[0] is not None and r.precise[0].digits > -np.log10(x)
    assert not {w.kind for w in r.warnings[0]} & {"vanishing", "inaccurate"}
    from gradcli.language import precise

    truth = precise.gradient(parse("expm1(x)/x"), [mp.mpf(x)], 60)[1][0]
    assert abs(truth - mp.mpf("0.5")) < mp.mpf(10) ** -30


def test_an_exact_zero_from_inexact_terms_is_confirmed_only_at_the_most_digits() -> None:
    r = grad("sin(x)**2 + cos(x)**2", {"x": 0.7})
    assert r.exact[0, 0] == 0.0
    assert r.precise[0] is not None and r.precise[0].digits >= MAX_DIGITS
    assert "exactly 0" in r.precise[0].note


def test_digits_lost_by_a_float64_gradient_beyond_range_are_counted_without_a_warning() -> None:
    """ln(cbrt(x), x) is 1/3: at 1e-67 float64 backprop's gradient is far off, and its distance
    from the true 0-ish value overflowed a numpy scalar (a RuntimeWarning)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = grad("ln(cbrt(x), x)", {"x": 1e-67}, method="forward")
    assert r.precise[0] is not None and abs(r.exact[0, 0]) < 1e-290  # (0, or a residual called uncertain)


@pytest.mark.parametrize(("text", "sign"), [("x - asinh(x)", 1), ("x - asin(x)", -1)])
def test_terms_that_round_alike_at_two_precisions_are_not_an_exact_zero(text: str, sign: int) -> None:
    """x - asinh(x) at 1e-31 adds 1 and -(1 - 5e-63): at 40 and 60 digits both terms round to
    +-1, the same at both precisions, and gradcli said "df/dx is exactly 0 (confirmed at 60
    digits) ... a local minimum"; the derivative is x**2/2 = 5e-63."""
    r = grad(text, {"x": 1e-31})
    assert r.exact[0, 0] == pytest.approx(sign * 5e-63, rel=1e-12)
    assert not [w for w in r.warnings[0] if "exactly 0" in w.message]


def test_the_forward_pass_conditioning_counts_in_the_digits_needed() -> None:
    """relu(sin(acos(x)/x)) at 1e-298: sin's argument is 1.6e298, so 60 digits of it leave sin's
    sign unknown; gradcli said "df/dx is exactly 0 (confirmed at 60 digits)" (relu's flat side)
    where sin is positive and the derivative 9.6e595. A value's lost digits add up along the
    forward pass (|a f_a / f| at each step) and count in the digits a sweep needs."""
    from gradcli.language import precise

    needed = precise.gradient_digits(parse("relu(sin(acos(x)/x))"), [1e-298], 60)[2]
    assert needed >= 297
    r = grad("relu(sin(acos(x)/x))", {"x": 1e-298})
    assert not [w for w in r.warnings[0] if "exactly 0" in w.message]
    assert r.precise[0] is not None and r.precise[0].digits > 300
    assert "beyond float64's range" in r.precise[0].note
    # a difference absorbed to exactly 0 at 60 digits ((x + 1e200) - 1e200 is x, 2 here) has an
    # unknown number of digits lost: more are taken (its value at 220 digits is 2)
    assert precise.gradient_digits(parse("(x + 1e200) - 1e200"), [2.0], 60)[2] == math.inf
    value, _ = precise.gradient(parse("(x + 1e200) - 1e200"), [mp.mpf(2)], 60)
    assert value == 2


def test_a_periodic_function_of_a_huge_argument_is_beyond_range() -> None:
    """csc(gamma(-x)) at -60282: gamma's value, about 1e260000, went into csc, whose reduction by
    pi needs as many digits, and a hessian ran for minutes (found by the fuzz). Such an argument
    (beyond about 1e10000) is refused as beyond range, as exp's huge ones are; tiny ones are not."""
    from gradcli.language import precise
    from gradcli.registry import BeyondRange

    with pytest.raises(BeyondRange):
        precise.values(parse("csc(gamma(-x))"), [-60282.0], 60)
    assert precise.values(parse("sin(x)"), [1e-300], 60)[-1] == mp.mpf(1e-300)
    from click.testing import CliRunner

    from gradcli.cli import main

    # the fuzz's case (the one-sided derivatives of its hessian rows took csc there in mpmath)
    text = "csc(gamma((min(x10, 1e308, w_3, a)/x1))-softsign(x))"
    at = "a=5.582079999999999e+59,w_3=-63.5568,x=1e-300,x1=-1,x10=-60282.0"
    args = ["hessian", "--at", at, "--vars", "x10,x,x1,w_3,a", "--precision", "off", text]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output


@pytest.mark.parametrize(
    ("text", "x", "want"),
    [("max(x, x, x)", 0.3, 1), ("max(x,x,x)/x", 1e-294, 0), ("min(x,x,x,x,x)*3 - 3*x", 7.0, 0)],
)
def test_an_argument_written_several_times_gets_its_whole_share_of_a_tie(text, x, want):
    """max(x, x, x) is x: three rounded thirds of the adjoint do not add up to it, and the residue
    (1e-60 of 1/x at 1e-294: 9e192) was taken for the derivative of max(x, x, x)/x."""
    from gradcli.language import precise
    from gradcli.language.parse import parse

    for dps in (60, 200):
        with mp.workdps(dps):
            assert precise.gradient(parse(text), [mp.mpf(x)], dps)[1][0] == want
    result = grad(text, at=f"x={x!r}", method="backprop")
    assert result.exact[0, 0] == want
    assert "uncertain" not in {w.kind for w in result.warnings[0]}


def test_an_analytic_op_at_a_zero_its_computed_argument_only_rounds_to_is_taken_further() -> None:
    """erf(12.26) is 1 - 1e-67, exactly 1 at 60 and 80 digits, so log of it read exactly 0 at
    both and the two precisions agreed: d/dy of log(erf(x), softsign(2**y)) was 0 with a bound
    of 0 (and the Hessian's d2f/dy2 too), where it is 1.9e-67 (found by a random scan of
    Hessian bounds). Such a 0 now goes to the most digits, as a sum that cancels to 0 does."""
    x, y = 12.256744462954366, -0.00032599296840542225
    r = grad("log(erf(x), softsign((2**y)))", {"x": x, "y": y}, method="backprop")
    with mp.workdps(200):
        b = mp.mpf(2) ** y
        base = b / (1 + b)
        truth = -mp.log(mp.erf(x)) * (1 / (1 + b)) * mp.log(2) / mp.log(base) ** 2
    assert float(r.exact[0, 1]) != 0
    assert abs(mp.mpf(float(r.exact[0, 1])) - truth) <= float(r.exact_bound[0, 1])
