"""How much rounding error the computed f carries: a running error bound over the forward pass.

Finite differences divide differences of f values by a small step, so their rounding error is
the error in each f value over h. That error is eps_m |f| only when f is computed without
cancellation; ``log(1 + exp(t))`` at t = -16 is 1.1e-7 but carries an error of 2.2e-16, the
rounding of 1 + exp(t) at the scale of 1, a billion times eps_m |f|. No difference of f values
can see this where the rounding drifts smoothly with x (it did, in tests), so the bound is made
from the evaluation itself.

Method (running error analysis, first order): every operation's result is taken to be rounded
by at most eps_m times its magnitude (one ulp: twice the error of the correctly rounded
+ - * /, and above what numpy's exp, log, sin, pow, ... were measured at against mpmath). That
is not so for every op: numpy's sinh, asinh and acosh (without AVX-512) reach 1.00-1.07 eps_m
(measured 2026-12-04, 20,000 points each), the composite
activations (sigmoid, selu, silu, mish) up to 2 eps_m, cbrt, gamma, lgamma and polygamma more;
:data:`gradcli.derive.bound.ULPS` has every op's measured figure, which backprop's bound uses
and this estimate does not yet. An error in an argument reaches the result multiplied by the
op's local partial derivative (from the registry). Forward through the nodes,

    err(node) = eps_m |node| + sum over args |d node / d arg| * err(arg),

with variables and constants exact (the steps are chosen so that x + h is exact). It uses the
forward pass and the ops' local slopes only, never the gradient of f, and it bounds the error
of f at x; f's error at x + h is the same to first order for the steps finite differences use.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..language.evaluate import forward
from ..language.nodes import Call, Expression

EPS_MACHINE = 2.220446049250313e-16


def evaluation_error(expr: Expression, cols: Sequence[np.ndarray], n: int) -> np.ndarray:
    """A first-order bound on |computed f - f| at each of the n points (never below eps_m |f|)."""
    values = forward(expr, cols)
    err: list = [None] * len(expr.nodes)
    with np.errstate(all="ignore"):
        for i, node in enumerate(expr.nodes):
            if type(node) is not Call:
                continue  # variables and constants are exact
            args = [values[j] for j in node.args]
            total = EPS_MACHINE * np.abs(values[i])
            for j, slope in zip(node.args, node.op.partials(args, values[i])):
                if err[j] is not None:
                    total = total + np.abs(slope) * err[j]
            err[i] = total
        f = np.broadcast_to(np.abs(np.asarray(values[-1], dtype=np.float64)), (n,))
        bound = np.broadcast_to(np.asarray(err[-1] if err[-1] is not None else 0.0, dtype=np.float64), (n,))
        # where a slope is not finite (a kink, sqrt(0)) the bound says nothing: fall back to eps_m |f|
        bound = np.where(np.isfinite(bound), bound, 0.0)
        return np.maximum(bound, EPS_MACHINE * np.where(np.isfinite(f), f, 0.0))
