"""Steps that stay off seams: kinks, jumps, poles and edges read from the expression.

A pilot difference sees a pole or an edge through f's curvature, but not a kink of a
piecewise-linear f beyond its own step, nor a pole that a saturating function hides
(erf(gamma(x))). The registry says where each op stops being analytic (``Op.seams``), and the
steps read from it how far the nearest seam is (:func:`gradcli.derive.seams.seam_reach`).
"""

from __future__ import annotations

import itertools
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gradcli.derive.finite_diff import Differences
from gradcli.derive.gradient import grad
from gradcli.derive.higher import higher
from gradcli.derive.seams import seam_reach
from gradcli.derive.step_warnings import _why_adaptive
from gradcli.derive.steps import scale
from gradcli.language import precise
from gradcli.language.evaluate import value
from gradcli.language.parse import parse
from gradcli.registry import FUNCTIONS

from .test_kink_claims import BODIES

GRID = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]


def _arg_tuples(op):
    arity = op.min_args if op.max_args is None else op.max_args
    for n in sorted({op.min_args, min(arity, 3)}):
        yield from itertools.product(GRID, repeat=n)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_op_that_is_not_analytic_everywhere_declares_its_seams(name):
    op = FUNCTIONS[name]
    if not op.analytic or op.kink is not None or op.jumps:
        assert op.seams is not None, name


@pytest.mark.parametrize("name", sorted(name for name, op in FUNCTIONS.items() if op.kink is not None))
def test_a_seam_function_is_zero_wherever_the_op_has_a_kink(name):
    op = FUNCTIONS[name]
    checked = 0
    for args in _arg_tuples(op):
        a = [np.array([v]) for v in args]
        if not op.kink(a)[0]:
            continue
        with np.errstate(all="ignore"):
            gaps = op.seams(a, op.forward(*a))
        assert any(np.asarray(g)[()] == 0 if np.ndim(g) == 0 else g[0] == 0 for g in gaps), (name, args)
        checked += 1
    assert checked, name


@pytest.mark.parametrize(
    "name, at", [("gamma", -2.0), ("gamma", 0.0), ("lgamma", -7.0), ("tan", math.pi / 2), ("cot", 0.0)]
)
def test_a_seam_function_is_zero_at_a_pole(name, at):
    op = FUNCTIONS[name]
    (g,) = op.seams([np.array([at])], np.array([np.inf]))
    assert abs(g[0]) < 1e-15


def test_gamma_poles_seam_is_smooth_across_half_integers():
    op = FUNCTIONS["gamma"]
    x = np.array([-2.5 - 1e-9, -2.5, -2.5 + 1e-9, -1.5 - 1e-9, -1.5 + 1e-9])
    (g,) = op.seams([x], x)
    assert np.allclose(g, np.sin(np.pi * x), atol=1e-12)  # no jump where x - round(x) jumps


def _reach(gap_at, x: float, p: float = 2.0**-17) -> float:
    here, plus, minus = ([np.array([gap_at(v)])] for v in (x, x + p, x - p))
    return float(seam_reach(here, plus, minus, np.array([p]))[0])


def test_seam_reach_is_exact_for_a_linear_seam_function():
    assert _reach(lambda t: t - 0.3, 0.29) == pytest.approx(0.01, rel=1e-9)
    assert _reach(lambda t: -3 * t, 0.5) == pytest.approx(0.5, rel=1e-12)


def test_seam_reach_takes_the_nearer_root_of_a_curved_seam_function():
    # x**2 - 1 at 0.5: the Newton step reads 0.75, the seam is at 1
    assert _reach(lambda t: t * t - 1, 0.5) == pytest.approx(0.5, rel=1e-6)


def test_seam_reach_is_infinite_on_a_seam_and_where_none_is_near():
    assert _reach(lambda t: t, 0.0) == math.inf  # on it: the pilot differences see that one
    assert _reach(lambda t: 2.0, 0.7) == math.inf  # does not move with the variable
    # x**2 + 1 never reaches 0: its quadratic model has no real root, and the Newton step stands
    assert _reach(lambda t: t * t + 1, 0.5) == pytest.approx(1.25, rel=1e-6)


def test_a_seam_within_the_pilot_step_counts_only_where_its_function_crosses_0_smoothly():
    assert _reach(lambda t: t - 1e-9, 0.0) == pytest.approx(1e-9)  # 1e-9 away; the pilot is 7.6e-6
    # sin(x)/x's division: y / (|x| + |y|) is about sign(x) / 2, a jump, not a seam
    assert _reach(lambda t: t / (abs(math.sin(t)) + abs(t)), 1e-9) == math.inf


def test_a_seam_function_that_touches_0_just_beyond_the_pilot_step_is_a_seam():
    """x**2, the base of (x**2)**x, touches 0 at 0 without crossing it. At -1.37e-5 the
    pilot (7.6e-6) spans most of the way there, its second difference is rough, and the
    Newton step (half the distance, for a double root) is inside the pilot: read as a jump, it
    was no seam, the smooth length was 2.5e-3, and the third derivative's stencil spanned 0
    (an error of 1.1e10 with an estimate of 5.1e8, found by a random scan of --order)."""
    x = -1.3682432796047543e-05
    assert _reach(lambda t: t * t, x) <= abs(x)
    assert _length("(x**2)**x", x) <= abs(x)
    r = higher(parse("(x**2)**x"), np.array([x]), 3, precision="off")
    with mp.workdps(60):
        t = mp.mpf(x)  # f''' = f ((ln x**2 + 2)**3 + 6 (ln x**2 + 2)/x - 2/x**2)
        w = mp.log(t * t) + 2
        truth = float((t * t) ** t * (w**3 + 6 * w / t - 2 / t**2))
    assert abs(float(r.fd[0]) - truth) <= float(r.error_estimate[0])


def test_a_corner_of_a_seam_function_within_the_pilot_step_is_a_seam():
    # hypot(x, x) = sqrt(2) |x| at 4.4e-25: its central slope across the corner is 0, the
    # one-sided ones are +-sqrt(2), and the corner is 4.4e-25 away
    x = 4.440829399591586e-25
    assert _reach(lambda t: math.hypot(t, t), x) == pytest.approx(x, rel=1e-6)


def _length(text: str, x: float) -> float:
    expr = parse(text)
    xs = np.array([x])
    return float(scale(expr, [xs], 0, xs, value(expr, [xs], 1)).length[0])


def test_a_pole_of_a_division_is_a_seam_and_a_removable_singularity_is_not():
    assert _length("erf(2/x)", 1e-3) == pytest.approx(1e-3, rel=1e-3)  # a pole that erf hides
    assert _length("erf(2/(x-0.5))", 0.25) == pytest.approx(0.25, rel=0.02)  # (its seam function curves)
    # sin(x)/x and (exp(x)-1)/x are smooth at 0: their length is f's own, not the distance to 0
    assert _length("sin(x)/x", 1e-4) == 1.0
    assert _length("(exp(x)-1)/x", 1e-9) > 1e-2


def test_scale_is_the_distance_to_a_kink_the_pilot_cannot_see():
    expr = parse("relu(x - 0.3)")
    x = np.array([0.29, 0.5, 2.0])
    f0 = np.maximum(x - 0.3, 0.0)
    s = scale(expr, [x], 0, x, f0).length
    assert s == pytest.approx([0.01, 0.2, 1.7], rel=1e-9)
    # a seam of another variable does not shorten this one's
    two = parse("relu(y - 0.3) + x")
    s2 = scale(two, [np.array([1.0]), np.array([0.31])], 0, np.array([1.0]), np.array([1.01])).length
    assert s2[0] == 1.0


@pytest.mark.parametrize(
    "text, x, method, eps",
    [
        ("relu(x)", 0.016898648340417936, "richardson", None),  # was 0.658, estimate 0.18
        ("abs(x-0.3)", 0.29, "richardson", None),  # was -0.187
        ("relu(x)", 0.005, "central", 0.01),  # was 0.75, estimate 0.083
        ("max(0, x, x)", 0.0029284512041375817, "richardson", None),
        ("erf(gamma(x))", 0.0006182390766334783, "five-point", 0.001),  # a pole that erf hides
        ("-sign(x)", 0.0005033384211621833, "central", 0.001),  # a jump
        ("atan2(x, x)", 1.6196117474810253e-05, "central", 0.001),  # through atan2's origin
        ("expm1(atan2(x, -1))", 0.0005723101242923347, "five-point", 0.001),  # its branch cut
        ("softsign(hypot(x, x))", 0.0001693567669789292, "richardson", None),  # hypot's cone
        ("x**x", 5.5672180916008816e-05, "forward", 0.001),  # pow's edge at 0
        ("selu(x)", -0.0002372486344927263, "forward", 0.001),
        ("hypot(x, x)+1", 4.440829399591586e-25, "backward", None),  # the pilot read |x| as x**2/p
    ],
)
def test_no_step_crosses_a_seam_the_expression_names(text, x, method, eps):
    r = grad(text, {"x": x}, method=method, eps=eps)
    d = r.diff
    with mp.workdps(60):
        truth = float(precise.gradient(parse(text), [mp.mpf(x)], 60)[1][0])
    error = abs(float(d.gradient[0, 0]) - truth)
    assert error <= float(d.error_estimate[0, 0]), (text, float(d.gradient[0, 0]), truth)
    if eps is not None:
        assert "step" in {w.kind for w in r.warnings[0]}  # the step asked for was cut, and said so


@settings(max_examples=300, deadline=None)
@given(
    BODIES.filter(lambda text: "x" in text),
    st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3 and abs(abs(v) - 1) > 1e-3),
    st.sampled_from(["forward", "backward", "central", "five-point", "richardson"]),
    st.sampled_from([None, 1e-3, 0.1, 0.5]),
)
def test_on_piecewise_linear_f_every_error_estimate_covers_the_error(text, x, method, eps):
    """Off its kinks a piecewise-linear f has the derivative mpmath's quotient gives at once;
    every finite difference's estimate (where it is finite) covers its distance from that."""
    expr = parse(text)
    assume(expr.variables == ("x",))
    r = grad(text, {"x": x}, method=method, eps=eps)
    estimate = float(r.diff.error_estimate[0, 0])
    g = float(r.diff.gradient[0, 0])
    assume(math.isfinite(estimate) and math.isfinite(g))
    with mp.workdps(50):
        t = mp.mpf("1e-30")
        f = lambda v: precise.values(expr, [v], 50)[-1]
        right, left = (f(mp.mpf(x) + t) - f(mp.mpf(x))) / t, (f(mp.mpf(x)) - f(mp.mpf(x) - t)) / t
    assume(abs(right - left) <= 1e-12 * max(1, abs(right)))  # not on a kink
    assert abs(g - float(right)) <= estimate, (text, x, method, eps, g, float(right), estimate)


def _richardson(g: float, truncation: float, rounding: float) -> Differences:
    one = lambda v: np.array([[v]])
    return Differences(
        "richardson",
        one(0.01),
        one(g),
        one(truncation),
        one(rounding),
        21,
        estimate=one(truncation + rounding),
    )


def test_an_adaptive_method_is_within_its_estimate_only_where_the_numbers_say_so():
    def why(diff, exact):
        g = float(diff.gradient[0, 0])
        return _why_adaptive(diff, 0, 0, exact, abs(g - exact), "said")

    # beyond the estimate (0.18) but not 4 times beyond it: not "within"
    beyond = why(_richardson(0.66, 0.17, 0.01), 1.0)
    assert "beyond its own error estimate 0.18" in beyond and "within" not in beyond
    # within it, the truncation part dominating: not "rounding limits"
    within = why(_richardson(0.9, 0.17, 0.01), 1.0)
    assert "within its own error estimate 0.18" in within and "rounding in f limits" not in within
    # within it, rounding dominating
    assert "rounding in f limits" in why(_richardson(0.9, 0.01, 0.17), 1.0)


@pytest.mark.parametrize("method", ["central", "five-point"])
def test_a_stencil_across_a_seam_at_x_takes_a_first_order_truncation(method):
    # x*abs(x) at 0: smooth on each side only; the central difference is h itself, which the
    # h**2 truncation estimate (|D(2h) - D(h)| / 3) put at h/3
    r = grad("x*abs(x)", {"x": 0.0}, method=method)
    assert abs(float(r.diff.gradient[0, 0])) <= float(r.diff.error_estimate[0, 0])


@pytest.mark.parametrize(
    ("text", "df"),
    [("max(x, 1)", 1.0), ("max(x, x, 1)", 1.0), ("min(x, 1)", 0.0), ("max(x, 1) + min(x, 1.000002)", 2.0)],
)
def test_a_tie_just_beyond_x_bounds_the_length(text, df):
    """min and max's seam functions are hinges (0 wherever their argument is the extreme), so a
    pilot straddling the tie read them as rough and dropped them: max(x, x, 1) at 1.000001, by
    richardson, gave 0.503 for 1 with an estimate of 0.0036."""
    x = 1.000001
    e = parse(text)
    cols = [np.array([x])]
    assert scale(e, cols, 0, cols[0], value(e, cols, 1)).length[0] <= 1.0000001e-6
    r = grad(text, {"x": x}, method="richardson")
    assert abs(r.diff.gradient[0, 0] - df) <= r.diff.error_estimate[0, 0] <= 1e-6
