"""The :class:`Op` record every registry block builds, and the helpers the blocks share.

An :class:`Op` holds, side by side, everything gradcli knows about one operator or function
(see the package docstring for the conventions each rule follows). Blocks build it by keyword,
usually through :func:`unary` for a one-argument function.

High-precision rules (``mp``) take and return mpmath numbers. mpmath is imported only when
such a rule runs (:func:`mpmath`), so importing the registry never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

Array = np.ndarray
Rule = Callable[..., Array]
Predicate = Callable[..., "Array | np.bool_ | bool"]  # a why_nonfinite case: true where it applies


MAGNITUDE = 2**24  # |log2 v| past this (about 10**+-5,050,000): no mp value


class BeyondRange(Exception):
    """An ``mp`` rule's argument or result lies beyond 2**+-MAGNITUDE.

    mpmath represents such numbers, but its cost grows with their exponents without bound (a
    power with an exponent near 2**16000 takes seconds), and no float64 result depends on their
    digits; an ``mp`` rule may raise this instead of computing one.
    """


class NaryRule(NamedTuple):
    """The symbolic partials of an op with any number of arguments, in linear size.

    The partial by argument ``x`` is ``weight(x) / (weight(x1) + ... + weight(xn))``, where
    ``weight`` is gradcli expression text in ``x`` and ``out`` (the op's value at all the
    arguments); the sum is built once and shared by every partial, so n arguments cost O(n)
    terms, not O(n**2). ``pair`` is the rule for two arguments, as ``Op.symbolic`` text.
    """

    weight: str
    pair: str


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
    # Where the op stops being analytic (a kink, a jump, two pieces joined), as functions of the
    # arguments and the value that are smooth on each piece, 0 on a seam and change sign across
    # it (relu: x; hard_sigmoid: x+3 and x-3; max: out-x for each x). Difference steps read from
    # them how far the nearest seam is (gradcli.derive.steps), as no pilot difference sees a
    # kink of a piecewise-linear f beyond its own step. None: analytic wherever it is defined.
    seams: Callable[[Sequence[Array], Array], Sequence[Array]] | None = None
    # The period of a function periodic in its argument (sin: 2 pi), else None. f may vary on a
    # radian of that argument however smooth it looks at x: difference steps along a variable
    # stay within a radian of it (gradcli.derive.seams.wave_reach), since a pilot blind to a
    # small wiggle under f's rounding (cos(x) + x at 1e10) would let a step span periods.
    period: float | None = None
    # The angle a function turns through where it repeats itself without a period of its own
    # (gamma, lgamma and polygamma below 1/2, with poles 1 apart: pi x there, NaN above), from
    # its arguments; steps stay within a radian of it as of a periodic argument. None: the
    # argument itself where ``period`` is set, else nothing.
    wave: Callable[[Sequence[Array]], Array] | None = None
    # The arguments whose movement can make its value jump at its kink (sign: x at 0; where: c
    # at 0; pow: y at 0**0; polygamma: n, a whole number): there ``directional`` gives NaN for
    # a direction in which the value jumps, and a zero symbolic derivative does not make f
    # constant in what they depend on.
    jumps: tuple[int, ...] = ()
    why_nonfinite: Callable[[Sequence[Array]], Array | str] | None = None
    symbol: str | None = None  # operators only: "+", "**", ...
    analytic: bool = True  # complex-analytic wherever it is differentiable (False: piecewise)
    complex_forward: Rule | None = None  # the rule for complex input, where ``forward`` is real-only
    # The partials as gradcli expression text, one per argument joined by " and ", written in
    # the argument names of params() (e.g. "y*x**(y-1) and x**y*log(x)"); or a function from
    # the number of arguments to that text; or an NaryRule (min, max).
    # gradcli.language.symbolic builds derivatives from it, gradcli.language.precise evaluates it.
    symbolic: str | Callable[[int], str] | NaryRule | None = None
    # The same function on mpmath numbers (mpf in, mpf out), exact to the working precision;
    # None when gradcli has no faithful high-precision form of it.
    mp: Callable[..., Any] | None = None
    param: str | None = None  # the optional last argument's name (leaky_relu: "alpha") ...
    default: float | None = None  # ... and its value when omitted
    activation: bool = False  # also offered as a command: gradcli sigmoid --at 20
    alias_of: str | None = None  # a second name for the op of that name
    idempotent: bool = False  # op(x, x, ..., x) == x (min, max)
    domain: str = ""  # where it is defined, in words ("x > 0"); empty: every real number

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


class Activation(NamedTuple):
    """A registry function that gradcli also offers as a command (``gradcli sigmoid --at 20``).

    Derived from the op (``Op.activation``): ``param`` names its optional second argument
    (``alpha``) and ``default`` its value; ``alias_of`` is set for a second name of the same function.
    """

    name: str
    param: str | None = None
    default: float | None = None
    alias_of: str | None = None


def unsettled(d: Any) -> Array | bool:
    """Where an argument's one-sided slope ``d`` (a ``directional`` rule's dot) is 0 although it
    depends on the variable (an array of slopes, not the scalar 0 of an argument that does not):
    it may still move at a higher order (x**2 at 0), so a rule whose answer depends on whether it
    moves (a vertical tangent, a jump) cannot tell, and gives NaN there."""
    if np.ndim(d) == 0:
        return False
    return np.asarray(d) == 0


def mpmath() -> ModuleType:
    """The mpmath module, imported on first use (high-precision rules only)."""
    import mpmath as module

    return module


def explain(cases: list[tuple[Predicate, str]]) -> Callable[[Sequence[Array]], str]:
    """Build a why_nonfinite rule: the first case whose predicate holds names the cause."""

    def why(args: Sequence[Array]) -> str:
        for test, text in cases:
            if bool(np.all(test(*args))):
                return text
        return ""

    return why


def overflow(name: str) -> Callable[[Sequence[Array]], str]:
    return explain([(lambda *a: True, f"{name} overflowed float64")])


def outside(lo: float, hi: float, name: str) -> Callable[[Sequence[Array]], str]:
    return explain([(lambda x: (x < lo) | (x > hi), f"{name} of a number outside [{lo:g}, {hi:g}]")])


def at_zero(args: Sequence[Array], out: Array) -> tuple[Array]:
    """``Op.seams`` of an op whose only seam is at x = 0 (relu, abs, sign, ...)."""
    return (args[0],)


def unary(
    *,
    name: str,
    forward: Rule,
    slope: Callable[[Array, Array], Array | float],
    derivative: str,
    doc: str,
    mp: Callable[..., Any] | None,
    **extra: Any,
) -> Op:
    """A one-argument op: ``slope(x, out)`` is its derivative; its rule text is its symbolic rule
    unless ``symbolic=`` says otherwise."""
    extra.setdefault("symbolic", derivative)
    return Op(
        name=name,
        min_args=1,
        max_args=1,
        forward=forward,
        partials=lambda a, o: (slope(a[0], o),),
        derivative=derivative,
        doc=doc,
        signature=f"{name}(x)",
        mp=mp,
        **extra,
    )


def first_order(z: Array, f: Rule, slope: Rule) -> Array:
    """f(a + ib) to first order in b, f(a) + ib f'(a): all complex step reads (the next term is
    b**2 ~ h**2, below rounding)."""
    z = np.asarray(z, dtype=complex)
    return f(z.real) + 1j * z.imag * slope(z.real)


def nonfinite_reason(op: Op, args: Sequence[Array], out: Array) -> str:
    """Why ``op`` gave a non-finite result from finite ``args`` (scalars), in a few words."""
    if op.why_nonfinite is not None:
        text = op.why_nonfinite(args)
        if text:
            return str(text)
    if np.isnan(out):
        return f"{op.name} is undefined here"
    return f"{op.name} overflowed float64"
