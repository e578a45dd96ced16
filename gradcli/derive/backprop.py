"""Exact derivatives over the expression tree: reverse mode (backprop) and one-sided slopes.

Backprop walks the nodes from f back to the variables, once, and accumulates each node's
adjoint (df/dnode) into its children by the chain rule: ``adjoint[child] += adjoint[node] *
d node / d child``. Accumulating, never assigning, is what makes ``x*x``, ``x+x`` and shared
subexpressions come out right. The result is exact up to floating-point rounding in the
registry's derivative rules (a few ulps where f is well conditioned). A contribution whose
adjoint is exactly 0 is 0, even when the local slope is inf (``0*sqrt(x)`` at x = 0).

At a kink (abs(0), relu(0), a min/max tie, sqrt(0), ...) backprop returns the registry's
subgradient convention; :func:`one_sided` gives the exact left and right derivatives there by
forward-mode directional differentiation with each op's one-sided rule (for piecewise smooth
f this is exact: the chain rule holds for one-sided directional derivatives).
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
    that side, inf where the slope is infinite).
    """
    dots: list = []
    with np.errstate(all="ignore"):
        for i, node in enumerate(expr.nodes):
            if isinstance(node, Var):
                dots.append(seed[node.index])
                continue
            if not isinstance(node, Call):
                dots.append(0.0)
                continue
            args = [values[j] for j in node.args]
            arg_dots = [dots[j] for j in node.args]
            if all(np.ndim(d) == 0 and d == 0 for d in arg_dots):
                dots.append(0.0)
                continue
            smooth: np.ndarray | float = 0.0
            for slope, d in zip(node.op.partials(args, values[i]), arg_dots):
                smooth = smooth + np.where(np.asarray(d) == 0, 0.0, slope * d)
            if node.op.kink is not None and node.op.directional is not None:  # both or neither (tested)
                at_kink = node.op.kink(args)
                if np.any(at_kink):
                    smooth = np.where(at_kink, node.op.directional(args, arg_dots, values[i]), smooth)
            dots.append(smooth)
    return np.asarray(dots[-1], dtype=np.float64)


def one_sided(expr: Expression, values: Values, var: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact (left, right) derivatives of f with respect to variable ``var`` at ``n`` points.

    Where the chain rule meets 0 * inf (``sqrt(x)**2`` at 0: the outer slope 0, the inner
    one inf), forward mode cannot tell; there the one-sided derivative is the limit of the
    derivative beside the point (for f continuous on that side, by the mean value theorem):
    backprop at x +/- d for d = 4 and 64 float spacings of x (2**-700 and 2**-800 at x = 0),
    taken if the two agree to 1e-12 relative (or both below 2**-300 and falling: 0; both above
    2**300 and rising: inf), else left undefined (NaN).
    """
    seed = [0.0] * len(expr.variables)
    seed[var] = 1.0
    right = np.array(np.broadcast_to(directional(expr, values, seed), (n,)))
    seed[var] = -1.0
    left = -np.array(np.broadcast_to(directional(expr, values, seed), (n,)))
    for side, out in ((1.0, right), (-1.0, left)):
        todo = np.flatnonzero(np.isnan(out))
        if todo.size:
            out[todo] = _limit(expr, values, var, todo, side)
    return left, right


def _limit(expr: Expression, values: Values, var: int, todo: np.ndarray, side: float) -> np.ndarray:
    """The derivative in ``var`` just beside the points ``todo``, on one side: its limit or NaN."""
    from ..language.evaluate import forward

    base = [np.asarray(values[slot], dtype=np.float64)[todo] for slot in expr.var_nodes]
    x = base[var]
    found = []
    with np.errstate(all="ignore"):
        for tiny, ulps in ((2.0**-700, 4.0), (2.0**-800, 64.0)):
            moved = list(base)
            moved[var] = x + side * np.where(x == 0, tiny, ulps * np.spacing(np.abs(x)))
            grad, _ = backprop(expr, forward(expr, moved), todo.size)
            found.append(grad[var])
        a, b = found
        agree = np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= 1e-12 * np.abs(b))
        to_zero = (np.abs(b) <= np.abs(a)) & (np.abs(a) < 2.0**-300)  # x**1.5 at 0: 2**-350, 2**-400
        to_inf = (np.abs(b) >= np.abs(a)) & (np.abs(a) > 2.0**300) & (np.sign(a) == np.sign(b))
        return np.where(agree, b, np.where(to_zero, 0.0, np.where(to_inf, np.copysign(np.inf, b), np.nan)))


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
