"""Exact derivatives over the expression tree: reverse mode (backprop) and one-sided slopes.

Backprop walks the nodes from f back to the variables, once, and accumulates each node's
adjoint (df/dnode) into its children by the chain rule: ``adjoint[child] += adjoint[node] *
d node / d child``. Accumulating, never assigning, is what makes ``x*x``, ``x+x`` and shared
subexpressions come out right. The result is exact up to floating-point rounding in the
registry's derivative rules (a few ulps where f is well conditioned). A contribution whose
adjoint is exactly 0 is 0, even when the local slope is inf (``0*sqrt(x)`` at x = 0).

At a kink (abs(0), relu(0), a min/max tie, sqrt(0), ...) backprop returns the registry's
subgradient convention; :func:`directional` differentiates forward along a direction with
each op's one-sided rule, from which :mod:`gradcli.derive.sides` takes the exact left and right
derivatives there (for piecewise smooth f this is exact: the chain rule holds for one-sided
directional derivatives).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..language.evaluate import Values
from ..language.nodes import Call, Expression, Var

Edge = Callable[[int, int, Any, Any, Any, Any], None]


def slopes(expr: Expression, values: Values) -> list:
    """Every node's local derivatives (d node / d child, the registry's ``partials``); [] for leaves."""
    out: list = []
    with np.errstate(all="ignore"):
        for i, node in enumerate(expr.nodes):
            if type(node) is Call:
                out.append(list(node.op.partials([values[j] for j in node.args], values[i])))
            else:
                out.append([])
    return out


def backprop(
    expr: Expression,
    values: Values,
    n: int,
    local: list | None = None,
    on_edge: Edge | None = None,
) -> tuple[np.ndarray, list]:
    """Exact gradient at each of ``n`` points: an array (n_vars, n), and every node's adjoint.

    ``values`` is the forward pass at those points (:func:`gradcli.language.evaluate.forward`);
    ``local`` the nodes' local derivatives if already computed (:func:`slopes`). ``on_edge``,
    if given, is called for every edge in the order the sweep adds it, as
    ``on_edge(parent, child, adjoint_of_parent, slope, term, total)`` where ``term`` is what
    was added to the child's adjoint and ``total`` the child's adjoint after adding it (the
    rounding-error bound and ``gradcli trace`` follow the one sweep this way).
    """
    nodes = expr.nodes
    depends = expr.depends
    adjoint: list = [None] * len(nodes)
    adjoint[-1] = 1.0
    with np.errstate(all="ignore"):
        for i in range(len(nodes) - 1, -1, -1):
            node = nodes[i]
            g = adjoint[i]
            if g is None or type(node) is not Call or not depends[i]:
                continue
            if local is not None:
                partials = local[i]
            else:
                partials = node.op.partials([values[j] for j in node.args], values[i])
            for j, slope in zip(node.args, partials):
                if not depends[j]:
                    continue
                term = g * slope
                if not np.all(np.isfinite(term)):
                    term = np.where(g == 0, 0.0, term)  # a zero adjoint stops inf/nan slopes
                adjoint[j] = term if adjoint[j] is None else adjoint[j] + term
                if on_edge is not None:
                    on_edge(i, j, g, slope, term, adjoint[j])
    grad = np.zeros((len(expr.variables), n))
    for k, slot in enumerate(expr.var_nodes):
        if adjoint[slot] is not None:
            grad[k] = adjoint[slot]
    return grad, adjoint


def directional(expr: Expression, values: Values, seed: Sequence[float | np.ndarray]) -> np.ndarray:
    """The one-sided derivative of f in the direction ``seed`` (one entry per variable).

    Forward mode: each node's slope is the sum of its children's slopes times its partials,
    except where the node sits on a kink, where its op's ``directional`` rule gives the exact
    one-sided slope. Returns an array with one entry per point (NaN where f is not defined on
    that side, or jumps; inf where the slope is infinite).
    """
    return forward_slopes(expr, values, seed)[0]


def forward_slopes(
    expr: Expression, values: Values, seed: Sequence[float | np.ndarray]
) -> tuple[np.ndarray, np.ndarray | bool]:
    """:func:`directional`, and where a jump may lie on the way: an op that ``jumps`` gave NaN
    at its kink from finite argument slopes (its value jumps in that direction), at f or a node
    f depends on (True, False or a mask over the points)."""
    dots: list = []
    jumps: list = []
    with np.errstate(all="ignore"):
        for i, node in enumerate(expr.nodes):
            if isinstance(node, Var):
                dots.append(seed[node.index])
                jumps.append(False)
                continue
            if not isinstance(node, Call):
                dots.append(0.0)
                jumps.append(False)
                continue
            args = [values[j] for j in node.args]
            arg_dots = [dots[j] for j in node.args]
            jump: np.ndarray | bool = False
            for j in node.args:
                jump = jump | jumps[j]
            if all(np.ndim(d) == 0 and d == 0 for d in arg_dots):
                dots.append(0.0)
                jumps.append(jump)
                continue
            smooth: np.ndarray | float = 0.0
            for slope, d in zip(node.op.partials(args, values[i]), arg_dots):
                # a still argument adds nothing, unless its slope is infinite: a tangent 0 only
                # to first order (cos at 0) met by acos's infinite slope at 1 is 0 * inf, which
                # the values beside decide (acos(cos(abs(x))) at 0 has slopes -1 and 1, not 0)
                still = np.asarray(d) == 0
                smooth = smooth + np.where(still, np.where(np.isfinite(slope), 0.0, np.nan), slope * d)
            if node.op.kink is not None and node.op.directional is not None:  # both or neither (tested)
                at_kink = node.op.kink(args)
                if np.any(at_kink):
                    rule = node.op.directional(args, arg_dots, values[i])
                    unknown_dot: Any = False  # an argument's slope is unknown: so is the rule's
                    for d in arg_dots:
                        unknown_dot = unknown_dot | np.isnan(d)
                    if node.op.jumps:  # (which argument moved is not asked: the values beside decide)
                        jump = jump | (at_kink & np.isnan(rule) & ~unknown_dot)
                    smooth = np.where(at_kink, np.where(unknown_dot, np.nan, rule), smooth)
            dots.append(smooth)
            jumps.append(jump)
    return np.asarray(dots[-1], dtype=np.float64), jumps[-1]


def kinks(expr: Expression, values: Values, n: int) -> list[tuple[int, np.ndarray]]:
    """The nodes that sit on a kink at some point: (node index, mask over the n points)."""
    found = []
    with np.errstate(all="ignore"):
        for i, node in enumerate(expr.nodes):
            if isinstance(node, Call) and node.op.kink is not None and expr.depends[i]:
                mask = np.broadcast_to(node.op.kink([values[j] for j in node.args]), (n,))
                if mask.any():
                    found.append((i, mask))
    return found
