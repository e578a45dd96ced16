"""u/(c*sqrt(u)) simplifies to sqrt(u)/c, so diff's derivative of x*sqrt(x) is finite at 0."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from gradcli.derive.gradient import compute
from gradcli.language.evaluate import value
from gradcli.language.parse import parse
from gradcli.language.symbolic import derivative_texts

ORACLES = {
    "x*sqrt(x)": lambda x: x * mpmath.sqrt(x),
    "(x+1)*sqrt(x+1)": lambda x: (x + 1) * mpmath.sqrt(x + 1),
    "x/sqrt(x)": lambda x: x / mpmath.sqrt(x),
}


@pytest.mark.parametrize("text", list(ORACLES))
def test_derivative_finite_where_backprop_is(text: str) -> None:
    d = parse(derivative_texts(parse(text))["x"])
    root = -1.0 if "x+1" in text else 0.0
    xs = np.array([root, root + 0.25, root + 2.0])
    got = value(d, [xs], len(xs))
    f = ORACLES[text]
    for x, g in zip(xs, got):
        if text == "x/sqrt(x)" and x == root:
            continue  # x/sqrt(x) itself is 0/0 there
        with mpmath.workdps(30):
            truth = mpmath.diff(f, mpmath.mpf(x), direction=1 if x == root else 0)
        assert math.isfinite(g) and g == pytest.approx(float(truth), rel=1e-12, abs=1e-12)


def test_x_sqrt_x_at_zero_matches_backprop() -> None:
    text = derivative_texts(parse("x*sqrt(x)"))["x"]
    assert "/(2*sqrt(x))" not in text
    exact = compute(parse("x*sqrt(x)"), np.array([[0.0]]), "backprop").exact[0, 0]
    assert value(parse(text), [np.array([0.0])], 1)[0] == exact == 0.0
