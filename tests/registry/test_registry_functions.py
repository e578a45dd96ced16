"""Functions added for issue 14: ln, cbrt, sec, csc, cot, where — behaviours beyond test_ops' grid.

Their forward rules, partials, kink rules and complex-step rules are checked against mpmath with
every other op in tests/registry/test_ops.py, and their high-precision forms in tests/language/test_precise.py.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import gradcli
from gradcli.derive.gradient import grad
from gradcli.language import precise
from gradcli.language.parse import parse
from gradcli.language.symbolic import derivative_texts
from gradcli.registry import FUNCTIONS, nonfinite_reason


def _f(name: str, *args: float) -> float:
    with np.errstate(all="ignore"):
        return float(FUNCTIONS[name].forward(*[np.float64(a) for a in args]))


def test_ln_is_log_by_another_name():
    assert FUNCTIONS["ln"].forward is FUNCTIONS["log"].forward
    assert FUNCTIONS["ln"].alias_of == "log"
    assert grad("ln(x)", {"x": 4.0}).exact[0, 0] == 0.25
    assert derivative_texts(parse("ln(x, 2)")) == derivative_texts(parse("log(x, 2)"))


def test_cbrt_is_the_real_cube_root_with_a_vertical_tangent_at_0():
    assert _f("cbrt", -8.0) == -2.0 and _f("cbrt", 27.0) == pytest.approx(3.0, rel=3e-16)  # libm: 1 ulp
    op = FUNCTIONS["cbrt"]
    zero = [np.array([0.0])]
    assert bool(op.kink(zero)[0])
    with np.errstate(all="ignore"):  # rules run so, and let inf flow
        assert op.partials(zero, op.forward(*zero))[0][0] == math.inf
    assert precise.values(parse("cbrt(x)"), [-8.0], 30)[-1] == -2  # mpmath's own cbrt would be complex


def test_csc_and_cot_have_a_pole_at_0_and_say_so():
    assert _f("csc", 0.0) == math.inf and _f("cot", 0.0) == math.inf
    for name in ("csc", "cot"):
        op = FUNCTIONS[name]
        assert nonfinite_reason(op, [np.float64(0.0)], np.float64(math.inf)) == f"{name} of 0 (a pole)"


@pytest.mark.parametrize(("name", "ref"), [("sec", mp.sec), ("csc", mp.csc), ("cot", mp.cot)])
def test_reciprocal_trig_near_their_poles_keep_their_digits(name, ref):
    for x in (math.pi / 2, math.pi, 1e-300, 3.0):
        got = _f(name, x)
        with mp.workdps(50):
            try:
                true = ref(mp.mpf(x))
            except ZeroDivisionError:
                continue
        assert got == pytest.approx(float(true), rel=4e-16), (name, x)


def test_where_picks_by_a_nonzero_condition():
    assert _f("where", 2.0, 10.0, 20.0) == 10.0
    assert _f("where", -1e-300, 10.0, 20.0) == 10.0
    assert _f("where", 0.0, 10.0, 20.0) == 20.0
    assert math.isnan(_f("where", math.nan, 10.0, 20.0))  # NaN is not silently a true condition


def test_where_derivative_by_its_condition_is_0_and_follows_the_chosen_branch():
    result = grad("where(c, x**2, 3*x)", {"c": 1.0, "x": 2.0})
    assert result.exact[0].tolist() == [0.0, 4.0]
    result = grad("where(c, x**2, 3*x)", {"c": 0.0, "x": 2.0})
    assert result.exact[0].tolist() == [0.0, 3.0]
    _, grads = precise.gradient(parse("where(c, x**2, 3*x)"), {"c": 1.0, "x": 2.0}, 30)
    assert [float(g) for g in grads] == [0.0, 4.0]


def _warnings(text: str, point: dict) -> dict:
    return {(w.var, w.kind): w for w in grad(text, point).warnings[0]}


def test_where_at_its_switch_is_a_jump_in_c_and_smooth_in_the_branches():
    # c = 0, a = 4 != b = 6: f jumps from 6 to 4 as c leaves 0; in x, c stays 0 and f follows b
    found = _warnings("where(c, x**2, 3*x)", {"c": 0.0, "x": 2.0})
    jump = found[("c", "nondifferentiable")]
    assert (
        "f jumps in c" in jump.message
        and "6.0 at the point but 4.0 just to the left and 4.0 just to the right" in jump.message
    )
    assert not [key for key in found if key[0] == "x"]
    # a = b at the switch: f is continuous, and the sides agree with a's slope; backprop follows b
    found = _warnings("where(x-2, x**2, 3*x-2)", {"x": 2.0})
    assert list(found) == [("x", "kink")]
    assert found[("x", "kink")].details == {"derivative": 4.0}
    assert "backprop's 3.0 is its rule at the kink of where(x-2, x**2, 3*x-2)" in found[("x", "kink")].message
    assert not _warnings("where(x-2, x**2, 4*x-4)", {"x": 2.0})  # the branches touch: no kink at all


def test_a_jump_is_not_a_constant_and_a_cancelled_kink_is_not_flat():
    # sign'(x) simplifies to 0, but sign depends on x: away from 0 it is flat, at 0 it jumps
    flat = _warnings("sign(x)", {"x": 1.0})[("x", "vanishing")]
    assert "flat in x around this point (sign(x) is constant here)" in flat.message
    assert "everywhere" not in flat.message
    jump = _warnings("sign(x)", {"x": 0.0})
    assert list(jump) == [("x", "nondifferentiable")]
    assert "-1.0 just to the left and 1.0 just to the right" in jump[("x", "nondifferentiable")].message
    # 0*sign(x) is 0 everywhere: the rule on its way gives NaN, but f does not move beside the point
    assert list(_warnings("0*sign(x)", {"x": 0.0})) == [("x", "vanishing")]
    # relu(x)-relu(-x) is x: both relus sit on their kinks, backprop's rule gives 0, the sides give 1
    found = _warnings("relu(x)-relu(-x)", {"x": 0.0})
    assert list(found) == [("x", "kink")]  # not "vanishing: flat", not "inaccurate: not smooth"
    assert found[("x", "kink")].details == {"derivative": 1.0}
    # a jump on one side only: f is 0 left of 0 (relu stays 0), 1 right of it
    one = _warnings("where(relu(x), 1, 0)", {"x": 0.0})[("x", "nondifferentiable")].message
    assert "1.0 just to the right" in one and "from the left, its derivative is 0.0" in one


def test_new_functions_differentiate_symbolically_as_backprop_does():
    for text, point in [("cbrt(x)*sec(x)", 0.7), ("csc(x)+cot(x)", 1.1), ("where(x-1, sec(x), ln(x))", 0.5)]:
        (derivative,) = derivative_texts(parse(text)).values()
        want = grad(text, {"x": point}).exact[0, 0]
        got = grad(derivative.replace("x", f"({point!r})") + "+0*x", {"x": point}).value[0]
        assert got == pytest.approx(want, rel=1e-13), text


# --- gamma, lgamma, polygamma ---------------------------------------------------------------------


def test_gamma_is_the_factorial_shifted_with_poles_at_0_and_the_negative_integers():
    assert _f("gamma", 5.0) == 24.0 and _f("gamma", 1.0) == 1.0
    assert _f("gamma", 0.0) == math.inf and _f("gamma", -0.0) == -math.inf
    assert math.isnan(_f("gamma", -3.0))
    assert _f("gamma", 172.0) == math.inf  # beyond float64
    op = FUNCTIONS["gamma"]
    assert (
        nonfinite_reason(op, [np.float64(-3.0)], np.float64(math.nan))
        == "gamma of a negative integer (a pole)"
    )
    assert _f("lgamma", 1e300) == pytest.approx(float(mp.loggamma(mp.mpf(1e300))), rel=1e-15)  # no overflow


def test_polygamma_0_is_digamma_and_needs_a_whole_order():
    assert _f("polygamma", 0.0, 1.0) == pytest.approx(-float(mp.euler), rel=1e-16)
    assert _f("polygamma", 1.0, 1.0) == pytest.approx(math.pi**2 / 6, rel=1e-16)
    assert _f("polygamma", 0.0, -0.5) == pytest.approx(
        float(mp.digamma(-0.5)), rel=4e-16
    )  # reflection, exact cot
    assert math.isnan(_f("polygamma", 0.5, 1.0)) and math.isnan(_f("polygamma", -1.0, 1.0))
    assert math.isnan(_f("polygamma", 1.0, -2.0))  # a pole


@pytest.mark.parametrize(("n", "x"), [(1, -53873.2), (2, -5000.3), (100, -53873.2), (3, -64.5), (3, -65.5)])
def test_polygamma_far_left_of_0_sums_its_recurrence_whole(n, x):
    """Below x = -54 the recurrence's steps are summed a point at once (they were a numpy pass
    each, so polygamma(100, -53873.2) in a Hessian took 11 s); either way the value is mpmath's."""
    with mp.workdps(40):
        want = float(mp.polygamma(n, mp.mpf(x)))
    assert _f("polygamma", float(n), x) == pytest.approx(want, rel=4e-15)
    xs = np.array([x, 2.5, x - 0.25])
    both = gradcli.grad(f"polygamma({n}, x)", {"x": xs}, method="backprop").value
    assert both[0] == _f("polygamma", float(n), x) and both[1] == _f("polygamma", float(n), 2.5)


def test_polygamma_in_high_precision_is_not_computed_where_float64_is_not():
    """Below x = 10 - MAX_STEPS, polygamma of order >= 1 is NaN in float64 (the recurrence takes
    |x| steps), and its high-precision form says the same rather than take them: mpmath's own
    recurrence took 16 s for a Hessian of -lgamma(-x*x2) at (3521.94, 241.744), u = -851,410."""
    import time

    from gradcli.registry.gamma import MAX_STEPS

    op = FUNCTIONS["polygamma"]
    below, above = mp.mpf(11.5 - MAX_STEPS), mp.mpf(12.5 - MAX_STEPS)  # n = 1: from x = 12
    assert math.isnan(_f("polygamma", 1.0, float(below))) and math.isnan(op.mp(mp.mpf(1), below))
    assert math.isfinite(_f("polygamma", 1.0, float(above))) and mp.isfinite(op.mp(mp.mpf(1), above))
    assert mp.isfinite(op.mp(mp.mpf(0), mp.mpf(-851410.25)))  # digamma: reflected, computed
    assert mp.isnan(op.mp(mp.mpf(1), -(mp.mpf(10) ** 400)))  # beyond float64 too (no 1e400 steps)
    start = time.perf_counter()
    hessian = gradcli.hessian("-lgamma(-x*x2)", {"x": 3521.94, "x2": 241.744})
    assert time.perf_counter() - start < 3  # (16 s before; about 0.1 s now)
    assert not np.isfinite(hessian.exact).any()


def test_gamma_derivatives_chain_through_polygamma_symbolically_and_in_high_precision():
    assert derivative_texts(parse("lgamma(x)")) == {"x": "polygamma(0,x)"}
    assert derivative_texts(parse("polygamma(2, x)")) == {"x": "polygamma(3,x)"}
    with mp.workdps(40):
        true = mp.diff(mp.gamma, mp.mpf(2.5), 2)
    second = derivative_texts(parse("gamma(x)*polygamma(0,x)"))["x"]
    assert grad(second, {"x": 2.5}).value[0] == pytest.approx(float(true), rel=1e-14)
    _, (got,) = precise.gradient(parse("gamma(x)"), [2.5], 40)
    with mp.workdps(40):
        assert abs(got - mp.gamma(2.5) * mp.digamma(2.5)) < mp.mpf(10) ** -35


@pytest.mark.parametrize("x", [-15.629891053377428, 18.0743612708825, 25.5, -7.25, 3.1])
def test_erf_and_erfc_slopes_keep_their_digits_in_the_tails(x):
    """erf' = 2/sqrt(pi) exp(-x**2): x**2 rounded alone costs about x**2 ulps (244 at -15.6),
    far beyond the partial's measured 4 u, and backprop's bound missed by 2.4x (grad of
    erfc(y)*x at y = -15.6, found by a random scan of Hessian bounds). x**2 is split exactly."""
    with mp.workdps(40):
        want = 2 / mp.sqrt(mp.pi) * mp.exp(-(mp.mpf(x) ** 2))
    for name, sign in (("erf", 1), ("erfc", -1)):
        got = FUNCTIONS[name].partials([np.array([x])], np.array([0.0]))[0][0]
        assert abs(mp.mpf(float(got)) - sign * want) <= 4 * 2.0**-53 * abs(want), name
    r = grad("erfc(y)*x", {"x": 4.319046421482966e-05, "y": x}, method="backprop", precision="off")
    with mp.workdps(40):
        truth = -mp.mpf(4.319046421482966e-05) * want
    assert abs(mp.mpf(float(r.exact[0, 1])) - truth) <= float(r.exact_bound[0, 1])
