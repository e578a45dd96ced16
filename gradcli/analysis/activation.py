"""One activation function at many x: values, both derivatives, warnings and its healthy range.

The activation commands (``gradcli sigmoid --at 20``) are generated from
:data:`gradcli.ops.ACTIVATIONS`; each runs :func:`evaluate_activation`, which builds the
expression ``name(x)`` (``name(x, alpha)`` for a parameter), runs the gradient pipeline
(:func:`gradcli.gradient.compute`) over the x values
and finds its healthy range (:func:`gradcli.health.healthy_range`). :func:`verdicts` gives each
x's verdict on its gradient (healthy, vanishing, exploding, ...), the one rule for a run of
``--at`` values and for a stream alike. It never prints and writes no prose:
:mod:`gradcli.output.activation` words the warnings and the range for a learner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..derive.diagnostics import DEFAULT_EXPLODE, DEFAULT_VANISH
from ..derive.gradient import DEFAULT_METHOD, GradResult, compute
from ..derive.precise import DEFAULT_PRECISION, Precision
from ..errors import OptionError
from ..language.parse import parse
from ..registry import ACTIVATIONS, FUNCTIONS, Activation
from .health import Health, healthy_range, slope_of

DEFAULT_RANGE = "-10:10:21"  # the --at of an activation command when none is given


# The verdict on f'(x) at one x: the first of these warning kinds the point carries (most
# serious first: with no usable f' nothing else can be said), else "healthy". Kinds about the
# finite difference (step, unconverged, inaccurate) say nothing of the gradient itself.
VERDICT_KINDS = ("nonfinite", "nondifferentiable", "uncertain", "vanishing", "exploding")
HEALTHY = "healthy"


def verdicts(result: GradResult) -> list[str]:
    """Each point's verdict on its gradient, from its warnings (judged on backprop, as
    :mod:`gradcli.derive.diagnostics` judges them): ``vanishing`` (|f'| < --vanish),
    ``exploding`` (|f'| > --explode), ``nondifferentiable``, ``uncertain`` or ``nonfinite``
    where no single f' can be judged, else ``healthy``."""
    out = []
    for found in result.warnings:
        kinds = {w.kind for w in found}
        out.append(next((k for k in VERDICT_KINDS if k in kinds), HEALTHY))
    return out


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
    return f"{activation.name}({', '.join(['x', *(repr(float(p)) for p in params)])})"


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
    return ActivationResult(activation, params, result, health)
