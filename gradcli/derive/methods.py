"""Every finite-difference method by name, and the one call that runs any of them.

``forward``, ``backward``, ``central`` and ``five-point`` are fixed stencils
(:mod:`gradcli.finite_diff`); ``richardson`` extrapolates central differences over shrinking
steps (:mod:`gradcli.richardson`); ``complex`` is the complex step (:mod:`gradcli.complex_step`).
Each returns a :class:`~gradcli.finite_diff.Differences` with its own error estimate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..language.evaluate import forward
from ..language.nodes import Expression
from .finite_diff import METHODS as STENCILS
from .finite_diff import Differences, differences
from .steps import Eps

METHODS = (*STENCILS, "richardson", "complex")


def finite_difference(
    expr: Expression,
    cols: Sequence[np.ndarray],
    f0: np.ndarray,
    method: str,
    eps: Eps,
    *,
    whole: bool = True,
) -> Differences:
    """The gradient of ``expr`` by ``method`` (one of :data:`METHODS`) with step ``eps`` (None: auto).

    ``whole``: the points are the whole run, so complex step with every point on a kink is
    refused (:func:`gradcli.complex_step.require_somewhere`); a stream's chunk passes False.
    """
    # richardson and complex step are imported when used: the default path need not load them
    if method == "richardson":
        from .richardson import richardson

        return richardson(expr, cols, f0, eps)
    if method == "complex":
        from .complex_step import complex_differences, require_somewhere

        if whole:
            require_somewhere(expr, forward(expr, cols), len(f0))
        return complex_differences(expr, cols, f0, eps)
    return differences(expr, cols, f0, method, eps)
