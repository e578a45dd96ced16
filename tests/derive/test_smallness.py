"""Warnings that say only what is true: zero, stationary, flat, underflow, saturated, uncertain."""

from __future__ import annotations

import io
import json
import math

import mpmath as mp
import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from gradcli.analysis.activation import evaluate_activation
from gradcli.cli import main
from gradcli.derive.gradient import ALL_METHODS, grad
from gradcli.derive.precise import _sweep
from gradcli.errors import OptionError
from gradcli.language.parse import parse
from gradcli.output.jsonl import records
from gradcli.points.spec import bind, parse_spec
from gradcli.table import render, render_activation


def vanishing(result, var: str = "x", p: int = 0):
    found = [w for w in result.warnings[p] if w.var == var and w.kind in ("vanishing", "uncertain")]
    assert len(found) == 1, [(w.kind, w.message) for w in result.warnings[p]]
    return found[0]


@pytest.mark.parametrize(
    ("text", "at", "kind"),
    [
        ("x**2", "x=0", "d2f/dx2 = 2.0 > 0: a local minimum"),
        ("cos(x)", "x=0", "d2f/dx2 = -1.0 < 0: a local maximum"),
        ("x**3", "x=0", "d2f/dx2 = 0.0 too, so second derivatives do not tell its kind"),
        ("(1-x)**2+100*(y-x**2)**2", "x=1,y=1", "the Hessian is positive definite: a local minimum"),
        ("x*y", "x=0,y=0", "eigenvalues of both signs: a saddle point"),
    ],
)
def test_stationary_points_are_named_not_called_flat(text, at, kind):
    result = grad(text, at)
    w = vanishing(result)
    assert w.details["reason"] == "stationary"
    assert "a stationary point in x" in w.message and kind in w.message
    assert "does not change" not in w.message


@pytest.mark.parametrize(("text", "at"), [("x*y", "x=1,y=0"), ("atan2(y, x)", "x=-1,y=0")])
def test_a_stationary_point_that_is_flat_along_the_variable_is_not_called_otherwise(text, at):
    # f is constant in x along y = 0, yet no piecewise op stops the path: nothing may claim
    # "rather than a flat region" or name a kind that a constant f is not
    w = vanishing(grad(text, at))
    assert w.details["reason"] == "stationary"
    assert "flat region" not in w.message and "inflection or a higher-order extremum" not in w.message
    assert "or f constant in x" in w.message


@pytest.mark.parametrize(
    ("text", "at", "high"),
    [
        ("sigmoid(x)", "x=-1000", "5.0759588975494568e-435"),
        ("exp(-x**2)", "x=28", "-1.8252157801004280e-339"),
        ("tanh(x)", "x=400", "1.4671498336710749e-347"),
        ("erfc(x)", "x=40", "-1.5180427922999046e-695"),
    ],
)
def test_underflow_gives_the_high_precision_value(text, at, high):
    result = grad(text, at)
    w = vanishing(result)
    assert w.details == {"reason": "underflow", "high_precision": high}
    assert f"df/dx = {high} (in high precision) is below float64's range" in w.message
    assert "exactly 0" not in w.message
    assert "saturated here" in w.message  # each of these is on a flat tail


def test_flat_side_of_relu_and_constant_in_x():
    w = vanishing(grad("relu(x-1)*y+y", "x=0,y=1"))
    assert w.details["reason"] == "flat"
    assert w.message.startswith(
        "df/dx is exactly 0: f is flat in x around this point (relu(x-1) is constant here)"
    )
    w = vanishing(grad("x-x+y", "x=1,y=2"))
    assert w.details["reason"] == "constant" and "f does not depend on x" in w.message


def test_polygamma_depends_on_its_order_though_its_partial_in_it_is_0():
    """n of polygamma(n, x) takes whole numbers only: its partial is 0 (declared), yet f jumps
    as n moves, so a 0 symbolic derivative does not make f constant (polygamma(elu(x, 0), 1)
    was said not to depend on x; at x = 4 it is polygamma(4, 1) = -24.9, at -1 digamma(1)).
    Found by a random run of the warning-claims property."""
    w = vanishing(grad("polygamma(elu(x, 0), 1)", "x=-1"))
    assert w.details["reason"] == "flat" and "elu(x, 0) is constant here" in w.message
    w = vanishing(grad("polygamma(x, 1)", "x=2"))
    assert w.details["reason"] != "constant" and "does not depend on x" not in w.message


@pytest.mark.parametrize(("text", "at"), [("1e-9*x", "x=1"), ("x**3", "x=1e-4"), ("sin(x)", "x=pi/2")])
def test_small_but_not_saturated(text, at):
    w = vanishing(grad(text, at))
    assert w.details["reason"] == "small"
    assert "saturated" not in w.message and "further layers" not in w.message


@pytest.mark.parametrize(
    ("text", "at"), [("sigmoid(x)", "x=20"), ("tanh(2*x)+1", "x=9"), ("exp(-x)", "x=20")]
)
def test_saturated_only_on_a_flat_tail(text, at):
    w = vanishing(grad(text, at))
    assert w.details["reason"] == "saturated"
    assert "on its flat tail" in w.message and "further layers" in w.message


def test_cancellation_without_high_precision_cannot_tell():
    result = grad("sin(x)/x", "x=1e-8", precision="off")
    w = vanishing(result)
    assert w.kind == "uncertain"
    assert w.message.startswith(
        "df/dx = 0.0 +/- 2.8e-07: float64 rounding (cancellation) can account for all of it"
    )
    assert "cannot tell" in w.message and "exactly 0" not in w.message
    # with high precision (the default) the true, tiny but nonzero, gradient
    w = vanishing(grad("sin(x)/x", "x=1e-8"))
    assert w.kind == "vanishing" and "-3.3333333333333334e-09" in w.message


def test_strict_uses_the_bound():
    runner = CliRunner()
    done = runner.invoke(main, ["grad", "(exp(x)-1)/x", "--at", "x=1e-9", "--strict", "--method", "backprop"])
    assert done.exit_code == 0, done.output  # auto precision settles it: no warning
    assert "0.5000000003333334" in done.output
    off = grad("(exp(x)-1)/x", "x=1e-9", precision="off", method="backprop")
    assert [w.kind for w in off.warnings[0]] == ["uncertain"]  # a warning: --strict exits 1 on it


CORPUS = [
    ("x**2", "x=0"),
    ("cos(x)", "x=0"),
    ("(1-x)**2+100*(y-x**2)**2", "x=1,y=1"),
    ("sigmoid(x)", "x=-1000"),
    ("exp(-x**2)", "x=28"),
    ("tanh(x)", "x=400"),
    ("erfc(x)", "x=40"),
    ("sin(x)/x", "x=1e-8"),
    ("(exp(x)-1)/x", "x=1e-9"),
    ("relu(x)", "x=-1"),
    ("x-x+y", "x=1,y=2"),
    ("0*x+y", "x=3,y=1"),
    ("sqrt(x)**2", "x=0"),
    ("x*sqrt(x)", "x=0"),
    ("1e-9*x", "x=1"),
    ("sin(x)", "x=pi/2"),
    ("log(1+x)-x", "x=1e-6"),
    ("(x+1)**2-x**2-2*x", "x=1e8"),
]


def _mp_gradient(text: str, at: str) -> list:
    expr = parse(text)
    point = bind([parse_spec(at)], expr.variables, None)[0]
    return _sweep(expr, point, 60)[1]


@pytest.mark.parametrize(("text", "at"), CORPUS, ids=[f"{t} at {a}" for t, a in CORPUS])
@pytest.mark.parametrize("precision", ["auto", "off"])
def test_no_output_says_exactly_0_unless_the_high_precision_gradient_is_0(text, at, precision):
    truth = _mp_gradient(text, at)
    outputs = []
    for method in ALL_METHODS:
        try:
            result = grad(text, at, method=method, precision=precision)
        except OptionError:  # complex step refused on a kink
            continue
        console = Console(file=io.StringIO(), width=400, color_system=None)
        render(result, console)
        outputs.append((result, console.file.getvalue() + json.dumps(list(records(result)))))
    for result, text_out in outputs:
        for v, name in enumerate(result.variables):
            said = [w.message for w in result.warnings[0] if w.var == name]
            if any("exactly 0" in m or "does not change with" in m for m in said):
                assert truth[v] == 0, (name, said, mp.nstr(truth[v], 5))
        if any(t != 0 for t in truth):
            assert "does not change with" not in text_out


def test_activation_tables_never_say_exactly_0_for_an_underflow():
    run = evaluate_activation("sigmoid", [-1000.0, -1.0, 0.0])
    console = Console(file=io.StringIO(), width=300, color_system=None)
    render_activation(run, console)
    out = console.file.getvalue()
    assert "exactly 0" not in out
    assert "sigmoid'(-1000.0) = 5.0759588975494568e-435 (in high precision)" in out
    assert "note: re-evaluated at 60 digits" in out


def test_jsonl_carries_the_bound_and_the_digits():
    (rec,) = records(grad("(exp(x)-1)/x", "x=1e-9"))
    assert rec["exact"] == {"x": 0.5000000003333334}
    assert 0 < rec["exact_bound"]["x"] < 1e-16
    assert rec["digits"] >= 40 and rec["note"].endswith("float64 backprop lost all digits to cancellation")
    (rec,) = records(grad("3*x", "x=1"))
    assert rec["digits"] is None and rec["note"] is None and rec["exact_bound"]["x"] > 0
    assert list(rec)[-4:] == ["error_estimate", "digits", "note", "warnings"]
    assert np.isfinite(rec["exact_bound"]["x"])


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "abs(x)**2",
            "d2f/dx2 is 2.0 from the left and 2.0 from the right (df/dx has a kink here): a local minimum",
        ),
        ("-abs(x)**2", "-2.0 from the left and -2.0 from the right (df/dx has a kink here): a local maximum"),
        (
            "x*abs(x)",
            "-2.0 from the left and 2.0 from the right (df/dx has a kink here): no extremum, f rises",
        ),
        (
            "relu(x)**2+relu(-x)**3",
            "0.0 from the left and 2.0 from the right (df/dx has a kink here): second",
        ),
    ],
)
def test_where_df_dx_has_a_kink_the_kind_comes_from_one_sided_second_derivatives(text, kind):
    # backprop through sign(0) and abs(0) gives d2f/dx2 = 0 for abs(x)**2 (= x**2): that 0 is a
    # rule's number, not the second derivative, and must not be reported as one
    w = vanishing(grad(text, "x=0"))
    assert w.details["reason"] == "stationary"
    assert kind in w.message
    assert "d2f/dx2 = 0.0" not in w.message


def test_a_piecewise_op_on_its_kink_is_not_called_flat():
    # relu(-x) at 0 is constant on one side only: f = x**2 right of 0 and -x**3 left of it
    w = vanishing(grad("relu(x)**2+relu(-x)**3", "x=0"))
    assert w.details["reason"] == "stationary" and "flat" not in w.message
    assert vanishing(grad("relu(x-1)", "x=0")).details["reason"] == "flat"  # off its kink it is


def test_a_flat_points_words_do_not_depend_on_the_other_points():
    """At x = -2, exp(exp(sign(min(0, x)))) is flat because sign is: the warning names it. With a
    point where min itself stops the gradient (x = 1) in the same call, the name was lost (a
    stream's chunk, or compute's blocks, changed a point's message)."""
    from gradcli.derive.gradient import compute

    expr = parse("exp(exp(sign(min(0.0, x))))")
    alone = compute(expr, np.array([[-2.0]]), "central").warnings[0]
    together = compute(expr, np.array([[1.0], [-2.0]]), "central").warnings
    assert together[1] == alone
    assert "(sign(min(0.0, x)) is constant here)" in alone[0].message
    assert "(min(0.0, x) is constant here)" in together[0][0].message


def test_a_stationary_points_second_derivative_is_never_said_as_minus_zero():
    """x**y at (0.5, 0): d2f/dx2 is 0, and whether float64 made it 0.0 or -0.0 depended on the
    other points of the call; the message says 0.0 either way."""
    from gradcli.derive.gradient import compute

    for points in ([[0.5, 0.0]], [[0.5, 0.0], [-2.0, 2.5], [0.0, 0.5], [1.0, 0.0]]):
        found = compute(parse("x**y"), np.array(points), "central").warnings[0]
        said = [w.message for w in found if w.var == "x" and w.kind == "vanishing"]
        assert said and "d2f/dx2 = 0.0 too" in said[0] and "-0.0" not in said[0]


def test_the_hessian_bound_norm_does_not_overflow() -> None:
    """A Hessian bound beyond 1e154 squared to inf with a RuntimeWarning (found by the fuzz:
    --direction 87.3759,-4.82951e+99 on log(w_3+700)**softplus(asin(x)*w_3)); its norm is
    finite, and NaN and inf stay so."""
    import warnings

    from conftest import gradcli

    from gradcli.derive.bound import frobenius

    s, b = frobenius(np.array([[1e200, 0.0], [0.0, 1e200]]))
    assert math.ldexp(s, b) == pytest.approx(2**0.5 * 1e200, rel=1e-15)
    assert math.ldexp(*frobenius(np.array([[3.0, 4.0]]))) == 5.0 and frobenius(np.zeros((2, 2))) == (0.0, 0)
    assert math.isinf(frobenius(np.array([1.0, np.inf]))[0]) and math.isnan(
        frobenius(np.array([np.nan, 1.0]))[0]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = gradcli(
            "grad", "--at", "4.65342e-297,0", "--at", "4.22731e+290,-1.1672000000000002e-118",
            "--direction", "87.3759,-4.82951e+99", "log(w_3+700)**softplus(asin(x)*w_3)",
        )  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
