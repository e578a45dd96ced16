"""The rounding-error bound on backprop covers the true error: hypothesis against mpmath at 60 digits."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derive.test_backprop import CALLS, COORD, RANDOM, VARS, Reject, _trees, mp_eval, render
from gradcli.derive.bound import ULPS, bounded_backprop
from gradcli.language.evaluate import columns, forward
from gradcli.language.parse import parse
from gradcli.registry import FUNCTIONS, OPERATORS

MPF = mp.mpf


def _check_covers(tree, x: float, y: float) -> None:
    text = render(tree)
    with mp.workdps(60):
        try:
            _, exact, _ = mp_eval(tree, {"x": MPF(x), "y": MPF(y)})
        except (Reject, ZeroDivisionError, ValueError, OverflowError):
            assume(False)
            return
        expr = parse(text)
        values = forward(expr, columns(np.array([[{"x": x, "y": y}[v] for v in expr.variables]])))
        b = bounded_backprop(expr, values, 1)
        for k, v in enumerate(expr.variables):
            g, bound = float(b.grad[k, 0]), float(b.bound[k, 0])
            if not (math.isfinite(g) and math.isfinite(bound)):
                continue
            true = exact[VARS.index(v)]
            assert abs(MPF(g) - true) <= MPF(bound), (
                f"d/d{v} {text} at x={x!r}, y={y!r}: backprop {g!r} +/- {bound:.3g}, exact {mp.nstr(true, 17)}"
            )


@settings(RANDOM, max_examples=400)
@given(tree=_trees(), x=COORD, y=COORD)
def test_bound_covers_the_true_error_on_random_expressions(tree, x, y):
    _check_covers(tree, x, y)


NEAR = st.one_of(
    COORD,
    st.floats(-1e-6, 1e-6, allow_nan=False),
    st.sampled_from([1e-9, -1e-8, 1e-5, 1e5, 1e-4, 1.0 + 2**-40, 3.14159265358979, 1.5707963267948966]),
)


@pytest.mark.parametrize("root", CALLS, ids=[f"{n}/{k}" for n, k in CALLS])
@settings(RANDOM, max_examples=15)
@given(data=st.data(), x=NEAR, y=NEAR)
def test_bound_covers_the_true_error_around_each_function(root, data, x, y):
    _check_covers(data.draw(_trees(depth=3, root=root)), x, y)


def test_every_registry_op_has_measured_rounding_figures():
    names = {op.name for op in OPERATORS.values()} | {op.name for op in FUNCTIONS.values()}
    assert names <= set(ULPS), sorted(names - set(ULPS))


@pytest.mark.parametrize(
    ("text", "x"), [("hard_sigmoid(x)", 5.0), ("hard_sigmoid(x)", -40.0), ("leaky_relu(x, 0)", -2.0)]
)
def test_a_flat_piece_of_a_constant_slope_is_exactly_0_with_a_bound_of_0(text, x):
    """hard_sigmoid's slope is 1/6 or 0, never an underflow: where it is 0 float64 backprop is
    exact, so the bound is 0 and auto precision has nothing to re-evaluate (a batch of such points
    once went to mpmath, one by one, up to the per-call cap)."""
    import gradcli

    r = gradcli.grad(text, {"x": [x, 2 * x]}, method="backprop")
    assert r.exact.tolist() == [[0.0], [0.0]] and r.exact_bound.tolist() == [[0.0], [0.0]]
    assert r.precise == [None, None]
    assert any("exactly 0" in w.message for w in r.warnings[0])
