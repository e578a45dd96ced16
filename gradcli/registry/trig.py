"""Circular functions (radians) and their inverses: sin, cos, tan, sec, csc, cot, asin, acos, atan,
atan2."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .op import Array, Op, explain, mpmath, outside, unary

TAU = 2.0 * math.pi


def one_minus_sq(x: Array) -> Array:
    return (1.0 - x) * (1.0 + x)  # 1 - x**2 without cancellation near |x| = 1


def _mp_unit(name: str) -> Any:
    """asin or acos in mpmath, NaN outside [-1, 1] as in float64 (mpmath would go complex)."""

    def rule(x: Any) -> Any:
        m = mpmath()
        return m.nan if abs(x) > 1 else getattr(m, name)(x)

    return rule


SIN = unary(
    name="sin",
    period=TAU,
    forward=np.sin,
    slope=lambda x, o: np.cos(x),
    derivative="cos(x)",
    doc="sine (radians)",
    mp=lambda x: mpmath().sin(x),
)

COS = unary(
    name="cos",
    period=TAU,
    forward=np.cos,
    slope=lambda x, o: -np.sin(x),
    derivative="-sin(x)",
    doc="cosine (radians)",
    mp=lambda x: mpmath().cos(x),
)

TAN = unary(
    name="tan",
    period=math.pi,
    domain="x not an odd multiple of pi/2 (poles)",
    forward=np.tan,
    slope=lambda x, o: 1.0 + o * o,
    derivative="1 + tan(x)**2",
    doc="tangent (radians)",
    seams=lambda a, o: (np.cos(a[0]),),  # poles where cos(x) = 0
    mp=lambda x: mpmath().tan(x),
)

ASIN = unary(
    name="asin",
    domain="-1 <= x <= 1 (slope infinite at the ends)",
    forward=np.arcsin,
    slope=lambda x, o: 1.0 / np.sqrt(one_minus_sq(x)),
    derivative="1/sqrt(1-x**2)",
    doc="inverse sine",
    why_nonfinite=outside(-1, 1, "asin"),
    seams=lambda a, o: (a[0] - 1.0, a[0] + 1.0),
    mp=_mp_unit("asin"),
)

ACOS = unary(
    name="acos",
    domain="-1 <= x <= 1 (slope infinite at the ends)",
    forward=np.arccos,
    slope=lambda x, o: -1.0 / np.sqrt(one_minus_sq(x)),
    derivative="-1/sqrt(1-x**2)",
    doc="inverse cosine",
    why_nonfinite=outside(-1, 1, "acos"),
    seams=lambda a, o: (a[0] - 1.0, a[0] + 1.0),
    mp=_mp_unit("acos"),
)

ATAN = unary(
    name="atan",
    forward=np.arctan,
    slope=lambda x, o: 1.0 / (1.0 + x * x),
    derivative="1/(1+x**2)",
    doc="inverse tangent",
    mp=lambda x: mpmath().atan(x),
)

# --- sec, csc, cot: reciprocals, with poles where cos, sin, tan are 0 ------------------------------


def _mp_pole(name: str) -> Any:
    """sec, csc or cot in mpmath; at an exact zero of the denominator, +inf as 1/+0.0 gives."""

    def rule(x: Any) -> Any:
        m = mpmath()
        try:
            return getattr(m, name)(x)
        except ZeroDivisionError:
            return m.inf

    return rule


SEC = unary(
    name="sec",
    period=TAU,
    domain="x not an odd multiple of pi/2 (poles)",
    forward=lambda x: 1.0 / np.cos(x),
    slope=lambda x, o: o * np.tan(x),
    derivative="sec(x)*tan(x)",
    doc="secant 1/cos(x) (radians)",
    seams=lambda a, o: (np.cos(a[0]),),
    mp=_mp_pole("sec"),
)

CSC = unary(
    name="csc",
    period=TAU,
    domain="x not a multiple of pi (poles)",
    forward=lambda x: 1.0 / np.sin(x),
    slope=lambda x, o: -o / np.tan(x),
    derivative="-csc(x)*cot(x)",
    doc="cosecant 1/sin(x) (radians)",
    seams=lambda a, o: (np.sin(a[0]),),
    why_nonfinite=explain([(lambda x: x == 0, "csc of 0 (a pole)")]),
    mp=_mp_pole("csc"),
)

COT = unary(
    name="cot",
    period=math.pi,
    domain="x not a multiple of pi (poles)",
    forward=lambda x: 1.0 / np.tan(x),
    slope=lambda x, o: -1.0 - o * o,
    derivative="-1-cot(x)**2",
    doc="cotangent 1/tan(x) (radians)",
    seams=lambda a, o: (np.sin(a[0]),),
    why_nonfinite=explain([(lambda x: x == 0, "cot of 0 (a pole)")]),
    mp=_mp_pole("cot"),
)

# --- atan2: a branch cut on y = 0, x <= 0 ----------------------------------------------------------


def _atan2_partials(args: Sequence[Array], out: Array) -> tuple[Array, Array]:
    y, x = args
    r = np.hypot(x, y)
    return (x / r) / r, (-y / r) / r


def _atan2_directional(args: Sequence[Array], dots: Sequence[Array], out: Array) -> Array:
    # On the cut (y = 0, x < 0) atan2 is pi, moving smoothly for dy > 0 (slope dy/x) and along
    # the cut (slope 0), and jumping to -pi for dy < 0: no derivative on that side. At (0, 0)
    # it is defined only as a limit along each ray: no derivative in any direction.
    x = args[1]
    dy = np.asarray(dots[0], dtype=float)
    safe = np.where(x == 0, 1.0, x)
    slope = np.where(dy > 0, dy / safe, np.where(dy == 0, 0.0, np.nan))
    return np.where(x == 0, np.where((dy == 0) & (np.asarray(dots[1]) == 0), 0.0, np.nan), slope)


def _atan2_complex(y: Array, x: Array) -> Array:
    y, x = np.asarray(y, dtype=complex), np.asarray(x, dtype=complex)
    yr, xr = y.real, x.real
    turn = np.where(xr < 0, np.where(yr >= 0, math.pi, -math.pi), 0.0)
    across = np.arctan(y / x) + turn  # |x| >= |y|: away from x = 0
    up = np.where(yr > 0, math.pi / 2, -math.pi / 2) - np.arctan(x / y)
    return np.where(np.abs(xr) >= np.abs(yr), across, up)


ATAN2 = Op(
    name="atan2",
    min_args=2,
    max_args=2,
    forward=np.arctan2,
    partials=_atan2_partials,
    derivative="x/(x**2+y**2) and -y/(x**2+y**2)",
    symbolic="x/(x**2+y**2) and -y/(x**2+y**2)",
    doc="angle of the point (x, y), in (-pi, pi]",
    signature="atan2(y, x)",
    kink=lambda a: (a[0] == 0) & (a[1] <= 0),
    directional=_atan2_directional,
    kink_doc="on its branch cut y = 0, x <= 0 (it jumps from pi to -pi)",
    # the cut (NaN where x >= 0: none there) and the origin
    seams=lambda a, o: (np.where(np.asarray(a[1]) < 0, a[0], np.nan), np.hypot(a[0], a[1])),
    jumps=(0, 1),
    complex_forward=_atan2_complex,
    mp=lambda y, x: mpmath().atan2(y, x),
)

OPS = (SIN, COS, TAN, SEC, CSC, COT, ASIN, ACOS, ATAN, ATAN2)
