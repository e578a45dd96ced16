"""The operators: + - * / ** and unary minus and plus (``**`` is also the function ``pow``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .op import Array, Op, explain, mpmath, unsettled

# --- add, sub, mul, neg, pos: exact partials, no domain ---------------------------------------

ADD = Op(
    name="add",
    symbol="+",
    min_args=2,
    max_args=2,
    forward=np.add,
    partials=lambda a, o: (1.0, 1.0),
    derivative="1 and 1",
    symbolic="1 and 1",
    doc="x + y",
    signature="x + y",
    mp=lambda x, y: x + y,
)

SUB = Op(
    name="sub",
    symbol="-",
    min_args=2,
    max_args=2,
    forward=np.subtract,
    partials=lambda a, o: (1.0, -1.0),
    derivative="1 and -1",
    symbolic="1 and -1",
    doc="x - y",
    signature="x - y",
    mp=lambda x, y: x - y,
)

MUL = Op(
    name="mul",
    symbol="*",
    min_args=2,
    max_args=2,
    forward=np.multiply,
    partials=lambda a, o: (a[1], a[0]),
    derivative="y and x",
    symbolic="y and x",
    doc="x * y",
    signature="x * y",
    mp=lambda x, y: x * y,
)

NEG = Op(
    name="neg",
    symbol="neg",
    min_args=1,
    max_args=1,
    forward=np.negative,
    partials=lambda a, o: (-1.0,),
    derivative="-1",
    symbolic="-1",
    doc="minus x",
    signature="-x",
    mp=lambda x: -x,
)

POS = Op(
    name="pos",
    symbol="pos",
    min_args=1,
    max_args=1,
    forward=np.positive,
    partials=lambda a, o: (1.0,),
    derivative="1",
    symbolic="1",
    doc="x itself",
    signature="+x",
    mp=lambda x: +x,
)

# --- div ------------------------------------------------------------------------------------


def _div_partials(args: Sequence[Array], out: Array) -> tuple[Array, Array]:
    _, b = args
    return 1.0 / b, -out / b


def _div_mp(x: Any, y: Any) -> Any:
    """x/y; by zero as float64 has it: +-inf, and NaN for 0/0 (mpmath has no signed zero)."""
    m = mpmath()
    if y == 0:
        return m.nan if x == 0 or m.isnan(x) else m.inf * m.sign(x)
    return x / y


def _pole(x: Array, y: Array) -> Array:
    """0 where y = 0 and x is not: a pole of x / y. Where x goes to 0 with y (sin(x)/x, a
    removable singularity) it jumps between -1 and 1 instead of crossing 0 smoothly, and no
    seam is read there."""
    return y / (np.abs(x) + np.abs(y))


DIV = Op(
    name="div",
    domain="y != 0 (x/0 is +-inf, 0/0 undefined)",
    symbol="/",
    min_args=2,
    max_args=2,
    forward=np.divide,
    partials=_div_partials,
    derivative="1/y and -x/y**2",
    symbolic="1/y and -x/y**2",
    doc="x / y",
    signature="x / y",
    why_nonfinite=explain([(lambda a, b: b == 0, "division by zero")]),
    seams=lambda a, o: (_pole(*a),),
    mp=_div_mp,
)

# --- pow --------------------------------------------------------------------------------------


def _pow_partials(args: Sequence[Array], out: Array) -> tuple[Array, Array]:
    x, y = args
    # d/dx x**y = y*x**(y-1); x**0 is the constant 1, so its slope is 0 even at x = 0.
    # y*out/x avoids rounding y-1 (which |log x| would amplify) wherever it is defined.
    plain = y * np.power(x, y - 1.0)
    ratio = y * (out / np.where(x == 0, 1.0, x))
    usable = (x != 0) & np.isfinite(ratio) & (out != 0)
    dx = np.where(y == 0, 0.0, np.where(usable, ratio, plain))
    # d/dy x**y = x**y * log(x) for x > 0; 0**y is 0 for every y > 0, so its slope is 0.
    safe = np.where(x > 0, x, 1.0)
    dy = np.where(x > 0, out * np.log(safe), np.where((x == 0) & (y > 0), 0.0, np.nan))
    return dx, dy


def _is_integer(y: Array) -> Array:
    return np.isfinite(y) & (np.floor(y) == y)


def _pow_kink(args: Sequence[Array]) -> Array:
    x, y = args
    return (x == 0) & (((y > 0) & ~_is_integer(y)) | (y == 0))


def _pow_directional(args: Sequence[Array], dots: Sequence[Array], out: Array) -> Array:
    # At x = 0 with a positive non-integer exponent, x**y exists only for x >= 0: the slope to
    # the right is inf (y < 1), 1 (y == 1) or 0 (y > 1); to the left it is undefined.
    # At 0**0 = 1: with y fixed it stays 1 (slope 0); with y moving and x = 0 it jumps (to 0 or
    # inf); with x moving right too, (t*dx)**(t*dy) -> 1 with slope -inf * sign(dy).
    _, y = args
    dx = np.asarray(dots[0], dtype=np.float64)
    dy = np.asarray(dots[1], dtype=np.float64)
    right = np.where(y < 1, np.inf, np.where(y == 1, dx, 0.0))
    power = np.where(dx > 0, right, np.where(dx == 0, 0.0, np.nan))
    at_one = np.where(dy == 0, 0.0, np.where(dx > 0, -np.sign(dy) * np.inf, np.nan))
    unknown = unsettled(dots[0]) | (unsettled(dots[1]) & (y == 0))  # (a higher-order move decides)
    return np.where(unknown, np.nan, np.where(y == 0, at_one, power))


def _pow_seams(args: Sequence[Array], out: Array) -> tuple[Array, Array]:
    """x = 0 (a pole or a domain edge) unless y is a whole number >= 0 (a polynomial in x);
    and, with x at 0, y = 0 (0**y jumps from inf to 1 to 0 there)."""
    x, y = args
    return np.where(_is_integer(y) & (np.asarray(y) >= 0), np.nan, x), np.where(np.asarray(x) == 0, y, np.nan)


def _pow_mp(x: Any, y: Any) -> Any:
    """x**y as float64 has it: 0**0 = 1, 0**(y<0) = inf, NaN for x < 0 and y not an integer."""
    m = mpmath()
    if x == 0 and y < 0:
        return m.inf
    if x < 0 and not m.isint(y):
        return m.nan
    return m.power(x, y)


POW = Op(
    name="pow",
    domain="x > 0 for every y; x = 0 for y >= 0; x < 0 only for whole y",
    symbol="**",
    min_args=2,
    max_args=2,
    forward=np.power,
    partials=_pow_partials,
    derivative="y*x**(y-1) and x**y*log(x)",
    symbolic="y*x**(y-1) and x**y*log(x)",
    doc="x to the power y",
    signature="x ** y  x ^ y  pow(x, y)",
    kink=_pow_kink,
    directional=_pow_directional,
    seams=_pow_seams,
    kink_doc="at x = 0 when 0 < y is not an integer; at 0**0 as y moves (0**y jumps from 1 to 0 or inf)",
    jumps=(1,),
    why_nonfinite=explain(
        [
            (lambda x, y: (x < 0) & ~_is_integer(y), "a negative number to a non-integer power"),
            (lambda x, y: (x == 0) & (y < 0), "zero to a negative power"),
        ]
    ),
    mp=_pow_mp,
)

OPS = (ADD, SUB, MUL, DIV, POW, NEG, POS)  # OPERATORS, by symbol
CALLABLE = (POW,)  # also a function: pow(x, y)
