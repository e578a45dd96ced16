"""Rich tables for a terminal, one module per result; the only package that imports Rich.

    base        the console (piped: no trailing spaces), the status cell, derivative cells
    layout      print_table: widths, optional columns, rows written in linear time
    grad        gradcli grad: a table per point          sweep       gradcli sweep
    trace       gradcli trace: the graph as a tree       hessian     gradcli hessian
    jacobian    several expressions and --direction      activation  the activation commands
    functions   gradcli functions                        progress    the bar on long streams

The renderers are importable from here by their old names (``from gradcli.table import render``);
each module is loaded on first use, so drawing one table does not load the others.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "render": "grad",
    "render_sweep": "sweep",
    "render_trace": "trace",
    "render_hessian": "hessian",
    "render_jacobian": "jacobian",
    "render_direction": "jacobian",
    "render_with_direction": "jacobian",
    "render_activation": "activation",
    "render_functions": "functions",
    "ProgressBar": "progress",
    "progress_bar": "progress",
    "stdout_console": "base",
    "plain_console": "base",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gradcli.table' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
