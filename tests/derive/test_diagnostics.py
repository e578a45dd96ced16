"""Warnings: each kind triggered where it should be, and only there.

Everything goes through :func:`gradcli.derive.gradient.grad`, the Python face of ``gradcli grad``; the
last tests check through the command line that warnings never change the exit status.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.cli import main
from gradcli.derive.diagnostics import KINDS, GradWarning
from gradcli.derive.gradient import ALL_METHODS, grad


def found(result, p: int = 0) -> list[tuple[str | None, str]]:
    return [(w.var, w.kind) for w in result.warnings[p]]


def only(result, kind: str, var: str | None = "x", p: int = 0) -> GradWarning:
    matches = [w for w in result.warnings[p] if w.kind == kind and w.var == var]
    assert len(matches) == 1, found(result, p)
    return matches[0]


def kinds(result, p: int = 0) -> set[str]:
    return {w.kind for w in result.warnings[p]}


def test_warnings_have_known_kinds_and_serialise():
    result = grad("sigmoid(x) + abs(y) + exp(20*z)", "x=40,y=0,z=1")
    assert kinds(result) <= set(KINDS)
    assert kinds(result) >= {"vanishing", "nondifferentiable", "exploding", "inaccurate"}
    for w in result.warnings[0]:
        d = w.as_dict()
        assert d["var"] == w.var and d["kind"] == w.kind and d["message"] == w.message
        json.dumps(d, allow_nan=False)


# --- vanishing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ALL_METHODS)
def test_vanishing_sigmoid_at_20(method):
    result = grad("sigmoid(x)", "x=20", method=method)
    w = only(result, "vanishing")
    assert "2.061153613941849e-09" in w.message
    assert "below the --vanish threshold 1e-06" in w.message


@pytest.mark.parametrize("method", ALL_METHODS)
def test_no_vanishing_sigmoid_at_1(method):
    result = grad("sigmoid(x)", "x=1", method=method)
    assert "vanishing" not in kinds(result)


def test_vanish_threshold_respected():
    assert "vanishing" not in kinds(grad("sigmoid(x)", "x=20", vanish=1e-10, method="backprop"))
    assert "vanishing" in kinds(grad("sigmoid(x)", "x=20", vanish=1e-8, method="backprop"))
    w = only(grad("sigmoid(x)", "x=1", vanish=0.5, method="backprop"), "vanishing")
    assert "threshold 0.5" in w.message
    assert "vanishing" not in kinds(grad("sigmoid(x)", "x=1", vanish=0.1, method="backprop"))


def test_vanishing_judged_per_variable():
    result = grad("x*y", "x=1e-9,y=1", method="backprop")
    # df/dx = y = 1, df/dy = x = 1e-9
    assert found(result) == [("y", "vanishing")]


@pytest.mark.parametrize("text, at", [("x-x+y", "x=1,y=2"), ("relu(x)+y", "x=-1,y=2"), ("0*x+y", "x=3,y=1")])
def test_exactly_zero_gradient(text, at):
    result = grad(text, at)
    w = only(result, "vanishing", "x")
    assert "exactly 0" in w.message
    assert result.exact[0, 0] == 0.0
    assert not [v for v, k in found(result) if v == "y"]


def test_relu_below_zero_is_exactly_zero_not_a_kink():
    result = grad("relu(x)", "x=-1")
    assert found(result) == [("x", "vanishing")]
    assert "exactly 0" in result.warnings[0][0].message


# --- exploding ------------------------------------------------------------------------------------


def test_exploding_exp_20x():
    result = grad("exp(20*x)", "x=1", method="backprop")
    assert result.exact[0, 0] > 1e6
    w = only(result, "exploding")
    assert "above the --explode threshold 1e+06" in w.message
    assert "vanishing" not in kinds(result)


def test_explode_threshold_respected():
    assert "exploding" not in kinds(grad("exp(20*x)", "x=1", explode=1e10, method="backprop"))
    assert "exploding" in kinds(grad("exp(20*x)", "x=1", explode=1e9, method="backprop"))
    assert "exploding" not in kinds(grad("exp(x)", "x=1"))
    assert "exploding" in kinds(grad("exp(x)", "x=1", explode=1.0))


def test_exploding_is_per_point():
    result = grad("exp(20*x)", ["x=0", "x=1"], method="backprop")
    assert "exploding" not in kinds(result, 0)
    assert "exploding" in kinds(result, 1)


# --- nonfinite ------------------------------------------------------------------------------------


def test_nonfinite_f_log_of_negative_names_the_operation():
    result = grad("log(a-b)", "a=1,b=2")
    w = only(result, "nonfinite", None)
    assert "log of a negative number in log(a-b)" in w.message
    assert "a-b = -1.0" in w.message
    assert w.message.startswith("f is nan")


def test_nonfinite_f_division_by_zero():
    w = only(grad("x/(x-1)", "x=1"), "nonfinite", None)
    assert "division by zero in x/(x-1)" in w.message
    assert w.message.startswith("f is inf")


def test_nonfinite_f_overflow():
    w = only(grad("exp(1000*x)", "x=1"), "nonfinite", None)
    assert "overflow" in w.message
    assert "exp(1000*x)" in w.message


def test_nonfinite_names_the_innermost_culprit():
    w = only(grad("sin(log(x)) + y", "x=-2,y=1"), "nonfinite", None)
    assert "log of a negative number in log(x)" in w.message


def test_nonfinite_f_is_the_only_warning_and_gradients_are_nan():
    result = grad("log(x)", ["x=-1", "x=2"])
    assert found(result, 0) == [(None, "nonfinite")]
    assert found(result, 1) == []
    assert math.isnan(result.gradient[0, 0]) and math.isnan(result.exact[0, 0])
    assert result.exact[1, 0] == 0.5


@pytest.mark.parametrize(
    "text, at, what",
    [("asin(x)", "x=1", "asin"), ("acosh(x)", "x=1", "acosh"), ("1/x", "x=1e-200", "div")],
)
def test_nonfinite_gradient_only(text, at, what):
    result = grad(text, at, method="backprop")
    assert math.isfinite(result.value[0])
    assert not math.isfinite(result.exact[0, 0])
    w = only(result, "nonfinite", "x")
    assert w.message.startswith("df/dx is ")
    assert f"the derivative of {what} is" in w.message
    assert "vanishing" not in kinds(result) and "exploding" not in kinds(result)


def test_sqrt_at_zero_is_nondifferentiable_not_nonfinite():
    result = grad("sqrt(x)", "x=0")
    assert found(result) == [("x", "nondifferentiable")]


def test_no_warnings_on_a_smooth_point():
    for method in ALL_METHODS:
        assert found(grad("sin(x)*y", "x=1,y=2", method=method)) == []


# --- nondifferentiable ------------------------------------------------------------------------------


def test_abs_at_zero_reports_both_sides():
    w = only(grad("abs(x)", "x=0"), "nondifferentiable")
    assert w.details == {"left": -1.0, "right": 1.0}
    assert w.as_dict()["left"] == -1.0 and w.as_dict()["right"] == 1.0
    assert "from the left is -1.0, from the right 1.0" in w.message
    assert "abs(x)" in w.message


def test_relu_at_zero():
    w = only(grad("relu(x)", "x=0"), "nondifferentiable")
    assert w.details == {"left": 0.0, "right": 1.0}


def test_min_tie_both_variables():
    result = grad("min(x,y)", "x=1,y=1")
    for var in ("x", "y"):
        w = only(result, "nondifferentiable", var)
        assert w.details == {"left": 1.0, "right": 0.0}
        assert "min(x,y)" in w.message


def test_max_tie():
    w = only(grad("max(x,y)", "x=2,y=2"), "nondifferentiable", "x")
    assert w.details == {"left": 0.0, "right": 1.0}


def test_sqrt_at_zero_is_a_domain_edge_with_right_slope_inf():
    w = only(grad("sqrt(x)", "x=0"), "nondifferentiable")
    assert "at an edge of f's domain here (sqrt(x)): f is not defined to the left" in w.message
    assert "the derivative from the right is inf" in w.message
    assert "kink" not in w.message
    assert w.details["left"] is None  # JSON has no NaN; left is undefined


@pytest.mark.parametrize(
    ("text", "right"),
    [("sqrt(x)**2", 1.0), ("sqrt(x)*sqrt(x)", 1.0), ("x*sqrt(x)", 0.0), ("sqrt(x-1)**2", 1.0)],
)
def test_one_sided_slopes_through_compositions(text, right):
    at = "x=1" if "x-1" in text else "x=0"
    w = only(grad(text, at), "nondifferentiable")
    assert w.details == {"left": None, "right": right}
    assert f"the derivative from the right is {right!r}" in w.message


@pytest.mark.parametrize(
    "text, at",
    [
        ("abs(x)", "x=1"),
        ("abs(x)", "x=-1"),
        ("abs(x)**2", "x=0"),
        ("relu(x)", "x=1"),
        ("min(x,y)", "x=1,y=2"),
        ("abs(y)*x", "x=1,y=2"),
    ],
)
def test_not_nondifferentiable(text, at):
    assert "nondifferentiable" not in kinds(grad(text, at))


def test_kink_only_blames_the_variable_it_depends_on():
    result = grad("abs(x)+y", "x=0,y=3")
    assert found(result) == [("x", "nondifferentiable")]


def test_kink_is_per_point():
    result = grad("abs(x)", ["x=0", "x=1", "x=-1"])
    assert kinds(result, 0) == {"nondifferentiable"}
    assert found(result, 1) == [] and found(result, 2) == []


# --- inaccurate --------------------------------------------------------------------------------------


def test_saturated_sigmoid_central_auto_is_vanishing_and_inaccurate():
    result = grad("sigmoid(x)", "x=40")
    assert result.gradient[0, 0] == 0.0
    assert result.exact[0, 0] == 4.248354255291589e-18
    assert kinds(result) == {"vanishing", "inaccurate"}
    w = only(result, "inaccurate")
    assert "the step destroyed the answer" in w.message


def test_forward_eps_too_large():
    result = grad("exp(x)", "x=1", method="forward", eps=0.1)
    w = only(result, "inaccurate")
    assert "too large" in w.message
    assert 0 < w.details["suggested_eps"] < 0.1
    suggested = grad("exp(x)", "x=1", method="forward", eps=w.details["suggested_eps"])
    assert "inaccurate" not in kinds(suggested)


def test_backward_eps_too_large():
    w = only(grad("x**2", "x=3", method="backward", eps=0.5), "inaccurate")
    assert "too large" in w.message


def test_forward_eps_too_small():
    result = grad("exp(x)", "x=1", method="forward", eps=1e-14)
    assert abs(result.gradient[0, 0] - result.exact[0, 0]) > 1e-3  # the difference is poor
    w = only(result, "inaccurate")
    assert "too small" in w.message


def test_seed_forward_001_is_not_inaccurate():
    result = grad("3*(a+b*c)", "a=5,b=3,c=2", method="forward", eps=0.01)
    assert result.gradient[0].tolist() == [3.0000000000001137, 6.000000000000227, 8.99999999999963]
    assert found(result) == []


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_auto_step_on_smooth_functions_is_not_inaccurate(method):
    for text in ("sin(x)", "exp(x)", "log(x)", "x**3", "sigmoid(x)"):
        assert "inaccurate" not in kinds(grad(text, "x=1", method=method)), (text, method)


def test_central_exact_on_quadratic_not_inaccurate():
    assert found(grad("x**2", "x=3", method="central", eps=0.5)) == []


@pytest.mark.parametrize(
    "text, at",
    [
        ("sigmoid(x)", "x=40"),
        ("exp(x)", "x=1"),
        ("abs(x)", "x=1e-9"),
        ("1/x", "x=1e-8"),
        ("sin(x)", "x=1"),
        ("exp(20*x)", "x=1"),
    ],
)
def test_backprop_never_inaccurate(text, at):
    result = grad(text, at, method="backprop")
    assert result.diff is None
    assert "inaccurate" not in kinds(result)


# --- warnings and exit status ------------------------------------------------------------------------

WARNED = [
    (["sigmoid(x)", "--at", "20"], "vanishing"),
    (["x-x+y", "--at", "1,2"], "vanishing"),
    (["exp(20*x)", "--at", "1"], "exploding"),
    (["abs(x)", "--at", "0"], "nondifferentiable"),
    (["sigmoid(x)", "--at", "40"], "inaccurate"),
    (["exp(x)", "--at", "1", "--method", "forward", "--eps", "0.1"], "inaccurate"),
    (["asin(x)", "--at", "1"], "nonfinite"),
]


@pytest.mark.parametrize("args, kind", WARNED, ids=[f"{k}:{a[0]}" for a, k in WARNED])
def test_warnings_never_change_exit_status(args, kind):
    runner = CliRunner()
    result = runner.invoke(main, ["grad", *args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert kind in [w["kind"] for w in record["warnings"]]
    assert runner.invoke(main, ["grad", *args]).exit_code == 0
    assert runner.invoke(main, ["grad", *args, "--format", "csv"]).exit_code == 0
    assert runner.invoke(main, ["grad", *args, "--strict"]).exit_code == 1


# --- rounding noise inside f ------------------------------------------------------------------


def test_cancellation_inside_f_is_not_mistaken_for_a_kink() -> None:
    # log(1+exp(x*y)) loses digits to cancellation where x*y << 0. Measured by eps_m*|f| alone
    # the central difference's error here is 100 times too large to be rounding, which would
    # blame a kink; the running error bound of f's evaluation explains it: eps is too small.
    # (The auto step now reads f and avoids this; eps 2e-5 is the fixed step it used to take.)
    result = grad("log(1+exp(x*y))", "x=-3.39347991,y=4.69925413", eps=2e-5)
    (warning,) = [w for w in result.warnings[0] if w.var == "x" and w.kind == "inaccurate"]
    assert "eps is too small" in warning.message
    assert "not smooth" not in warning.message
    diff = result.diff
    err = abs(diff.gradient[0, 0] - result.exact[0, 0])
    # eps_m |f| is 100 times too small to explain it; the running error bound of f's
    # evaluation (gradcli.derive.rounding) makes the method's own estimate cover it
    assert err > 100 * 2 * 2.220446049250313e-16 * abs(result.value[0]) / diff.step[0, 0]
    assert err <= diff.error_estimate[0, 0]


def _slope_origin_at(expr, values, adjoints, p):
    """The per-point reference: the first node (in order) with a slope flowing through it whose
    local derivative in some dependent argument is not finite at point p, named with its inputs."""
    from gradcli.derive.diagnostics import _num, _where
    from gradcli.language.nodes import Call

    def at(value, p):
        return float(value[p]) if np.ndim(value) else float(value)

    for i, node in enumerate(expr.nodes):
        if not isinstance(node, Call) or adjoints[i] is None or at(adjoints[i], p) == 0:
            continue
        args = [at(values[j], p) for j in node.args]
        with np.errstate(all="ignore"):
            slopes = node.op.partials([np.float64(a) for a in args], np.float64(at(values[i], p)))
        for j, s in zip(node.args, slopes):
            if expr.depends[j] and not np.isfinite(s):
                return f"the derivative of {node.op.name} is {_num(float(s))} at {node.text}{_where(expr, node, args)}"
    return "a derivative is not finite here"


@pytest.mark.parametrize(
    "text",
    [
        "sqrt(x) + y",
        "log(x*y) + abs(y)**0.5",
        "-sigmoid(swish(cot(softplus(x))))**cbrt(x)**x",
        "x**y + atan2(y, x)",
        "max(sqrt(x), y**(1/3))",
    ],
)
def test_each_non_finite_slope_names_the_operation_point_by_point(text):
    """The origins, found for all points at once, read as the per-point search gives them."""
    from gradcli.derive.bound import bounded_backprop
    from gradcli.derive.diagnostics import _slope_origins
    from gradcli.language.evaluate import columns, forward
    from gradcli.language.parse import parse

    expr = parse(text)
    rng = np.random.default_rng(7)
    k = len(expr.variables)
    pts = np.concatenate([rng.uniform(-3, 3, (400, k)), np.zeros((5, k)), rng.uniform(-1e3, 1e3, (100, k))])
    pts[:50] = np.round(pts[:50])  # on edges of domains too
    values = forward(expr, columns(pts))
    n = len(pts)
    adjoints = bounded_backprop(expr, values, n).adjoints
    every = np.arange(n)
    got = _slope_origins(expr, values, adjoints, every, n)
    assert got == [_slope_origin_at(expr, values, adjoints, p) for p in range(n)]
    assert any(t.startswith("the derivative of") for t in got)
