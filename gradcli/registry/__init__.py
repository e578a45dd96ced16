"""The registry: every operator and function gradcli knows, each declared once.

An :class:`Op` holds, side by side, its numpy forward rule, its local derivative rule (the
partial derivative of its output with respect to each argument), its arity, the points where
it is not differentiable together with its one-sided (directional) derivative there, the reason
its output can fail to be finite, and a one-line doc. The parser, the evaluator, backprop,
diagnostics, ``gradcli functions`` and the "did you mean" hints all read this one table:
adding a function is one entry here plus one row in the tests.

Conventions
-----------
* Arguments and results are float64 numpy arrays (or scalars that broadcast); rules run under
  ``np.errstate(all="ignore")`` and let NaN/inf flow, for diagnostics to explain later.
* ``partials(args, out)`` returns one array per argument: d out / d arg_i.
* At a kink, backprop uses the usual subgradient convention (abs'(0) = relu'(0) = 0, a min/max
  tie splits the gradient evenly); ``kink`` says where that happens and ``directional`` gives
  the exact one-sided derivative there, so a kink is reported rather than hidden.
* Complex step (``--method complex``) runs the forward rules on complex input. numpy's complex
  ufuncs are the analytic continuation of the real ones; where a forward rule is real-only
  (comparisons, ``np.abs``), ``complex_forward`` gives one that is. An op with
  ``analytic=False`` (abs, relu, min, max) is piecewise: its ``complex_forward`` follows the
  smooth piece chosen by the real parts, which the imaginary step never moves, so it is exact
  everywhere except on the kink itself, where complex step is refused.
* Rules are chosen to be stable: sigmoid' = sigmoid(x)*sigmoid(-x), tanh' = sech(x)**2,
  softplus(x) = max(x, 0) + log1p(exp(-|x|)), so nothing overflows or cancels where the true
  value is representable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

Array = np.ndarray
Rule = Callable[..., Array]


class Op(NamedTuple):
    """One operator or function: how to compute it, differentiate it, and explain it."""

    name: str
    min_args: int
    max_args: int | None  # None: any number from min_args up
    forward: Rule  # (*args) -> out
    partials: Callable[[Sequence[Array], Array], Sequence[Array | float]]
    derivative: str  # the rule in words, e.g. "exp(x)" for d/dx exp(x)
    doc: str
    signature: str  # how it is called, e.g. "log(x)  log(x, base)"
    kink: Callable[[Sequence[Array]], Array] | None = None  # bool mask: not differentiable here
    directional: Callable[[Sequence[Array], Sequence[Array], Array], Array] | None = None
    kink_doc: str = ""  # where it is not differentiable, in words
    why_nonfinite: Callable[[Sequence[Array]], Array | str] | None = None
    symbol: str | None = None  # operators only: "+", "**", ...
    analytic: bool = True  # complex-analytic wherever it is differentiable (False: piecewise)
    complex_forward: Rule | None = None  # the rule for complex input, where ``forward`` is real-only
    # The partials as gradcli expression text, one per argument joined by " and ", written in
    # the argument names of params() (e.g. "y*x**(y-1) and x**y*log(x)"); or a function from
    # the number of arguments to that text. gradcli.symbolic builds derivatives from it.
    symbolic: str | Callable[[int], str] | None = None

    def params(self, n: int) -> tuple[str, ...]:
        """The names the symbolic rule uses for ``n`` arguments: those of the signature's call
        form with n arguments (``atan2(y, x)``: y, x), else x and y, else x1 ... xn."""
        for form in self.signature.split("  "):
            if form.endswith(")") and "(" in form and "..." not in form:
                names = tuple(a.strip() for a in form[form.index("(") + 1 : -1].split(","))
                if len(names) == n:
                    return names
        if n <= 2:
            return ("x", "y")[:n]
        return tuple(f"x{i + 1}" for i in range(n))

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"{self.min_args} or more arguments"
        if self.min_args == self.max_args:
            return "1 argument" if self.min_args == 1 else f"{self.min_args} arguments"
        return f"{self.min_args} to {self.max_args} arguments"


def _explain(cases: list[tuple[Callable[..., Array], str]]) -> Callable[[Sequence[Array]], str]:
    """Build a why_nonfinite rule: the first case whose predicate holds names the cause."""

    def why(args: Sequence[Array]) -> str:
        for test, text in cases:
            if bool(np.all(test(*args))):
                return text
        return ""

    return why


# --- operators -------------------------------------------------------------------------------


def _pow_forward(x: Array, y: Array) -> Array:
    return np.power(x, y)


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
    return (x == 0) & (y > 0) & ~_is_integer(y)


def _pow_directional(args: Sequence[Array], dots: Sequence[Array], out: Array) -> Array:
    # At x = 0 with a positive non-integer exponent, x**y exists only for x >= 0: the slope to
    # the right is inf (y < 1), 1 (y == 1) or 0 (y > 1); to the left it is undefined.
    _, y = args
    dx = dots[0]
    right = np.where(y < 1, np.inf, np.where(y == 1, dx, 0.0))
    return np.where(dx > 0, right, np.where(dx == 0, 0.0, np.nan))


_POW_WHY = _explain(
    [
        (lambda x, y: (x < 0) & ~_is_integer(y), "a negative number to a non-integer power"),
        (lambda x, y: (x == 0) & (y < 0), "zero to a negative power"),
    ]
)


_POW = Op(
    "pow",
    2,
    2,
    _pow_forward,
    _pow_partials,
    "y*x**(y-1) and x**y*log(x)",
    "x to the power y",
    "x ** y  x ^ y  pow(x, y)",
    kink=_pow_kink,
    directional=_pow_directional,
    kink_doc="at x = 0 when 0 < y is not an integer",
    why_nonfinite=_POW_WHY,
    symbol="**",
    symbolic="y*x**(y-1) and x**y*log(x)",
)


def _div_partials(args: Sequence[Array], out: Array) -> tuple[Array, Array]:
    _, b = args
    return 1.0 / b, -out / b


OPERATORS: dict[str, Op] = {
    op.symbol: op  # type: ignore[misc]
    for op in (
        Op(
            "add",
            2,
            2,
            np.add,
            lambda a, o: (1.0, 1.0),
            "1 and 1",
            "x + y",
            "x + y",
            symbol="+",
            symbolic="1 and 1",
        ),
        Op(
            "sub",
            2,
            2,
            np.subtract,
            lambda a, o: (1.0, -1.0),
            "1 and -1",
            "x - y",
            "x - y",
            symbol="-",
            symbolic="1 and -1",
        ),
        Op(
            "mul",
            2,
            2,
            np.multiply,
            lambda a, o: (a[1], a[0]),
            "y and x",
            "x * y",
            "x * y",
            symbol="*",
            symbolic="y and x",
        ),
        Op(
            "div",
            2,
            2,
            np.divide,
            _div_partials,
            "1/y and -x/y**2",
            "x / y",
            "x / y",
            why_nonfinite=_explain([(lambda a, b: b == 0, "division by zero")]),
            symbol="/",
            symbolic="1/y and -x/y**2",
        ),
        _POW,
        Op(
            "neg", 1, 1, np.negative, lambda a, o: (-1.0,), "-1", "minus x", "-x", symbol="neg", symbolic="-1"
        ),
        Op("pos", 1, 1, np.positive, lambda a, o: (1.0,), "1", "x itself", "+x", symbol="pos", symbolic="1"),
    )
}

# --- functions -------------------------------------------------------------------------------


def _log(x: Array, base: Array | None = None) -> Array:
    return np.log(x) if base is None else np.log(x) / np.log(base)


def _log_partials(args: Sequence[Array], out: Array) -> tuple[Array, ...]:
    if len(args) == 1:
        return (1.0 / args[0],)
    x, base = args
    lb = np.log(base)
    return 1.0 / (x * lb), -out / (base * lb)


_LOG_WHY = _explain(
    [
        (lambda x, *b: x < 0, "log of a negative number"),
        (lambda x, *b: x == 0, "log of zero"),
        (lambda x, *b: (len(b) > 0) & np.all([v <= 0 for v in b]), "log to a base that is not positive"),
        (lambda x, *b: (len(b) > 0) & np.all([v == 1 for v in b]), "log to base 1"),
    ]
)


def _log_why_one(zero_at: float, name: str) -> Callable[[Sequence[Array]], str]:
    return _explain(
        [
            (lambda x: x < zero_at, f"{name} of a number below {zero_at:g}"),
            (lambda x: x == zero_at, f"{name} of {zero_at:g}"),
        ]
    )


def _sigmoid(x: Array) -> Array:
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def _sigmoid_partials(args: Sequence[Array], out: Array) -> tuple[Array]:
    z = np.exp(-np.abs(args[0]))
    return (z / ((1.0 + z) * (1.0 + z)),)  # sigmoid(x) * sigmoid(-x), never 1 - s


def _softplus(x: Array) -> Array:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _minmax_partials(args: Sequence[Array], out: Array) -> list[Array]:
    hits = [np.asarray(a == out, dtype=float) for a in args]
    count = sum(hits)
    return [h / count for h in hits]


def _extreme(pick: np.ufunc) -> Rule:
    """min (pick=np.minimum) or max (np.maximum) of any number of arguments."""
    return lambda *args: pick.reduce(np.broadcast_arrays(*args))


def _tie(pick: np.ufunc) -> Callable[[Sequence[Array]], Array]:
    """Where two or more arguments share the smallest (largest) value."""
    return lambda args: sum(np.asarray(a == _extreme(pick)(*args), dtype=int) for a in args) > 1


def _extreme_directional(pick: Callable[..., Array], fill: float) -> Callable[..., Array]:
    # min(u, v) moves, to first order, like the smallest slope among the arguments that tie
    # for the minimum (max: the largest); this is its exact one-sided derivative.
    def directional(args: Sequence[Array], dots: Sequence[Array], out: Array) -> Array:
        cand = [np.where(a == out, d, fill) for a, d in zip(args, dots)]
        return pick.reduce(np.broadcast_arrays(*cand))

    return directional


def _hypot_partials(args: Sequence[Array], out: Array) -> tuple[Array, Array]:
    x, y = args
    safe = np.where(out == 0, 1.0, out)
    return np.where(out == 0, 0.0, x / safe), np.where(out == 0, 0.0, y / safe)


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


def _unary(
    name: str,
    forward: Rule,
    slope: Callable[[Array, Array], Array],
    derivative: str,
    doc: str,
    **extra: object,
) -> Op:
    extra.setdefault("symbolic", derivative)  # a unary rule's text is its symbolic rule
    return Op(
        name,
        1,
        1,
        forward,
        lambda a, o: (slope(a[0], o),),
        derivative,
        doc,
        f"{name}(x)",
        **extra,  # type: ignore[arg-type]
    )


# --- complex-step rules: where ``forward`` is real-only ---------------------------------------
# Each takes complex arrays and returns the analytic continuation of the real rule (or, for a
# piecewise op, of the piece the real parts select); only the first order in the imaginary
# part matters to complex step, and no rule here cancels it.


def _sigmoid_complex(z: Array) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))


def _log1p_complex(w: Array) -> Array:
    """log(1 + w) for complex w, both parts accurate for small w (numpy's loses the real part)."""
    w = np.asarray(w, dtype=complex)
    wr, wi = w.real, w.imag
    return 0.5 * np.log1p(wr * (2.0 + wr) + wi * wi) + 1j * np.arctan2(wi, 1.0 + wr)


def _softplus_complex(z: Array) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real > 0, z + _log1p_complex(np.exp(-z)), _log1p_complex(np.exp(z)))


def _pick_complex(smaller: bool) -> Rule:
    """min (smaller) or max by real part: the piece a complex step stays on."""

    def pick(*args: Array) -> Array:
        args = np.broadcast_arrays(*[np.asarray(a, dtype=complex) for a in args])
        out = args[0]
        for a in args[1:]:
            out = np.where(a.real < out.real if smaller else a.real > out.real, a, out)
        return out

    return pick


def _atan2_complex(y: Array, x: Array) -> Array:
    y, x = np.asarray(y, dtype=complex), np.asarray(x, dtype=complex)
    yr, xr = y.real, x.real
    turn = np.where(xr < 0, np.where(yr >= 0, math.pi, -math.pi), 0.0)
    across = np.arctan(y / x) + turn  # |x| >= |y|: away from x = 0
    up = np.where(yr > 0, math.pi / 2, -math.pi / 2) - np.arctan(x / y)
    return np.where(np.abs(xr) >= np.abs(yr), across, up)


def _hypot_complex(x: Array, y: Array) -> Array:
    # sqrt(x**2 + y**2) to first order in the imaginary parts (all complex step reads; the
    # second-order terms are below rounding): r + i (xr xi + yr yi) / r, with r = hypot(xr, yr),
    # so nothing overflows or underflows where the real hypot does not.
    x, y = np.asarray(x, dtype=complex), np.asarray(y, dtype=complex)
    r = np.hypot(x.real, y.real)
    safe = np.where(r == 0, 1.0, r)
    return r + 1j * ((x.real / safe) * x.imag + (y.real / safe) * y.imag)


def _log_symbolic(n: int) -> str:
    return "1/x" if n == 1 else "1/(x*log(base)) and -log(x)/(base*log(base)**2)"


def _extreme_symbolic(name: str, side: str) -> Callable[[int], str]:
    """min/max partials: 1 for the chosen argument, split evenly on a tie (as backprop does).

    ``side`` is "+" for min (out - x_i <= 0) and "-" for max (out - x_i >= 0): 1 side sign(...)
    is 1 where x_i is the chosen argument and 0 elsewhere.
    """

    def rule(n: int) -> str:
        if n == 2:
            first, second = f"(1{side}sign(y-x))/2", f"(1{side}sign(x-y))/2"
            return f"{first} and {second}"
        names = [f"x{i + 1}" for i in range(n)]
        out = f"{name}({','.join(names)})"
        hits = [f"(1{side}sign({out}-{x}))" for x in names]
        return " and ".join(f"{hit}/({'+'.join(hits)})" for hit in hits)

    return rule


def _outside(lo: float, hi: float, name: str) -> Callable[[Sequence[Array]], str]:
    return _explain([(lambda x: (x < lo) | (x > hi), f"{name} of a number outside [{lo:g}, {hi:g}]")])


def _overflow(name: str) -> Callable[[Sequence[Array]], str]:
    return _explain([(lambda *a: True, f"{name} overflowed float64")])


def _one_minus_sq(x: Array) -> Array:
    return (1.0 - x) * (1.0 + x)  # 1 - x**2 without cancellation near |x| = 1


FUNCTIONS: dict[str, Op] = {
    op.name: op
    for op in (
        _unary("exp", np.exp, lambda x, o: o, "exp(x)", "e to the power x", why_nonfinite=_overflow("exp")),
        Op(
            "log",
            1,
            2,
            _log,
            _log_partials,
            "1/x  (log(x, b): 1/(x*log(b)))",
            "natural logarithm; log(x, base) for another base",
            "log(x)  log(x, base)",
            why_nonfinite=_LOG_WHY,
            symbolic=_log_symbolic,
        ),
        _unary(
            "log2",
            np.log2,
            lambda x, o: 1.0 / (x * math.log(2.0)),
            "1/(x*log(2))",
            "base-2 logarithm",
            why_nonfinite=_log_why_one(0.0, "log2"),
        ),
        _unary(
            "log10",
            np.log10,
            lambda x, o: 1.0 / (x * math.log(10.0)),
            "1/(x*log(10))",
            "base-10 logarithm",
            why_nonfinite=_log_why_one(0.0, "log10"),
        ),
        _unary(
            "log1p",
            np.log1p,
            lambda x, o: 1.0 / (1.0 + x),
            "1/(1+x)",
            "log(1+x), accurate for small x",
            why_nonfinite=_log_why_one(-1.0, "log1p"),
            complex_forward=_log1p_complex,
        ),
        _unary(
            "expm1",
            np.expm1,
            lambda x, o: np.exp(x),  # not o + 1, which cancels for x < 0
            "exp(x)",
            "exp(x)-1, accurate for small x",
            why_nonfinite=_overflow("expm1"),
        ),
        _unary(
            "sqrt",
            np.sqrt,
            lambda x, o: 0.5 / o,
            "1/(2*sqrt(x))",
            "square root",
            kink=lambda a: a[0] == 0,
            directional=lambda a, d, o: np.where(d[0] > 0, np.inf, np.where(d[0] == 0, 0.0, np.nan)),
            kink_doc="at x = 0 (slope +inf to the right, undefined to the left)",
            why_nonfinite=_explain([(lambda x: x < 0, "square root of a negative number")]),
        ),
        _unary(
            "abs",
            np.abs,
            lambda x, o: np.sign(x),
            "sign(x)",
            "absolute value",
            kink=lambda a: a[0] == 0,
            directional=lambda a, d, o: np.abs(d[0]),
            kink_doc="at x = 0 (slopes -1 and 1; backprop uses 0)",
            analytic=False,
            complex_forward=lambda z: np.where(np.real(z) < 0, -z, z),
        ),
        _unary(
            "sign",
            np.sign,
            lambda x, o: 0.0,
            "0",
            "-1, 0 or 1, the sign of x",
            kink=lambda a: a[0] == 0,
            directional=lambda a, d, o: np.where(np.asarray(d[0]) == 0, 0.0, np.nan),
            kink_doc="at x = 0 (it jumps from -1 to 1; backprop uses 0)",
            analytic=False,
            complex_forward=lambda z: np.sign(np.real(z)) + 0j,
        ),
        _unary("sin", np.sin, lambda x, o: np.cos(x), "cos(x)", "sine (radians)"),
        _unary("cos", np.cos, lambda x, o: -np.sin(x), "-sin(x)", "cosine (radians)"),
        _unary("tan", np.tan, lambda x, o: 1.0 + o * o, "1 + tan(x)**2", "tangent (radians)"),
        _unary(
            "asin",
            np.arcsin,
            lambda x, o: 1.0 / np.sqrt(_one_minus_sq(x)),
            "1/sqrt(1-x**2)",
            "inverse sine",
            why_nonfinite=_outside(-1, 1, "asin"),
        ),
        _unary(
            "acos",
            np.arccos,
            lambda x, o: -1.0 / np.sqrt(_one_minus_sq(x)),
            "-1/sqrt(1-x**2)",
            "inverse cosine",
            why_nonfinite=_outside(-1, 1, "acos"),
        ),
        _unary("atan", np.arctan, lambda x, o: 1.0 / (1.0 + x * x), "1/(1+x**2)", "inverse tangent"),
        Op(
            "atan2",
            2,
            2,
            np.arctan2,
            _atan2_partials,
            "x/(x**2+y**2) and -y/(x**2+y**2)",
            "angle of the point (x, y), in (-pi, pi]",
            "atan2(y, x)",
            kink=lambda a: (a[0] == 0) & (a[1] <= 0),
            directional=_atan2_directional,
            kink_doc="on its branch cut y = 0, x <= 0 (it jumps from pi to -pi)",
            complex_forward=_atan2_complex,
            symbolic="x/(x**2+y**2) and -y/(x**2+y**2)",
        ),
        _unary(
            "sinh",
            np.sinh,
            lambda x, o: np.cosh(x),
            "cosh(x)",
            "hyperbolic sine",
            why_nonfinite=_overflow("sinh"),
        ),
        _unary(
            "cosh",
            np.cosh,
            lambda x, o: np.sinh(x),
            "sinh(x)",
            "hyperbolic cosine",
            why_nonfinite=_overflow("cosh"),
        ),
        _unary("tanh", np.tanh, lambda x, o: 1.0 / np.cosh(x) ** 2, "1/cosh(x)**2", "hyperbolic tangent"),
        _unary(
            "asinh",
            np.arcsinh,
            lambda x, o: 1.0 / np.hypot(x, 1.0),
            "1/sqrt(x**2+1)",
            "inverse hyperbolic sine",
        ),
        _unary(
            "acosh",
            np.arccosh,
            lambda x, o: 1.0 / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0)),  # no overflow of x*x
            "1/sqrt(x**2-1)",
            "inverse hyperbolic cosine",
            why_nonfinite=_explain([(lambda x: x < 1, "acosh of a number below 1")]),
        ),
        _unary(
            "atanh",
            np.arctanh,
            lambda x, o: 1.0 / _one_minus_sq(x),
            "1/(1-x**2)",
            "inverse hyperbolic tangent",
            why_nonfinite=_explain(
                [
                    (lambda x: np.abs(x) == 1, "atanh of -1 or 1"),
                    (lambda x: np.abs(x) > 1, "atanh of a number outside [-1, 1]"),
                ]
            ),
        ),
        _POW,
        Op(
            "hypot",
            2,
            2,
            np.hypot,
            _hypot_partials,
            "x/hypot(x,y) and y/hypot(x,y)",
            "sqrt(x**2 + y**2) without overflow",
            "hypot(x, y)",
            kink=lambda a: (a[0] == 0) & (a[1] == 0),
            directional=lambda a, d, o: np.hypot(d[0], d[1]),
            kink_doc="at (0, 0) (a cone: backprop uses 0)",
            complex_forward=_hypot_complex,
            symbolic="x/hypot(x,y) and y/hypot(x,y)",
        ),
        Op(
            "min",
            2,
            None,
            _extreme(np.minimum),
            _minmax_partials,
            "1 for the smallest argument, 0 for the others",
            "smallest of its arguments",
            "min(x, y, ...)",
            kink=_tie(np.minimum),
            directional=_extreme_directional(np.minimum, np.inf),
            kink_doc="where two arguments tie (backprop splits the gradient evenly)",
            analytic=False,
            complex_forward=_pick_complex(smaller=True),
            symbolic=_extreme_symbolic("min", "+"),
        ),
        Op(
            "max",
            2,
            None,
            _extreme(np.maximum),
            _minmax_partials,
            "1 for the largest argument, 0 for the others",
            "largest of its arguments",
            "max(x, y, ...)",
            kink=_tie(np.maximum),
            directional=_extreme_directional(np.maximum, -np.inf),
            kink_doc="where two arguments tie (backprop splits the gradient evenly)",
            analytic=False,
            complex_forward=_pick_complex(smaller=False),
            symbolic=_extreme_symbolic("max", "-"),
        ),
        Op(
            "sigmoid",
            1,
            1,
            _sigmoid,
            _sigmoid_partials,
            "sigmoid(x)*sigmoid(-x)",
            "logistic function 1/(1+exp(-x))",
            "sigmoid(x)",
            complex_forward=_sigmoid_complex,
            symbolic="sigmoid(x)*sigmoid(-x)",
        ),
        _unary(
            "softplus",
            _softplus,
            lambda x, o: _sigmoid(x),
            "sigmoid(x)",
            "log(1+exp(x)), computed without overflow",
            complex_forward=_softplus_complex,
        ),
        _unary(
            "relu",
            lambda x: np.maximum(x, 0.0),
            lambda x, o: np.asarray(x > 0, dtype=float),
            "1 for x > 0, 0 for x < 0",
            "max(x, 0)",
            kink=lambda a: a[0] == 0,
            directional=lambda a, d, o: np.maximum(d[0], 0.0),
            kink_doc="at x = 0 (slopes 0 and 1; backprop uses 0)",
            analytic=False,
            complex_forward=lambda z: np.where(np.real(z) > 0, z, 0.0),
            symbolic="sign(relu(x))",  # 1 for x > 0, 0 for x <= 0, as backprop
        ),
    )
}

# --- activation functions -------------------------------------------------------------------
#
# Each is a registry entry like any other (so it works inside expressions) and is listed in
# ACTIVATIONS below, from which the command line generates one command per activation.

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2_HI = 0.7071067811865476  # float64 nearest 1/sqrt(2) ...
_SQRT1_2_LO = -4.833646656726457e-17  # ... and the rest: 1/sqrt(2) = HI + LO to ~32 digits
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for float64


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
    t = _SPLIT * b
    b_hi = t - (t - b)
    b_lo = b - b_hi
    err = ((a_hi * b_hi - np.where(big, 0.0, p)) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return np.where(big, 0.0, err)


def _erfc(z: Array) -> Array:
    """erfc elementwise by ``math.erfc`` (the C library's, accurate to about 1 ulp)."""
    z = np.asarray(z, dtype=np.float64)
    return np.frompyfunc(math.erfc, 1, 1)(z).astype(np.float64) if z.ndim else np.float64(math.erfc(z))


def _gauss_cdf(x: Array) -> Array:
    """Phi(x) = erfc(-x/sqrt(2))/2, with x/sqrt(2) carried to double-double precision.

    Rounding x/sqrt(2) alone would cost about x**2 ulps in the far left tail (erfc's relative
    slope there is 2z); the first-order correction with the product's exact error removes it.
    """
    x = np.asarray(x, dtype=np.float64)
    z = x * _SQRT1_2_HI
    dz = _two_product_error(x, _SQRT1_2_HI, z) + x * _SQRT1_2_LO
    return 0.5 * _erfc(-z) + dz * np.exp(-z * z) / math.sqrt(math.pi)


def _gauss_pdf(x: Array) -> Array:
    """phi(x) = exp(-x**2/2)/sqrt(2 pi), with x**2 split exactly so that the tail keeps its digits."""
    x = np.asarray(x, dtype=np.float64)
    sq = x * x
    tail = np.exp(-0.5 * sq)
    # exp(-sq/2) underflows to 0 long before the correction factor could overflow
    correction = np.where(tail > 0, np.exp(-0.5 * _square_error(x, sq)), 1.0)
    return tail * correction / math.sqrt(2.0 * math.pi)


def _square_error(x: Array, sq: Array) -> Array:
    big = ~(np.abs(x) < 1e150)
    xs = np.where(big, 0.0, x)
    t = _SPLIT * xs
    hi = t - (t - xs)
    lo = xs - hi
    return np.where(big, 0.0, ((hi * hi - np.where(big, 0.0, sq)) + 2.0 * hi * lo) + lo * lo)


def _gelu(x: Array) -> Array:
    return x * _gauss_cdf(x)


def _gelu_slope(x: Array, out: Array) -> Array:
    return _gauss_cdf(x) + np.where(np.isfinite(x), x * _gauss_pdf(x), 0.0)


def _silu_slope(x: Array, out: Array) -> Array:
    s = _sigmoid(x)
    return s * (1.0 + x * _sigmoid(-x))  # s(x) + x s(x) s(-x), no overflow at any x


def _mish(x: Array) -> Array:
    return x * np.tanh(_softplus(x))


def _mish_slope(x: Array, out: Array) -> Array:
    sp = _softplus(x)
    sech = 1.0 / np.cosh(sp)  # 0, not NaN, once cosh overflows
    return np.tanh(sp) + np.where(np.isfinite(x), x * sech * sech * _sigmoid(x), 0.0)


def _step_rule(alpha: str, left: str, n: int, by_alpha: str) -> str:
    """The symbolic rule of a function with slope 1 for x > 0 and ``alpha*left`` for x <= 0.

    sign(relu(x)) is 1 for x > 0 and 0 for x <= 0, so the rule picks the side as backprop
    does (alpha's side at 0); ``left`` must stay finite for x > 0 (exp(min(x,0)), not exp(x)).
    With n == 2 the second partial, by alpha, is ``by_alpha``.
    """
    left_side = alpha if left == "1" else f"{alpha}*{left}"
    rule = f"sign(relu(x))+{left_side}*(1-sign(relu(x)))"
    return rule if n == 1 else f"{rule} and {by_alpha}"


def _alpha(args: Sequence[Array], default: float) -> Array:
    return args[1] if len(args) > 1 else default


def _leaky_relu(x: Array, alpha: Array = 0.01) -> Array:
    return np.where(x > 0, x, alpha * x)


def _leaky_relu_partials(args: Sequence[Array], out: Array) -> tuple[Array, ...]:
    x, alpha = args[0], _alpha(args, 0.01)
    dx = np.where(x > 0, 1.0, alpha * np.ones_like(x))
    if len(args) == 1:
        return (dx,)
    return dx, np.where(x > 0, 0.0, x)


def _elu(x: Array, alpha: Array = 1.0) -> Array:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _elu_partials(args: Sequence[Array], out: Array) -> tuple[Array, ...]:
    x, alpha = args[0], _alpha(args, 1.0)
    neg = np.minimum(x, 0.0)
    dx = np.where(x > 0, 1.0, alpha * np.exp(neg))
    if len(args) == 1:
        return (dx,)
    return dx, np.where(x > 0, 0.0, np.expm1(neg))


def _slopes_at_zero(dot: Array, left: Array) -> Array:
    """The one-sided slope along ``dot`` of a function with slope 1 right of 0 and ``left`` left of it."""
    d = np.asarray(dot, dtype=np.float64)
    return np.maximum(d, 0.0) + left * np.minimum(d, 0.0)


def _selu(x: Array) -> Array:
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))


def _hard_sigmoid(x: Array) -> Array:
    return np.clip((x + 3.0) / 6.0, 0.0, 1.0)  # x + 3 is exact near -3, unlike x/6 + 1/2


def _hard_sigmoid_directional(args: Sequence[Array], dots: Sequence[Array], out: Array) -> Array:
    # at x = -3 the slope is 1/6 to the right and 0 to the left; at x = 3 the reverse
    d = np.asarray(dots[0], dtype=np.float64)
    return np.where(args[0] < 0, np.maximum(d, 0.0), np.minimum(d, 0.0)) / 6.0


# complex-step rules for the activations (see the conventions at the top): the piecewise ones
# follow the piece their real part selects; gelu's Phi has no complex numpy rule, so it is
# carried to first order in the imaginary part, Phi(a + ib) = Phi(a) + ib phi(a), which is all
# complex step reads (the next term is b**2 ~ h**2, below rounding).


def _leaky_relu_complex(z: Array, alpha: Array = 0.01) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real > 0, z, alpha * z)


def _elu_complex(z: Array, alpha: Array = 1.0) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real > 0, z, alpha * np.expm1(np.where(z.real > 0, 0.0, z)))


def _gelu_complex(z: Array) -> Array:
    z = np.asarray(z, dtype=complex)
    phi = _gauss_cdf(z.real) + 1j * z.imag * _gauss_pdf(z.real)
    return z * phi


def _softsign_complex(z: Array) -> Array:
    # z/(1 +- z) with real and imaginary parts each computed without cancellation (to first
    # order in the imaginary part): zr/(1+|zr|) + i zi/(1+|zr|)**2
    z = np.asarray(z, dtype=complex)
    d = 1.0 + np.abs(z.real)
    return z.real / d + 1j * (z.imag / (d * d + z.imag * z.imag))


def _hard_sigmoid_complex(z: Array) -> Array:
    z = np.asarray(z, dtype=complex)
    return np.where(z.real <= -3.0, 0.0, np.where(z.real >= 3.0, 1.0, (z + 3.0) / 6.0))


_ACTIVATION_OPS = (
    Op(
        "leaky_relu",
        1,
        2,
        _leaky_relu,
        _leaky_relu_partials,
        "1 for x > 0, alpha for x <= 0  (by alpha: min(x, 0))",
        "x for x > 0, alpha*x otherwise; alpha defaults to 0.01",
        "leaky_relu(x)  leaky_relu(x, alpha)",
        kink=lambda a: (a[0] == 0) & (_alpha(a, 0.01) != 1),
        directional=lambda a, d, o: _slopes_at_zero(d[0], _alpha(a, 0.01)),
        kink_doc="at x = 0 (slopes alpha and 1; backprop uses alpha)",
        analytic=False,
        complex_forward=_leaky_relu_complex,
        symbolic=lambda n: _step_rule("0.01" if n == 1 else "alpha", "1", n, "min(x,0)"),
    ),
    Op(
        "elu",
        1,
        2,
        _elu,
        _elu_partials,
        "1 for x > 0, alpha*exp(x) for x <= 0  (by alpha: expm1(min(x, 0)))",
        "x for x > 0, alpha*(exp(x)-1) otherwise; alpha defaults to 1",
        "elu(x)  elu(x, alpha)",
        kink=lambda a: (a[0] == 0) & (_alpha(a, 1.0) != 1),
        directional=lambda a, d, o: _slopes_at_zero(d[0], _alpha(a, 1.0)),
        kink_doc="at x = 0 when alpha != 1 (slopes alpha and 1; backprop uses alpha)",
        analytic=False,
        complex_forward=_elu_complex,
        symbolic=lambda n: _step_rule("1" if n == 1 else "alpha", "exp(min(x,0))", n, "expm1(min(x,0))"),
    ),
    _unary(
        "selu",
        _selu,
        lambda x, o: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0.0))),
        "scale for x > 0, scale*alpha*exp(x) for x <= 0",
        f"scale*elu(x, alpha), scale = {SELU_SCALE!r}, alpha = {SELU_ALPHA!r} (self-normalizing)",
        kink=lambda a: a[0] == 0,
        directional=lambda a, d, o: SELU_SCALE * _slopes_at_zero(d[0], SELU_ALPHA),
        kink_doc="at x = 0 (slopes scale*alpha and scale; backprop uses scale*alpha)",
        analytic=False,
        complex_forward=lambda z: SELU_SCALE * _elu_complex(z, SELU_ALPHA),
        symbolic=f"{SELU_SCALE!r}*({_step_rule(repr(SELU_ALPHA), 'exp(min(x,0))', 1, '')})",
    ),
    _unary(
        "gelu",
        _gelu,
        _gelu_slope,
        "Phi(x) + x*phi(x)",
        "x*Phi(x), Phi the standard normal CDF: the exact erf form, not the tanh approximation",
        complex_forward=_gelu_complex,
        symbolic="erfc(-x/sqrt(2))/2+x*exp(-x**2/2)/sqrt(2*pi)",  # Phi(x) + x*phi(x)
    ),
    _unary(
        "silu",
        lambda x: x * _sigmoid(x),
        _silu_slope,
        "sigmoid(x)*(1 + x*sigmoid(-x))",
        "x*sigmoid(x) (also called swish)",
        complex_forward=lambda z: z * _sigmoid_complex(z),
    ),
    _unary(
        "softsign",
        lambda x: x / (1.0 + np.abs(x)),
        lambda x, o: 1.0 / (1.0 + np.abs(x)) ** 2,
        "1/(1+|x|)**2",
        "x/(1+|x|)",
        analytic=False,  # two analytic pieces, joined with equal slopes at 0
        complex_forward=_softsign_complex,
        symbolic="1/(1+abs(x))**2",
    ),
    _unary(
        "mish",
        _mish,
        _mish_slope,
        "tanh(softplus(x)) + x*sigmoid(x)/cosh(softplus(x))**2",
        "x*tanh(softplus(x))",
        complex_forward=lambda z: z * np.tanh(_softplus_complex(z)),
    ),
    _unary(
        "hard_sigmoid",
        _hard_sigmoid,
        lambda x, o: np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0),
        "1/6 for -3 < x < 3, 0 outside",
        "(x+3)/6 clipped to [0, 1], as in PyTorch",
        kink=lambda a: np.abs(a[0]) == 3.0,
        directional=_hard_sigmoid_directional,
        kink_doc="at x = -3 and x = 3 (slopes 0 and 1/6; backprop uses 0)",
        analytic=False,
        complex_forward=_hard_sigmoid_complex,
        symbolic="sign(relu(x+3))*sign(relu(3-x))/6",  # 1/6 strictly inside, 0 at and beyond +-3
    ),
)
FUNCTIONS.update((op.name, op) for op in _ACTIVATION_OPS)
FUNCTIONS["swish"] = FUNCTIONS["silu"]._replace(name="swish", doc="x*sigmoid(x): the same as silu")


def _erf(x: Array) -> Array:
    """erf elementwise by ``math.erf`` (the C library's, accurate to about 1 ulp)."""
    x = np.asarray(x, dtype=np.float64)
    return np.frompyfunc(math.erf, 1, 1)(x).astype(np.float64) if x.ndim else np.float64(math.erf(x))


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _first_order(z: Array, f: Rule, slope: Rule) -> Array:
    """f(a + ib) to first order in b, f(a) + ib f'(a): all complex step reads (as for gelu)."""
    z = np.asarray(z, dtype=complex)
    return f(z.real) + 1j * z.imag * slope(z.real)


# erf and erfc: gelu's symbolic derivative needs Phi(x) = erfc(-x/sqrt(2))/2.
FUNCTIONS.update(
    (op.name, op)
    for op in (
        _unary(
            "erf",
            _erf,
            lambda x, o: _TWO_OVER_SQRT_PI * np.exp(-x * x),
            "2/sqrt(pi)*exp(-x**2)",
            "error function",
            complex_forward=lambda z: _first_order(z, _erf, lambda x: _TWO_OVER_SQRT_PI * np.exp(-x * x)),
        ),
        _unary(
            "erfc",
            _erfc,
            lambda x, o: -_TWO_OVER_SQRT_PI * np.exp(-x * x),
            "-2/sqrt(pi)*exp(-x**2)",
            "1 - erf(x), accurate where erf(x) is near 1",
            complex_forward=lambda z: _first_order(z, _erfc, lambda x: -_TWO_OVER_SQRT_PI * np.exp(-x * x)),
        ),
    )
)


class Activation(NamedTuple):
    """A registry function that gradcli also offers as a command (``gradcli sigmoid --at 20``).

    ``param`` names its optional second argument (``alpha``) and ``default`` its value; ``alias_of``
    is set for a second name of the same function.
    """

    name: str
    param: str | None = None
    default: float | None = None
    alias_of: str | None = None


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid"),
        Activation("tanh"),
        Activation("relu"),
        Activation("leaky_relu", "alpha", 0.01),
        Activation("elu", "alpha", 1.0),
        Activation("selu"),
        Activation("gelu"),
        Activation("silu"),
        Activation("swish", alias_of="silu"),
        Activation("softplus"),
        Activation("softsign"),
        Activation("mish"),
        Activation("hard_sigmoid"),
    )
}

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


def nonfinite_reason(op: Op, args: Sequence[Array], out: Array) -> str:
    """Why ``op`` gave a non-finite result from finite ``args`` (scalars), in a few words."""
    if op.why_nonfinite is not None:
        text = op.why_nonfinite(args)
        if text:
            return str(text)
    if np.isnan(out):
        return f"{op.name} is undefined here"
    return f"{op.name} overflowed float64"
