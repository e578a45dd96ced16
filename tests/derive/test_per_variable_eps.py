"""--eps x=1e-4,y=1e-6: a step per variable, the others automatic."""

from __future__ import annotations

import numpy as np
import pytest

from gradcli.derive.gradient import compute
from gradcli.derive.steps import given, per_variable
from gradcli.errors import OptionError, PointsError
from gradcli.language.parse import parse
from gradcli.points.spec import parse_eps


def test_parse_eps_forms() -> None:
    assert parse_eps("auto") is None
    assert parse_eps("0.01") == 0.01
    assert parse_eps("x=1e-4, y=1e-6") == {"x": 1e-4, "y": 1e-6}
    for bad in ("x=-1", "x=0", "x=", "1x=2", "x=1,x=2", "x=nan"):
        with pytest.raises(PointsError):
            parse_eps(bad)


def test_per_variable_resolution() -> None:
    assert per_variable({"y": 0.5}, ("x", "y", "z")) == (None, 0.5, None)
    assert given((None, 0.5), 1) == 0.5 and given(0.1, 3) == 0.1
    with pytest.raises(OptionError, match="variables are x, y"):
        per_variable({"z": 1.0}, ("x", "y"))


@pytest.mark.parametrize("method", ["forward", "central", "five-point", "richardson", "complex"])
def test_named_step_is_used_and_the_others_stay_auto(method: str) -> None:
    expr = parse("sin(x)*exp(y)")
    auto = compute(expr, np.array([[1.0, 0.5]]), method, None)
    mixed = compute(expr, np.array([[1.0, 0.5]]), method, {"x": 2.0**-10})
    assert mixed.diff.step[1, 0] == auto.diff.step[1, 0]  # y: automatic, as before
    if method != "richardson":  # richardson starts at the step given and shrinks it
        assert mixed.diff.step[0, 0] == 2.0**-10
    assert mixed.diff.step[0, 0] != auto.diff.step[0, 0]
    assert not mixed.diff.auto and mixed.eps is None
