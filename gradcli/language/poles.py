"""Where f is finite only as a limit through an infinite intermediate value.

``1/(1/x)`` at 0 is 0 in float64 and in mpmath alike: 1/x is inf, and 1/inf is 0. Backprop
there multiplies the slope of 1/u at u = inf (0, a limit) by the slope of 1/x at 0 (inf) and
takes the product as 0, although f (x, away from 0) has slope 1. Whenever a value on the way
from a variable to f is infinite while f is finite, f's value is a limit and the derivative
through that value is not known from the chain rule: :func:`through_infinity` says where, for
float64 (arrays over points) and high precision (one point) alike.

A value counts only where f can feel it: a branch of ``where(c, a, b)`` that c does not
select (c nonzero takes a, c = 0 takes b) is not on the way, nor is c itself (an infinite c
is nonzero on both sides).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .nodes import Call, Expression


def through_infinity(
    expr: Expression, values: Sequence[Any], n: int, isinf: Callable[[Any], Any] = np.isinf
) -> tuple[np.ndarray, list[int | None]]:
    """Per variable and point, (k, n): whether a value f feels and that depends on the variable
    is infinite; and, per point, the innermost such node (its index), or None. ``values`` are
    the nodes' values over the n points (float64 arrays or scalars) or at one point (mpmath
    numbers, with ``isinf`` mpmath's)."""
    nodes = expr.nodes
    live: list = [None] * len(nodes)
    live[-1] = np.ones(n, dtype=bool)
    hit = np.zeros((len(expr.variables), n), dtype=bool)
    first: list[int | None] = [None] * n
    for i in range(len(nodes) - 1, -1, -1):
        if live[i] is None or not expr.depends[i]:
            continue
        here = live[i] & np.broadcast_to(np.asarray(isinf(values[i]), dtype=bool), (n,))
        if here.any():
            for v in range(len(expr.variables)):
                if expr.uses[i] >> v & 1:
                    hit[v] |= here
            for p in np.flatnonzero(here).tolist():
                first[p] = i  # (walked from f down: the last set is the innermost)
        node = nodes[i]
        if type(node) is not Call:
            continue
        for pos, j in enumerate(node.args):
            edge = live[i]
            if node.op.name == "where":
                if pos == 0:
                    continue
                a = np.broadcast_to(np.asarray(values[node.args[0]] != 0, dtype=bool), (n,))  # c takes a
                edge = edge & (a if pos == 1 else ~a)
            live[j] = edge if live[j] is None else live[j] | edge
    return hit, first


__all__ = ["through_infinity"]
