"""Exponentials, logarithms and roots: exp, log (any base; also ln), log2, log10, log1p, expm1, sqrt,
cbrt, hypot."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .op import Array, Op, at_zero, explain, first_order, mpmath, overflow, unary, unsettled


def log1p_complex(w: Array) -> Array:
    """log(1 + w) for complex w, both parts accurate for small w (numpy's loses the real part)."""
    w = np.asarray(w, dtype=complex)
    wr, wi = w.real, w.imag
    return 0.5 * np.log1p(wr * (2.0 + wr) + wi * wi) + 1j * np.arctan2(wi, 1.0 + wr)


def _log_why_one(zero_at: float, name: str) -> Callable[[Sequence[Array]], str]:
    return explain(
        [
            (lambda x: x < zero_at, f"{name} of a number below {zero_at:g}"),
            (lambda x: x == zero_at, f"{name} of {zero_at:g}"),
        ]
    )


def _mp_log(x: Any, base: Any = None) -> Any:
    """log as float64 has it: -inf at 0, NaN below (mpmath would go complex)."""
    m = mpmath()
    if x < 0 or (base is not None and base < 0):
        return m.nan
    return m.log(x) if base is None else _div(m.log(x), m.log(base))


def _div(a: Any, b: Any) -> Any:
    m = mpmath()
    if b == 0:
        return m.nan if a == 0 or m.isnan(a) else m.inf * m.sign(a)
    return a / b


# --- exp ----------------------------------------------------------------------------------------

EXP = unary(
    name="exp",
    forward=np.exp,
    slope=lambda x, o: o,
    derivative="exp(x)",
    doc="e to the power x",
    why_nonfinite=overflow("exp"),
    mp=lambda x: mpmath().exp(x),
)

# --- log, with an optional base ------------------------------------------------------------------


def _log(x: Array, base: Array | None = None) -> Array:
    return np.log(x) if base is None else np.log(x) / np.log(base)


def _log_partials(args: Sequence[Array], out: Array) -> tuple[Array, ...]:
    if len(args) == 1:
        return (1.0 / args[0],)
    x, base = args
    lb = np.log(base)
    return 1.0 / (x * lb), -out / (base * lb)


LOG = Op(
    name="log",
    domain="x > 0 (log(0) is -inf); a base > 0 other than 1",
    min_args=1,
    max_args=2,
    forward=_log,
    partials=_log_partials,
    derivative="1/x  (log(x, b): 1/(x*log(b)))",
    symbolic=lambda n: "1/x" if n == 1 else "1/(x*log(base)) and -log(x)/(base*log(base)**2)",
    doc="natural logarithm; log(x, base) for another base",
    signature="log(x)  log(x, base)",
    why_nonfinite=explain(
        [
            (lambda x, *b: x < 0, "log of a negative number"),
            (lambda x, *b: x == 0, "log of zero"),
            (lambda x, *b: (len(b) > 0) & np.all([v <= 0 for v in b]), "log to a base that is not positive"),
            (lambda x, *b: (len(b) > 0) & np.all([v == 1 for v in b]), "log to base 1"),
        ]
    ),
    # x = 0; a base at 0 (an edge) or 1 (a pole)
    seams=lambda a, o: (a[0], *(g for b in a[1:] for g in (b, b - 1.0))),
    mp=_mp_log,
)

LN = LOG._replace(
    name="ln", signature="ln(x)  ln(x, base)", doc="natural logarithm, the same as log", alias_of="log"
)

LOG2 = unary(
    name="log2",
    domain="x > 0 (log2(0) is -inf)",
    forward=np.log2,
    slope=lambda x, o: 1.0 / (x * math.log(2.0)),
    derivative="1/(x*log(2))",
    doc="base-2 logarithm",
    why_nonfinite=_log_why_one(0.0, "log2"),
    mp=lambda x: _mp_log(x, mpmath().mpf(2)),
    seams=at_zero,
)

LOG10 = unary(
    name="log10",
    domain="x > 0 (log10(0) is -inf)",
    forward=np.log10,
    slope=lambda x, o: 1.0 / (x * math.log(10.0)),
    derivative="1/(x*log(10))",
    doc="base-10 logarithm",
    why_nonfinite=_log_why_one(0.0, "log10"),
    mp=lambda x: _mp_log(x, mpmath().mpf(10)),
    seams=at_zero,
)

# --- log1p and expm1: accurate near 0 -------------------------------------------------------------

LOG1P = unary(
    name="log1p",
    domain="x > -1 (log1p(-1) is -inf)",
    forward=np.log1p,
    slope=lambda x, o: 1.0 / (1.0 + x),
    derivative="1/(1+x)",
    doc="log(1+x), accurate for small x",
    why_nonfinite=_log_why_one(-1.0, "log1p"),
    seams=lambda a, o: (a[0] + 1.0,),
    complex_forward=log1p_complex,
    mp=lambda x: mpmath().nan if x < -1 else mpmath().log1p(x),
)

EXPM1 = unary(
    name="expm1",
    forward=np.expm1,
    slope=lambda x, o: np.exp(x),  # not o + 1, which cancels for x < 0
    derivative="exp(x)",
    doc="exp(x)-1, accurate for small x",
    why_nonfinite=overflow("expm1"),
    mp=lambda x: mpmath().expm1(x),
)

# --- sqrt: a domain edge at 0 -----------------------------------------------------------------------

SQRT = unary(
    name="sqrt",
    domain="x >= 0",
    forward=np.sqrt,
    slope=lambda x, o: 0.5 / o,
    derivative="1/(2*sqrt(x))",
    doc="square root",
    kink=lambda a: a[0] == 0,
    directional=lambda a, d, o: np.where(
        unsettled(d[0]), np.nan, np.where(d[0] > 0, np.inf, np.where(d[0] == 0, 0.0, np.nan))
    ),
    kink_doc="at x = 0 (slope +inf to the right, undefined to the left)",
    seams=at_zero,
    why_nonfinite=explain([(lambda x: x < 0, "square root of a negative number")]),
    mp=lambda x: mpmath().nan if x < 0 else mpmath().sqrt(x),
)

# --- cbrt: real cube root, a vertical tangent at 0 -------------------------------------------------


def _cbrt_slope(x: Array, out: Array) -> Array:
    return 1.0 / (3.0 * (out * out))  # +inf at 0, on both sides


def _mp_cbrt(x: Any) -> Any:
    m = mpmath()
    return x if x == 0 or m.isnan(x) else m.sign(x) * m.cbrt(abs(x))  # mpmath's is complex for x < 0


CBRT = unary(
    name="cbrt",
    forward=np.cbrt,
    slope=_cbrt_slope,
    derivative="1/(3*cbrt(x)**2)",
    doc="real cube root (negative for negative x)",
    kink=lambda a: a[0] == 0,
    directional=lambda a, d, o: np.where(
        unsettled(d[0]), np.nan, np.where(d[0] > 0, np.inf, np.where(d[0] < 0, -np.inf, 0.0))
    ),
    kink_doc="at x = 0 (a vertical tangent: slope +inf from both sides)",
    seams=at_zero,
    complex_forward=lambda z: first_order(z, np.cbrt, lambda x: _cbrt_slope(x, np.cbrt(x))),
    mp=_mp_cbrt,
)

# --- hypot: sqrt(x**2 + y**2) without overflow, a cone at (0, 0) -----------------------------------


def _hypot_partials(args: Sequence[Array], out: Array) -> tuple[Array, Array]:
    x, y = args
    safe = np.where(out == 0, 1.0, out)
    return np.where(out == 0, 0.0, x / safe), np.where(out == 0, 0.0, y / safe)


def _hypot_complex(x: Array, y: Array) -> Array:
    # sqrt(x**2 + y**2) to first order in the imaginary parts (all complex step reads; the
    # second-order terms are below rounding): r + i (xr xi + yr yi) / r, with r = hypot(xr, yr),
    # so nothing overflows or underflows where the real hypot does not.
    x, y = np.asarray(x, dtype=complex), np.asarray(y, dtype=complex)
    r = np.hypot(x.real, y.real)
    safe = np.where(r == 0, 1.0, r)
    return r + 1j * ((x.real / safe) * x.imag + (y.real / safe) * y.imag)


HYPOT = Op(
    name="hypot",
    min_args=2,
    max_args=2,
    forward=np.hypot,
    partials=_hypot_partials,
    derivative="x/hypot(x,y) and y/hypot(x,y)",
    symbolic="x/hypot(x,y) and y/hypot(x,y)",
    doc="sqrt(x**2 + y**2) without overflow",
    signature="hypot(x, y)",
    kink=lambda a: (a[0] == 0) & (a[1] == 0),
    directional=lambda a, d, o: np.hypot(d[0], d[1]),
    kink_doc="at (0, 0) (a cone: backprop uses 0)",
    seams=lambda a, o: (o,),  # 0 only at the cone's tip
    complex_forward=_hypot_complex,
    mp=lambda x, y: mpmath().hypot(x, y),
)

OPS = (EXP, LOG, LN, LOG2, LOG10, LOG1P, EXPM1, SQRT, CBRT, HYPOT)
