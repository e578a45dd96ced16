"""The Hessian: exact against mpmath, finite differences within their error estimate, and the
classification of minimum, maximum, saddle, flat and degenerate points."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from gradcli.analysis.hessian import classify, hessian
from gradcli.errors import OptionError
from gradcli.language.parse import parse

MP_NAMES = {
    "sin": mp.sin,
    "cos": mp.cos,
    "exp": mp.exp,
    "log": mp.log,
    "tanh": mp.tanh,
    "sqrt": mp.sqrt,
    "atan": mp.atan,
    "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
    "hypot": lambda x, y: mp.sqrt(x * x + y * y),
    "pi": mp.pi,
}


def at(text: str, method: str = "central", eps: float | None = None, **point: float):
    expr = parse(text)
    return hessian(expr, np.array([[point[v] for v in expr.variables]]), method, eps)


def mp_hessian(text: str, point: dict[str, float]) -> list[list[mp.mpf]]:
    names = sorted(point)
    code = compile(text, "<expr>", "eval")

    def f(*vals):
        return eval(code, {"__builtins__": {}}, {**MP_NAMES, **dict(zip(names, vals))})

    x = [mp.mpf(point[v]) for v in names]
    k = len(names)
    out = []
    for i in range(k):
        row = []
        for j in range(k):
            order = [0] * k
            order[i] += 1
            order[j] += 1
            row.append(mp.diff(f, x, tuple(order)))
        out.append(row)
    return out


CASES = [
    ("x**2*y + sin(x*y)", {"x": 0.7, "y": -1.3}),
    ("exp(-x**2-y**2)*cos(x+2*y)", {"x": 0.3, "y": 0.4}),
    ("log(1+exp(x*y))/hypot(x, y)", {"x": 1.5, "y": 0.25}),
    ("sigmoid(w*x+b)", {"b": -0.5, "w": 2.0, "x": 1.25}),
    ("tanh(a)*atan(b)*sqrt(c)", {"a": 0.2, "b": -3.0, "c": 2.0}),
    ("x**y", {"x": 2.5, "y": 1.7}),
]


@pytest.mark.parametrize(("text", "point"), CASES)
def test_exact_hessian_against_mpmath(text: str, point: dict[str, float]) -> None:
    with mp.workdps(40):
        want = mp_hessian(text, point)
    r = at(text, **point)
    k = len(point)
    for i in range(k):
        for j in range(k):
            w = float(want[i][j])
            assert abs(r.exact[0, i, j] - w) <= 1e-13 * max(1.0, abs(w)), (i, j, r.exact[0], w)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize(("text", "point"), CASES)
def test_fd_hessian_within_its_error_estimate(text: str, point: dict[str, float], method: str) -> None:
    r = at(text, method, **point)
    # the estimate is a leading-order model: allow a factor 10 and a few ulps of the exact value
    bound = 10.0 * r.error_estimate[0] + 1e-12 * np.abs(r.exact[0])
    assert np.all(r.error[0] <= bound), (r.error[0], bound)
    # and the finite difference is close, as its order promises at the auto step
    assert np.allclose(r.fd[0], r.exact[0], rtol=1e-4 if method != "central" else 1e-7, atol=1e-7)


def test_fixed_eps_is_used_and_backprop_skips_the_difference() -> None:
    r = at("x**3*y", "forward", 1e-3, x=1.0, y=2.0)
    assert np.all(r.step == 1e-3)
    assert r.fd[0, 0, 0] == pytest.approx(12.0, rel=1e-2) and abs(r.fd[0, 0, 0] - 12.0) > 1e-6
    b = at("x**3*y", "backprop", x=1.0, y=2.0)
    assert b.fd is None and b.error is None and b.eps is None
    assert b.exact[0].tolist() == [[12.0, 3.0], [3.0, 0.0]]


@pytest.mark.parametrize(
    ("text", "point", "kind"),
    [
        ("x**2 - y**2", {"x": 0.0, "y": 0.0}, "saddle"),
        ("x**2 + x*y + y**2", {"x": 0.0, "y": 0.0}, "minimum"),
        ("-(x-1)**2 - 3*(y+2)**2 + x*y/10", {"x": 0.9, "y": -2.0}, None),
        ("cos(x)*cos(y)", {"x": 0.0, "y": 0.0}, "maximum"),
        ("sin(x)", {"x": math.pi / 2}, "maximum"),
        ("x**3", {"x": 0.0}, "flat"),
        ("x**4 + y**2", {"x": 0.0, "y": 0.0}, "degenerate"),
        ("x**2 + y", {"x": 0.0, "y": 0.0}, "not critical"),
        ("log(x)", {"x": -1.0}, "undefined"),
        ("abs(x)", {"x": 0.0}, "kink"),
        ("relu(x)**2 + y**2", {"x": 0.0, "y": 0.0}, "kink"),
        ("relu(x)**2 + y**2", {"x": 1.0, "y": 0.0}, "not critical"),
        ("max(x, y)", {"x": 1.0, "y": 1.0}, "kink"),
    ],
)
def test_classification(text: str, point: dict[str, float], kind: str | None) -> None:
    r = at(text, **point)
    if kind is None:  # a point near, not at, the maximum: the gradient is visibly not 0
        assert r.kinds[0] == "not critical"
        assert "concave" in r.verdicts[0]
        return
    assert r.kinds[0] == kind, r.verdicts[0]


def test_saddle_eigenvalues_and_the_gradient_tolerance() -> None:
    r = at("x**2 - y**2", x=0.0, y=0.0)
    assert r.eigenvalues[0].tolist() == [-2.0, 2.0]
    # at a critical point rounded to float64 the gradient is tiny, not 0: still a maximum
    assert at("sin(x)*sin(y)", x=math.pi / 2, y=math.pi / 2).kinds[0] == "maximum"
    # a gradient of 1e-6 is well above sqrt(eps_m)*|H|*max(1,|x|): not critical
    assert at("(x-1e-6)**2", x=0.0).kinds[0] == "not critical"


def test_too_many_variables_is_refused() -> None:
    text = "+".join(f"x{i}" for i in range(65))
    with pytest.raises(OptionError, match="at most 64"):
        hessian(parse(text), np.ones((1, 65)))


def test_classify_without_variables_and_bad_options() -> None:
    assert classify(np.zeros((0, 0)), np.zeros(0), np.zeros(0))[0] == "flat"
    with pytest.raises(OptionError, match="unknown method"):
        at("x", "sideways", x=1.0)
    with pytest.raises(OptionError, match="positive finite"):
        at("x", "central", -1.0, x=1.0)


def test_hessian_is_symmetric_for_smooth_f_and_shape_is_right() -> None:
    expr = parse("exp(x*y*z) + x**2*z")
    pts = np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]])
    r = hessian(expr, pts)
    assert r.exact.shape == (2, 3, 3) and r.fd.shape == (2, 3, 3) and r.eigenvalues.shape == (2, 3)
    assert np.allclose(r.exact, np.swapaxes(r.exact, 1, 2), rtol=1e-14, atol=0)


def test_reported_step_of_a_variable_is_the_one_its_diagonal_entry_used() -> None:
    # row y, x**2*exp(y), is flat in x at x = 0 and takes a tiny step there (5.6e-15); that was
    # reported as x's step although d2f/dx2 (row x) was taken with 6.1e-06
    r = hessian(parse("x**2*exp(y)"), np.array([[0.0, 1.0]]), "central")
    assert r.steps.shape == (1, 2, 2)
    assert r.step[0].tolist() == [r.steps[0, 0, 0], r.steps[0, 1, 1]]
    assert r.step[0, 0] >= 6.055454452393343e-06 * 0.999  # the first auto step, refined up (linear row)


@pytest.mark.parametrize(
    ("text", "at", "op"), [("hypot(x, y)", [0.0, 0.0], "hypot"), ("sqrt(x)", [0.0], "sqrt")]
)
def test_a_kink_where_the_hessian_is_not_finite_is_a_kink(text, at, op) -> None:
    # was "undefined: the Hessian or the gradient is not finite here", which hid the reason
    r = hessian(parse(text), np.array([at]), "central")
    assert r.kinds == ("kink",)
    assert f"({op}(" in r.verdicts[0] and "the Hessian is not finite there" in r.verdicts[0]
    assert hessian(parse("abs(x)*log(x)"), np.array([[0.0]])).kinds == ("undefined",)  # f is not finite


@pytest.mark.parametrize(
    ("text", "x", "kind", "second"),
    [
        ("elu(x)", -1.0, "not critical", math.exp(-1.0)),
        ("selu(x)", -4.0, "not critical", 1.0507009873554805 * 1.6732632423543772 * math.exp(-4.0)),
        ("relu(x)", -1.0, "flat", 0.0),
        ("leaky_relu(x)", -2.0, "not critical", 0.0),
        ("hard_sigmoid(x)", -4.0, "flat", 0.0),
    ],
)
def test_the_flat_side_of_a_piecewise_activation_is_no_kink(text, x, kind, second) -> None:
    # their derivatives read sign(relu(x)), whose sign sat on its kink on relu's whole flat side,
    # so every negative x was called a kink
    r = hessian(parse(text), np.array([[x]]), "central")
    assert r.kinds == (kind,)
    assert r.exact[0, 0, 0] == pytest.approx(second, rel=1e-15)
    assert hessian(parse(text), np.array([[0.0 if text != "hard_sigmoid(x)" else 3.0]])).kinds == ("kink",)


def test_relu_network_hessian_off_the_kinks_is_classified() -> None:
    # a dead unit (w*x+b = -0.75): f is 0 all around, so flat; a live one: a saddle in (v, w)
    r = hessian(
        parse("relu(w*x+b)*v"), np.array([[-1.0, 1.0, 0.25, 1.0], [-1.0, 1.0, 2.0, 1.0]])
    )  # b, v, w, x
    assert r.kinds == ("flat", "not critical")
    assert "saddle-shaped" in r.verdicts[1]


def test_a_kink_f_does_not_feel_is_no_kink_of_the_hessian() -> None:
    # abs(x)**2 is x**2: its row 2*abs(x)*sign(x) sits on kinks at 0, where backprop gives 0,
    # but both sides give 2 (was: "kink: not twice differentiable here", Hessian [[0, 0], [0, 2]])
    r = hessian(parse("abs(x)**2+y**2"), np.array([[0.0, 0.0]]), "central")
    assert r.kinds == ("minimum",)
    assert r.exact[0].tolist() == [[2.0, 0.0], [0.0, 2.0]]
    # relu(x)**2 is not twice differentiable at 0 (second derivative 0 left, 2 right): still a kink
    assert hessian(parse("relu(x)**2+y**2"), np.array([[0.0, 0.0]])).kinds == ("kink",)


def test_a_kink_whose_rule_is_not_the_derivative_claims_no_more_than_it_knows() -> None:
    # (relu(x)-relu(-x))*y is x*y: at (0, 1) backprop's rule gives df/dx = 0, the sides 1; the rows
    # built from the rule cannot classify the point, and f is not called "not twice differentiable"
    r = hessian(parse("(relu(x)-relu(-x))*y"), np.array([[0.0, 1.0]]), "central")
    assert r.gradient[0].tolist() == [1.0, 0.0]
    assert r.kinds == ("kink",)
    assert "a kink f does not feel (relu(x), relu(-x))" in r.verdicts[0]
    assert "not twice differentiable" not in r.verdicts[0]


def test_entries_near_float64s_largest_are_classified_on_their_own_scale() -> None:
    """exp(x)*y at 709.5: entries of 1.35e308 whose sum overflowed, so every eigenvalue was NaN
    and the point was called "flat to second order: the gradient and the Hessian are 0"."""
    r = at("exp(x)*y", x=709.5, y=1.0)
    assert r.kinds[0] == "not critical", r.verdicts[0]
    assert "saddle-shaped" in r.verdicts[0]
    a = mp.exp(mp.mpf(709.5))
    low, high = a * (1 - mp.sqrt(5)) / 2, a * (1 + mp.sqrt(5)) / 2  # high is beyond float64
    lam = r.eigenvalues[0]
    assert lam[0] == pytest.approx(float(low), rel=1e-14)
    assert lam[1] == math.inf and high > mp.mpf(np.finfo(float).max)


def test_scaled_eigenvalues_are_the_plain_ones_in_range() -> None:
    h = np.array([[3.0, 1.0], [1.0, -2.0]])
    kind, _, lam = classify(h, np.zeros(2), np.zeros(2))
    assert kind == "saddle"
    assert lam.tolist() == np.linalg.eigvalsh(h).tolist()
    big = classify(h * 2.0**1000, np.zeros(2), np.zeros(2))
    assert big[0] == "saddle" and big[2].tolist() == (lam * 2.0**1000).tolist()


def test_subnormal_hessians_are_classified_without_overflow() -> None:
    """Entries of 1e-323 scale by 2**1074: the gradient's comparison on that scale overflowed
    (an internal error, exit 70, at erf(x) at 5e-324)."""
    r = at("erf(x)", x=5e-324)
    assert r.kinds[0] == "not critical" and "concave" in r.verdicts[0]
    r = at("1e-320*(x**2 - y**2)", x=0.0, y=0.0)
    assert r.kinds[0] == "saddle"
    assert r.eigenvalues[0].tolist() == [-2e-320, 2e-320]
