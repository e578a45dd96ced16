"""JSON Lines for ``gradcli hessian`` (and the matrix-shaped results of several expressions). No Rich.

Matrices are lists of rows; NaN and inf become null; numbers at full precision.
"""

from __future__ import annotations

import math
from typing import Any, TextIO

import numpy as np

from .formats import dumps
from .hessian import HessianResult


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _rows(m: np.ndarray | None) -> list[list[float | None]] | None:
    if m is None:
        return None
    return [[_finite(v) for v in row] for row in m]


def hessian_records(result: HessianResult) -> list[dict[str, Any]]:
    """One JSON-ready object per point (fields documented in the README)."""
    names = result.variables
    out = []
    for p in range(len(result.value)):
        out.append(
            {
                "expr": result.expr.text,
                "point": {v: float(x) for v, x in zip(names, result.points[p])},
                "value": _finite(result.value[p]),
                "variables": list(names),
                "gradient": {v: _finite(g) for v, g in zip(names, result.gradient[p])},
                "method": result.method,
                "eps": None
                if result.step is None
                else {v: _finite(h) for v, h in zip(names, result.step[p])},
                "hessian": _rows(result.exact[p]),
                "finite_difference": _rows(None if result.fd is None else result.fd[p]),
                "error": _rows(None if result.error is None else result.error[p]),
                "error_estimate": _rows(None if result.error_estimate is None else result.error_estimate[p]),
                "eigenvalues": [_finite(v) for v in result.eigenvalues[p]],
                "kind": result.kinds[p],
                "verdict": result.verdicts[p],
            }
        )
    return out


def write_hessian_json(result: HessianResult, out: TextIO) -> None:
    for record in hessian_records(result):
        out.write(dumps(record) + "\n")


__all__ = ["hessian_records", "write_hessian_json"]
