"""Several expressions (the Jacobian) and the directional derivative."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.errors import OptionError
from gradcli.expression import parse
from gradcli.gradient import compute, grad
from gradcli.jacobian import directional, jacobian, union_variables, unit_vector


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
        assert jr.jacobian[p, 1, 0] == one.gradient[0, 0] and jr.jacobian[p, 1, 2] == one.gradient[1, 0]
        assert jr.jacobian[p, 1, 1] == 0.0 and jr.error[p, 1, 1] == 0.0
    assert jr.value.tolist() == [[2.0, 4.0, math.sin(1.0)], [-0.5, 2.5, math.sin(0.5)]]


def test_backprop_method_has_no_error_and_warnings_stay_per_expression() -> None:
    jr = jac(["x*y", "sigmoid(x)"], [[40.0, 1.0]], method="backprop")
    assert jr.error is None and np.array_equal(jr.jacobian, jr.exact)
    assert jr.results[0].warnings[0] == [] and jr.results[1].warnings[0][0].kind == "vanishing"


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
    assert along.exact[0] == pytest.approx(float(np.dot(result.exact[:, 0], unit)), rel=1e-15, abs=1e-300)
    scale = max(1.0, float(np.max(np.abs(result.exact))))
    tol = 1e-5 if method != "central" else 1e-8
    assert abs(along.diff[0] - along.exact[0]) <= tol * scale
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
