"""The one rule for a run's exit status: 1 if f is not finite somewhere, or ``strict`` and any
warning; else 0 (the statuses are :mod:`gradcli.errors`'s).

Works on every result gradcli computes: a :class:`~gradcli.derive.gradient.GradResult`, a
:class:`~gradcli.analysis.jacobian.JacobianResult`, a Hessian, a list of traces, or a stream's
:class:`~gradcli.pipeline.Summary`-like object (``nonfinite`` and ``warnings`` counts).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import EXIT_NOT_FINITE, EXIT_OK


def exit_status(result: Any, strict: bool = False) -> int:
    """``EXIT_NOT_FINITE`` (1) if f is not finite at some point of ``result``, or ``strict`` and
    ``result`` carries a warning; ``EXIT_OK`` (0) otherwise.

    >>> import gradcli
    >>> exit_status(gradcli.grad("log(x)", "x=-1"))
    1
    >>> exit_status(gradcli.grad("x*x", "x=1e-9"), strict=True)
    1
    """
    if not _finite(result):
        return EXIT_NOT_FINITE
    if strict and _warned(result):
        return EXIT_NOT_FINITE
    return EXIT_OK


def _finite(result: Any) -> bool:
    if isinstance(result, list):  # traces
        return all(math.isfinite(t.root.value) for t in result)
    if hasattr(result, "finite"):
        return bool(result.finite.all())
    return not result.nonfinite


def _warned(result: Any) -> bool:
    if isinstance(result, list):
        return False  # a trace marks edges; it has no warnings
    if hasattr(result, "results"):  # a Jacobian: one GradResult per expression
        return any(_warned(r) for r in result.results)
    warnings = getattr(result, "warnings", None)
    if isinstance(warnings, int):
        return warnings > 0
    return any(warnings or ())
