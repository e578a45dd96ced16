"""The forward pass: every node's value over a block of points, vectorized with numpy.

Values are float64 arrays of one entry per point (or scalars, for subtrees without variables:
those are computed once and broadcast). Arithmetic runs under ``np.errstate(all="ignore")``:
overflow gives inf and invalid operations NaN, which diagnostics then explain.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .nodes import Call, Const, Expression

Values = list  # node index -> np.ndarray | float, in evaluation order


def columns(points: np.ndarray) -> list[np.ndarray]:
    """Points as rows (n_points, n_vars) -> one contiguous float64 array per variable."""
    return list(np.ascontiguousarray(np.asarray(points, dtype=np.float64).T))


def forward(expr: Expression, cols: Sequence[np.ndarray]) -> Values:
    """All node values at the points whose variable columns are ``cols`` (the last is f)."""
    values: Values = []
    append = values.append
    with np.errstate(all="ignore"):
        for node in expr.nodes:
            if isinstance(node, Call):
                append(node.op.forward(*[values[i] for i in node.args]))
            elif isinstance(node, Const):
                append(np.float64(node.value))  # numpy rules: 1/0 is inf
            else:
                append(cols[node.index])
    return values


def value(expr: Expression, cols: Sequence[np.ndarray], n: int) -> np.ndarray:
    """f at each of ``n`` points, as a float64 array of length n."""
    out = forward(expr, cols)[-1]
    return np.broadcast_to(np.asarray(out, dtype=np.float64), (n,))


def evaluate_constant(expr: Expression) -> float:
    """The value of an expression with no variables."""
    return float(value(expr, [], 1)[0])
