"""Several expressions (the Jacobian) and the directional derivative."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.analysis.jacobian import directional, jacobian, union_variables, unit_vector
from gradcli.derive.gradient import compute, grad
from gradcli.errors import OptionError
from gradcli.language.parse import parse


def jac(texts, rows, method="central", eps=None):
    exprs = [parse(t) for t in texts]
    return jacobian(exprs, np.array(rows, dtype=float), method, eps, 1e-6, 1e6)


def test_rows_are_each_expressions_gradient_and_missing_variables_are_zero() -> None:
    jr = jac(["x*y", "x+z", "sin(x)"], [[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    assert jr.variables == ("x", "y", "z")
    assert jr.exact.shape == (2, 3, 3)
    for p, (x, y, z) in enumerate([(1.0, 2.0, 3.0), (0.5, -1.0, 2.0)]):
        assert jr.exact[p].tolist() == [[y, x, 0.0], [1.0, 0.0, 1.0], [math.cos(x), 0.0, 0.0]]
        one = grad("x+z", {"x": x, "z": z})
        assert jr.jacobian[p, 1, 0] == one.gradient[0, 0] and jr.jacobian[p, 1, 2] == one.gradient[0, 1]
        assert jr.jacobian[p, 1, 1] == 0.0 and jr.error[p, 1, 1] == 0.0
    assert jr.value.tolist() == [[2.0, 4.0, math.sin(1.0)], [-0.5, 2.5, math.sin(0.5)]]


def test_backprop_method_has_no_error_and_warnings_stay_per_expression() -> None:
    jr = jac(["x*y", "sigmoid(x)"], [[40.0, 1.0]], method="backprop")
    assert jr.error is None and np.array_equal(jr.jacobian, jr.exact)
    assert jr.results[0].warnings[0] == () and jr.results[1].warnings[0][0].kind == "vanishing"


def test_union_variables_sorted() -> None:
    assert union_variables([parse("z*a"), parse("m+a")]) == ("a", "m", "z")


def test_unit_vector() -> None:
    assert unit_vector([1.0, 2.0, 2.0]) == (1 / 3, 2 / 3, 2 / 3)
    with pytest.raises(OptionError, match="nonzero finite"):
        unit_vector([0.0, 0.0])


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.sampled_from(["x**2+y*z", "sin(x*y)*exp(z)", "log(1+x**2)*tanh(y-z)", "hypot(x, y+3)+z**3"]),
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3),
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=3, max_size=3).filter(
        lambda d: max(map(abs, d)) > 0.1
    ),
    st.sampled_from(["central", "forward", "backward"]),
)
def test_directional_derivative_is_gradient_dot_unit_and_fd_agrees(text, x, d, method) -> None:
    expr = parse(text)
    result = compute(expr, np.array([x]), method)
    unit = unit_vector(d)
    along = directional(result, unit)
    assert along.exact[0] == pytest.approx(float(np.dot(result.exact[0], unit)), rel=1e-15, abs=1e-300)
    scale = max(1.0, float(np.max(np.abs(result.exact))))
    tol = 1e-5 if method != "central" else 1e-8
    # the step rule is grad's, so where f itself rounds badly (log(1+x**2) at x = 1e-5) the
    # difference is as inaccurate as grad's own, and its estimate says so
    assert abs(along.diff[0] - along.exact[0]) <= max(tol * scale, along.estimate[0])
    assert along.error[0] == abs(along.diff[0] - along.exact[0])


def test_directional_with_fixed_eps_reproduces_the_formula() -> None:
    expr = parse("x**2*y")
    result = compute(expr, np.array([[1.0, 2.0]]), "forward", 0.01)
    u = unit_vector([3.0, 4.0])
    along = directional(result, u)
    f = lambda a, b: a**2 * b
    want = (f(1.0 + 0.01 * u[0], 2.0 + 0.01 * u[1]) - f(1.0, 2.0)) / 0.01
    assert along.diff[0] == want
    assert along.step[0] == 0.01
    assert directional(compute(expr, np.array([[1.0, 2.0]]), "backprop"), u).diff is None


def test_unit_vector_of_huge_or_tiny_components_is_not_refused() -> None:
    # |d| overflows (1e308, 1e308) or underflows (1e-320, 0) in float64, the vector does not
    assert unit_vector([1e308, 1e308]) == unit_vector([1.0, 1.0])
    assert unit_vector([1e-320, 0.0]) == (1.0, 0.0)
    assert unit_vector([-5e-324, 5e-324]) == unit_vector([-1.0, 1.0])


LINES = {  # text, the same function in mpmath
    "exp(x+2*y)": lambda x, y: mpmath.exp(x + 2 * y),
    "sin(x*y)/(1+x**2)": lambda x, y: mpmath.sin(x * y) / (1 + x**2),
    "log(x**2+y**2)*atan(y)": lambda x, y: mpmath.log(x**2 + y**2) * mpmath.atan(y),
}
# how close each method comes on these smooth functions, relative to max(1, |exact|)
DIRECTIONAL_TOL = {"forward": 1e-6, "backward": 1e-6, "central": 1e-9, "five-point": 1e-11,
                   "richardson": 1e-12, "complex": 1e-14}  # fmt: skip


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.sampled_from(sorted(LINES)),
    st.tuples(st.floats(-2, 2), st.floats(0.5, 2)),
    st.tuples(st.floats(-1, 1), st.floats(-1, 1)).filter(lambda d: max(map(abs, d)) > 0.1),
    st.sampled_from(sorted(DIRECTIONAL_TOL)),
)
def test_directional_by_every_method_matches_mpmath(text, x, d, method) -> None:
    result = compute(parse(text), np.array([x]), method)
    unit = unit_vector(d)
    along = directional(result, unit)
    mpmath.mp.dps = 40
    f = LINES[text]
    truth = float(mpmath.diff(lambda t: f(x[0] + t * unit[0], x[1] + t * unit[1]), 0))
    assert abs(along.diff[0] - truth) <= DIRECTIONAL_TOL[method] * max(1.0, abs(truth)), (
        along.diff[0],
        truth,
    )
    assert along.step[0] > 0


def test_directional_step_follows_the_size_of_x_and_a_given_eps() -> None:
    result = compute(parse("x**2+y"), np.array([[1e10, 2.0]]), "central")
    along = directional(result, unit_vector([1.0, 1.0]))
    # x**2 + y is quadratic: no central truncation, so the step grows past the first guess
    assert along.step[0] >= 6.055454452393343e-06 * 1e10 * 0.999
    assert along.error[0] <= 1e-9 * along.exact[0]
    fixed = directional(compute(parse("x**2+y"), np.array([[1.0, 2.0]]), "five-point", 0.01), (1.0, 0.0))
    assert fixed.step[0] == 0.01 and fixed.diff[0] == (8 * (1.01**2 - 0.99**2) - (1.02**2 - 0.98**2)) / 0.12


@pytest.mark.parametrize("method", ["five-point", "richardson", "complex"])
def test_cli_direction_takes_every_method(method) -> None:
    import json

    from click.testing import CliRunner

    from gradcli.cli import main

    args = [
        "grad",
        "exp(x+2*y)",
        "--at",
        "1,0.5",
        "--direction",
        "1,1",
        "--method",
        method,
        "--format",
        "json",
    ]
    out = CliRunner().invoke(main, args, prog_name="gradcli")
    assert out.exit_code == 0, out.output  # was an internal error (70) for richardson and complex
    rec = json.loads(out.stdout)["directional"]
    assert rec["error"] <= 1e-11 * rec["exact"]
    for vector in ("1e308,1e308", "1e-320,0"):  # was refused: its norm over- or underflowed
        vec = CliRunner().invoke(
            main, ["grad", "x*y", "--at", "1,2", "--direction", vector], prog_name="gradcli"
        )
        assert vec.exit_code == 0 and vec.stderr == "", vec.output


def test_a_constant_row_has_a_zero_directional_derivative_by_the_method_too() -> None:
    import json

    from click.testing import CliRunner

    from gradcli.cli import main

    for texts in (["x", "2"], ["2", "x"]):  # the table stopped with an internal error (70)
        table = CliRunner().invoke(
            main, ["grad", *texts, "--at", "1", "--direction", "1"], prog_name="gradcli"
        )
        assert table.exit_code == 0, table.output
    out = CliRunner().invoke(main, ["grad", "2", "x", "--at", "1", "--direction", "1", "--format", "json"])
    assert json.loads(out.stdout.splitlines()[0])["directional"] == {
        "gradient": 0.0,
        "exact": 0.0,
        "exact_bound": 0.0,
        "error": 0.0,
    }


def test_a_per_variable_step_applies_to_the_expressions_that_use_the_variable():
    """--eps z=1e-4 with `grad "x*y" "x+z"`: z is a variable of the run, not of x*y; x+z takes the
    step, x*y keeps its automatic ones (the run was refused: "z is not a variable")."""
    import gradcli

    jr = gradcli.jacobian(["x*y", "x+z"], "x=1,y=2,z=3", method="forward", eps={"z": 1e-4})
    first, second = jr.results
    assert second.step[0, second.variables.index("z")] == 1e-4
    assert second.step[0, second.variables.index("x")] != 1e-4 and first.eps is None
    with pytest.raises(gradcli.OptionError, match="names w"):
        gradcli.jacobian(["x*y", "x+z"], "x=1,y=2,z=3", eps={"w": 1e-4})
