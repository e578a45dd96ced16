"""Differences next to float64's limits: f near 1e308 (its second difference overflows where f
does not), and f'' beyond float64 where f and the step are not (sqrt(abs(x)) at 1e-300).

Truth is mpmath at 50 digits; every estimate gradcli prints must cover the error it makes."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.cli import main
from gradcli.derive.gradient import grad
from gradcli.derive.higher import higher
from gradcli.derive.seams import overflow_reach
from gradcli.derive.steps import scale
from gradcli.language.evaluate import forward
from gradcli.language.parse import parse

METHODS = ["forward", "backward", "central", "five-point", "richardson"]


def _truth(derivative, x: str) -> float:
    with mpmath.workdps(50):
        return float(derivative(mpmath.mpf(x)))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("x", ["709.7", "709.0", "-745.0"])
def test_exp_near_overflow_is_finite_and_within_its_estimate(method: str, x: str) -> None:
    """exp at 709.7 is 1.65e308: 2 f(x+h) overflows, and so did the truncation estimates and the
    pilot's second difference (the estimate read as rounding alone: 2e296 for an error of 6e304;
    five-point stepped 0.525 and probed past the overflow)."""
    r = grad("exp(x)", f"x={x}", method=method)
    assert r.diff is not None
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    truth = _truth(mpmath.exp, x)
    assert np.isfinite(g) and np.isfinite(est)
    assert abs(g - truth) <= est


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("x", ["1e-250", "1e-300", "-1e-300", "1e-310"])
def test_f_second_derivative_beyond_float64_keeps_an_estimate(method: str, x: str) -> None:
    """sqrt(abs(x)) at 1e-300 has f'' about 1e449: the pilot's ratios and forward's h/2 |f''| are
    taken from the differences themselves (before, the pilots ran out and the estimate was
    unknown, or forward's truncation read as 0 and its estimate missed by 3e4)."""
    r = grad("sqrt(abs(x))", f"x={x}", method=method)
    assert r.diff is not None
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    truth = _truth(lambda t: mpmath.sign(t) / (2 * mpmath.sqrt(abs(t))), x)
    assert np.isfinite(est)
    assert abs(g - truth) <= est
    assert abs(g - truth) <= 1e-6 * abs(truth)  # and the step is the usual one for x's scale


@pytest.mark.parametrize(("order", "x"), [(2, "709.0"), (2, "709.7"), (3, "709.7"), (4, "709.7")])
def test_higher_order_stencils_near_overflow(order: int, x: str) -> None:
    """-5/2 f(x) overflowed in the fourth-order stencil at exp(709): the difference was -inf
    with no word; its probes also reached past exp's overflow at 709.78."""
    r = higher(parse("exp(x)"), np.array([float(x)]), order, precision="off")
    truth = _truth(mpmath.exp, x)
    assert np.isfinite(r.fd[0]) and np.isfinite(r.error_estimate[0])
    assert abs(float(r.fd[0]) - truth) <= float(r.error_estimate[0])


def test_higher_order_step_below_the_power_underflow() -> None:
    """h**order underflows for a short step and a high order: the difference is divided by h
    one power at a time there."""
    r = higher(parse("sin(x) + 1e-80*x"), np.array([1e-70]), 5, eps=1e-70, precision="off")
    assert np.isfinite(r.fd[0])


@pytest.mark.parametrize(
    ("f", "x", "expected"),
    [
        (np.exp, 709.7, float(mpmath.log(mpmath.mpf(np.finfo(float).max))) - 709.7),
        (
            lambda t: 1e308 * np.cosh(t),
            0.0,
            float(mpmath.acosh(mpmath.mpf(np.finfo(float).max) / mpmath.mpf(1e308))),
        ),
    ],
)
def test_overflow_reach_finds_the_overflow_within_a_few_percent(f, x, expected) -> None:  # type: ignore[no-untyped-def]
    p = np.array([2.0**-17])
    xs = np.array([x])
    up, here, down = f(xs + p), f(xs), f(xs - p)
    reach = float(overflow_reach(here, 0.5 * (up - down), (up - here) - (here - down), p)[0])
    assert 0.9 * expected <= reach <= 1.1 * expected


@pytest.mark.parametrize(("text", "x"), [("exp(x) - 1 - x", 0.0), ("1e10*x", 1e-300), ("x**2", 3.0)])
def test_overflow_reach_leaves_lengths_far_from_overflow_alone(text: str, x: float) -> None:
    e = parse(text)
    cols = [np.array([x])]
    values = forward(e, cols)
    p = np.array([2.0**-17])
    up, down = (forward(e, [cols[0] + s])[-1] for s in (p, -p))
    here = np.broadcast_to(values[-1], (1,))
    assert overflow_reach(here, 0.5 * (up - down), (up - here) - (here - down), p)[0] > 1e100
    assert scale(e, cols, 0, cols[0], here).length[0] >= 0.1 * max(1.0, abs(x))


def test_a_given_step_is_cut_short_of_overflow_and_says_so() -> None:
    result = CliRunner().invoke(
        main, ["grad", "exp(x)", "--at", "x=709.7", "--eps", "0.1", "--method", "central", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.splitlines()[0])
    assert record["eps"]["x"] < 0.0827 / 2
    step = [w for w in record["warnings"] if w["kind"] == "step"]
    assert step and "float64 overflow" in step[0]["message"]
    truth = _truth(mpmath.exp, "709.7")
    assert abs(record["gradient"]["x"] - truth) <= record["error_estimate"]["x"]


def test_an_estimate_beyond_float64_is_unknown_and_says_why() -> None:
    """1 + abs(x) at 5e-324: the step is the float spacing, and f's rounding over it is 9e307;
    twice that overflowed (a RuntimeWarning under -W error) and the warning blamed a probe that
    "left f's domain"."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = grad("1 + abs(x)", "x=5e-324", method="forward")
    assert r.diff is not None and r.diff.error_estimate[0, 0] == np.inf
    (w,) = [w for w in r.warnings[0] if w.kind == "unconverged"]
    assert "divided by the step" in w.message and "beyond float64's range" in w.message
