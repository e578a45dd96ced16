"""Healthy ranges against roots solved independently with mpmath.findroot on the exact derivative."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.analysis.health import STRONG, healthy_range, slope_of
from gradcli.registry import FUNCTIONS

mp.mp.dps = 40
REL = 1e-12  # the edges are bisected to adjacent floats; the rules are good to a few ulps


def _sig(x):
    return 1 / (1 + mp.exp(-x))


EXACT_SLOPE = {
    "sigmoid": lambda x: _sig(x) * _sig(-x),
    "tanh": lambda x: mp.sech(x) ** 2,
    "elu": lambda x: 1 if x > 0 else mp.exp(x),
    "gelu": lambda x: mp.ncdf(x) + x * mp.npdf(x),
    "silu": lambda x: _sig(x) * (1 + x * _sig(-x)),
    "mish": lambda x: mp.tanh(mp.log1p(mp.exp(x))) + x * mp.sech(mp.log1p(mp.exp(x))) ** 2 * _sig(x),
    "softplus": _sig,
}


def health(name: str, vanish: float = 1e-6, params=()):
    return healthy_range(slope_of(FUNCTIONS[name], params), vanish)


def root(name: str, level: float, guess: float) -> float:
    """x near guess where |f'(x)| = level, by mpmath.findroot on the exact derivative."""
    q = EXACT_SLOPE[name]
    sign = 1 if q(mp.mpf(guess)) > 0 else -1
    return float(mp.findroot(lambda x: sign * q(x) - level, mp.mpf(guess)))


def close(got: float, want: float) -> bool:
    return abs(got - want) <= REL * max(1.0, abs(want))


def test_sigmoid_is_healthy_for_about_abs_x_below_13_8():
    h = health("sigmoid")
    ((lo, hi),) = h.above_vanish
    assert close(hi, root("sigmoid", 1e-6, 13.8)) and close(lo, root("sigmoid", 1e-6, -13.8))
    assert 13.8 < hi < 13.82
    assert h.peak == 0.25 and h.peak_at == 0.0
    ((lo, hi),) = h.strong
    assert close(hi, root("sigmoid", 0.025, 3.6)) and close(lo, -hi)


def test_the_unit_range_sits_well_inside_for_the_sigmoid():
    h = health("sigmoid")
    assert close(h.unit_low, float(EXACT_SLOPE["sigmoid"](mp.mpf(1))))  # 0.1966...
    assert h.unit_high == 0.25
    ((lo, hi),) = h.strong
    assert lo < -1 and 1 < hi


@given(st.floats(1e-12, 0.2))
@settings(max_examples=15, deadline=None)
def test_sigmoid_edges_for_any_threshold(vanish):
    ((lo, hi),) = health("sigmoid", vanish).above_vanish
    guess = math.log(1 / vanish)
    assert close(hi, root("sigmoid", vanish, guess))
    assert close(lo, -hi)


def test_tanh_edges():
    h = health("tanh")
    ((lo, hi),) = h.above_vanish
    assert close(hi, float(mp.acosh(1000))) and close(lo, -float(mp.acosh(1000)))
    ((lo, hi),) = h.strong
    assert close(hi, float(mp.acosh(mp.sqrt(10))))


def test_relu_has_no_vanishing_side_for_positive_x_and_a_dead_side():
    h = health("relu")
    assert h.above_vanish == ((0.0, math.inf),)
    assert h.strong == ((0.0, math.inf),)
    assert h.zero_left and not h.zero_right
    assert h.peak == 1.0 and h.peak_at is None  # flat at its peak
    assert (h.unit_low, h.unit_high) == (0.0, 1.0)


def test_leaky_relu_never_vanishes_with_its_default_alpha():
    h = health("leaky_relu", params=(0.01,))
    assert h.above_vanish == ((-math.inf, math.inf),)
    assert h.strong == ((0.0, math.inf),)  # 0.01 is below 10% of the peak 1
    assert not h.zero_left and h.unit_low == 0.01
    h = health("leaky_relu", params=(0.2,))
    assert h.strong == ((-math.inf, math.inf),)


def test_elu_edges_on_its_negative_side_only():
    h = health("elu", params=(1.0,))
    ((lo, hi),) = h.above_vanish
    assert hi == math.inf and close(lo, math.log(1e-6))
    ((lo, hi),) = h.strong
    assert hi == math.inf and close(lo, math.log(0.1))


def test_softsign_edges_are_999():
    ((lo, hi),) = health("softsign").above_vanish
    assert close(hi, 999.0) and close(lo, -999.0)


def test_hard_sigmoid_is_healthy_exactly_between_its_corners():
    h = health("hard_sigmoid")
    assert h.above_vanish == ((-3.0, 3.0),) == h.strong
    assert h.zero_left and h.zero_right


@pytest.mark.parametrize(("name", "guess"), [("gelu", -0.75), ("silu", -1.28), ("mish", -1.19)])
def test_minimum_of_f_splits_the_range_where_f_prime_crosses_zero(name, guess):
    h = health(name)
    (zero,) = h.zeros
    exact = float(mp.findroot(EXACT_SLOPE[name], mp.mpf(guess)))
    assert close(zero, exact)
    (a, b), (c, d) = h.above_vanish
    assert d == math.inf
    assert b < zero < c  # a dip of |f'| below 1e-6 around the zero
    assert close(b, root(name, 1e-6, zero - 1e-6)) and close(c, root(name, 1e-6, zero + 1e-6))
    assert close(a, root(name, 1e-6, -5.4 if name == "gelu" else -16.5))
    if -1 < zero < 1:  # gelu: the least |f'| on the usual -1 < x < 1 is at the zero of f'
        assert h.unit_low < 1e-15
    else:
        assert h.unit_low > 0.01


def test_gelu_peak_is_at_sqrt_2():
    h = health("gelu")
    assert abs(h.peak_at - math.sqrt(2)) < 1e-6
    assert close(h.peak, float(EXACT_SLOPE["gelu"](mp.sqrt(2))))
    lo = h.strong[-1][0]
    assert close(lo, root("gelu", STRONG * h.peak, -0.5))


def test_gelu_slope_far_right_is_one_not_nan():
    # exp(-x**2/2) underflows; its correction factor must not turn 0 into NaN
    s = slope_of(FUNCTIONS["gelu"])
    assert s(np.array([3e10, 123456.789, 1e300])).tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_bad_threshold_is_refused(bad):
    with pytest.raises(ValueError, match="vanish must be 0 or a positive finite number"):
        health("sigmoid", bad)


def test_no_threshold_makes_the_whole_line_healthy():
    h = health("sigmoid", 0.0)
    assert h.above_vanish == ((-np.inf, np.inf),) and not h.zero_left and not h.zero_right


def _inside(x: float, intervals) -> bool:
    return any(lo < x < hi for lo, hi in intervals)


@pytest.mark.parametrize(
    "name",
    sorted(
        {
            "sigmoid",
            "tanh",
            "relu",
            "leaky_relu",
            "elu",
            "selu",
            "gelu",
            "silu",
            "softplus",
            "softsign",
            "mish",
            "hard_sigmoid",
        }
    ),
)
def test_membership_matches_the_slope_at_any_x(name):
    # every x inside a reported interval has |f'| >= the threshold, every x outside has less
    params = {"leaky_relu": (0.01,), "elu": (1.0,)}.get(name, ())
    slope = slope_of(FUNCTIONS[name], params)
    h = health(name, params=params)

    @given(st.one_of(st.floats(-50, 50), st.floats(-1e300, 1e300)))
    @settings(max_examples=80, deadline=None)
    def check(x):
        size = abs(float(slope(np.array([x]))[0]))
        assert _inside(x, h.above_vanish) == (size >= h.vanish), (x, size)
        assert _inside(x, h.strong) == (size >= h.strong_threshold), (x, size)

    check()


@pytest.mark.parametrize(("name", "alpha"), [("elu", -2.0), ("leaky_relu", -1.0), ("leaky_relu", -0.5)])
def test_a_jump_in_the_sign_of_f_prime_is_no_zero_of_it(name, alpha):
    # with a negative alpha f' jumps from alpha (times e**x) to 1 at the kink: it is never 0
    h = health(name, params=(alpha,))
    assert h.zeros == ()
    assert h.unit_low >= min(1.0, abs(alpha) * math.exp(-1)) - 1e-15


@pytest.mark.parametrize(
    ("name", "vanish", "params", "edge"),
    [("sigmoid", 1e-320, (), lambda: root("sigmoid", 1e-320, -736.8)), ("elu", 1e-6, (1e300,), None)],
)
def test_a_slope_that_fades_below_vanish_before_it_underflows_is_not_dead(name, vanish, params, edge):
    h = health(name, vanish, params)
    assert not h.zero_left and not h.zero_right
    lo = h.above_vanish[0][0]
    assert slope_of(FUNCTIONS[name], params)(np.array([lo]))[0] > 0  # fading, not exactly 0
    if edge is not None:  # f' near 1e-320 is subnormal, good to about 5e-324 / 1e-320 = 5e-4
        assert abs(lo - edge()) < 1e-3


SELU_SCALE = mp.mpf("1.0507009873554804934193349852946")
SELU_ALPHA = mp.mpf("1.6732632423543772848170429916717")


@pytest.mark.parametrize("vanish", [1e-6, 1e-3, 0.5])
def test_selu_edge_against_findroot(vanish):
    # selu' is scale*alpha*exp(x) on the left: one edge, and no vanishing side on the right
    h = health("selu", vanish)
    ((lo, hi),) = h.above_vanish
    want = float(mp.findroot(lambda x: SELU_SCALE * SELU_ALPHA * mp.exp(x) - vanish, -3))
    assert close(lo, want) and hi == math.inf
    assert h.peak == pytest.approx(float(SELU_SCALE * SELU_ALPHA), rel=1e-15)
