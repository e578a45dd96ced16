"""What gradcli says at kinks and jumps, checked against mpmath on random piecewise-linear f.

Expressions are drawn from abs, relu, sign, min, max, where, + and - over x scaled by
constants, and evaluated at x = 0 or 1, where most of their kinks sit. Piecewise linear, so the
one-sided quotients ``(f(x0 +- t) - f(x0)) / t`` at t = 1e-30, computed in mpmath at 50 digits,
are the one-sided derivatives exactly (up to mpmath's rounding). Each claim is checked
against them, and so is silence:

* ``nondifferentiable`` with a jump: f beside the point is not f at it, on that side;
* ``nondifferentiable`` at a kink: the left and right quotients differ and are the ones given;
* ``kink``: both quotients equal the derivative given, and backprop's number is not it;
* neither: both quotients equal backprop's number.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradcli.derive.gradient import grad
from gradcli.language import precise
from gradcli.language.parse import parse

T = 1e-30

# (x-1) sits on its kinks at x = 1
LEAVES = st.sampled_from(["x", "2*x", "-x", "(0.5*x)", "(x-x)", "(x-1)", "1", "0", "-1"])
# -1+(x+1) is 0 in float64 for |x| < 2**-53, x in exact arithmetic: as the condition of a where
# between two leaves, the jump it makes must still be seen (mpmath looks). It is left out
# elsewhere: one-sided derivatives beside a point are taken in float64 (sides.sides), which
# reads it as float64 does (0 within 2**-53 of 0), not as exact arithmetic does.
CONDITIONS = st.sampled_from(["(-1+(x+1))", "(-1+(1-x))"])


def _node(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    one = st.sampled_from(["abs", "relu", "sign"])
    return st.one_of(
        st.builds(lambda f, a: f"{f}({a})", one, children),
        st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max"]), children, children),
        st.builds(lambda c, a, b: f"where({c}, {a}, {b})", children, children, children),
        st.builds(lambda a, op, b: f"({a}{op}{b})", children, st.sampled_from(["+", "-"]), children),
        st.builds(lambda k, a: f"{k}*{a}", st.sampled_from(["3", "-2", "0.25"]), children),
    )


BODIES = st.recursive(LEAVES, _node, max_leaves=8)
EXPRESSIONS = st.one_of(
    BODIES, st.builds(lambda c, a, b: f"where({c}, {a}, {b})", CONDITIONS, LEAVES, LEAVES)
).filter(lambda text: "x" in text)


def _f(expr, x) -> mp.mpf:
    return precise.values(expr, [x], 50)[-1]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


@settings(max_examples=400, deadline=None)
@given(EXPRESSIONS, st.sampled_from([0.0, 1.0]))
def test_every_claim_at_a_kink_holds_and_silence_means_backprop_is_the_derivative(text, x):
    expr = parse(text)
    assume(expr.variables == ("x",))  # (the parser folds some, e.g. 0*x, to constants)
    result = grad(text, {"x": x}, method="backprop")
    said = {w.kind: w for w in result.warnings[0] if w.var == "x"}
    backprop = float(result.exact[0, 0])
    with mp.workdps(50):
        f0, right, left = _f(expr, x), _f(expr, mp.mpf(x) + T), _f(expr, mp.mpf(x) - T)
        right_q, left_q = float((right - f0) / T), float((f0 - left) / T)
        jumps = abs(right - f0) > 1e-20 or abs(left - f0) > 1e-20
    if "nondifferentiable" in said:
        w = said["nondifferentiable"]
        if "jumps" in w.message:
            assert jumps, (text, w.message)
        else:
            assert not jumps and not _close(left_q, right_q), (text, w.message, left_q, right_q)
            assert _close(w.details["left"], left_q) and _close(w.details["right"], right_q), (
                text,
                w.message,
            )
    elif "kink" in said:
        derivative = said["kink"].details["derivative"]
        assert not jumps, text
        assert _close(derivative, left_q) and _close(derivative, right_q), (text, derivative, left_q, right_q)
        assert backprop != derivative, text
    else:
        assert not jumps, (text, f0, left, right)
        assert math.isfinite(backprop), text
        assert _close(backprop, left_q) and _close(backprop, right_q), (text, backprop, left_q, right_q)


def test_a_tangent_zero_to_first_order_met_by_an_infinite_slope_is_not_a_zero_slope() -> None:
    """acos(cos(abs(x))) is |x| near 0: cos's tangent there is 0 (it moves at second order), and
    acos's slope at 1 is infinite. Forward mode took 0 * inf as 0, and gradcli said "f is
    differentiable in x here, with df/dx = 0.0 from both sides"."""
    r = grad("acos(cos(abs(x)))", {"x": 0.0})
    (w,) = [w for w in r.warnings[0] if w.kind in ("nondifferentiable", "kink")]
    assert w.kind == "nondifferentiable"
    assert "from the left is -1.0, from the right 1.0" in w.message
    # a truly still argument still adds nothing: sqrt(relu(x)) is 0 around -1
    (k,) = [w for w in grad("sqrt(relu(x))", {"x": -1.0}).warnings[0] if w.kind == "kink"]
    assert "df/dx = 0.0 from both sides" in k.message


def test_a_point_float64_rounds_onto_a_kink_is_not_called_a_kink() -> None:
    """-1 + x**x at 1e-18 is -4.1e-17, but x**x rounds to 1 in float64: abs(-1 + x**x) was
    "not differentiable in x here (at a kink)". In mpmath, at 60 and 80 digits, the argument is
    off the kink; f is differentiable, with df/dx = -(ln x + 1) x**x. The rounding bound also
    carries the argument's error through abs's steeper side (its rule's slope at 0 is 0, and
    the central difference, 0 for a derivative of 40, had an estimate of 0)."""
    from gradcli.derive.rounding import evaluation_error
    from gradcli.language.evaluate import forward

    r = grad("abs(-1 + x**x)", {"x": 1e-18})
    assert not {w.kind for w in r.warnings[0]} & {"nondifferentiable", "kink"}
    x = mp.mpf(1e-18)
    with mp.workdps(50):
        truth = float(-(mp.log(x) + 1) * x**x)
    assert float(r.exact[0, 0]) == truth or abs(float(r.exact[0, 0]) - truth) <= 1e-15 * abs(truth)
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    assert abs(g - truth) <= est
    e = parse("abs(-1 + x**x)")
    cols = [np.array([1e-18])]
    assert evaluation_error(e, cols, 1, forward(e, cols))[0] >= 1e-16


@pytest.mark.parametrize("text", ["max(1 - x, 1)", "min(sec(x), erfc(x))"])
def test_a_tie_float64_makes_and_60_digits_keep_is_checked_at_the_most_digits(text: str) -> None:
    """1 - 1e-62 is 1 in float64 and at 60 digits too: max(1 - x, 1) at 1e-62 was called not
    differentiable (a tie); the check takes the reference's most digits, where it is no tie."""
    r = grad(text, {"x": 1e-62})
    assert not {w.kind for w in r.warnings[0]} & {"nondifferentiable", "kink"}
    # at 0 the tie is real
    assert "nondifferentiable" in {w.kind for w in grad(text, {"x": 0.0}).warnings[0]}


def test_a_move_of_the_working_precisions_size_is_not_called_a_jump() -> None:
    """sin(atan2(0, x)) is 0 on both sides of 0 (sin(pi) = 0), but sin(pi) reads 1.4e-201 at
    200 digits: f was said to jump there. A jump must stay the same at 40 more digits."""
    result = grad("sin(atan2(0, x)) + 0", {"x": 0.0}, method="backprop")
    assert not any("jumps" in w.message for w in result.warnings[0])
    real = grad("sign(x) + x", {"x": 0.0}, method="backprop")  # a jump of f's own stays one
    assert any("f jumps in x here" in w.message for w in real.warnings[0])


def test_a_kink_beside_a_pole_reads_f_beside_the_point_not_forward_modes_slopes() -> None:
    """min(cot(x), 0, x) at 0: 0 and x tie, and cot(0) is inf; forward mode took min's slope
    among the tied arguments and said "from the left 1.0", but just to the left cot is -inf."""
    result = grad("min(cot(x), 0, x)", {"x": 0.0}, method="backprop")
    (said,) = [w for w in result.warnings[0] if w.kind == "nondifferentiable"]
    assert "f jumps in x here" in said.message and "just to the left" in said.message
    assert "from the left is 1.0" not in said.message


def test_the_kink_check_in_high_precision_is_bounded_by_points_times_nodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """min(ln(b), ln(b), ...) ties at every point of a plot: a 480-node one took 8.6 s for 100
    points at 620 and 640 digits; the check now stops at 4,000 points times nodes."""
    from gradcli.derive import kink_warnings
    from gradcli.derive.backprop import kinks
    from gradcli.language import precise as precise_module
    from gradcli.language.evaluate import forward

    calls: list[int] = []
    real = precise_module.values
    monkeypatch.setattr(precise_module, "values", lambda *a, **k: calls.append(1) or real(*a, **k))
    expr = parse("min(" + ", ".join(["ln(b)"] * 80) + ")")
    values = forward(expr, [np.linspace(0.5, 3.0, 200)])
    found = kinks(expr, values, 200)
    assert found and found[0][1].all()  # a tie at every point
    kink_warnings.rounded_onto(expr, values, found, found[0][1])
    assert 0 < len(calls) <= 2 * (kink_warnings.NODE_BUDGET // len(expr.nodes))
