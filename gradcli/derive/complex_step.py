r"""Complex-step derivatives: f'(x) ~ Im f(x + ih) / h, with no subtractive cancellation.

Method. For f analytic near x, f(x + ih) = f(x) + ih f'(x) - h**2 f''(x)/2 - ih**3 f'''(x)/6 + ...,
so Im f(x + ih) / h = f'(x) - h**2 f'''(x)/6 + ...: second order in h, and nothing is
subtracted, so h can be tiny. gradcli takes h = max(2**-60 min(1, |x|), 2**-1022) (x == 0:
2**-60; h never grows with |x|),
so the truncation error is below 1e-36 relative and the result is good to a few ulps wherever
the forward rules are (see ``Op.complex_forward`` in :mod:`gradcli.ops`). ``--eps`` sets h.

Where it applies. Every forward rule is run on complex input. Piecewise ops (abs, relu, min,
max and the piecewise activations: ``analytic=False`` in the registry) follow the smooth piece
their real parts select; the imaginary step never moves a real part, so this is exact at every
point that is not exactly on a kink. At a point where any op sits on its kink (abs(0),
relu(0), a min/max tie, sqrt(0), atan2 on its cut) and its argument moves with the variables
(sign(relu(x)) at x < 0 does not: relu is flat there, so that kink is never reached) f is not
analytic and the one-sided
derivatives may differ or be infinite: complex step gives no value there (NaN, with a warning
naming the op), and is refused outright, with the op named, when every point is on a kink. An op with no complex rule (or whose rule drops the imaginary part) is refused wherever
it is used.

Error estimate. The imaginary parts carry the derivative through every operation, each
rounding it by about one ulp, so the error is a few ulps of the derivative unless its terms
cancel. gradcli runs the step twice, at h and at h * 3/4 (which rounds differently), and
reports ``NOISE_FACTOR`` * |difference| + a running error bound of the imaginary parts
(:func:`complex_pass`, which sees cancellation between terms) + ``ULPS`` * (eps_m * |f'| +
2**-1074 / h).

Limit: where |f'| h is below 2**-1022 (a derivative below about 1e-290 at |x| ~ 1, such as
exp'(-700)), the imaginary parts are subnormal and lose digits; the last term of the estimate,
the subnormal spacing over h, bounds that loss.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import OptionError
from ..language.evaluate import Values, forward
from ..language.nodes import Call, Const, Expression
from .finite_diff import EPS_MACHINE, Differences
from .steps import Eps, every_auto, fixed_steps, given

try:
    from numpy.exceptions import ComplexWarning
except ImportError:  # numpy < 1.25
    from numpy import ComplexWarning  # type: ignore[attr-defined,no-redef]

SCALE = 2.0**-60
TINY = 2.0**-1022  # the smallest normal float64
SECOND = 0.75  # the second step, as a fraction of the first
NOISE_FACTOR = 4.0
SUBNORMAL_SPACING = 2.0**-1074
ULPS = 4.0


def complex_step_size(x: np.ndarray) -> np.ndarray:
    """The default imaginary step at x: 2**-60 min(1, |x|), never below 2**-1022 (2**-60 at x = 0).

    It never grows with |x|: the truncation error, h**2 |f'''| / 6, depends on f's own
    scale, not on the size of x, and x + ih needs no exact real part (sin at 1e20 takes
    h = 2**-60 and is exact). It shrinks with |x| below 1, so a pole or edge at 0 stays far
    outside h. The floor keeps h a normal number, so its imaginary parts keep full precision;
    it is reached only for |x| < 2**-962, where h/|x| and so the truncation error grow.
    """
    return np.where(x == 0, SCALE, np.maximum(SCALE * np.minimum(1.0, np.abs(x)), TINY))


def check_analytic(expr: Expression, values: Values, n: int) -> list[str | None]:
    """Where complex step does not apply: per point, the first op sitting on its kink (else None).

    Raises OptionError where f uses an op with no complex rule (no point can be differentiated).
    """
    kinked: list[str | None] = [None] * n
    moving: list[np.ndarray] | None = None
    for i, node in enumerate(expr.nodes):
        if type(node) is not Call or not expr.depends[i]:
            continue
        op = node.op
        if op.complex_forward is None and not op.analytic:
            raise OptionError(
                f"--method complex cannot differentiate {node.text}: {op.name} is not analytic "
                "and has no complex-step rule",
                hint="use --method richardson or five-point",
            )
        if op.kink is None:
            continue
        with np.errstate(all="ignore"):
            on_kink = np.broadcast_to(np.asarray(op.kink([values[a] for a in node.args]), dtype=bool), (n,))
        if on_kink.any():
            # a kink the imaginary step does not reach (sign(relu(x)) at x < 0, where relu is
            # flat) is harmless
            moving = moving if moving is not None else _moving(expr, values, n)
            on_kink = on_kink & np.any([moving[a] for a in node.args], axis=0)
        for p in np.flatnonzero(on_kink):
            kinked[p] = kinked[p] or node.text
    return kinked


def require_somewhere(expr: Expression, values: Values, n: int) -> None:
    """Refuse complex step for a whole run (OptionError) when every one of its points is on a kink.

    A run that has some points off the kinks gets their values, and no value (with a warning)
    at the others; a stream checks nothing here, since a chunk of it is not the whole run.
    """
    refuse_everywhere(check_analytic(expr, values, n))


def refuse_everywhere(kinked: Sequence[str | None]) -> None:
    """:func:`require_somewhere` on :func:`check_analytic`'s answer for all of a run's points
    (a run computed in blocks gathers it block by block)."""
    n = len(kinked)
    if n and all(kinked):
        where = "point 1" if n == 1 else f"any of the {n} points"
        raise OptionError(
            f"--method complex is not defined at {where}: {kinked[0]} is at its kink, where f is not analytic",
            hint="use --method central or backprop, which report the left and right slopes there",
        )


def _moving(expr: Expression, values: Values, n: int) -> list[np.ndarray]:
    """Per node, per point: whether the imaginary step, in any variable, reaches its value.

    One complex pass per variable at the default step: a node is reached where its complex
    value differs from its real one at all, imaginary part or real (``(ih)**2`` is real but
    not 0: x**2 at 0 moves, to second order). relu(x) at x < 0 stays exactly 0: not reached.
    """
    nodes = expr.nodes
    out = [np.zeros(n, dtype=bool) for _ in nodes]
    base = [np.broadcast_to(np.asarray(values[i], dtype=np.float64), (n,)) for i in expr.var_nodes]
    with np.errstate(all="ignore"):
        for k, x in enumerate(base):
            cols: list[Any] = list(base)
            cols[k] = x + 1j * complex_step_size(x)
            seen: list[Any] = []
            for i, node in enumerate(nodes):
                if isinstance(node, Call):
                    op = node.op
                    args = [seen[a] for a in node.args]
                    seen.append(_apply(op, op.complex_forward or op.forward, args, node.text))
                elif isinstance(node, Const):
                    seen.append(np.float64(node.value))
                else:
                    seen.append(cols[node.index])
                out[i] = out[i] | np.broadcast_to(np.asarray(seen[i]) != np.asarray(values[i]), (n,))
    return out


def complex_forward(expr: Expression, cols: Sequence[np.ndarray]) -> np.ndarray:
    """f on complex points (``cols`` complex arrays), by each op's complex rule."""
    return complex_pass(expr, cols)[0]


def _apply(op: Any, rule: Any, args: list, text: str) -> Any:
    """One op on complex arguments; a rule that drops the imaginary part is refused, not trusted."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ComplexWarning)
        try:
            out = rule(*args)
        except (ComplexWarning, TypeError) as exc:
            raise _no_rule(op, text) from exc
    if any(np.iscomplexobj(a) for a in args) and not np.iscomplexobj(out):
        raise _no_rule(op, text)
    return out


def _no_rule(op: Any, text: str) -> OptionError:
    return OptionError(
        f"--method complex cannot differentiate {text}: {op.name} has no complex-step rule",
        hint="use --method richardson or five-point",
    )


def complex_pass(
    expr: Expression, cols: Sequence[np.ndarray], h: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """f on complex points, and (given the step h) a running error bound on Im f / h and where
    f has no derivative.

    The bound is first order: each op rounds the imaginary part it passes on by ``ULPS`` ulps
    of the sum of its terms' magnitudes (|partial| * |Im arg| / h), and an argument's error
    reaches the result times |partial| (the registry's local slopes, at the real parts). It
    sees cancellation between terms of the derivative, which the two steps may not.

    No derivative: where an op's partial (the registry's, at the real parts) is NaN in an
    argument that carries the step, f has no derivative there, whatever Im f / h says: d/dy
    x**y at x = -2, y = 3, where x**y is real only at integers y and the complex power takes
    the imaginary part from log(-2). A zero partial further on stops it (sign of it), as in
    backprop.
    """
    values: list = []
    errors: list = []
    undefined: list = []
    real_errors: list = []  # running bound on each node's real part (as gradcli.derive.rounding)
    with np.errstate(all="ignore"):
        for node in expr.nodes:
            err = None
            und: Any = False
            real_err: Any = 0.0
            if isinstance(node, Call):
                op = node.op
                args = [values[a] for a in node.args]
                rule = op.complex_forward or op.forward
                out = _apply(op, rule, args, node.text)
                if h is not None:
                    real = [np.real(a) for a in args]
                    slopes = op.partials(real, np.real(out))
                    arg_errs = [real_errors[i] for i in node.args]
                    real_err = EPS_MACHINE * np.abs(np.real(out))
                    for slope, e in zip(slopes, arg_errs):
                        real_err = real_err + np.where(np.isfinite(slope) & (e != 0), np.abs(slope) * e, 0.0)
                    err = _cross_error(op, real, arg_errs, slopes, [np.imag(a) / h for a in args])
                    size: np.ndarray | float = 0.0
                    for a, e, slope, j in zip(args, [errors[i] for i in node.args], slopes, node.args):
                        # an argument with no imaginary part (a constant exponent) adds nothing,
                        # even where its slope is NaN (d/dy x**y for x < 0)
                        im = np.abs(np.imag(a))
                        und = und | ((im != 0) & np.isnan(slope)) | (undefined[j] & (slope != 0))
                        size = size + np.where(im == 0, 0.0, np.abs(slope) * im / h)
                        if e is not None:
                            err = err + np.where(e == 0, 0.0, np.abs(slope) * e)
                    err = err + ULPS * EPS_MACHINE * size
                values.append(out)
            elif isinstance(node, Const):
                values.append(np.float64(node.value))
            else:
                values.append(cols[node.index])
            errors.append(err)
            undefined.append(und)
            real_errors.append(real_err)
    if h is None:
        return np.asarray(values[-1]), None, None
    bound = np.asarray(errors[-1] if errors[-1] is not None else 0.0, dtype=np.float64)
    return np.asarray(values[-1]), bound, np.asarray(undefined[-1], dtype=bool)


def _cross_error(op: Any, real: list, errs: list, slopes: Sequence, dots: list) -> Any:
    """How much the real parts' rounding moves the derivative an op passes on: the partials at
    the arguments shifted by their error bounds (both ways), against the unshifted ones, times
    the derivative each argument carries (Im arg / h). It is what cancellation in f costs the
    complex step ((exp(x)-1)/x at 1e-9: the rounding of exp(x)-1, 1e-16, over x**2); 0 where
    no argument carries a rounding error.
    """
    if all(np.all(np.asarray(e) == 0) for e in errs):
        return 0.0
    worst: Any = 0.0
    for sign in (1.0, -1.0):
        moved = [r + sign * e for r, e in zip(real, errs)]
        out = op.forward(*moved)
        shifted = op.partials(moved, out)
        change: Any = 0.0
        for new, old, dot in zip(shifted, slopes, dots):
            change = change + np.where(dot == 0, 0.0, (new - old) * dot)
        worst = np.maximum(worst, np.where(np.isfinite(change), np.abs(change), 0.0))
    return worst


def complex_differences(
    expr: Expression, cols: Sequence[np.ndarray], f0: np.ndarray, eps: Eps
) -> Differences:
    """Complex-step gradient at every point for every variable (arrays are (k, n)).

    At a point where an op sits on its kink the gradient and its estimate are NaN (diagnostics
    says why); raises OptionError only where f uses an op with no complex rule (see
    :func:`check_analytic`; :func:`require_somewhere` refuses a run with every point on a kink).
    """
    k, n = len(cols), len(f0)
    refused = np.array([p is not None for p in check_analytic(expr, forward(expr, cols), n)], dtype=bool)
    step, grad, rnd = (np.empty((k, n)) for _ in range(3))
    base = [np.asarray(c, dtype=complex) for c in cols]
    with np.errstate(all="ignore"):
        for j, x in enumerate(cols):
            wanted = given(eps, j)
            h = complex_step_size(x) if wanted is None else fixed_steps(wanted, n)
            slopes, bound, undefined = [], np.zeros(n), np.zeros(n, dtype=bool)
            for i, size in enumerate((h, h * SECOND)):
                moved = list(base)
                moved[j] = x + 1j * size
                out, running, no_derivative = complex_pass(expr, moved, size if i == 0 else None)
                slopes.append(np.imag(np.broadcast_to(out, (n,))) / size)
                if running is not None and no_derivative is not None:  # both or neither
                    bound = np.broadcast_to(running, (n,))
                    undefined = np.broadcast_to(no_derivative, (n,))
            g = np.where(undefined, np.nan, slopes[0])
            step[j], grad[j] = h, g
            # the last term is the spacing of subnormal numbers, over h: it matters only where
            # Im f = f' h underflows, and then it bounds the digits lost
            rnd[j] = (
                NOISE_FACTOR * np.abs(slopes[0] - slopes[1])
                + np.where(np.isfinite(bound), bound, 0.0)
                + ULPS * EPS_MACHINE * np.abs(g)
                + ULPS * SUBNORMAL_SPACING / h
            )
    grad[:, refused] = np.nan
    rnd[:, refused] = np.nan
    trunc = np.full((k, n), np.nan)  # below 1e-36 relative at the default step: not estimated
    points = np.array([np.broadcast_to(np.asarray(c, dtype=np.float64), (n,)) for c in cols])
    return Differences("complex", step, grad, trunc, rnd, 1 + 2 * k, points=points, auto=every_auto(eps))
