"""Hyperbolic functions and their inverses: sinh, cosh, tanh, asinh, acosh, atanh."""

from __future__ import annotations

from typing import Any

import numpy as np

from .op import explain, mpmath, overflow, unary
from .trig import one_minus_sq

SINH = unary(
    name="sinh",
    forward=np.sinh,
    slope=lambda x, o: np.cosh(x),
    derivative="cosh(x)",
    doc="hyperbolic sine",
    why_nonfinite=overflow("sinh"),
    mp=lambda x: mpmath().sinh(x),
)

COSH = unary(
    name="cosh",
    forward=np.cosh,
    slope=lambda x, o: np.sinh(x),
    derivative="sinh(x)",
    doc="hyperbolic cosine",
    why_nonfinite=overflow("cosh"),
    mp=lambda x: mpmath().cosh(x),
)

TANH = unary(
    name="tanh",
    forward=np.tanh,
    slope=lambda x, o: 1.0 / np.cosh(x) ** 2,
    derivative="1/cosh(x)**2",
    doc="hyperbolic tangent",
    activation=True,
    mp=lambda x: mpmath().tanh(x),
)

ASINH = unary(
    name="asinh",
    forward=np.arcsinh,
    slope=lambda x, o: 1.0 / np.hypot(x, 1.0),
    derivative="1/sqrt(x**2+1)",
    doc="inverse hyperbolic sine",
    mp=lambda x: mpmath().asinh(x),
)

ACOSH = unary(
    name="acosh",
    domain="x >= 1 (slope infinite at 1)",
    forward=np.arccosh,
    slope=lambda x, o: 1.0 / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0)),  # no overflow of x*x
    derivative="1/sqrt(x**2-1)",
    doc="inverse hyperbolic cosine",
    why_nonfinite=explain([(lambda x: x < 1, "acosh of a number below 1")]),
    seams=lambda a, o: (a[0] - 1.0,),
    mp=lambda x: mpmath().nan if x < 1 else mpmath().acosh(x),
)


def _mp_atanh(x: Any) -> Any:
    """atanh as float64 has it: +-inf at +-1, NaN beyond."""
    m = mpmath()
    if abs(x) > 1:
        return m.nan
    if abs(x) == 1:
        return m.inf * m.sign(x)
    return m.atanh(x)


ATANH = unary(
    name="atanh",
    domain="-1 < x < 1 (+-inf at the ends)",
    forward=np.arctanh,
    slope=lambda x, o: 1.0 / one_minus_sq(x),
    derivative="1/(1-x**2)",
    doc="inverse hyperbolic tangent",
    why_nonfinite=explain(
        [
            (lambda x: np.abs(x) == 1, "atanh of -1 or 1"),
            (lambda x: np.abs(x) > 1, "atanh of a number outside [-1, 1]"),
        ]
    ),
    seams=lambda a, o: (a[0] - 1.0, a[0] + 1.0),
    mp=_mp_atanh,
)

OPS = (SINH, COSH, TANH, ASINH, ACOSH, ATANH)
