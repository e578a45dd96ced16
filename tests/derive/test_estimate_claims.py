"""Every finite difference's error estimate, at gradcli's own steps, against mpmath.

Expressions are drawn from the whole registry (the grammar of ``test_warning_claims``) and
evaluated at points spread over magnitudes (down to 1e-300, and up to exp's overflow) and near
the registry's special points; the truth is
the gradient in mpmath at 60 digits (:func:`gradcli.language.precise.gradient`, the registry's
own rules), confirmed at 700 (:func:`_truth`). Where an estimate is finite it must cover the error: that is the claim every
``error_estimate`` makes. (A step the user gives, far beyond f's smooth length, is a heuristic
case: the estimate from the next difference can then miss, and ``inaccurate`` says so.)
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gradcli.derive.gradient import compute
from gradcli.errors import GradcliError
from gradcli.language import precise
from gradcli.registry import BeyondRange

from .test_warning_claims import Draw, _tree, x_only

POINTS = st.one_of(
    st.floats(-300, -8).map(lambda e: 10.0**e),  # down to where f, f'' or a step underflows
    st.floats(-300, -8).map(lambda e: -(10.0**e)),
    st.floats(700, 709.78),  # where exp is near float64's largest
    st.floats(-3, 3),
    st.floats(-8, 2).map(lambda e: 10.0**e),
    st.floats(-8, 2).map(lambda e: -(10.0**e)),
    st.tuples(
        st.sampled_from([0.0, 1.0, -1.0, 3.0, -3.0, 0.5]), st.floats(-8, -1), st.sampled_from([1, -1])
    ).map(lambda t: t[0] + t[2] * 10.0 ** t[1]),
)


def _gradient(expr, x: float, dps: int):
    try:
        with mp.workdps(dps):
            t = precise.gradient(expr, [mp.mpf(x)], dps)[1][0]
    except (BeyondRange, GradcliError, ArithmeticError, ValueError):
        return None
    return t if isinstance(t, mp.mpf) and mp.isfinite(t) else None


def _truth(expr, x: float) -> mp.mpf | None:
    """The gradient at 60 digits where 700 digits agree with it to 1e-30 (relative); else the
    700 digits' where 760 agree with them; else None. (A tiny x cancels the terms of
    ``mish(x)/x``'s gradient across 146 digits: at 60 the "truth" is 0, where it is -0.32.)"""
    low, high = _gradient(expr, x, 60), _gradient(expr, x, 700)
    if low is not None and high is not None and abs(low - high) <= abs(high) * mp.mpf(10) ** -30:
        return low
    higher = _gradient(expr, x, 760)
    if high is not None and higher is not None and abs(high - higher) <= abs(higher) * mp.mpf(10) ** -30:
        return high
    return None


def test_the_truth_is_read_where_60_digits_cancel() -> None:
    """The oracle's own check: 60 digits lose the gradient of mish(x)/x at 2.4e-146 (they say
    0); the truth is the derivative of tanh(softplus(x)) there, 0.32 (0.64 x 0.5)."""
    from gradcli.language.parse import parse

    expr = parse("mish(x)/x")
    assert _gradient(expr, 2.371373705661655e-146, 60) == 0
    assert abs(_truth(expr, 2.371373705661655e-146) - mp.mpf("0.32")) < 1e-12


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), POINTS, st.sampled_from(["forward", "backward", "central", "five-point", "richardson"]))
def test_every_finite_estimate_at_an_auto_step_covers_the_error(data, x, method):
    expr = x_only(_tree(Draw(data), 6))
    if expr is None:
        return
    text = expr.text
    t = _truth(expr, x)
    if t is None:
        event("no truth")
        return
    result = compute(expr, np.array([[x]]), method=method)
    if {w.kind for w in result.warnings[0]} & {"nondifferentiable", "kink"}:
        event("on a kink: no derivative to estimate the error of")
        return
    g, estimate = float(result.diff.gradient[0, 0]), float(result.diff.error_estimate[0, 0])
    if not (math.isfinite(g) and math.isfinite(estimate)):
        event("no finite estimate")
        return
    event("checked")
    assert abs(g - float(t)) <= estimate, (text, x, method, g, float(t), estimate)
