"""Activation functions: sigmoid, softplus, leaky_relu, elu, selu, gelu, silu (swish), softsign,
mish, hard_sigmoid. (tanh and relu, also activations, live in hyperbolic.py and piecewise.py.)

Each is ``activation=True``: the command line offers it as a command (``gradcli sigmoid --at 20``),
with its optional parameter (``param``, ``default``) as an option. The rules are chosen to be
stable: sigmoid' = sigmoid(x)*sigmoid(-x), softplus(x) = max(x, 0) + log1p(exp(-|x|)), so nothing
overflows or cancels where the true value is representable. The high-precision forms use the
float64 constants (0.01, selu's scale and alpha) exactly, as the float64 rules do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .elementary import log1p_complex
from .op import Array, Op, at_zero, mpmath, unary
from .special import gauss_cdf, gauss_pdf, mp_gauss_cdf


def _text(value: float) -> str:
    """A constant as rule text: 1 for 1.0, repr otherwise."""
    return str(int(value)) if value == int(value) else repr(value)


def _param(args: Sequence[Array], default: float) -> Array | float:
    return args[1] if len(args) > 1 else default


def _step_rule(alpha: str, left: str, n: int, by_alpha: str) -> str:
    """The symbolic rule of a function with slope 1 for x > 0 and ``alpha*left`` for x <= 0.

    sign(relu(x)) is 1 for x > 0 and 0 for x <= 0, so the rule picks the side as backprop
    does (alpha's side at 0); ``left`` must stay finite for x > 0 (exp(min(x,0)), not exp(x)).
    With n == 2 the second partial, by alpha, is ``by_alpha``.
    """
    left_side = alpha if left == "1" else f"{alpha}*{left}"
    rule = f"sign(relu(x))+{left_side}*(1-sign(relu(x)))"
    return rule if n == 1 else f"{rule} and {by_alpha}"


def _slopes_at_zero(dot: Array, left: Array | float) -> Array:
    """The one-sided slope along ``dot`` of a function with slope 1 right of 0 and ``left`` left of it."""
    d = np.asarray(dot, dtype=np.float64)
    return np.maximum(d, 0.0) + left * np.minimum(d, 0.0)


# --- sigmoid ---------------------------------------------------------------------------------------


def sigmoid(x: Array) -> Array:
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_complex(z: Array) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))


def _sigmoid_slope(x: Array) -> Array:
    z = np.exp(-np.abs(x))
    return z / ((1.0 + z) * (1.0 + z))  # sigmoid(x) * sigmoid(-x), never 1 - s


def _mp_sigmoid(x: Any) -> Any:
    return 1 / (1 + mpmath().exp(-x))


SIGMOID = Op(
    name="sigmoid",
    min_args=1,
    max_args=1,
    forward=sigmoid,
    partials=lambda a, o: (_sigmoid_slope(a[0]),),
    derivative="sigmoid(x)*sigmoid(-x)",
    symbolic="sigmoid(x)*sigmoid(-x)",
    doc="logistic function 1/(1+exp(-x))",
    signature="sigmoid(x)",
    complex_forward=sigmoid_complex,
    activation=True,
    mp=_mp_sigmoid,
)


# --- softplus --------------------------------------------------------------------------------------


def softplus(x: Array) -> Array:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def softplus_complex(z: Array) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real > 0, z + log1p_complex(np.exp(-z)), log1p_complex(np.exp(z)))


def _mp_softplus(x: Any) -> Any:
    m = mpmath()
    return x + m.log1p(m.exp(-x)) if x > 0 else m.log1p(m.exp(x))


SOFTPLUS = unary(
    name="softplus",
    forward=softplus,
    slope=lambda x, o: sigmoid(x),
    derivative="sigmoid(x)",
    doc="log(1+exp(x)), computed without overflow",
    complex_forward=softplus_complex,
    activation=True,
    mp=_mp_softplus,
)

# --- leaky_relu(x, alpha=0.01) ---------------------------------------------------------------------

LEAKY_ALPHA = 0.01


def _leaky_relu(x: Array, alpha: Array | float = LEAKY_ALPHA) -> Array:
    return np.where(x > 0, x, alpha * x)


def _leaky_relu_partials(args: Sequence[Array], out: Array) -> tuple[Array, ...]:
    x, alpha = args[0], _param(args, LEAKY_ALPHA)
    dx = np.where(x > 0, 1.0, alpha * np.ones_like(x))
    return (dx,) if len(args) == 1 else (dx, np.where(x > 0, 0.0, x))


def _leaky_relu_complex(z: Array, alpha: Array | float = LEAKY_ALPHA) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real > 0, z, alpha * z)


def _mp_leaky_relu(x: Any, alpha: Any = None) -> Any:
    alpha = mpmath().mpf(LEAKY_ALPHA) if alpha is None else alpha
    return x if x > 0 else alpha * x


LEAKY_RELU = Op(
    name="leaky_relu",
    min_args=1,
    max_args=2,
    param="alpha",
    default=LEAKY_ALPHA,
    forward=_leaky_relu,
    partials=_leaky_relu_partials,
    derivative="1 for x > 0, alpha for x <= 0  (by alpha: min(x, 0))",
    symbolic=lambda n: _step_rule(_text(LEAKY_ALPHA) if n == 1 else "alpha", "1", n, "min(x,0)"),
    doc=f"x for x > 0, alpha*x otherwise; alpha defaults to {_text(LEAKY_ALPHA)}",
    signature="leaky_relu(x)  leaky_relu(x, alpha)",
    kink=lambda a: (a[0] == 0) & (_param(a, LEAKY_ALPHA) != 1),
    directional=lambda a, d, o: _slopes_at_zero(d[0], _param(a, LEAKY_ALPHA)),
    kink_doc="at x = 0 (slopes alpha and 1; backprop uses alpha)",
    seams=at_zero,
    analytic=False,
    complex_forward=_leaky_relu_complex,
    activation=True,
    mp=_mp_leaky_relu,
)

# --- elu(x, alpha=1) -------------------------------------------------------------------------------

ELU_ALPHA = 1.0


def _elu(x: Array, alpha: Array | float = ELU_ALPHA) -> Array:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _elu_partials(args: Sequence[Array], out: Array) -> tuple[Array, ...]:
    x, alpha = args[0], _param(args, ELU_ALPHA)
    neg = np.minimum(x, 0.0)
    dx = np.where(x > 0, 1.0, alpha * np.exp(neg))
    return (dx,) if len(args) == 1 else (dx, np.where(x > 0, 0.0, np.expm1(neg)))


def _elu_complex(z: Array, alpha: Array | float = ELU_ALPHA) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real > 0, z, alpha * np.expm1(np.where(z.real > 0, 0.0, z)))


def _mp_elu(x: Any, alpha: Any = None) -> Any:
    m = mpmath()
    alpha = m.mpf(ELU_ALPHA) if alpha is None else alpha
    return x if x > 0 else alpha * m.expm1(x)


ELU = Op(
    name="elu",
    min_args=1,
    max_args=2,
    param="alpha",
    default=ELU_ALPHA,
    forward=_elu,
    partials=_elu_partials,
    derivative="1 for x > 0, alpha*exp(x) for x <= 0  (by alpha: expm1(min(x, 0)))",
    symbolic=lambda n: _step_rule(
        _text(ELU_ALPHA) if n == 1 else "alpha", "exp(min(x,0))", n, "expm1(min(x,0))"
    ),
    doc=f"x for x > 0, alpha*(exp(x)-1) otherwise; alpha defaults to {_text(ELU_ALPHA)}",
    signature="elu(x)  elu(x, alpha)",
    kink=lambda a: (a[0] == 0) & (_param(a, ELU_ALPHA) != 1),
    directional=lambda a, d, o: _slopes_at_zero(d[0], _param(a, ELU_ALPHA)),
    kink_doc="at x = 0 when alpha != 1 (slopes alpha and 1; backprop uses alpha)",
    seams=at_zero,  # (with alpha = 1 the second derivative still jumps there)
    analytic=False,
    complex_forward=_elu_complex,
    activation=True,
    mp=_mp_elu,
)

# --- selu ------------------------------------------------------------------------------------------

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _selu(x: Array) -> Array:
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))


def _mp_selu(x: Any) -> Any:
    m = mpmath()
    return m.mpf(SELU_SCALE) * (x if x > 0 else m.mpf(SELU_ALPHA) * m.expm1(x))


SELU = unary(
    name="selu",
    forward=_selu,
    slope=lambda x, o: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0))),
    derivative="scale for x > 0, scale*alpha*exp(x) for x <= 0",
    symbolic=f"{SELU_SCALE!r}*({_step_rule(repr(SELU_ALPHA), 'exp(min(x,0))', 1, '')})",
    doc=f"scale*elu(x, alpha), scale = {SELU_SCALE!r}, alpha = {SELU_ALPHA!r} (self-normalizing)",
    kink=lambda a: a[0] == 0,
    directional=lambda a, d, o: SELU_SCALE * _slopes_at_zero(d[0], SELU_ALPHA),
    kink_doc="at x = 0 (slopes scale*alpha and scale; backprop uses scale*alpha)",
    seams=at_zero,
    analytic=False,
    complex_forward=lambda z: SELU_SCALE * _elu_complex(z, SELU_ALPHA),
    activation=True,
    mp=_mp_selu,
)

# --- gelu: the exact erf form ------------------------------------------------------------------------
# gelu's Phi has no complex numpy rule, so it is carried to first order in the imaginary part,
# Phi(a + ib) = Phi(a) + ib phi(a), which is all complex step reads.


def _gelu_complex(z: Array) -> Array:
    z = np.asarray(z, dtype=complex)
    return z * (gauss_cdf(z.real) + 1j * z.imag * gauss_pdf(z.real))


GELU = unary(
    name="gelu",
    forward=lambda x: x * gauss_cdf(x),
    slope=lambda x, o: gauss_cdf(x) + np.where(np.isfinite(x), x * gauss_pdf(x), 0.0),
    derivative="Phi(x) + x*phi(x)",
    symbolic="erfc(-x/sqrt(2))/2+x*exp(-x**2/2)/sqrt(2*pi)",  # Phi(x) + x*phi(x)
    doc="x*Phi(x), Phi the standard normal CDF: the exact erf form, not the tanh approximation",
    complex_forward=_gelu_complex,
    activation=True,
    mp=lambda x: x * mp_gauss_cdf(x),
)

# --- silu (also swish) ---------------------------------------------------------------------------------


def _silu_slope(x: Array, out: Array) -> Array:
    s = sigmoid(x)
    return s * (1.0 + x * sigmoid(-x))  # s(x) + x s(x) s(-x), no overflow at any x


SILU = unary(
    name="silu",
    forward=lambda x: x * sigmoid(x),
    slope=_silu_slope,
    derivative="sigmoid(x)*(1 + x*sigmoid(-x))",
    doc="x*sigmoid(x) (also called swish)",
    complex_forward=lambda z: z * sigmoid_complex(z),
    activation=True,
    mp=lambda x: x * _mp_sigmoid(x),
)

SWISH = SILU._replace(
    name="swish", signature="swish(x)", doc="x*sigmoid(x): the same as silu", alias_of="silu"
)

# --- softsign ----------------------------------------------------------------------------------------


def _softsign_complex(z: Array) -> Array:
    # z/(1 +- z) with real and imaginary parts each computed without cancellation (to first
    # order in the imaginary part): zr/(1+|zr|) + i zi/(1+|zr|)**2
    z = np.asarray(z, dtype=complex)
    d = 1.0 + np.abs(z.real)
    return z.real / d + 1j * (z.imag / (d * d + z.imag * z.imag))


SOFTSIGN = unary(
    name="softsign",
    forward=lambda x: x / (1.0 + np.abs(x)),
    slope=lambda x, o: 1.0 / (1.0 + np.abs(x)) ** 2,
    derivative="1/(1+|x|)**2",
    symbolic="1/(1+abs(x))**2",
    doc="x/(1+|x|)",
    analytic=False,  # two analytic pieces, joined with equal slopes at 0
    seams=at_zero,
    complex_forward=_softsign_complex,
    activation=True,
    mp=lambda x: x / (1 + abs(x)),
)

# --- mish --------------------------------------------------------------------------------------------


def _mish_slope(x: Array, out: Array) -> Array:
    sp = softplus(x)
    sech = 1.0 / np.cosh(sp)  # 0, not NaN, once cosh overflows
    return np.tanh(sp) + np.where(np.isfinite(x), x * sech * sech * sigmoid(x), 0.0)


MISH = unary(
    name="mish",
    forward=lambda x: x * np.tanh(softplus(x)),
    slope=_mish_slope,
    derivative="tanh(softplus(x)) + x*sigmoid(x)/cosh(softplus(x))**2",
    doc="x*tanh(softplus(x))",
    complex_forward=lambda z: z * np.tanh(softplus_complex(z)),
    activation=True,
    mp=lambda x: x * mpmath().tanh(_mp_softplus(x)),
)

# --- hard_sigmoid ------------------------------------------------------------------------------------


def _hard_sigmoid_directional(args: Sequence[Array], dots: Sequence[Array], out: Array) -> Array:
    # at x = -3 the slope is 1/6 to the right and 0 to the left; at x = 3 the reverse
    d = np.asarray(dots[0], dtype=np.float64)
    return np.where(args[0] < 0, np.maximum(d, 0.0), np.minimum(d, 0.0)) / 6.0


def _hard_sigmoid_complex(z: Array) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real <= -3.0, 0.0, np.where(z.real >= 3.0, 1.0, (z + 3.0) / 6.0))


def _mp_hard_sigmoid(x: Any) -> Any:
    m = mpmath()
    return m.nan if m.isnan(x) else min(max((x + 3) / 6, m.mpf(0)), m.mpf(1))


HARD_SIGMOID = unary(
    name="hard_sigmoid",
    forward=lambda x: np.clip((x + 3.0) / 6.0, 0.0, 1.0),  # x + 3 is exact near -3, unlike x/6 + 1/2
    slope=lambda x, o: np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0),
    derivative="1/6 for -3 < x < 3, 0 outside",
    symbolic="sign(relu(x+3))*sign(relu(3-x))/6",  # 1/6 strictly inside, 0 at and beyond +-3
    doc="(x+3)/6 clipped to [0, 1], as in PyTorch",
    kink=lambda a: np.abs(a[0]) == 3.0,
    directional=_hard_sigmoid_directional,
    kink_doc="at x = -3 and x = 3 (slopes 0 and 1/6; backprop uses 0)",
    seams=lambda a, o: (a[0] + 3.0, a[0] - 3.0),
    analytic=False,
    complex_forward=_hard_sigmoid_complex,
    activation=True,
    mp=_mp_hard_sigmoid,
)

OPS = (SIGMOID, SOFTPLUS, LEAKY_RELU, ELU, SELU, GELU, SILU, SWISH, SOFTSIGN, MISH, HARD_SIGMOID)
