"""Warnings where backprop's number is not f's derivative: kinks, jumps and limits.

``nondifferentiable`` (the one-sided derivatives differ, or f jumps: its values beside the point
are given), ``kink`` (a kink f does not feel: the sides agree on a derivative backprop's rule
does not give), ``uncertain`` with reason ``kink`` (the sides could not be found), and
``nonfinite`` with reason ``limit`` (f is finite only as a limit through an infinite value on
the way, :mod:`gradcli.language.poles`). Each also returns where backprop's number must not be
judged further (vanishing, exploding, inaccurate).
"""

from __future__ import annotations

import numpy as np

from ..language.evaluate import Values
from ..language.nodes import Call, Expression
from .backprop import kinks
from .precise import MAX_DIGITS, STEP, _agree
from .sides import Sides, sides
from .warning import GradWarning, _at, _json, _num


def kink_warnings(
    expr: Expression, values: Values, f: np.ndarray, exact: np.ndarray, found: dict[int, list[GradWarning]]
) -> tuple[np.ndarray, np.ndarray]:
    """Append the kink warnings of each point to ``found[p]``; return (nondiff, unjudged), (k, n)
    masks: f not differentiable there; backprop's number not to be judged (a kink f does not
    feel, or sides not known)."""
    n = len(f)
    nondiff = np.zeros(exact.shape, dtype=bool)
    unjudged = np.zeros(exact.shape, dtype=bool)
    kink_nodes = kinks(expr, values, n)
    if not kink_nodes:
        return nondiff, unjudged
    on_kink = np.logical_or.reduce([mask for _, mask in kink_nodes]) & np.isfinite(f)
    on_kink &= ~rounded_onto(expr, values, kink_nodes, on_kink)
    for v, name in enumerate(expr.variables):
        found_sides = sides(expr, values, v, n)
        left, right = found_sides.left, found_sides.right
        jumps = found_sides.jump_left | found_sides.jump_right
        unknown = on_kink & (found_sides.unknown_left | found_sides.unknown_right) & ~jumps
        differs = on_kink & ~(left == right) & ~unknown
        with np.errstate(invalid="ignore"):
            ruled = on_kink & (left == right) & np.isfinite(left) & ~(exact[v] == left)  # (NaN too)
        for p in np.flatnonzero(differs | ruled | unknown).tolist():
            where = ", ".join(
                expr.nodes[i].text for i, mask in kink_nodes if mask[p] and expr.uses[i] >> v & 1
            )
            reported = float(exact[v, p])
            if unknown[p]:  # no claim either way: say so
                found[p].append(
                    GradWarning(
                        name,
                        "uncertain",
                        f"whether f is differentiable in {name} here ({where} at a kink) is not known: "
                        f"its one-sided derivatives could not be found; backprop reports {_num(reported)}",
                        {"reason": "kink"},
                    )
                )
            elif ruled[p]:
                found[p].append(_rule_warning(name, where, float(left[p]), reported))
            else:
                found[p].append(
                    GradWarning(
                        name,
                        "nondifferentiable",
                        _kink_text(name, where, found_sides, p, float(f[p]), reported),
                        {"left": _json(left[p]), "right": _json(right[p])},
                    )
                )
        nondiff[v] = differs
        unjudged[v] = ruled | unknown
    return nondiff, unjudged


MAX_CHECKED = 100  # points a call checks in high precision (the rest keep float64's word) ...
NODE_BUDGET = 4_000  # ... and at most this many points times nodes (two sweeps at 620 and 640 digits
# each: a plot of min(ln(b), ln(b), ...) with 480 nodes took 8.8 s for its 100 points)


def rounded_onto(
    expr: Expression, values: Values, kink_nodes: list[tuple[int, np.ndarray]], on_kink: np.ndarray
) -> np.ndarray:
    """Points (n,) float64 puts on a kink that they are not on: at 620 and 640 digits (the most
    the reference takes) every kink float64 saw there is off its kink, the arguments agreeing
    at both as a re-evaluation's must (not rounding noise of a true 0); max(1 - x, 1) at 1e-62 is still a tie at
    60 digits. -1 + x**x at 1e-18 is -4.1e-17, but x**x rounds to 1 in float64, and
    abs(-1 + x**x) was called not differentiable there. Where mpmath cannot take f (a function
    without a high-precision form), float64's word stands; so it does past the first
    ``MAX_CHECKED`` points of a call, or ``NODE_BUDGET`` points times nodes."""
    out = np.zeros(len(on_kink), dtype=bool)
    todo = np.flatnonzero(on_kink)[: min(MAX_CHECKED, max(1, NODE_BUDGET // max(len(expr.nodes), 1)))]
    if not todo.size:
        return out
    from ..language.precise import UnsupportedPrecision, supported
    from ..language.precise import values as precise_values

    try:
        supported(expr)
    except UnsupportedPrecision:
        return out
    import mpmath

    slots = expr.var_nodes
    for p in todo.tolist():
        point = [float(np.broadcast_to(values[s], on_kink.shape)[p]) for s in slots]
        try:
            low, high = (
                precise_values(expr, point, MAX_DIGITS - STEP),
                precise_values(expr, point, MAX_DIGITS),
            )
        except Exception:  # (BeyondRange, a domain error: float64's word stands)
            continue
        off = True
        for i, mask in kink_nodes:
            if not mask[p]:
                continue
            node = expr.nodes[i]
            assert isinstance(node, Call) and node.op.kink is not None
            try:
                args_low = [np.array([low[k]], dtype=object) for k in node.args]
                args_high = [np.array([high[k]], dtype=object) for k in node.args]
                still = bool(
                    np.asarray(node.op.kink(args_low)).any() or np.asarray(node.op.kink(args_high)).any()
                )
            except Exception:  # (a predicate that needs floats: float64's word stands)
                still = True
            steady = all(isinstance(v[k], mpmath.mpf) for v in (low, high) for k in node.args) and _agree(
                [low[k] for k in node.args], [high[k] for k in node.args]
            )
            if still or not steady:
                off = False
                break
        out[p] = off
    return out


def limit_warnings(
    expr: Expression,
    values: Values,
    f_ok: np.ndarray,
    exact: np.ndarray,
    precise: list | None,
    skip: np.ndarray,
    found: dict[int, list[GradWarning]],
) -> np.ndarray:
    """Append ``nonfinite`` (reason ``limit``) where f is finite only as a limit through an
    infinite value on the way from a variable and high precision did not settle the gradient
    (a float64 overflow that mpmath computes finite, as exp(1000), it settles), except at
    ``skip`` (k, n); return those (k, n)."""
    n = len(f_ok)
    none = np.zeros((len(expr.variables), n), dtype=bool)
    calls = [i for i, node in enumerate(expr.nodes) if type(node) is Call and expr.depends[i]]
    if not any(np.isinf(values[i]).any() for i in calls):  # (points are finite: only calls can be inf)
        return none
    from ..language.poles import through_infinity

    hit, first = through_infinity(expr, values, n)
    settled = np.array([precise is not None and precise[p] is not None for p in range(n)], dtype=bool)
    limit = hit & f_ok & ~settled & ~skip
    for v, p in zip(*np.nonzero(limit)):
        i = first[p]
        what = (
            f"{expr.nodes[i].text} is {_num(_at(values[i], p))}" if i is not None else "a value is infinite"
        )
        name = expr.variables[v]
        found[int(p)].append(
            GradWarning(
                name,
                "nonfinite",
                f"df/d{name} is not known here: {what} at this point, so f is finite only as a limit "
                f"through it, and the chain rule does not give its derivative (backprop reports "
                f"{_num(float(exact[v, p]))})",
                {"reason": "limit"},
            )
        )
    return limit


def _kink_text(name: str, where: str, found: Sides, p: int, f: float, reported: float) -> str:
    """A kink, a jump, or an edge of f's domain (defined on one side only: sqrt at 0)."""
    left, right = float(found.left[p]), float(found.right[p])
    jump_left, jump_right = bool(found.jump_left[p]), bool(found.jump_right[p])
    if jump_left or jump_right:
        values = [
            f"{_num(float(value))} just to the {side}"
            for side, jumps, value in (
                ("left", jump_left, found.f_left[p]),
                ("right", jump_right, found.f_right[p]),
            )
            if jumps
        ]
        smooth = ""
        if not (jump_left and jump_right):
            side, slope = ("right", right) if jump_left else ("left", left)
            smooth = f"; from the {side}, its derivative is {_side(slope)}"
        return (
            f"f jumps in {name} here ({where}): it is {_num(f)} at the point but {' and '.join(values)}, "
            f"so it is not continuous, let alone differentiable{smooth}; backprop reports {_num(reported)}"
        )
    if np.isnan(left) != np.isnan(right):
        side, other, slope = ("left", "right", right) if np.isnan(left) else ("right", "left", left)
        return (
            f"{name} is at an edge of f's domain here ({where}): f is not defined to the {side}, "
            f"so it is not differentiable; the derivative from the {other} is {_num(slope)}; "
            f"backprop reports {_num(reported)}"
        )
    return (
        f"f is not differentiable in {name} here ({where} at a kink): the derivative from the left "
        f"is {_side(left)}, from the right {_side(right)}; backprop reports {_num(reported)}"
    )


def _rule_warning(name: str, where: str, slope: float, reported: float) -> GradWarning:
    """Backprop at a kink that f does not feel: its rule's number is not the derivative."""
    said = (
        f"backprop's {_num(reported)} is its rule at the kink of {where}"
        if np.isfinite(reported)
        else f"backprop gives {_num(reported)} at the kink of {where} (a zero slope met an infinite one)"
    )
    return GradWarning(
        name,
        "kink",
        f"{said}, not the derivative: "
        f"f is differentiable in {name} here, with df/d{name} = {_num(slope)} from both sides; "
        "compare a finite difference with that",
        {"derivative": _json(slope)},
    )


def _side(x: float) -> str:
    return "undefined (f is not defined, or jumps, on that side)" if np.isnan(x) else _num(x)
