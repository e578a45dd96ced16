"""d^n f / dx^n: exact (symbolic then backprop) and by a central stencil, against mpmath."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from gradcli.derive.higher import MAX_ORDER, check_order, higher, weights
from gradcli.derive.precise import STEP
from gradcli.errors import OptionError
from gradcli.language import precise
from gradcli.language.parse import parse


def test_stencil_weights_are_the_textbook_ones() -> None:
    assert weights(2, 2) == (1, [Fraction(1), Fraction(-2), Fraction(1)])
    p, w = weights(1, 4)
    assert p == 2 and w == [Fraction(1, 12), Fraction(-2, 3), Fraction(0), Fraction(2, 3), Fraction(-1, 12)]
    for n in range(1, MAX_ORDER + 1):  # exact on polynomials of degree n + 3
        p, w = weights(n, 4)
        for k in range(2 * p + 1):
            moment = sum(wj * j**k for j, wj in zip(range(-p, p + 1), w))
            assert moment == (mpmath.factorial(n) if k == n else 0)


@pytest.mark.parametrize("n", [2, 3, 4, 6, 10])
@pytest.mark.parametrize("text, f", [("exp(2*x)*sin(x)", lambda x: mpmath.exp(2 * x) * mpmath.sin(x)),
                                     ("log(1+x**2)", lambda x: mpmath.log(1 + x**2))])  # fmt: skip
def test_exact_and_finite_difference_against_mpmath(n: int, text: str, f) -> None:  # type: ignore[no-untyped-def]
    xs = np.array([0.5, 1.25])
    r = higher(parse(text), xs, n)
    for p, x in enumerate(xs):
        with mpmath.workdps(40):
            truth = float(mpmath.diff(f, mpmath.mpf(x), n))
        assert r.exact[p] == pytest.approx(truth, rel=1e-9, abs=1e-11)  # rounding grows with n
        assert abs(r.fd[p] - truth) <= r.error_estimate[p]  # the estimate is honest
        assert r.error[p] == abs(r.fd[p] - r.exact[p])


def test_polynomial_is_exact_and_formula_printed() -> None:
    r = higher(parse("x**5"), np.array([2.0]), 5)
    assert r.exact[0] == 120.0 and r.formula == "120"
    assert abs(r.fd[0] - 120.0) < 1e-4


def test_precision_digits_give_the_same_exact_value() -> None:
    r = higher(parse("sin(x)"), np.array([1.0]), 4, precision=40)
    # taken at 40 digits and again at 40 + STEP, which bounds it (as grad's --precision N)
    assert r.digits == 40 + STEP and r.exact[0] == float(mpmath.sin(1))
    assert r.exact_bound[0] < 1e-16 and "(--precision 40)" in r.notes[0]  # (the rounding to float64)


def test_an_nth_derivative_that_cancels_is_taken_again_in_high_precision() -> None:
    expr = parse("(exp(x)-1)/x")  # d2f/dx2 = 1/3 + x/4 + ...: float64 backprop gives 0.139 at 1e-5
    truth = float(mpmath.diff(lambda t: mpmath.expm1(t) / t, mpmath.mpf(1e-5), 2))
    auto = higher(expr, np.array([1e-5]), 2)
    assert auto.exact[0] == pytest.approx(truth, rel=1e-15) and auto.exact_bound[0] < 1e-15
    assert "lost all digits" in auto.notes[0]
    off = higher(expr, np.array([1e-5]), 2, precision="off")
    assert 0.1 < abs(off.exact[0] - truth) <= off.exact_bound[0] and off.notes == (None,)


def test_refusals() -> None:
    with pytest.raises(OptionError, match="exactly one variable"):
        check_order(parse("x*y"), 2)
    with pytest.raises(OptionError, match="between 1 and 10"):
        check_order(parse("x"), MAX_ORDER + 1)


def test_precision_n_keeps_float64_where_a_value_on_the_way_is_beyond_range():
    """--order with --precision N at a point whose high-precision pass meets a value past
    10**+-5,050,000 keeps float64's derivative there, as grad does (it exited 70: found by the
    fuzz run)."""
    from conftest import gradcli

    text = "(lgamma(ln(sinh(log1p(hard_sigmoid(1)))))**x2)"
    result = gradcli(
        "grad", "--at", "1e300", "--at", "0.5", "--precision", "30", "--order", "2", "--format", "json", text
    )
    assert result.exit_code == 1, result.stderr  # not finite at 1e300
    far, near = map(json.loads, result.stdout.splitlines())
    assert far["exact"] is None  # float64's inf
    assert near["exact"] is not None and math.isfinite(near["exact"])


@pytest.mark.parametrize(
    ("text", "x", "order"),
    [
        ("abs(tan(csc(x**3)))", 2.9255501473360894, 2),  # varies on a scale of 6e-5: h was 0.007
        ("lgamma(x)", 2.091151164944729, 2),  # lgamma's rounding is absolute near its zero at 2
        # sinh(x) - x carries 5e-24 at x but 1e-20 at x + 2h (h = 5.3e-5): an estimate from x's
        # own error was 8.7e-13 for an error of 1.1e-12 (found by a random scan of --order)
        ("expm1(asinh(sinh(x)-x))", 2.292511499513427e-08, 2),
    ],
)
def test_the_estimate_covers_the_error_where_f_varies_fast_or_rounds_coarsely(text, x, order) -> None:
    r = higher(parse(text), np.array([x]), order, precision="off")
    with mpmath.workdps(50):
        expr = parse(text)
        f = lambda t: precise.values(expr, [t], 50)[-1]
        truth = float(mpmath.diff(f, mpmath.mpf(x), order, h=mpmath.mpf("1e-12")))
    assert abs(float(r.fd[0]) - truth) <= float(r.error_estimate[0])


def test_a_derivative_formula_float64_cannot_evaluate_is_taken_in_high_precision() -> None:
    """1/x's third derivative, as the symbolic derivative writes it, divides by ((x**2)**2)**2,
    which underflows at 1e-60: float64 gives NaN for a fourth derivative of 2.4e301. The NaN was
    printed as the exact value (no re-evaluation: f'''(x) itself was NaN in float64)."""
    r = higher(parse("1/x"), np.array([1e-60]), 4)
    truth = mpmath.mpf(24) / mpmath.mpf(1e-60) ** 5
    assert float(r.exact[0]) == pytest.approx(float(truth), rel=1e-15)
    assert r.notes[0] is not None and "float64 backprop gave nan" in r.notes[0]
    assert abs(float(r.fd[0]) - float(truth)) <= float(r.error_estimate[0])


def test_a_derivative_beyond_float64_is_inf_and_says_so() -> None:
    r = higher(parse("1/x"), np.array([1e-100]), 4)
    assert r.exact[0] == math.inf
    assert r.notes[0] is not None and "beyond float64's range" in r.notes[0]
    assert "e+501" in r.notes[0]


def test_no_estimate_where_no_float64_step_resolves_f() -> None:
    """cot(elu(-1, x)*gamma(x)) at 23.07: cot's argument is -1.7e22 and turns a radian every
    2e-23 along x, below x's float spacing (3.6e-15). The stencil differences noise: it read
    -3.7e43 for a third derivative of 9.7e68, with an estimate of 8.3e51. Now it has none (inf),
    as the first-order methods say where no step resolves f (found by a random scan)."""
    text, x = "cot((elu(-1, x)*gamma(x)))", 23.070020267786525
    r = higher(parse(text), np.array([x]), 3)
    assert r.error_estimate[0] == np.inf
    assert np.isfinite(higher(parse("sin(x)"), np.array([x]), 3).error_estimate[0])


def test_a_subnormal_f_carries_the_grid_of_its_factor() -> None:
    """mish(log2(x)+x) at 7.4e-222 is -6.9e-317: -733 times tanh(softplus(-733)), a factor on
    the subnormal grid, whose spacing times 733 was read as one spacing: the second
    derivative's error was 9.1e123 with an estimate of 5.3e123 (found by a random scan)."""
    x = 7.368796923258071e-222
    r = higher(parse("mish(log2(x)+x)"), np.array([x]), 2, precision="off")
    with mpmath.workdps(80):
        expr = parse("mish(log2(x)+x)")
        f = lambda t: precise.values(expr, [t], 80)[-1]
        truth = float(mpmath.diff(f, mpmath.mpf(x), 2, h=mpmath.mpf(x) * mpmath.mpf(10) ** -25))
    assert abs(float(r.fd[0]) - truth) <= float(r.error_estimate[0])
