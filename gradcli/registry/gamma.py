"""The gamma family: gamma, lgamma and polygamma(n, x) (polygamma(0, x) is the digamma function).

float64 rules: gamma and lgamma call the C library's tgamma and lgamma (a few ulps); polygamma
is computed here:

* digamma (n = 0): on [1, 2] its Taylor series about 1.5 (40 terms, |error| < 1e-19, no
  cancellation except next to its root 1.4616..., where any rule loses digits); for x > 2 the
  recurrence psi(x) = psi(x-1) + 1/(x-1) down to [1, 2] (terms of one sign); for x >= 10 the
  asymptotic series to x**-16 (error < 4e-18 relative); for 0 < x < 1, psi(x+1) - 1/x; for
  x <= 0 the reflection psi(1-x) - pi*cot(pi*x), with x reduced exactly to r in [-1/2, 1/2]
  and cot(pi*r) = sin(pi*(1/2-|r|))/sin(pi*r) (0 at r = +-1/2, as it should be).
* n >= 1: (-1)**(n+1) n! zeta(n+1, x), the Hurwitz zeta by Euler-Maclaurin (the sum up to
  x + N >= 10 + n, then 8 Bernoulli terms); for x > 0 every term has one sign, so the error is a
  few ulps. For x < 0 the same sum runs through terms of both signs when n is even and may lose
  digits where they cancel.

Poles: gamma(+-0) = +-inf and NaN at negative integers (C's tgamma); lgamma = +inf at every
pole; polygamma is NaN at poles. n must be a whole number from 0 to 170 (NaN otherwise); polygamma's
slope by n is 0 (it is only defined at whole n).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .op import Array, Op, explain, first_order, mpmath, unary

# psi^(k)(1.5) / k!, k = 0..39 (from mpmath at 40 digits)
_TAYLOR_15 = (
    0.03648997397857652, 0.9348022005446793, -0.41439832211716, 0.23484850566707288,
    -0.14476040944446772, 0.0926129050202958, -0.06035822750419901, 0.039725830475806544,
    -0.026288734128011568, 0.0174503557579013, -0.011604072632543951, 0.0077244357964577825,
    -0.005145030015404601, 0.0034281966667612175, -0.0022847390721405124, 0.001522870346000414,
    -0.001015131597159741, 0.0006767083668530195, -0.00045112052391497754, 0.00030073966816718435,
    -0.00020049017503511192, 0.00013365894243866317, -8.910549209022471e-05, 5.940347362631024e-05,
    -3.9602240657424494e-05, 2.6401463738066207e-05, -1.7600963813050482e-05, 1.1733971070748258e-05,
    -7.822645458740456e-06, 5.215096203815732e-06, -3.476730495079927e-06, 2.3178202070698033e-06,
    -1.5452134221870694e-06, 1.0301422617810959e-06, -6.867614999833321e-07, 4.578409968406092e-07,
    -3.052273299677652e-07, 2.0348488614145488e-07, -1.356565905594815e-07, 9.043772695905904e-08,
)  # fmt: skip
# B_2k / (2k), k = 1..8: psi(x) ~ log(x) - 1/(2x) - sum B_2k / (2k x**2k)
_PSI_ASYMPTOTIC = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12, -3617 / 8160)
# B_2j / (2j)!, j = 1..8
_BERNOULLI = (1 / 6 / 2, -1 / 30 / 24, 1 / 42 / 720, -1 / 30 / 40320, 5 / 66 / 3628800,
              -691 / 2730 / 479001600, 7 / 6 / 87178291200, -3617 / 510 / 20922789888000)  # fmt: skip


def _digamma_from_1(z: Array) -> Array:
    """psi(z) for z >= 1."""
    out = np.empty_like(z)
    big = z >= 10.0
    zb = np.where(big, z, 10.0)
    inv2 = 1.0 / (zb * zb)
    series: Array | float = 0.0
    for c in reversed(_PSI_ASYMPTOTIC):
        series = (series + c) * inv2
    out = np.where(big, np.log(zb) - 0.5 / zb - series, 0.0)
    small = ~big
    m = np.where(small, np.floor(z - 1.0), 0.0)  # z - m in [1, 2), exactly
    y = np.where(small, z - m, 1.5)
    t = y - 1.5
    taylor: Array | float = 0.0
    for c in reversed(_TAYLOR_15):
        taylor = taylor * t + c
    shift = np.zeros_like(z)
    for k in range(1, 9):  # psi(z) = psi(y) + 1/y + 1/(y+1) + ... + 1/(z-1)
        shift = shift + np.where(k <= m, 1.0 / (z - k), 0.0)
    return np.where(small, taylor + shift, out)


def digamma(x: Array) -> Array:
    """psi(x) = d/dx log|gamma(x)| in float64 (see the module docstring for the method)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        pole = (x <= 0) & (np.floor(x) == x)
        r = x - np.round(x)  # exact; cot(pi*x) = cot(pi*r)
        z = np.where(x >= 1, x, np.where(x > 0, x + 1.0, 1.0 - x))
        z = np.where(np.isfinite(z), z, 10.0)
        base = _digamma_from_1(z)
        a = np.abs(r)  # cos(pi*r) = sin(pi*(1/2 - |r|)), 1/2 - |r| exact: 0 where it should be
        cos_pi = np.where(a < 0.25, np.cos(math.pi * a), np.sin(math.pi * (0.5 - a)))
        reflect = base - math.pi * cos_pi / np.sin(math.pi * r)
        out = np.where(x >= 1, base, np.where(x > 0, base - 1.0 / x, reflect))
        out = np.where(x == np.inf, np.inf, out)
        return np.where(pole | np.isnan(x) | (x == -np.inf), np.nan, out)


FEW_STEPS = 64  # recurrence steps taken for all points together; beyond, a point's are summed at once
MAX_STEPS = 100_000  # polygamma(n, x) for n >= 1 is computed for x > -MAX_STEPS + 10 only (NaN below)
MAX_ORDER = 170  # n! overflows float64 beyond this; higher orders are not computed (NaN, with a reason)


def _whole(n: Array) -> Array:
    return np.isfinite(n) & (np.floor(n) == n) & (n >= 0) & (n <= MAX_ORDER)


def polygamma(n: Array, x: Array) -> Array:
    """psi^(n)(x) for whole n >= 0 in float64 (see the module docstring for the method)."""
    n, x = np.broadcast_arrays(np.asarray(n, dtype=np.float64), np.asarray(x, dtype=np.float64))
    out = np.full(x.shape, np.nan)
    with np.errstate(all="ignore"):
        for order in np.unique(n[_whole(n)]):
            pick = n == order
            out = np.where(pick, digamma(x) if order == 0 else _hurwitz(int(order), x), out)
    return out if out.ndim else np.float64(out)


def too_far(n: Array | float, x: Array | float) -> Array:
    """Where polygamma(n, x), n >= 1, is not computed: more than MAX_STEPS steps of the
    recurrence below x = n + 11, where the series starts (NaN in float64 and in mpmath alike)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & (np.ceil(np.asarray(n, dtype=np.float64) + 11.0 - x) > MAX_STEPS)


def _hurwitz(n: int, x: Array) -> Array:
    """(-1)**(n+1) n! zeta(n+1, x) by Euler-Maclaurin, n >= 1."""
    s = n + 1.0
    target = 10.0 + s
    steps = np.where(np.isfinite(x) & (x < target), np.ceil(target - np.where(np.isfinite(x), x, 0.0)), 0.0)
    far = too_far(float(n), x)  # far below 0 the recurrence would take |x| steps: not computed
    steps = np.where(far, 0.0, steps)
    total = np.zeros_like(x)
    near = np.where(steps <= FEW_STEPS, steps, 0.0)
    for k in range(int(near.max(initial=0.0))):  # a few steps for every point at once
        total = total + np.where(k < near, np.power(x + k, -s), 0.0)
    for i in np.flatnonzero(steps > FEW_STEPS).tolist():  # far left: one point's steps at once
        total.flat[i] = np.sum(np.power(x.flat[i] + np.arange(steps.flat[i]), -s))
    w = x + steps
    tail = np.power(w, 1.0 - s) / (s - 1.0) + 0.5 * np.power(w, -s)
    rising = s  # s (s+1) ... (s+2j-2)
    for j, b in enumerate(_BERNOULLI, start=1):
        tail = tail + b * rising * np.power(w, -s - 2 * j + 1)
        rising = rising * (s + 2 * j - 1) * (s + 2 * j)
    pole = (x <= 0) & (np.floor(x) == x)
    value = (-1.0) ** (n + 1) * math.factorial(n) * (total + tail)
    return np.where(pole | far | np.isnan(x), np.nan, np.where(x == np.inf, 0.0, value))


# --- gamma -------------------------------------------------------------------------------------------


def _scalar_gamma(x: float) -> float:
    if x == 0:
        return math.copysign(math.inf, x)
    try:
        return math.gamma(x)
    except ValueError:
        return math.nan  # a negative integer
    except OverflowError:
        return math.copysign(math.inf, x) if x > 0 or abs(x) < 1 else 0.0


def _gamma(x: Array) -> Array:
    x = np.asarray(x, dtype=np.float64)
    out = (
        np.frompyfunc(_scalar_gamma, 1, 1)(x).astype(np.float64)
        if x.ndim
        else np.float64(_scalar_gamma(float(x)))
    )
    return np.where(np.isnan(x), np.nan, out)


def poles(x: Array) -> Array:
    """A seam function (``Op.seams``) for the poles at 0, -1, -2, ...: sin(pi x) for x < 1/2
    (from x's distance to the nearest whole number, which is exact), NaN above."""
    x = np.asarray(x, dtype=np.float64)
    k = np.round(x)
    odd = np.fmod(k, 2.0) != 0
    s = np.sin(np.pi * (x - k))
    return np.where(x < 0.5, np.where(odd, -s, s), np.nan)


def pole_angle(x: Array) -> Array:
    """``Op.wave`` of a function of x with gamma's poles at 0, -1, -2, ...: pi x below 1/2 (the
    poles 1 apart, as tan's are pi apart in its argument), NaN above."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x < 0.5, np.pi * x, np.nan)


def _mp_gamma(x: Any) -> Any:
    m = mpmath()
    if x == 0:
        return m.inf
    if x < 0 and m.isint(x):
        return m.nan
    return m.gamma(x)


GAMMA = unary(
    name="gamma",
    domain="x not 0 or a negative whole number (poles)",
    forward=_gamma,
    slope=lambda x, o: o * digamma(x),
    derivative="gamma(x)*polygamma(0,x)",
    doc="the gamma function, gamma(n+1) = n!",
    why_nonfinite=explain(
        [
            (lambda x: x == 0, "gamma of 0 (a pole)"),
            (lambda x: (x < 0) & (np.floor(x) == x), "gamma of a negative integer (a pole)"),
        ]
    ),
    complex_forward=lambda z: first_order(z, _gamma, lambda x: _gamma(x) * digamma(x)),
    seams=lambda a, o: (poles(a[0]),),
    wave=lambda a: pole_angle(a[0]),
    mp=_mp_gamma,
)

# --- lgamma ------------------------------------------------------------------------------------------


def _scalar_lgamma(x: float) -> float:
    try:
        return math.lgamma(x)
    except ValueError:
        return math.inf  # a pole
    except OverflowError:
        return math.inf


def _lgamma(x: Array) -> Array:
    x = np.asarray(x, dtype=np.float64)
    return (
        np.frompyfunc(_scalar_lgamma, 1, 1)(x).astype(np.float64)
        if x.ndim
        else np.float64(_scalar_lgamma(float(x)))
    )


def _mp_lgamma(x: Any) -> Any:
    m = mpmath()
    if x <= 0 and m.isint(x):
        return m.inf
    return m.re(m.loggamma(x))  # the real part of the principal log-gamma is log|gamma|


LGAMMA = unary(
    name="lgamma",
    domain="x not 0 or a negative whole number (poles)",
    forward=_lgamma,
    slope=lambda x, o: digamma(x),
    derivative="polygamma(0,x)",
    doc="log|gamma(x)|, without overflow",
    why_nonfinite=explain([(lambda x: (x <= 0) & (np.floor(x) == x), "lgamma at a pole of gamma")]),
    complex_forward=lambda z: first_order(z, _lgamma, digamma),
    seams=lambda a, o: (poles(a[0]),),
    wave=lambda a: pole_angle(a[0]),
    mp=_mp_lgamma,
)

# --- polygamma(n, x) ---------------------------------------------------------------------------------


def _polygamma_partials(args: Sequence[Array], out: Array) -> tuple[Array, Array]:
    n, x = args
    return np.where(_whole(n), 0.0, np.nan), polygamma(np.asarray(n) + 1.0, x)


def _mp_polygamma(n: Any, x: Any) -> Any:
    """mpmath's polygamma where float64's is computed (mpmath's recurrence too takes about |x|
    steps far below 0: 16 s at -851,410), else NaN."""
    m = mpmath()
    if not (m.isint(n) and 0 <= n <= MAX_ORDER) or (x <= 0 and m.isint(x)):
        return m.nan
    if n >= 1 and m.ceil(n + 11 - x) > MAX_STEPS:  # (too_far, in mpmath: x may be beyond float64)
        return m.nan
    return m.polygamma(int(n), x)


POLYGAMMA = Op(
    name="polygamma",
    domain="n a whole number >= 0; x not 0 or a negative whole number (poles)",
    min_args=2,
    max_args=2,
    forward=polygamma,
    partials=_polygamma_partials,
    derivative="0 and polygamma(n+1,x)",
    symbolic="0 and polygamma(n+1,x)",
    jumps=(0,),  # n: whole numbers only, so f jumps as n moves (its 0 partial is no constancy)
    doc="the n-th derivative of digamma = polygamma(0, x) = gamma'(x)/gamma(x); n a whole number from 0 to 170",
    signature="polygamma(n, x)",
    seams=lambda a, o: (poles(a[1]),),
    wave=lambda a: pole_angle(a[1]),
    why_nonfinite=explain(
        [
            (
                lambda n, x: ~_whole(n),
                f"polygamma of an order n that is not a whole number from 0 to {MAX_ORDER}",
            ),
            (lambda n, x: (x <= 0) & (np.floor(x) == x), "polygamma at a pole (x a whole number <= 0)"),
            (
                lambda n, x: (n >= 1) & too_far(n, x),
                f"polygamma of order n >= 1 below x = n + 11 - {MAX_STEPS}, which gradcli does not compute",
            ),
        ]
    ),
    complex_forward=lambda n, z: first_order(
        z, lambda x: polygamma(np.real(n), x), lambda x: polygamma(np.real(n) + 1.0, x)
    ),
    mp=_mp_polygamma,
)

OPS = (GAMMA, LGAMMA, POLYGAMMA)
