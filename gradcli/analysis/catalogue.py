"""The catalogue of what expressions may use: every operator and function of the registry,
with its usage, derivative and where it is not differentiable, and the named constants.

``gradcli functions`` prints it; :func:`catalogue` is the same list for Python callers.
"""

from __future__ import annotations

from typing import Any

from ..registry import CONSTANTS, FUNCTIONS, OPERATORS


def catalogue() -> list[dict[str, Any]]:
    """One record per operator, then per function (aliases of an operator left out), in registry
    order: ``name``, ``usage``, ``derivative``, ``not_differentiable`` (None if smooth), ``doc``."""
    ops = list(OPERATORS.values())
    return [
        {
            "name": op.name,
            "usage": op.signature,
            "derivative": op.derivative,
            "not_differentiable": op.kink_doc or None,
            "doc": op.doc,
        }
        for op in [*ops, *(f for f in FUNCTIONS.values() if f not in ops)]
    ]


def constants() -> dict[str, float]:
    """The named constants (``pi``, ``e``, ...) and their float64 values."""
    return dict(CONSTANTS)
