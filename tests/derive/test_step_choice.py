"""How the automatic steps are chosen where f's own estimates mislead: a step that aliases f's
variation, and an extrapolation whose first steps are not yet in their h**2 regime. Truth is
mpmath at 50 digits."""

from __future__ import annotations

import mpmath

from gradcli.derive.gradient import grad


def _truth(derivative, x: str) -> float:  # type: ignore[no-untyped-def]
    with mpmath.workdps(50):
        return float(derivative(mpmath.mpf(x)))


def test_a_longer_step_whose_truncation_reads_less_is_aliased_and_loses() -> None:
    """cos(x) + x at 1e10: the pilot cannot see cos under f's rounding (1e-6 against a second
    difference of 6e-11), so the first forward step is 149; there cos aliases and the truncation
    estimate read 0.005 for an error of 0.5. A shorter round read 0.08: truncation that falls as
    the step grows is not in its h**p regime, and the shorter step wins."""
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
