"""Backprop made visible: every node of the expression with its value, local derivatives and adjoint.

:func:`trace` runs the forward pass and backprop (:func:`gradcli.derive.backprop.backprop`, the
same sweep ``gradcli grad`` uses, whose ``on_edge`` callback records each edge) at each point and
records, per node: its operation, its children, its value, its local derivatives (d node / d child, from the registry's ``partials``), its
adjoint df/dnode, and the contributions that make up that adjoint, one per use by a parent,
in the order backprop adds them: ``adjoint[child] += adjoint[parent] * local``. So the
contributions of a node sum to its adjoint exactly, and a variable used several times shows
its uses being summed.

A node is marked ``vanishing`` where an edge into it shrinks the adjoint by more than the
``vanish`` factor (|local| < vanish while the parent's adjoint is not 0): that is where a
gradient vanishes, a saturated sigmoid for instance.

A trace holds a row per node per point, so at most ``MAX_ROWS`` of them are traced: a
1,501-node expression over a 10,000-point grid was 15 million rows, 5 GB held and 9 minutes.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..derive.backprop import backprop, slopes
from ..derive.bound import bounded_backprop
from ..derive.warning import DEFAULT_VANISH
from ..errors import OptionError
from ..language.evaluate import columns, forward
from ..language.nodes import Call, Const, Expression, Var


class TraceNode(NamedTuple):
    """One node at one point (see the module docstring)."""

    id: int  # index in the expression's nodes (children have smaller ids; the last is f)
    op: str  # "const", "var", or the registry name ("add", "sin", ...)
    symbol: str  # what to draw: "+", "sin", the variable's name, the number's text
    text: str  # the sub-expression as written
    children: tuple[int, ...]
    value: float
    local: tuple[float, ...]  # d node / d child, one per child
    adjoint: float | None  # df/dnode; None where f does not depend on the node
    contributions: tuple[tuple[int, float], ...]  # (parent id, parent adjoint * local), summed in order
    vanishing: float | None  # the smallest |local| below vanish on an edge into it, else None
    kink: bool = False  # the op is not differentiable at these arguments (relu at 0): local is a convention


class Trace(NamedTuple):
    """The computation graph of one expression at one point, forward values and adjoints."""

    expr: Expression
    point: tuple[float, ...]  # one value per variable, in expr.variables order
    nodes: tuple[TraceNode, ...]
    vanish: float
    # backprop's rounding-error bound on each variable's adjoint (gradcli.derive.bound; empty: not
    # computed), so a gradient that cancels says how many digits it may have lost
    bound: tuple[float, ...] = ()

    @property
    def root(self) -> TraceNode:
        return self.nodes[-1]

    @property
    def gradient(self) -> dict[str, float]:
        """df/dv for each variable: the adjoint of its node (0 where f does not reach it); NaN
        where f itself is not finite, as ``gradcli grad`` reports it (the nodes keep the adjoints
        the backward pass computed)."""
        undefined = not math.isfinite(self.root.value)
        out = {}
        for k, name in enumerate(self.expr.variables):
            adjoint = self.nodes[self.expr.var_nodes[k]].adjoint
            out[name] = math.nan if undefined else 0.0 if adjoint is None else adjoint
        return out


def edge_term(adjoint: float, slope: float) -> float:
    """What one edge adds to its child's adjoint: ``adjoint * slope``, with backprop's rule that
    a zero adjoint passes nothing back (0, not ``0 × inf = nan``: :func:`gradcli.derive.backprop.backprop`)."""
    term = adjoint * slope
    return 0.0 if adjoint == 0 and not math.isfinite(term) else term


def _at(value: object, p: int, n: int) -> float:
    return float(np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))[p])


def _symbol(node: Const | Var | Call) -> tuple[str, str]:
    if isinstance(node, Const):
        return "const", node.text
    if isinstance(node, Var):
        return "var", node.name
    op = node.op
    if op.symbol in ("neg", "pos"):
        return op.name, "-" if op.symbol == "neg" else "+"
    return op.name, op.symbol or op.name


MAX_ROWS = 100_000  # nodes x points one trace holds (about 60 MB, and 4 s as JSON)


def trace(expr: Expression, points: np.ndarray, vanish: float = DEFAULT_VANISH) -> list[Trace]:
    """One :class:`Trace` per row of ``points`` (n, k), adjoints exactly as backprop computes them.

    Raises :class:`~gradcli.errors.OptionError` for more than ``MAX_ROWS`` nodes x points."""
    points = np.asarray(points, dtype=np.float64)
    n = points.shape[0] if points.ndim else 1
    points = points.reshape(n, len(expr.variables))
    rows = n * len(expr.nodes)
    if rows > MAX_ROWS:
        raise OptionError(
            f"trace shows every node at every point: {n:,} points x {len(expr.nodes):,} nodes is "
            f"{rows:,} rows, more than its limit of {MAX_ROWS:,}",
            hint="trace fewer points (one --at is the usual), or use gradcli grad for the gradients alone",
        )
    values = forward(expr, columns(points))
    nodes = expr.nodes
    depends = expr.depends
    local = slopes(expr, values)
    contributions: list[list[tuple[int, object]]] = [[] for _ in nodes]

    def record(parent: int, child: int, adjoint: object, slope: object, term: object, total: object) -> None:
        contributions[child].append((parent, term))

    _, adjoints = backprop(expr, values, n, local, on_edge=record)
    with np.errstate(all="ignore"):
        bounds = bounded_backprop(expr, values, n).bound  # (k, n)
    out = []
    for p in range(n):
        made = []
        shrink: list[float | None] = [None] * len(nodes)
        for i, node in enumerate(nodes):
            if type(node) is Call and adjoints[i] is not None and _at(adjoints[i], p, n) != 0:
                for j, slope in zip(node.args, local[i]):
                    s = abs(_at(slope, p, n))
                    least = shrink[j]
                    if depends[j] and s < vanish and (least is None or s < least):
                        shrink[j] = s
        kinks = _kinks(nodes, values, p, n)
        for i, node in enumerate(nodes):
            op, symbol = _symbol(node)
            made.append(
                TraceNode(
                    id=i,
                    op=op,
                    symbol=symbol,
                    text=node.text,
                    children=tuple(node.args) if isinstance(node, Call) else (),
                    value=_at(values[i], p, n),
                    local=tuple(_at(s, p, n) for s in local[i]),
                    adjoint=None if adjoints[i] is None else _at(adjoints[i], p, n),
                    contributions=tuple((parent, _at(c, p, n)) for parent, c in contributions[i]),
                    vanishing=shrink[i],
                    kink=i in kinks,
                )
            )
        bound = tuple(float(b) for b in bounds[:, p])
        out.append(Trace(expr, tuple(float(v) for v in points[p]), tuple(made), vanish, bound))
    return out


def _kinks(nodes: tuple[Any, ...], values: list[Any], p: int, n: int) -> set[int]:
    """The nodes whose op is not differentiable at point ``p``'s arguments (the registry's kink rule)."""
    found = set()
    for i, node in enumerate(nodes):
        if type(node) is Call and node.op.kink is not None:
            args = [np.asarray([_at(values[j], p, n)]) for j in node.args]
            with np.errstate(all="ignore"):
                if bool(np.asarray(node.op.kink(args)).reshape(-1)[0]):
                    found.add(i)
    return found


__all__ = ["Trace", "TraceNode", "edge_term", "trace"]


def undefined(expr: Expression, points: np.ndarray, traces: list[Trace]) -> list[tuple[int, str]]:
    """The points (0-based) where f is not finite, each with the reason in grad's words: the
    operation that failed and its arguments (or, failing that, f's value)."""
    from ..derive.gradient import BACKPROP, compute

    bad = [p for p, t in enumerate(traces) if not math.isfinite(t.root.value)]
    if not bad:
        return []
    why = compute(expr, points[bad], BACKPROP).warnings
    reasons = []
    for p, warnings in zip(bad, why):
        said = [w.message for w in warnings if w.kind == "nonfinite" and w.var is None]
        reasons.append((p, said[0] if said else f"f is {traces[p].root.value!r}"))
    return reasons
