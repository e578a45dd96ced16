"""The exact Hessian carries bounds, as grad's backprop does, and high precision where it loses digits.

Truth: f's gradient in mpmath (:func:`gradcli.language.precise.gradient`, the registry's rules at
60 digits) differentiated once more by a central quotient at t = 1e-25, independent of the
symbolic rows the Hessian differentiates.
"""

from __future__ import annotations

import json
import math

import mpmath as mp
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gradcli.analysis.hessian import classify, hessian
from gradcli.cli import main
from gradcli.errors import GradcliError
from gradcli.language import precise
from gradcli.language.parse import parse
from gradcli.registry import FUNCTIONS, BeyondRange

T = mp.mpf("1e-25")
UNARY = sorted(name for name, op in FUNCTIONS.items() if op.mp is not None and op.min_args == 1)
EXPRESSIONS = st.recursive(
    st.sampled_from(["x", "x", "2", "0.5", "-1"]),
    lambda inner: st.one_of(
        st.builds(
            lambda a, op, b: f"({a}{op}{b})", inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner
        ),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(UNARY), inner),
    ),
    max_leaves=6,
)


def _truth(expr, point: list[float]) -> list[list[float]] | None:
    """d2f/dx_i dx_j at the float64 point, from 60-digit gradients beside it (None: not real there)."""
    k = len(point)
    rows = [[0.0] * k for _ in range(k)]
    try:
        with mp.workdps(60):
            for j in range(k):
                up = [mp.mpf(v) for v in point]
                down = list(up)
                up[j] += T
                down[j] -= T
                g_up = precise.gradient(expr, up, 60)[1]
                g_down = precise.gradient(expr, down, 60)[1]
                for i in range(k):
                    if not (mp.isfinite(g_up[i]) and mp.isfinite(g_down[i])):
                        return None
                    rows[i][j] = float((g_up[i] - g_down[i]) / (2 * T))
    except (BeyondRange, GradcliError, ArithmeticError, ValueError):
        return None
    return rows


def test_a_hessian_that_cancels_is_taken_again_in_high_precision():
    expr = parse("(exp(x)-1)/x")  # d2f/dx2 = 1/3 + x/4 + ...: float64 gives 0.139 at 1e-5
    truth = _truth(expr, [1e-5])[0][0]
    auto = hessian(expr, np.array([[1e-5]]), "backprop")
    assert auto.exact[0, 0, 0] == pytest.approx(truth, rel=1e-15)
    assert auto.bound[0, 0, 0] < 1e-15
    assert auto.digits[0] >= 40 and "lost all digits" in auto.notes[0]
    assert auto.kinds[0] == "not critical"
    off = hessian(expr, np.array([[1e-5]]), "backprop", precision="off")
    assert abs(off.exact[0, 0, 0] - truth) > 0.1  # float64 lost every digit ...
    assert abs(off.exact[0, 0, 0] - truth) <= off.bound[0, 0, 0]  # ... and its bound says so
    assert off.kinds[0] == "uncertain" and "try --precision" in off.verdicts[0]
    assert off.digits == (None,) and off.notes == (None,)


def test_the_kind_is_uncertain_only_where_a_bound_reaches_an_eigenvalue_or_the_gradient():
    h, g, x = np.array([[2.0, 0.0], [0.0, -1e-3]]), np.zeros(2), np.zeros(2)
    assert classify(h, g, x)[0] == "saddle"
    assert classify(h, g, x, np.full((2, 2), 1e-6), np.zeros(2))[0] == "saddle"
    kind, verdict, _ = classify(h, g, x, np.full((2, 2), 1e-3), np.zeros(2))
    assert kind == "uncertain" and "-0.001" in verdict
    moving = np.array([1e-3, 0.0])
    assert classify(h, moving, x, np.zeros((2, 2)), np.zeros(2))[0] == "not critical"
    assert classify(h, moving, x, np.zeros((2, 2)), np.full(2, 2e-3))[0] == "uncertain"
    assert classify(h, moving, x, np.full((2, 2), np.nan), np.zeros(2))[0] == "uncertain"


def test_hessian_json_carries_the_bounds_and_the_note():
    out = CliRunner().invoke(main, ["hessian", "(exp(x)-1)/x", "--at", "1e-5", "--format", "json"])
    assert out.exit_code == 0, out.output
    record = json.loads(out.stdout)
    assert record["hessian_bound"][0][0] < 1e-15 and record["gradient_bound"]["x"] < 1e-15
    assert record["digits"] >= 40 and record["note"].startswith("re-evaluated at")
    table = CliRunner().invoke(main, ["hessian", "(exp(x)-1)/x", "--at", "1e-5", "--precision", "off"])
    assert "uncertain: float64 cannot tell" in table.stdout and "note:" not in table.stdout
    bad = CliRunner().invoke(main, ["hessian", "x*y", "--at", "1,2", "--precision", "7"])
    assert bad.exit_code == 2 and "between 20 and 640" in bad.stderr


def test_a_derivative_below_f_s_float_spacing_is_not_taken_for_flat() -> None:
    """The row df/dy of elu(y, y) is y*exp(y) + expm1(y) (and sign(relu(y)) on its kink) at
    -38.86: -1 - 5e-16 in float64, moving by 1.8e-20 at 2**-20 of y, which float64 does not see.
    Read as flat, the Hessian entry was 0 with a bound of 1.8e-30, for a truth of exp(y)(2 + y)
    = -4.8e-16 (found by a random scan of Hessian bounds). mpmath now judges first."""
    y = -38.8577417722233
    r = hessian(parse("elu(y, y)"), np.array([[y]]), "central")
    with mp.workdps(40):
        truth = float(mp.exp(y) * (2 + y))
    assert abs(float(r.exact[0, 0, 0]) - truth) <= float(r.bound[0, 0, 0])
    assert r.exact[0, 0, 0] != 0


def test_a_row_read_from_its_sides_is_bounded_by_the_rules_bound_and_their_gap() -> None:
    """(min(0.5, x, 0) - 1)/(0.5 - y) at (-0.33, -0.02): row x's d/dy is 1/(0.5 - y)**2, which
    its one-sided derivatives read 1 ulp off; the rule's bound (1.2e-17, at 640 digits) was
    kept for them. Now the bound adds their gap and covers the error."""
    x, y = -0.3273054429580178, -0.018915473495565067
    r = hessian(parse("(min(0.5, x, 0)+-1)/(0.5-y)"), np.array([[x, y]]), "central")
    with mp.workdps(40):
        truth = 1 / (mp.mpf(0.5) - mp.mpf(y)) ** 2
    for i, j in ((0, 1), (1, 0)):
        assert abs(mp.mpf(float(r.exact[0, i, j])) - truth) <= float(r.bound[0, i, j])


def test_where_the_rule_and_the_sides_disagree_mpmath_takes_the_sides_again() -> None:
    """ln(y/x) - leaky_relu(y, 0.5) at (-22.8, -1.86): row y sits on sign(relu(y))'s kink, and
    its float64 one-sided derivative in x reads 3.5e-18 (its terms cancel), where the mixed
    partial is 0 (the rule, at 640 digits, says so): it was shown with the rule's bound, 5e-324.
    Such sides are taken again in mpmath; abs(x)**2's row keeps its sides' 2 (its rule says 0)."""
    x, y = -22.75682303979307, -1.8567922078048156
    r = hessian(parse("ln(y/x)-leaky_relu(y, 0.5)"), np.array([[x, y]]), "central")
    assert abs(float(r.exact[0, 1, 0])) <= float(r.bound[0, 1, 0]) < 1e-100
    r = hessian(parse("abs(x)**2+y**2"), np.array([[0.0, 0.0]]), "central")
    assert r.exact[0].tolist() == [[2.0, 0.0], [0.0, 2.0]] and r.kinds == ("minimum",)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.sampled_from([0.5, 1.0, -0.7, 2.0, 1e-4]), st.sampled_from(["off", "auto"]))
def test_every_exact_entry_is_within_its_bound_of_the_truth(text, x, precision):
    try:
        expr = parse(text)
    except GradcliError:
        event("not parsed")
        return
    if expr.variables != ("x",):
        event("no x")
        return
    result = hessian(expr, np.array([[x]]), "backprop", precision=precision)
    if result.kinds[0] in ("kink", "undefined"):
        event(result.kinds[0])
        return
    truth = _truth(expr, [x])
    if truth is None or not math.isfinite(truth[0][0]):
        event("not real and finite in mpmath")
        return
    got, bound = float(result.exact[0, 0, 0]), float(result.bound[0, 0, 0])
    if not bound < math.inf:
        event("bound unknown")
        return
    # the truth's own error: the quotient's rounding at 60 digits and its t**2 f'''' term
    slack = 1e-30 * max(1.0, abs(truth[0][0]))
    event(f"precision {precision}")
    assert abs(got - truth[0][0]) <= bound + slack, (text, x, precision, got, truth[0][0], bound)
