"""How the automatic steps are chosen where f's own estimates mislead: a step that aliases f's
variation, and an extrapolation whose first steps are not yet in their h**2 regime. Truth is
mpmath at 50 digits."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from gradcli.derive import steps
from gradcli.derive.gradient import grad
from gradcli.language.evaluate import value
from gradcli.language.parse import parse


def _truth(derivative, x: str) -> float:  # type: ignore[no-untyped-def]
    with mpmath.workdps(50):
        return float(derivative(mpmath.mpf(x)))


def test_a_longer_step_whose_truncation_reads_less_is_aliased_and_loses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """cos(x) + x at 1e10, with cos's period unread (a fast variation no op names): the pilot
    cannot see cos under f's rounding (1e-6 against a second difference of 6e-11), so the first
    forward step is 149; there cos aliases and the truncation estimate read 0.005 for an error of
    0.5. A shorter round read 0.08: truncation that falls as the step grows is not in its h**p
    regime, and the shorter step wins."""
    monkeypatch.setattr(steps, "wave_nodes", lambda expr: [])
    r = grad("cos(x) + x", "x=1e10", method="forward")
    assert r.diff is not None
    g, est, h = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0]), float(r.diff.step[0, 0])
    truth = _truth(lambda t: 1 - mpmath.sin(t), "1e10")
    assert h < 1.0
    assert abs(g - truth) <= est


def test_richardson_is_not_stopped_by_one_pre_asymptotic_level() -> None:
    """sigmoid(mish(swish(x+x))) at 1 from h0 = 0.125: D(h0) and D(h0/2) are not yet in the h**2
    regime; their extrapolation kept an error of 1.4e-5 with an estimate of 8e-6, because the
    next level was worse and one worse level stopped the tableau."""
    r = grad("sigmoid(mish(swish(x + x)))", "x=1", method="richardson")
    assert r.diff is not None
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    sw = lambda u: u / (1 + mpmath.exp(-u))
    f = lambda t: 1 / (1 + mpmath.exp(-sw(2 * t) * mpmath.tanh(mpmath.log(1 + mpmath.exp(sw(2 * t))))))
    with mpmath.workdps(50):
        truth = float(mpmath.diff(f, 1))
    assert abs(g - truth) <= est
    assert abs(g - truth) < 1e-12


WIGGLES = [
    ("cos(x) + x", "1e10", lambda t: 1 - mpmath.sin(t)),
    (
        "hypot(cos(x), x)",
        "700",
        lambda t: (t - mpmath.cos(t) * mpmath.sin(t)) / mpmath.hypot(mpmath.cos(t), t),
    ),
    ("sin(gamma(x))", "1.6e-7", lambda t: mpmath.cos(mpmath.gamma(t)) * mpmath.gamma(t) * mpmath.digamma(t)),
]


@pytest.mark.parametrize(("text", "x", "derivative"), WIGGLES)
@pytest.mark.parametrize("method", ["forward", "central", "five-point", "richardson"])
def test_steps_stay_within_a_radian_of_a_periodic_functions_argument(text, x, derivative, method) -> None:  # type: ignore[no-untyped-def]
    """A small fast wiggle on a large trend (cos(x)/(2x) on x at 700) adds to f'' less than f's
    rounding shows a pilot, and steps that span periods agree with each other on the trend alone:
    richardson at 700 missed by 6.6e-4 with an estimate of 1.8e-8, central at cos(x) + x at 1e10
    by 0.5, and sin(gamma(x)) at 1.6e-7 turns every 1.6e-13. Every estimate now covers its error."""
    r = grad(text, f"x={x}", method=method)
    assert r.diff is not None
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    assert abs(g - _truth(derivative, x)) <= est


@pytest.mark.parametrize("method", ["forward", "central", "five-point", "richardson"])
def test_steps_stay_within_a_radian_of_gammas_poles_below_0(method) -> None:  # type: ignore[no-untyped-def]
    """lgamma(2/x) at -2.3e-6: 2/x is -860,486, and gamma's poles, 1 apart there, come every
    2.7e-12 along x. The pilot (1.3e-7) spanned 50,000 of them and saw a smooth trend:
    richardson missed by 5e12 with an estimate of 1.9e8. ``Op.wave`` (pi u below 1/2) keeps
    steps within a radian of pi u, as of tan's argument; above 1/2 nothing repeats."""
    x = "-2.3242677160314276e-06"
    r = grad("lgamma(2/x)", f"x={x}", method=method)
    assert r.diff is not None
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    assert abs(g - _truth(lambda t: -2 * mpmath.digamma(2 / t) / t**2, x)) <= est
    xs = np.array([float(x), 3.0])
    expr = parse("lgamma(2/x)")
    length = steps.length_scale(expr, [xs], 0, xs, value(expr, [xs], 2))
    assert length[0] <= 2.7e-12 / np.pi * 1.01 and length[1] > 1e-3


def test_the_length_is_a_radian_of_the_fastest_periodic_argument() -> None:
    x = np.array([1e10, 3.0])
    f0 = np.cos(x) + x
    length = steps.length_scale(parse("cos(x) + x"), [x], 0, x, f0)
    assert length[0] <= 1.0  # (the pilot alone left it at 1e10)
    slow = steps.length_scale(parse("sin(x/1000) + x"), [x], 0, x, np.sin(x / 1000) + x)
    assert slow[1] == 3.0 and 500 < slow[0] <= 2000  # a radian of x/1000 is 1000 (its slope read to rounding)


@pytest.mark.parametrize(
    ("text", "x", "derivative"),
    [
        ("sin(3/x)", "1.778279410038923e-74", lambda t: -3 * mpmath.cos(3 / t) / t**2),
        ("-cot(2/x)", "4.4034191353956086e-119", lambda t: -2 / (mpmath.sin(2 / t) ** 2 * t**2)),
        ("selu(sin(2/x))", "8.406903233952007e-11", None),
    ],
)
@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_a_radian_is_read_inside_the_length_found_not_across_a_pole(text, x, derivative, method) -> None:  # type: ignore[no-untyped-def]
    """The first pilot (2**-17) spans 2/x's pole at 0 and reads its slope as 1e10: the radian
    and the seams are read again inside the length found. sin(3/x) at 1.8e-74 turns a radian
    every 1e-148, below the float spacing: no step resolves it, and the estimate is unknown."""
    r = grad(text, f"x={x}", method=method)
    assert r.diff is not None
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    if derivative is None:  # selu(sin(u)) = 1.0507 sin(u) where sin(u) > 0, as here
        derivative = lambda t: -2 * 1.0507009873554804934193349852946 * mpmath.cos(2 / t) / t**2
        with mpmath.workdps(50):
            assert mpmath.sin(2 / mpmath.mpf(x)) > 0
    error = abs(g - _truth(derivative, x))
    assert error <= est
    if text != "selu(sin(2/x))":
        assert est == np.inf  # no float64 step resolves f here


@pytest.mark.parametrize("text", ["asin(x) - x", "x - asinh(x)"])
@pytest.mark.parametrize("method", ["forward", "central", "five-point", "richardson"])
def test_a_far_probe_carries_its_own_evaluation_error(text: str, method: str) -> None:
    """x - asinh(x) at 1e-8 cancels to 1.7e-25 with an error of 2e-24; richardson probes it at
    1e-5, where the same cancellation carries 1000x more, and its estimate (1.2e-19, from x's
    error) missed an error of 5.9e-18."""
    r = grad(text, "x=1e-8", method=method)
    assert r.diff is not None
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    assert abs(g - 5e-17) <= est  # f' = x**2/2 + O(x**4), exact to 1e-32 here


@pytest.mark.parametrize(
    ("text", "x"), [("acos(x)", "5.623413251903491e-05"), ("sin(x) + x", "1e-4"), ("x**3 - x", "3e-5")]
)
@pytest.mark.parametrize("method", ["forward", "backward"])
def test_a_one_sided_difference_beside_an_inflection_reads_its_next_term(
    text: str, x: str, method: str
) -> None:
    """acos at 5.6e-5 by backward, step 6.1e-5: the second difference reads f'' at x - h, about
    0 across the inflection at 0, while the error, h**2/3 f''', is 1.1e-9; the estimate was
    3.1e-10. The auto step's last look (f at x +- 3h) reads f'' at x and the third difference."""
    r = grad(text, f"x={x}", method=method)
    assert r.diff is not None
    g, est = float(r.diff.gradient[0, 0]), float(r.diff.error_estimate[0, 0])
    derivative = {
        "acos(x)": lambda t: -1 / mpmath.sqrt(1 - t * t),
        "sin(x) + x": lambda t: mpmath.cos(t) + 1,
        "x**3 - x": lambda t: 3 * t * t - 1,
    }[text]
    assert abs(g - _truth(derivative, x)) <= est
