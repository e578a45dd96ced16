"""The registry: every operator and function gradcli knows, each declared once.

Each op is one block in the module named for its kind (:mod:`.arithmetic`, :mod:`.elementary`,
:mod:`.trig`, :mod:`.hyperbolic`, :mod:`.piecewise`, :mod:`.special`, :mod:`.gamma`, :mod:`.activations`): its
numpy forward rule, its local derivative rule (the partial derivative of its output with respect
to each argument), the points where it is not differentiable together with its one-sided
(directional) derivative there, the reason its output can fail to be finite, its complex-step
and high-precision forms, and a one-line doc, then its :class:`Op` built by keyword. The
parser, the evaluator, backprop, diagnostics, ``gradcli functions``, the activation commands and
the "did you mean" hints all read the tables below: adding a function is one block in one
file, its name in that module's ``OPS``, and one row in the tests.

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
* ``mp`` is the same function on mpmath numbers, exact to the working precision, following the
  float64 rule's conventions (relu(0) = 0, NaN outside the domain rather than a complex value,
  log(0) = -inf, x/0 = +-inf); mpmath is imported only when such a rule runs. A rule may raise
  :class:`BeyondRange` where its result lies beyond 2**+-``MAGNITUDE`` (about 10**+-5,050,000).
* ``symbolic`` gives the partials as gradcli expression text: ``gradcli diff`` prints
  derivatives built from it and :mod:`gradcli.language.precise` evaluates it in high precision.
* Rules are chosen to be stable: sigmoid' = sigmoid(x)*sigmoid(-x), tanh' = sech(x)**2,
  softplus(x) = max(x, 0) + log1p(exp(-|x|)), so nothing overflows or cancels where the true
  value is representable.
"""

from __future__ import annotations

import math

from . import activations, arithmetic, elementary, gamma, hyperbolic, piecewise, special, trig
from .activations import SELU_ALPHA, SELU_SCALE
from .op import MAGNITUDE, Activation, BeyondRange, NaryRule, Op, nonfinite_reason

OPERATORS: dict[str, Op] = {op.symbol: op for op in arithmetic.OPS}  # type: ignore[misc]

FUNCTIONS: dict[str, Op] = {
    op.name: op
    for ops in (
        arithmetic.CALLABLE,
        elementary.OPS,
        trig.OPS,
        hyperbolic.OPS,
        piecewise.OPS,
        special.OPS,
        gamma.OPS,
        activations.OPS,
    )
    for op in ops
}

ACTIVATIONS: dict[str, Activation] = {
    op.name: Activation(op.name, op.param, op.default, op.alias_of)
    for op in FUNCTIONS.values()
    if op.activation
}

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

__all__ = [
    "ACTIVATIONS",
    "CONSTANTS",
    "FUNCTIONS",
    "MAGNITUDE",
    "OPERATORS",
    "SELU_ALPHA",
    "SELU_SCALE",
    "Activation",
    "BeyondRange",
    "NaryRule",
    "Op",
    "nonfinite_reason",
]
