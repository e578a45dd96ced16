"""f finite only as a limit through an infinite value, and kinks whose sides cannot be found:
gradcli says what it does not know, and draws no verdict from backprop's number there."""

from __future__ import annotations

import mpmath as mp
import pytest

from gradcli.derive.gradient import grad
from gradcli.language import precise
from gradcli.language.parse import parse


def _said(text: str, at: str, **options) -> dict:
    return {(w.var, w.kind): w for w in grad(text, at, **options).warnings[0]}


@pytest.mark.parametrize(
    ("text", "inner"),
    [
        ("1/(1/x)", "1/x is inf"),
        ("1/cot(x)", "cot(x) is inf"),
        ("atan(1/x)", "1/x is inf"),
        ("exp(-1/x**2)", "-1/x**2 is -inf"),
    ],
)
def test_a_limit_through_an_infinite_value_is_not_called_a_derivative(text, inner):
    # 1/(1/x) is x away from 0; at 0 float64 and mpmath both give 0 for f and for backprop's
    # df/dx, which was reported as "exactly 0 (confirmed at 60 digits)"
    said = _said(text, "x=0")
    w = said[("x", "nonfinite")]
    assert w.details == {"reason": "limit"} and inner in w.message and "not known" in w.message
    assert ("x", "vanishing") not in said and ("x", "inaccurate") not in said


def test_high_precision_gives_no_gradient_through_an_infinite_value():
    _, grads = precise.gradient(parse("1/(1/x)"), [0.0], 30)
    assert mp.isnan(grads[0])
    _, grads = precise.gradient(parse("1/(1/x) + y"), [0.0, 2.0], 30)
    assert mp.isnan(grads[0]) and grads[1] == 1  # y's way to f passes no infinite value


def test_a_float64_overflow_that_high_precision_computes_is_settled_there():
    # exp(1000) is inf in float64, finite in mpmath: auto precision gives the true gradient
    said = _said("1/(1+exp(-x))", "x=-1000")
    assert ("x", "nonfinite") not in said
    assert said[("x", "vanishing")].details["reason"] == "underflow"
    # without high precision, the limit through float64's inf is not claimed
    assert _said("1/(1+exp(-x))", "x=-1000", precision="off")[("x", "nonfinite")].details == {
        "reason": "limit"
    }


def test_an_infinite_value_in_a_branch_that_where_does_not_take_is_not_on_the_way():
    # where(x-1, 5, 1/(x+1)) at -1: c = -2 takes 5; 1/(x+1) = inf is never taken nearby
    said = _said("where(x-1, 5, 1/(x+1))", "x=-1")
    assert all((w.details or {}).get("reason") != "limit" for w in said.values())


def test_a_kink_whose_sides_cannot_be_found_is_uncertain_not_nondifferentiable():
    # x*abs(x)**0.01 at 0 has slope 0 (|t|**1.01 / t -> 0), too slowly for the quotients to show
    said = _said("x*abs(x)**0.01", "x=0")
    assert said[("x", "uncertain")].details == {"reason": "kink"}
    assert ("x", "nondifferentiable") not in said and ("x", "vanishing") not in said


def test_slopes_beside_a_kink_that_fall_or_grow_as_a_power_are_taken_as_their_limit():
    # x*cbrt(x) = x**(4/3): df/dx = (4/3) x**(1/3) -> 0; the second derivative -> +inf on both sides
    w = _said("x*cbrt(x)", "x=0")[("x", "vanishing")]
    assert (
        "d2f/dx2 is inf from the left and inf from the right" in w.message and "a local minimum" in w.message
    )


def test_zero_to_a_moving_power_jumps():
    w = _said("0**x", "x=0")[("x", "nondifferentiable")]
    assert "f jumps in x here" in w.message and "1.0 at the point but 0.0 just to the right" in w.message
    # x**0 is 1 everywhere: the exponent does not move, so nothing jumps
    assert _said("x**0", "x=0")[("x", "vanishing")].details["reason"] == "constant"


@pytest.mark.parametrize(
    ("text", "kind", "said"),
    [
        # the argument of a vertical tangent (cbrt, sqrt) or a jump (sign, where) has slope 0 at
        # the point yet moves at a higher order: forward mode said "stays", and so 0
        ("sqrt(x**2)", "nondifferentiable", "the derivative from the left is -1.0, from the right 1.0"),
        ("cbrt(x**2)", "nondifferentiable", "the derivative from the left is -inf, from the right inf"),
        ("cbrt(elu(x, x))", "nondifferentiable", "the derivative from the left is -inf, from the right inf"),
        (
            "sign(x**2)",
            "nondifferentiable",
            "0.0 at the point but 1.0 just to the left and 1.0 just to the right",
        ),
        ("where(x**2, 1, 0)", "nondifferentiable", "0.0 at the point but 1.0 just to the left"),
        (
            "cbrt(x**3)",
            "kink",
            "backprop gives nan at the kink of cbrt(x**3) (a zero slope met an infinite one)",
        ),
    ],
)
def test_an_argument_that_moves_only_at_higher_order_is_judged_by_the_values_beside(text, kind, said):
    w = _said(text, "x=0")[("x", kind)]
    assert said in w.message
    if kind == "kink":
        assert w.details == {"derivative": 1.0}
