"""The higher-order methods: five-point, Richardson, complex step; their orders, estimates, refusals.

Truth comes from mpmath at 50 digits, never from gradcli itself.
"""

from __future__ import annotations

import itertools
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcli.registry
from gradcli.derive.complex_step import complex_step_size
from gradcli.derive.gradient import compute, grad
from gradcli.derive.methods import METHODS, finite_difference
from gradcli.derive.richardson import LEVELS
from gradcli.derive.steps import representable
from gradcli.errors import OptionError
from gradcli.language.evaluate import columns, value
from gradcli.language.parse import parse

mp.mp.dps = 50
MPF = mp.mpf
EPS = 2.0**-52


def _sigmoid(x):
    return 1 / (1 + mp.exp(-x))


# (text, x, exact derivative in mpmath): smooth, one variable, from easy to badly scaled
SAMPLE = [
    ("exp(x)", 1.0, mp.exp),
    ("sin(x)", 10.0, mp.cos),
    ("log(x)", 1e8, lambda x: 1 / x),
    ("exp(x)", 1e-8, mp.exp),
    ("sigmoid(x)", 1.0, lambda x: _sigmoid(x) * _sigmoid(-x)),
    ("sigmoid(x)", 20.0, lambda x: _sigmoid(x) * _sigmoid(-x)),
    ("tanh(x)", 10.0, lambda x: 1 / mp.cosh(x) ** 2),
    ("1/(x-1)", 1.01, lambda x: -1 / (x - 1) ** 2),
    ("log(x)", 0.01, lambda x: 1 / x),
    ("exp(x)/sqrt(sin(x)**3+cos(x)**3)", 1.5, None),
    ("x**7 - 3*x**2", 1.3, lambda x: 7 * x**6 - 6 * x),
    ("atan(x)", 3.0, lambda x: 1 / (1 + x * x)),
]


def _classic(x):
    return mp.exp(x) / mp.sqrt(mp.sin(x) ** 3 + mp.cos(x) ** 3)


def _truth(text: str, x: float, df) -> float:
    if df is None:
        return float(mp.diff(_classic, MPF(x)))
    return float(df(MPF(x)))


def _run(text: str, x: float, method: str, eps: float | None = None):
    expr = parse(text)
    cols = columns(np.array([[x]]))
    return finite_difference(expr, cols, value(expr, cols, 1), method, eps)


# --- order of accuracy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "order", "steps"),
    [
        ("forward", 1, (1e-2, 5e-3, 2.5e-3)),
        ("backward", 1, (1e-2, 5e-3, 2.5e-3)),
        ("central", 2, (1e-2, 5e-3, 2.5e-3)),
        ("five-point", 4, (8e-2, 4e-2, 2e-2)),
        ("complex", 2, (1e-1, 5e-2, 2.5e-2)),
    ],
)
def test_error_falls_as_h_to_the_order(method, order, steps):
    # on exp(x) at 0.5, halving h divides the error by 2**order (the leading term dominates)
    true = math.exp(0.5)
    errors = [abs(float(_run("exp(x)", 0.5, method, h).gradient[0, 0]) - true) for h in steps]
    for big, small in itertools.pairwise(errors):
        assert big / small == pytest.approx(2.0**order, rel=0.1), errors


def test_richardson_beats_every_fixed_stencil_on_a_smooth_function():
    true = math.exp(0.5)
    err = abs(float(_run("exp(x)", 0.5, "richardson").gradient[0, 0]) - true)
    assert err <= 1e-13 * true
    for stencil in ("forward", "backward", "central", "five-point"):
        assert err < abs(float(_run("exp(x)", 0.5, stencil).gradient[0, 0]) - true), stencil


# --- the error estimates are honest ------------------------------------------------------------


@pytest.mark.parametrize("method", [m for m in METHODS if m != "complex"] + ["complex"])
def test_estimate_covers_the_true_error_on_a_sample(method):
    missed = []
    for text, x, df in SAMPLE:
        d = _run(text, x, method)
        g, est = float(d.gradient[0, 0]), float(d.error_estimate[0, 0])
        err = abs(g - _truth(text, x, df))
        if not err <= est:
            missed.append(f"{text} at {x}: error {err:.3g} > estimate {est:.3g}")
    assert not missed, "\n".join(missed)


# random smooth compositions of two layers, in gradcli and in mpmath
_INNER = [
    ("sin(x)", mp.sin),
    ("x**2", lambda x: x**2),
    ("exp(x/2)", lambda x: mp.exp(x / 2)),
    ("atan(x)", mp.atan),
]
_OUTER = [("tanh({})", mp.tanh), ("log(2+{})", lambda u: mp.log(2 + u)), ("sigmoid({})", _sigmoid),
          ("({})**3", lambda u: u**3), ("cos(3*{})", lambda u: mp.cos(3 * u)), ("sqrt(5+{})", lambda u: mp.sqrt(5 + u))]  # fmt: skip


@pytest.mark.parametrize("method", ["richardson", "complex"])
def test_estimate_covers_the_true_error_on_random_smooth_functions(method):
    rng = np.random.default_rng(7)
    covered = total = 0
    for _ in range(60):
        (it, fi), (ot, fo) = _INNER[rng.integers(len(_INNER))], _OUTER[rng.integers(len(_OUTER))]
        x = float(rng.uniform(-2.0, 2.0))
        d = _run(ot.format(it), x, method)
        true = float(mp.diff(lambda t, fo=fo, fi=fi: fo(fi(t)), MPF(x)))
        err, est = abs(float(d.gradient[0, 0]) - true), float(d.error_estimate[0, 0])
        total += 1
        covered += err <= est
    assert covered >= 0.95 * total, (covered, total)


@pytest.mark.parametrize("method", ["five-point", "richardson", "complex"])
def test_estimate_is_not_vacuous(method):
    # an estimate that always says "anything" would cover trivially: on well-scaled smooth
    # functions it stays near what the method achieves
    limit = {"five-point": 1e-10, "richardson": 1e-11, "complex": 1e-14}[method]
    for text, x, df in SAMPLE:
        if x in (1e8, 1e-8, 20.0, 10.0, 1.01, 0.01):
            continue  # badly scaled or near a pole: a large estimate is the honest answer
        d = _run(text, x, method)
        assert float(d.error_estimate[0, 0]) <= limit * max(1.0, abs(_truth(text, x, df))), text


# --- Richardson --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "x", "df"), SAMPLE, ids=[f"{t}@{x}" for t, x, _ in SAMPLE])
def test_richardson_accuracy(text, x, df):
    true = _truth(text, x, df)
    g = float(_run(text, x, "richardson").gradient[0, 0])
    # 1e-12 relative, except where f itself rounds away the digits (saturated sigmoid and tanh)
    limit = 1e-5 if x in (20.0, 10.0) else 1e-12
    assert abs(g - true) <= limit * abs(true)


def test_richardson_stops_when_the_estimate_stops_improving():
    # a cubic is exact after one extrapolation: far fewer than the most levels are spent
    d = _run("x**3", 1.5, "richardson")
    assert d.evaluations < 1 + 2 * LEVELS + 2
    assert float(d.gradient[0, 0]) == pytest.approx(6.75, rel=4 * EPS)


def test_richardson_starts_inside_the_smooth_region_near_a_pole():
    # 1/(x-1) at 1.01: a first step of 1/8 would cross the pole; the pilot's scale keeps it away
    d = _run("1/(x-1)", 1.01, "richardson")
    assert float(d.step[0, 0]) < 0.01
    assert float(d.gradient[0, 0]) == pytest.approx(-1e4, rel=1e-10)


def test_richardson_eps_is_the_first_step():
    d = _run("exp(x)", 1.0, "richardson", 0.5)
    assert float(d.step[0, 0]) <= 0.5
    assert float(d.gradient[0, 0]) == pytest.approx(math.e, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.floats(min_value=1e-10, max_value=1.0),
)
def test_representable_steps_are_exact_both_ways(x, h):
    step = float(representable(np.array([x]), np.array([h]))[0])
    assert step > 0
    assert (x + step) - x == step
    assert x - (x - step) == step


# --- complex step ------------------------------------------------------------------------------


def test_complex_step_is_within_a_few_ulps_of_the_classic_test_function():
    true = float(mp.diff(_classic, MPF(1.5)))
    g = float(_run("exp(x)/sqrt(sin(x)**3+cos(x)**3)", 1.5, "complex").gradient[0, 0])
    assert abs(g - true) <= 4 * EPS * abs(true)


def test_complex_step_recovers_what_every_difference_loses():
    # sigmoid(40) rounds to 1.0; its derivative 4.25e-18 comes out of the imaginary part intact
    true = float(_sigmoid(MPF(40)) * _sigmoid(MPF(-40)))
    r = grad("sigmoid(x)", "x=40", method="complex")
    assert abs(float(r.gradient[0, 0]) - true) <= 2 * EPS * true
    assert not [w for w in r.warnings[0] if w.kind == "inaccurate"]


def test_complex_step_follows_the_smooth_piece_of_piecewise_ops():
    r = grad("relu(x) + abs(y) + max(x, y)*min(x, 2*y)", "x=0.5,y=-1.5", method="complex")
    np.testing.assert_array_equal(r.gradient[0], r.exact[0])


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("relu(x)*y", "x=0,y=1"),
        ("abs(x-1)", "x=1"),
        ("max(x, y)", "x=2,y=2"),
        ("min(x, 1, y)", "x=1,y=3"),
        ("hard_sigmoid(x)", "x=3"),
        ("sqrt(x)", "x=0"),  # analytic elsewhere, but not on its kink
        ("atan2(y, x)", "x=-1,y=0"),
    ],
)
def test_complex_step_is_refused_on_a_kink(text, at):
    with pytest.raises(OptionError, match=r"--method complex is not defined at point 1: .* is at its kink"):
        grad(text, at, method="complex")


def test_complex_step_skips_only_the_points_on_a_kink():
    # one point on the kink does not cost the others their answers: it gets NaN and a warning
    result = grad("abs(x)**2 + y", ["x=1,y=1", "x=0,y=2", "x=-3,y=0"], method="complex")
    g = result.gradient
    assert g[0].tolist() == [2.0, 1.0] and g[2].tolist() == [-6.0, 1.0]
    assert np.isnan(g[1]).all()
    kinds = [w.kind for w in result.warnings[1]]
    assert "nondifferentiable" in kinds
    assert any(
        "--method complex is not defined here: abs(x) is at its kink" in w.message for w in result.warnings[1]
    )
    assert result.warnings[0] == () and result.warnings[2] == ()


def test_complex_step_gives_no_value_where_f_has_no_derivative():
    # x**y at x = -2 is real only at integers y: d/dy does not exist, but the complex power
    # took an imaginary part from log(-2) and returned 1129.5 as the derivative
    r = grad("x**y", ["x=-2,y=3", "x=2,y=3"], method="complex")
    assert r.gradient[0, 0] == 12.0 and math.isnan(r.gradient[0, 1])
    assert math.isnan(r.error_estimate[0, 1])
    assert r.gradient[1, 1] == pytest.approx(float(8 * mp.log(2)), rel=4 * EPS)
    assert [w.kind for w in r.warnings[0]] == ["nonfinite"]
    # a zero slope further on stops it, as in backprop: sign(x**y) is flat in y
    flat = grad("sign(x**y) + y", "x=-2,y=3", method="complex")
    assert flat.gradient[0].tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    ("text", "at", "want"),
    [("sign(relu(x)) + x", "x=-1", [1.0]), ("sign(relu(x - y))*y + x", "x=1,y=3", [1.0, 0.0])],
)
def test_complex_step_passes_a_kink_whose_argument_does_not_move(text, at, want):
    # relu is flat at x < 0, so sign(relu(x)) is 0 all around: no kink for the step to cross
    # (elu's Hessian rows read like this on the negative side, and were refused)
    r = grad(text, at, method="complex")
    assert r.gradient[0].tolist() == want
    assert [w.kind for w in r.warnings[0] if w.kind != "vanishing"] == []


@pytest.mark.parametrize("text", ["abs(x**2)", "sign(x**2)"])
def test_complex_step_still_refuses_a_kink_reached_to_second_order(text):
    # x**2 at 0 does not move to first order, but (ih)**2 = -h**2 crosses to the other piece
    with pytest.raises(OptionError, match="is at its kink"):
        grad(text, "x=0", method="complex")


def test_complex_hessian_of_elu_on_its_negative_side():
    from gradcli.analysis.hessian import hessian

    r = hessian(parse("elu(x)"), np.array([[-1.0]]), "complex")
    assert r.fd[0, 0, 0] == pytest.approx(float(mp.exp(-1)), rel=4 * EPS)


def test_complex_step_on_a_kink_at_every_point_is_refused():
    with pytest.raises(OptionError, match="not defined at any of the 2 points: abs"):
        grad("abs(x)", ["x=0", "x=0"], method="complex")


def test_complex_step_is_refused_for_an_op_without_a_complex_rule(monkeypatch):
    plain = gradcli.registry.FUNCTIONS["relu"]._replace(complex_forward=None)
    monkeypatch.setitem(gradcli.registry.FUNCTIONS, "relu", plain)
    with pytest.raises(OptionError, match="relu is not analytic and has no complex-step rule"):
        compute(parse("relu(x)"), np.array([[3.0]]), method="complex")


def test_complex_step_size_never_grows_with_x_and_is_normal():
    h = complex_step_size(np.array([0.0, 1.0, -1e8, 1e-300, 1e20, 1e-10]))
    assert h[0] == 2.0**-60 and h[1] == 2.0**-60 and h[2] == 2.0**-60 and h[4] == 2.0**-60
    assert h[5] == 2.0**-60 * 1e-10  # shrinks with |x| below 1: an edge at 0 stays outside it
    assert h[3] == 2.0**-1022  # never subnormal


def test_complex_step_estimate_bounds_the_subnormal_loss():
    # exp'(-700) = 1e-304: Im f = f' h underflows, digits are lost, and the estimate says so
    d = _run("exp(x)", -700.0, "complex")
    err = abs(float(d.gradient[0, 0]) - float(mp.exp(-700)))
    assert err > 0
    assert err <= float(d.error_estimate[0, 0])


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["central", "five-point", "richardson", "complex"]),
    st.floats(min_value=-6.0, max_value=6.0),
)
def test_estimate_covers_mpmath_truth_at_any_point(method, x):
    # a smooth function with a cancelling term, at points hypothesis picks
    text = "sin(x)*exp(x/3) + log(1 + exp(-x*x))"
    f = lambda t: mp.sin(t) * mp.exp(t / 3) + mp.log(1 + mp.exp(-t * t))
    true = float(mp.diff(f, MPF(x)))
    d = _run(text, x, method)
    assert abs(float(d.gradient[0, 0]) - true) <= float(d.error_estimate[0, 0])


def test_complex_step_refuses_a_rule_that_drops_the_imaginary_part(monkeypatch):
    # an op marked analytic whose forward rule is real-only must not be trusted silently
    plain = gradcli.registry.FUNCTIONS["sigmoid"]._replace(complex_forward=lambda z: np.abs(z))
    monkeypatch.setitem(gradcli.registry.FUNCTIONS, "sigmoid", plain)
    with pytest.raises(OptionError, match="sigmoid has no complex-step rule"):
        compute(parse("sigmoid(x)"), np.array([[3.0]]), method="complex")


@pytest.mark.parametrize("method", ["forward", "central", "five-point", "richardson"])
@pytest.mark.parametrize(
    ("text", "x", "truth"),
    [
        ("asin(x)", 0.999999, lambda x: 1 / mp.sqrt(1 - x**2)),
        ("acosh(x)", 1.00000001, lambda x: 1 / mp.sqrt(x**2 - 1)),
        ("log1p(x)", -0.9999999999, lambda x: 1 / (1 + x)),
        ("atanh(x)", 0.9999999999, lambda x: 1 / (1 - x**2)),
    ],
)
def test_auto_step_stays_inside_a_domain_edge_nearer_than_the_pilot(method, text, x, truth):
    # the edge is nearer than the first pilot step: the pilot is retried closer, so the
    # difference is a number (not NaN) and its own estimate covers the true error
    result = grad(text, f"x={x!r}", method=method)
    g = float(result.gradient[0, 0])
    true = float(truth(mp.mpf(x)))
    assert math.isfinite(g)
    assert abs(g - true) <= float(result.diff.error_estimate[0, 0])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("text", ["sin(x)", "x^3+x", "tanh(x)", "sin(1/x)"])
def test_a_points_result_does_not_depend_on_the_other_points_in_the_run(method, text):
    """Each point's derivative is the same bits alone as in a batch: richardson takes more
    levels for the batch's slowest point, and those must not change the points already done."""
    expr = parse(text)
    xs = np.array([1.18e-06, 3.2e-05, 1.25e-05, 4.18e-04, 6.59e-06, 0.7, 12.0, 3.1e3])
    f0 = value(expr, [xs], len(xs))
    batch = finite_difference(expr, [xs], f0, method, None).gradient[0]
    for i, x in enumerate(xs):
        alone = finite_difference(expr, [xs[i : i + 1]], f0[i : i + 1], method, None).gradient[0, 0]
        assert alone == batch[i] or (math.isnan(alone) and math.isnan(batch[i])), (x, alone, batch[i])
