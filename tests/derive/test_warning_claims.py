"""Every claim a warning makes about f, checked against mpmath on random one-variable expressions.

Expressions are drawn from the whole registry over x and small constants, and evaluated at
x = 0, 1, -1 or 0.5, where zeros, kinks and jumps are common. Whatever gradcli says of f is
then checked against f evaluated in mpmath at 60 digits near the point (t = 1e-25) and, for
"everywhere", at other points:

* vanishing, ``constant``: f takes the same value at other points too;
* vanishing, ``flat``: f is the same just beside the point;
* vanishing, ``stationary``: the central quotient is 0 to within its own truncation; a
  minimum (maximum) has f beside at least (at most) f at the point, "no extremum" has f
  rising (falling) through it;
* ``nondifferentiable`` at a kink: the one-sided quotients are the ones given; at a jump, f
  beside the point is not f at it;
* ``kink``: both one-sided quotients are the derivative given.

A claim is checked only where mpmath gives real, finite values on both sides.
"""

from __future__ import annotations

import math

import mpmath as mp
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gradcli.derive.gradient import grad
from gradcli.errors import GradcliError
from gradcli.language import precise
from gradcli.language.parse import parse
from gradcli.registry import FUNCTIONS, BeyondRange


class Draw:
    """Choices drawn through hypothesis, so a failure shrinks to a simpler expression."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def choice(self, options: list[str]) -> str:
        return options[self.data.draw(st.integers(0, len(options) - 1))]

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def chance(self, percent: int) -> bool:
        return self.data.draw(st.integers(0, 99)) < percent


NAMES = sorted(name for name, op in FUNCTIONS.items() if op.mp is not None)
LITERALS = ["0", "1", "2", "0.5", "-1", "3"]
T = mp.mpf("1e-25")


def _tree(d: Draw, budget: int) -> str:
    if budget <= 1 or d.chance(25):
        return "x" if d.chance(60) else d.choice(LITERALS)
    kind = d.integer(0, 9)
    if kind < 4:
        return f"({_tree(d, budget // 2)}{d.choice(['+', '-', '*', '/', '**'])}{_tree(d, budget - budget // 2 - 1)})"
    if kind < 5:
        return f"-{_tree(d, budget - 1)}"
    op = FUNCTIONS[d.choice(NAMES)]
    n = op.min_args if op.max_args == op.min_args else d.integer(op.min_args, min(op.max_args or 3, 3))
    per = max(1, (budget - 1) // max(n, 1))
    return f"{op.name}({', '.join(_tree(d, per) for _ in range(n))})"


def x_only(text: str):
    """``text`` parsed, where it is an expression of x alone (else None, and a hypothesis event
    says why)."""
    try:
        expr = parse(text)
    except GradcliError:
        event("not parsed")
        return None
    if expr.variables != ("x",):
        event("no x")
        return None
    return expr


def _f(expr, x, dps: int = 60) -> mp.mpf | None:
    """f at x in mpmath (60 digits), or None where it is not a real finite number."""
    try:
        with mp.workdps(dps):
            v = precise.values(expr, [mp.mpf(x)], dps)[-1]
    except (BeyondRange, GradcliError, ArithmeticError, ValueError):
        return None
    return v if isinstance(v, mp.mpf) and mp.isfinite(v) else None


def _near(a: float, b: float, rel: float = 1e-8) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from([0.0, 1.0, -1.0, 0.5]))
def test_what_a_warning_says_of_f_holds_in_high_precision(data, x):
    text = _tree(Draw(data), 10)
    expr = x_only(text)
    if expr is None:
        return
    result = grad(text, {"x": x}, method="backprop")
    said = [w for w in result.warnings[0] if w.var == "x"]
    if not said:
        event("no warning")
        return
    with mp.workdps(60):
        f0, right, left = _f(expr, x), _f(expr, mp.mpf(x) + T), _f(expr, mp.mpf(x) - T)
        if f0 is None or right is None or left is None:
            event("not real and finite in mpmath")
            return
        if not abs(f0 - mp.mpf(float(result.value[0]))) <= 1e-9 * max(1, abs(f0)):
            # float64's f is not near the exact one (sec(acos(0)): acos(0) is pi/2 rounded, the
            # exact f has a pole there): what gradcli says is of float64's f, not checkable here
            event("float64 f far from the exact f")
            return
        right_q, left_q = float((right - f0) / T), float((f0 - left) / T)
        for w in said:
            reason = (w.details or {}).get("reason")
            event(f"{w.kind} {reason or ''}".strip())
            if w.kind == "vanishing" and reason == "constant":
                for y in (x + 0.37, x - 1.3, x + 5.0):
                    other = _f(expr, y)
                    assert other is None or abs(other - f0) <= 1e-40 * max(1, abs(f0)), (text, x, y)
            elif w.kind == "vanishing" and reason == "flat":
                assert right == f0 == left or max(abs(right - f0), abs(left - f0)) <= 1e-50, (text, x)
            elif w.kind == "vanishing" and reason == "stationary":
                # the central quotient goes to 0 with the step (as t**2, or t**(2/3) for x*cbrt(x*x),
                # or as slowly as 1/log(t): x*log(2+x)/log(x**2) at 0, whose quotient times |log t|
                # stays put, where a nonzero derivative's grows with |log t|)
                with mp.workdps(160):  # (digits enough for x +- 1e-45 and the difference)
                    tiny = T * mp.mpf("1e-20")
                    up_t, down_t = _f(expr, mp.mpf(x) + tiny, 160), _f(expr, mp.mpf(x) - tiny, 160)
                if up_t is not None and down_t is not None:
                    wide_q, narrow_q = abs((right - left) / (2 * T)), abs((up_t - down_t) / (2 * tiny))
                    slowly = narrow_q * abs(mp.log(tiny)) <= mp.mpf("1.01") * wide_q * abs(mp.log(T))
                    assert narrow_q <= max(wide_q / 100, mp.mpf("1e-40")) or slowly, (
                        text,
                        x,
                        w.message,
                        wide_q,
                        narrow_q,
                    )
                wide = mp.mpf("1e-8")
                up, down = _f(expr, mp.mpf(x) + wide), _f(expr, mp.mpf(x) - wide)
                if up is None or down is None:
                    continue
                if "minimum" in w.message:
                    assert up >= f0 and down >= f0, (text, x, w.message)
                elif "maximum" in w.message:
                    assert up <= f0 and down <= f0, (text, x, w.message)
                elif "f rises through it" in w.message:
                    assert down < f0 < up, (text, x, w.message)
                elif "f falls through it" in w.message:
                    assert down > f0 > up, (text, x, w.message)
            elif w.kind == "nondifferentiable" and "jumps" in w.message:
                assert max(abs(right - f0), abs(left - f0)) > 1e-12, (text, x, w.message)
            elif w.kind == "nondifferentiable" and "left" in (w.details or {}):
                got_left, got_right = w.details["left"], w.details["right"]
                if got_left is not None and math.isfinite(got_left):
                    assert _near(got_left, left_q), (text, x, w.message, left_q)
                if got_right is not None and math.isfinite(got_right):
                    assert _near(got_right, right_q), (text, x, w.message, right_q)
            elif w.kind == "kink":
                slope = w.details["derivative"]
                assert _near(slope, left_q) and _near(slope, right_q), (text, x, w.message, left_q, right_q)
