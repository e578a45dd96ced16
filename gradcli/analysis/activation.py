"""One activation function at many x: values, both derivatives, warnings and its healthy range.

The activation commands (``gradcli sigmoid --at 20``) are generated from
:data:`gradcli.ops.ACTIVATIONS`; each runs :func:`evaluate_activation`, which builds the
expression ``name(x)`` (``name(x, alpha)`` for a parameter), runs the gradient pipeline
(:func:`gradcli.gradient.compute`) over the x values, finds the healthy range
(:func:`gradcli.health.healthy_range`) and rewrites the vanishing warnings in terms of this
function and that range, for a learner to act on. It never prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..derive.diagnostics import DEFAULT_EXPLODE, DEFAULT_VANISH, GradWarning
from ..derive.gradient import DEFAULT_METHOD, GradResult, compute
from ..derive.precise import DEFAULT_PRECISION, Precision
from ..errors import OptionError
from ..language.parse import parse
from ..output.formats import number
from ..registry import ACTIVATIONS, FUNCTIONS, Activation
from .health import Health, healthy_range, slope_of

DEFAULT_RANGE = "-10:10:21"  # the --at of an activation command when none is given


class ActivationResult(NamedTuple):
    """An activation's gradient results at n values of x, and its healthy range."""

    activation: Activation
    params: tuple[float, ...]  # the value of its parameter (alpha), if it has one
    result: GradResult
    health: Health

    @property
    def name(self) -> str:
        return self.activation.name


def expression_text(activation: Activation, params: Sequence[float] = ()) -> str:
    """``sigmoid(x)``, or ``leaky_relu(x, 0.01)`` with the parameter at full precision."""
    return f"{activation.name}({', '.join(['x', *(number(p) for p in params)])})"


def evaluate_activation(
    name: str,
    xs: Sequence[float],
    method: str = DEFAULT_METHOD,
    eps: float | None = None,
    vanish: float = DEFAULT_VANISH,
    explode: float = DEFAULT_EXPLODE,
    param: float | None = None,
    precision: Precision = DEFAULT_PRECISION,
) -> ActivationResult:
    """The activation ``name`` at each x in ``xs``, with its healthy range for ``vanish``.

    ``param`` sets its parameter (alpha) where it has one (None: the registry's default); giving
    one to an activation without a parameter raises :class:`OptionError`. ``precision`` as
    for :func:`~gradcli.derive.gradient.compute`.
    """
    activation = ACTIVATIONS[name]
    if param is not None and activation.param is None:
        raise OptionError(f"{name} takes no parameter")
    if param is not None and not math.isfinite(param):
        raise OptionError(f"--{activation.param} must be a finite number, not {param!r}")
    params: tuple[float, ...] = ()
    if activation.param is not None:
        params = (activation.default if param is None else float(param),)  # type: ignore[assignment]
    expr = parse(expression_text(activation, params))
    points = np.asarray(xs, dtype=np.float64).reshape(-1, 1)
    result = compute(expr, points, method, eps, vanish, explode, precision=precision)
    health = healthy_range(slope_of(FUNCTIONS[name], params), vanish)
    warnings = [
        [_in_words(w, name, float(points[p, 0]), result, p, health) for w in found]
        for p, found in enumerate(result.warnings)
    ]
    return ActivationResult(activation, params, result._replace(warnings=warnings), health)


def interval_text(lo: float, hi: float) -> str:
    """``-13.8 < x < 13.8``, ``0.0 < x``, ``x < 3.0`` or ``every x``, ends at full precision."""
    if lo == -math.inf and hi == math.inf:
        return "every x"
    if lo == -math.inf:
        return f"x < {number(hi)}"
    if hi == math.inf:
        return f"{number(lo)} < x"
    return f"{number(lo)} < x < {number(hi)}"


def set_text(intervals: Sequence[tuple[float, float]]) -> str:
    return " or ".join(interval_text(lo, hi) for lo, hi in intervals) if intervals else "no x"


def _in_words(w: GradWarning, name: str, x: float, result: GradResult, p: int, health: Health) -> GradWarning:
    """A vanishing warning told in terms of the activation: its slope, the threshold, and why."""
    if w.kind != "vanishing":
        return w
    where = f"{name}'({number(x)})"
    g = float(result.exact[0, p])
    advice = ""
    if health.above_vanish:
        advice = f"; it is at least {number(health.vanish)} only for {set_text(health.above_vanish)}"
    reason = (w.details or {}).get("reason")
    if reason in ("flat", "constant"):
        text = f"{where} is exactly 0: {name} is flat here, so a gradient step cannot move x at all{advice}"
    elif reason == "stationary":
        text = f"{where} is exactly 0 at this point only: {w.message}{advice}"
    elif reason == "underflow":
        high = (w.details or {}).get("high_precision")
        text = (
            f"{where} = {high} (in high precision) is below float64's range, so it shows as {number(g)}: "
            f"{name} is saturated here, so a gradient step barely moves x, and multiplied through further "
            f"layers the gradient vanishes{advice}"
        )
    elif reason == "small":
        text = f"{w.message}{advice}"
    else:
        text = (
            f"{where} = {number(g)} is below the --vanish threshold {number(health.vanish)}: {name} is "
            f"saturated here (f = {number(result.value[p])} barely changes with x), so a gradient "
            f"step barely moves x, and multiplied through further layers the gradient vanishes{advice}"
        )
    return w._replace(message=text)


def describe(health: Health, name: str) -> list[str]:
    """The healthy range in sentences, the same under a table and on stderr."""
    lines = [
        f"healthy range of {name} (found numerically from its derivative):",
        f"  |f'(x)| >= {number(health.vanish)} (--vanish) for {set_text(health.above_vanish)}",
    ]
    if health.peak > 0:
        where = f" at x ≈ {health.peak_at:.6g}" if health.peak_at is not None else ""
        lines.append(
            f"  |f'(x)| >= 10% of its peak {number(health.peak)}{where} for {set_text(health.strong)}"
        )
    sides = []
    if health.above_vanish and health.above_vanish[-1][1] == math.inf:
        sides.append("for large x")
    if health.above_vanish and health.above_vanish[0][0] == -math.inf:
        sides.append("for very negative x")
    if sides:
        lines.append(f"  no vanishing side {' or '.join(sides)}: f' does not fade there")
    if health.zero_left:
        lines.append(
            "  left of that f' is exactly 0: a unit pushed there stops learning (dead), not only slowly"
        )
    if health.zero_right:
        lines.append("  right of that f' is exactly 0: a unit pushed there stops learning (dead)")
    for z in health.zeros:
        lines.append(f"  f' changes sign at x = {number(z)}, where f turns (a minimum or maximum)")
    if health.peak > 0:
        low, high = health.unit_low / health.peak, health.unit_high / health.peak
        inside = all(
            any(lo < -1 and 1 < hi for lo, hi in intervals)
            for intervals in (health.above_vanish, health.strong)
        )
        lines.append(
            f"  the usual advice -1 < x < 1 is {'inside both' if inside else 'not inside both'}: there "
            f"|f'| is {health.unit_low:.3g} to {health.unit_high:.3g} ({low:.0%} to {high:.0%} of the peak)"
        )
    return lines


def health_record(health: Health) -> dict:
    """JSON-ready fields; an unbounded end is null."""

    def ends(intervals: Sequence[tuple[float, float]]) -> list[list[float | None]]:
        return [
            [lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None] for lo, hi in intervals
        ]

    return {
        "vanish": health.vanish,
        "above_vanish": ends(health.above_vanish),
        "peak": health.peak,
        "peak_at": health.peak_at,
        "strong": ends(health.strong),
        "strong_threshold": health.strong_threshold,
        "unit_range": {"low": health.unit_low, "high": health.unit_high},
        "dead_left": health.zero_left,
        "dead_right": health.zero_right,
        "slope_zeros": list(health.zeros),
    }
