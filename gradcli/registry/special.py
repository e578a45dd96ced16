"""Special functions: erf and erfc, and the normal distribution's CDF and density (for gelu).

The float64 rules call the C library's erf and erfc (about 1 ulp) and carry x/sqrt(2) and
x**2 in double-double where a tail would otherwise lose digits.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .op import MAGNITUDE, Array, BeyondRange, first_order, mpmath, unary

_SQRT1_2_HI = 0.7071067811865476  # float64 nearest 1/sqrt(2) ...
_SQRT1_2_LO = -4.833646656726457e-17  # ... and the rest: 1/sqrt(2) = HI + LO to ~32 digits
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for float64
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _two_product_error(a: Array, b: float, p: Array) -> Array:
    """The rounding error of ``p = a*b``: a*b = p + error exactly (Dekker, no fma needed).

    Valid while |a| < 1e300 or so (the split multiplies by 2**27); beyond, the error term is
    irrelevant for the callers here and set to 0.
    """
    a = np.asarray(a, dtype=np.float64)
    big = ~(np.abs(a) < 1e290)
    a_s = np.where(big, 0.0, a)
    t = _SPLIT * a_s
    a_hi = t - (t - a_s)
    a_lo = a_s - a_hi
    u = _SPLIT * b
    b_hi = u - (u - b)
    b_lo = b - b_hi
    err = ((a_hi * b_hi - np.where(big, 0.0, p)) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return np.where(big, 0.0, err)


def _square_error(x: Array, sq: Array) -> Array:
    big = ~(np.abs(x) < 1e150)
    xs = np.where(big, 0.0, x)
    t = _SPLIT * xs
    hi = t - (t - xs)
    lo = xs - hi
    return np.where(big, 0.0, ((hi * hi - np.where(big, 0.0, sq)) + 2.0 * hi * lo) + lo * lo)


def erf(x: Array) -> Array:
    """erf elementwise by ``math.erf`` (the C library's, accurate to about 1 ulp)."""
    x = np.asarray(x, dtype=np.float64)
    return np.frompyfunc(math.erf, 1, 1)(x).astype(np.float64) if x.ndim else np.float64(math.erf(x))


def erfc(z: Array) -> Array:
    """erfc elementwise by ``math.erfc`` (the C library's, accurate to about 1 ulp)."""
    z = np.asarray(z, dtype=np.float64)
    return np.frompyfunc(math.erfc, 1, 1)(z).astype(np.float64) if z.ndim else np.float64(math.erfc(z))


def gauss_cdf(x: Array) -> Array:
    """Phi(x) = erfc(-x/sqrt(2))/2, with x/sqrt(2) carried to double-double precision.

    Rounding x/sqrt(2) alone would cost about x**2 ulps in the far left tail (erfc's relative
    slope there is 2z); the first-order correction with the product's exact error removes it.
    """
    x = np.asarray(x, dtype=np.float64)
    z = x * _SQRT1_2_HI
    dz = _two_product_error(x, _SQRT1_2_HI, z) + x * _SQRT1_2_LO
    return 0.5 * erfc(-z) + dz * np.exp(-z * z) / math.sqrt(math.pi)


def _exp_neg_square(x: Array, half: bool = False) -> Array:
    """exp(-x**2) (exp(-x**2/2) with ``half``) with x**2 split exactly, so that the tail keeps
    its digits: rounding x**2 alone costs about x**2 ulps there (244 at x = 15.6)."""
    x = np.asarray(x, dtype=np.float64)
    scale = 0.5 if half else 1.0
    sq = x * x
    tail = np.exp(-scale * sq)
    # exp(-sq) underflows to 0 long before the correction factor could overflow
    return tail * np.where(tail > 0, np.exp(-scale * _square_error(x, sq)), 1.0)


def gauss_pdf(x: Array) -> Array:
    """phi(x) = exp(-x**2/2)/sqrt(2 pi), with x**2 split exactly so that the tail keeps its digits."""
    return _exp_neg_square(x, half=True) / math.sqrt(2.0 * math.pi)


def _erf_slope(x: Array) -> Array:
    """erf'(x) = 2/sqrt(pi) exp(-x**2), its tail to a few ulps (see :func:`_exp_neg_square`)."""
    return _TWO_OVER_SQRT_PI * _exp_neg_square(x)


def mp_erfc(x: Any) -> Any:
    """erfc in mpmath: mpmath's own, to the working precision, up to x = 4096; past it erfc(x) <
    exp(-x**2) < 2**-MAGNITUDE (x**2 > MAGNITUDE), so :class:`BeyondRange` (mpmath's erfc takes 10-20 ms from
    x = 1e100 and overflows a float past about 1e150)."""
    m = mpmath()
    if m.isnan(x):
        return m.nan
    if x > 0 and x * x > MAGNITUDE:
        raise BeyondRange("erfc")
    return m.erfc(x)


def mp_gauss_cdf(x: Any) -> Any:
    """Phi(x) = erfc(-x/sqrt(2))/2 in mpmath."""
    m = mpmath()
    return mp_erfc(-x / m.sqrt(2)) / 2


ERF = unary(
    name="erf",
    forward=erf,
    slope=lambda x, o: _erf_slope(x),
    derivative="2/sqrt(pi)*exp(-x**2)",
    doc="error function",
    complex_forward=lambda z: first_order(z, erf, _erf_slope),
    mp=lambda x: mpmath().erf(x),
)

# gelu's symbolic derivative needs Phi(x) = erfc(-x/sqrt(2))/2
ERFC = unary(
    name="erfc",
    forward=erfc,
    slope=lambda x, o: -_erf_slope(x),
    derivative="-2/sqrt(pi)*exp(-x**2)",
    doc="1 - erf(x), accurate where erf(x) is near 1",
    complex_forward=lambda z: first_order(z, erfc, lambda x: -_erf_slope(x)),
    mp=mp_erfc,
)

OPS = (ERF, ERFC)
