"""Turn gradients into warnings a person can act on.

Kinds, checked in this order for each point (and each variable):

``nonfinite``          f, or a derivative, is NaN or inf; names the operation that produced it
                       (``log of a negative number in log(a-b), where a-b = -1.0``). Also
                       where f is finite only as a limit through an infinite value on the
                       way (1/(1/x) at 0: 1/x is inf): the derivative is not known there
                       (``reason``: ``limit``), and no other verdict is drawn from backprop's.
``nondifferentiable``  the point sits on a kink (abs(0), relu(0), a min/max tie, sqrt(0), ...)
                       and the left and right derivatives differ; both are reported, exactly.
                       Where f jumps (sign(0), where(c, a, b) at c = 0 with a != b), f's values
                       just beside the point are reported instead.
``kink``               the point sits on a kink that f does not feel (relu(x)-relu(-x) at 0):
                       the two sides agree, and backprop's rule there gives another number;
                       the derivative is reported. No vanishing, exploding or inaccurate verdict
                       is drawn from backprop's number there.
``uncertain``          backprop's rounding-error bound is comparable to |gradient| (after
                       high precision, where it was used): gradcli cannot tell. Also at a kink
                       whose one-sided derivatives cannot be found (``reason``: ``kink``).
``vanishing``          |exact gradient| < ``vanish`` (default 1e-6), judged on backprop, so a
                       tiny true gradient is told apart from a finite difference that lost it;
                       says why, as far as it is known (:mod:`gradcli.derive.smallness`): f
                       constant or flat in the variable ("exactly 0"), a stationary point and
                       its kind, an underflow below float64's range, saturation, or neither.
``exploding``          |exact gradient| > ``explode`` (default 1e6).
``step``               the step used is not the ``--eps`` asked for: cut to the smooth region
                       (a pole, domain edge or kink was within it), or rounded so that x + h
                       is exact (x + eps missed it by more than 1%, or eps is below the float
                       spacing at x); both steps are named.
``unconverged``        the finite difference's error is unknown (inf, null in JSON): no step
                       float64 can take at x resolves f (sin at 1e20), a probe left f's domain,
                       or the extrapolation did not converge.
``inaccurate``         the finite difference misses backprop by more than its method achieves
                       with a good step: says whether eps is too large (truncation dominates)
                       or too small (rounding dominates) and suggests one, or that the step
                       destroyed the answer (f changes by less than its rounding error).

A finite difference is trusted when its relative error against backprop is within ``TRUSTED``
(1e-6, what a gradient check needs), or, failing that, within ``BEST_FACTOR`` times the error
the best step of its method would reach at this point; where the exact derivative is 0, when
it is within ``INACCURATE_FACTOR`` times its error estimate. A difference that comes out 0, or
below its own rounding error, while backprop is not 0 is always reported ("the step destroyed
the answer"). Rounding and truncation error are the method's own estimates (``diff``), never
backprop's: the rounding estimate comes from a running error bound of f's evaluation
(:mod:`gradcli.rounding`), which accounts for cancellation inside f, not only eps_m*|f|.
``richardson`` and ``complex``, which have no single step to tune, are judged by their own
error estimate (:func:`_why_adaptive`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..language.evaluate import Values
from ..language.nodes import Call, Const, Expression
from ..registry import nonfinite_reason
from .finite_diff import (
    Differences,
)
from .kink_warnings import kink_warnings, limit_warnings
from .smallness import Small, explain
from .step_warnings import _inaccurate, _step_notes
from .warning import (  # noqa: F401  (re-exported: the warning API)
    BEST_FACTOR,
    DEFAULT_EXPLODE,
    DEFAULT_VANISH,
    INACCURATE_FACTOR,
    KINDS,
    TRUSTED,
    GradWarning,
    _at,
    _json,
    _num,
    _threshold,
)


def diagnose(
    expr: Expression,
    values: Values,
    f: np.ndarray,
    exact: np.ndarray,
    adjoints: list,
    diff: Differences | None,
    vanish: float = DEFAULT_VANISH,
    explode: float = DEFAULT_EXPLODE,
    *,
    bound: np.ndarray | None = None,
    precise: list | None = None,
    forced: bool = False,
) -> list[tuple[GradWarning, ...]]:
    """Warnings for each of the n points (a tuple per point, most serious first).

    ``bound`` is backprop's rounding-error bound (same shape as ``exact``) and ``precise`` the
    per-point high-precision records (:mod:`gradcli.derive.precise`; ``forced``: every point was
    tried at the digits the user gave, so a point without a record could not be taken); with them, a gradient
    whose bound is comparable to itself is ``uncertain`` rather than vanishing or exploding,
    and "exactly 0" is said only of a gradient known to be 0 (:mod:`gradcli.derive.smallness`).
    """
    n = len(f)
    names = expr.variables
    found: defaultdict[int, list[GradWarning]] = defaultdict(list)  # only points with warnings
    f_ok = np.isfinite(f)
    for p in np.flatnonzero(~f_ok).tolist():
        found[p].append(GradWarning(None, "nonfinite", f"f is {_num(f[p])}: {_origin(expr, values, p)}"))

    # where backprop's number is not f's derivative: a kink or jump (nondiff), a kink f does not
    # feel or whose sides are not known, a limit through an infinite value (ruled): no verdict on it
    nondiff, ruled = kink_warnings(expr, values, f, exact, found)
    ruled |= limit_warnings(expr, values, f_ok, exact, precise, nondiff, found)

    refused = np.zeros(n, dtype=bool)
    if diff is not None and diff.method == "complex":  # no complex step on a kink (complex_step.py)
        if len(names):
            refused = f_ok & np.isnan(diff.gradient).all(axis=0)
        if refused.any():
            from .complex_step import check_analytic

            ops = check_analytic(expr, values, n)
            for p in np.flatnonzero(refused).tolist():
                if ops[p] is None:  # not a kink: the difference itself overflowed
                    refused[p] = False
                elif not nondiff[:, p].any():
                    found[p].append(
                        GradWarning(
                            None,
                            "nondifferentiable",
                            f"--method complex is not defined here: {ops[p]} is at its kink, where f "
                            "is not analytic; use --method central or backprop for this point",
                        )
                    )

    exact_ok = np.isfinite(exact)
    usable_all = f_ok & exact_ok & ~nondiff & ~ruled
    small = explain(expr, values, exact, bound, precise, usable_all, vanish)
    uncertain = np.zeros(exact.shape, dtype=bool)
    for (v, p), verdict in small.items():
        uncertain[v, p] = verdict.reason == "uncertain"
    estimates = diff.error_estimate if diff is not None else np.empty((0, n))  # once, read per variable
    origins: dict[int, str] = {}  # point -> why a slope there is not finite (the same for every variable)
    for v, name in enumerate(names):
        broken = np.flatnonzero(f_ok & ~exact_ok[v] & ~nondiff[v] & ~ruled[v])
        new = broken[[p not in origins for p in broken.tolist()]] if origins else broken
        origins.update(zip(new.tolist(), _slope_origins(expr, values, adjoints, new, n)))
        for p in broken.tolist():
            found[p].append(
                GradWarning(name, "nonfinite", f"df/d{name} is {_num(exact[v, p])}: {origins[p]}")
            )
        usable = f_ok & exact_ok[v] & ~nondiff[v] & ~ruled[v]
        size = np.abs(exact[v])
        for p in np.flatnonzero(usable & ((size < vanish) | uncertain[v])).tolist():
            why = small.get((v, p))
            if why is not None:
                found[p].append(_small_warning(name, exact[v, p], bound, v, p, why, vanish, precise, forced))
        for p in np.flatnonzero(usable & (size > explode) & ~uncertain[v]).tolist():
            found[p].append(
                GradWarning(
                    name,
                    "exploding",
                    f"df/d{name} = {_num(exact[v, p])} is above the --explode threshold "
                    f"{_threshold(explode)}: a small change in {name} changes f a lot, so a gradient "
                    "step may overshoot",
                )
            )
        if diff is not None:
            for p, warning in _step_notes(diff, v, name, f_ok & ~refused & ~nondiff[v], estimates):
                found[p].append(warning)
            # against an uncertain reference, a miss says nothing about the difference
            for p, warning in _inaccurate(
                diff, v, name, exact[v], usable & ~refused & ~uncertain[v], estimates
            ):
                found[p].append(warning)
    out: list[tuple[GradWarning, ...]] = [()] * n  # one shared empty tuple: most points have none
    for p, warnings in found.items():
        out[p] = tuple(warnings)
    return out


ONE_SIDED = {"forward": ("right",), "backward": ("left",)}  # the side each one-sided difference reads


def unbounded_targets(
    method: str, variables: Sequence[str], warnings: Sequence[Sequence[GradWarning]]
) -> np.ndarray:
    """(k, n) mask: where what ``method`` converges to is not a finite number, so no finite error
    estimate can hold: the derivative is infinite (cbrt at 0: a ``nonfinite`` df/dx), or, on a
    kink, the one-sided derivative a forward (right) or backward (left) difference reads is
    infinite or not defined, or either one is for the centred methods (sqrt(abs(x)) at 0)."""
    index = {name: v for v, name in enumerate(variables)}
    sides = ONE_SIDED.get(method, ("left", "right"))
    mask = np.zeros((len(variables), len(warnings)), dtype=bool)
    for p, found in enumerate(warnings):
        for w in found:
            if w.var is None or w.var not in index:
                continue
            if w.kind == "nonfinite" or (
                w.kind == "nondifferentiable"
                and any((w.details or {}).get(side, 0.0) is None for side in sides)
            ):
                mask[index[w.var], p] = True
    return mask


def _small_warning(
    name: str,
    g: float,
    bound: np.ndarray | None,
    v: int,
    p: int,
    why: Small,
    vanish: float,
    precise: list | None,
    forced: bool = False,
) -> GradWarning:
    """The warning for a gradient that is small, zero or uncertain, saying only what is known."""
    d = f"df/d{name}"
    rec = precise[p] if precise is not None else None
    details: dict[str, Any] = {"reason": why.reason}
    if why.reason == "uncertain":
        b = float(bound[v, p]) if bound is not None else float("nan")
        said = f"{d} = {_num(g)} +/- {b:.2g}" if np.isfinite(b) else f"{d} = {_num(g)} with an unknown error"
        if rec is not None:
            cause = f"the {rec.digits} digits high precision took do not settle it (see the note)"
        elif b < 2.2250738585072014e-308:
            cause = "that is below float64's normal range, where a gradient can underflow to 0"
        else:
            cause = "float64 rounding (cancellation) can account for all of it"
        return GradWarning(
            name,
            "uncertain",
            f"{said}: {cause}, so gradcli cannot tell how, or whether, f changes with {name} here; "
            + (
                "more digits may settle it"
                if rec is not None
                else "high precision could not take this point either (a value on the way lies beyond "
                "1e5050000 or below 1e-5050000, or f is not defined there in high precision)"
                if forced
                else "high precision (--precision N, or auto for up to 1,000 points of a run, or of every "
                "20,000 lines of a stream) "
                "settles such points, unless a function has no high-precision form or a value "
                "lies beyond 1e5050000"
            ),
            {**details, "bound": _json(b)},
        )
    if why.reason == "constant":
        text = f"{d} is exactly 0 everywhere: f does not depend on {name} (its derivative simplifies to 0)"
    elif why.reason == "flat":
        where = f" ({why.where} is constant here)" if why.where else ""
        text = (
            f"{d} is exactly 0: f is flat in {name} around this point{where}, so a gradient step "
            f"cannot move {name}"
        )
    elif why.reason == "stationary":
        kind = f": {why.kind}" if why.kind else ""
        sure = f" (confirmed at {rec.digits} digits)" if rec is not None else ""
        text = (
            f"{d} is exactly 0{sure} at this point, a stationary point in {name}{kind}; a gradient "
            f"step does not move {name} from here"
        )
    elif why.reason == "underflow":
        details["high_precision"] = why.high
        text = (
            f"{d} = {why.high} (in high precision) is below float64's range, so it shows as "
            f"{_num(g)}: the gradient is not 0, only too small for float64"
        )
        if why.where:
            text += f"; f is saturated here ({why.where} on its flat tail), and multiplied through further layers the gradient vanishes"
    elif why.reason == "saturated":
        details["saturated"] = why.where
        text = (
            f"{d} = {_num(g)} is below the --vanish threshold {_threshold(vanish)}: f is nearly flat in "
            f"{name} here (saturated: {why.where} on its flat tail), so a gradient step barely moves "
            f"{name}, and multiplied through further layers the gradient vanishes"
        )
    else:
        text = (
            f"{d} = {_num(g)} is below the --vanish threshold {_threshold(vanish)}: f changes slowly with "
            f"{name} here (a small factor or a nearby stationary point; no function on the way is on "
            f"a flat tail), so a gradient step barely moves {name}"
        )
    return GradWarning(name, "vanishing", text, details)


def _origin(expr: Expression, values: Values, p: int) -> str:
    """Name the first operation that made a non-finite value out of finite arguments."""
    for i, node in enumerate(expr.nodes):
        if not isinstance(node, Call):
            continue
        out = _at(values[i], p)
        args = [_at(values[j], p) for j in node.args]
        if not np.isfinite(out) and all(np.isfinite(a) for a in args):
            reason = nonfinite_reason(node.op, args, out)  # type: ignore[arg-type]  # scalars: rules take floats as 0-d arrays
            return f"{reason} in {node.text}{_where(expr, node, args)}"
    return "a value is not finite"


def _slope_origins(expr: Expression, values: Values, adjoints: list, points: np.ndarray, n: int) -> list[str]:
    """At each of ``points`` (indices into the n points), the first operation whose local
    derivative is not finite where its inputs are and a slope flows through it, named with its
    inputs. The rules are evaluated once for all the points, so a point costs only its text."""
    texts = ["a derivative is not finite here"] * len(points)
    left = np.arange(len(points))  # positions in ``points`` not yet explained
    for i, node in enumerate(expr.nodes):
        if not left.size:
            break
        if not isinstance(node, Call) or adjoints[i] is None:
            continue
        at = points[left]
        args = [np.broadcast_to(np.asarray(values[j], dtype=np.float64), (n,))[at] for j in node.args]
        out = np.broadcast_to(np.asarray(values[i], dtype=np.float64), (n,))[at]
        with np.errstate(all="ignore"):
            slopes = [
                np.broadcast_to(np.asarray(s, dtype=np.float64), at.shape)
                for s in node.op.partials(args, out)
            ]
        flowing = np.broadcast_to(np.asarray(adjoints[i], dtype=np.float64), (n,))[at] != 0
        first = np.full(at.shape, -1)  # the first argument (in order) whose slope is not finite
        for k in range(len(node.args) - 1, -1, -1):
            if expr.depends[node.args[k]]:
                first = np.where(~np.isfinite(slopes[k]), k, first)
        hit = np.flatnonzero(flowing & (first >= 0))
        for h in hit.tolist():
            scalars = [float(a[h]) for a in args]
            slope = float(slopes[first[h]][h])
            texts[left[h]] = (
                f"the derivative of {node.op.name} is {_num(slope)} at {node.text}{_where(expr, node, scalars)}"
            )
        left = np.delete(left, hit)
    return texts


def _where(expr: Expression, node: Call, args: list[float]) -> str:
    parts = [
        f"{expr.nodes[j].text} = {_num(a)}"
        for j, a in zip(node.args, args)
        if not isinstance(expr.nodes[j], Const)
    ]
    return f", where {', '.join(parts)}" if parts else ""
