"""gradcli: gradients you can check, finite differences next to exact backprop.

The Python API mirrors the command line::

    >>> import gradcli
    >>> r = gradcli.grad("3*(a+b*c)", "a=5,b=3,c=2", method="forward", eps=0.01)
    >>> float(r.value[0]), r.gradient[:, 0].tolist()
    (33.0, [3.0000000000001137, 6.000000000000227, 8.99999999999963])

``parse`` turns text into an :class:`~gradcli.language.nodes.Expression`; ``compute`` runs an
expression over an array of points; ``grad`` does both from ``--at`` style strings.
Names are imported on first use, so ``import gradcli`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "parse": "gradcli.language.parse",
    "Expression": "gradcli.language.parse",
    "grad": "gradcli.derive.gradient",
    "compute": "gradcli.derive.gradient",
    "GradResult": "gradcli.derive.gradient",
    "GradcliError": "gradcli.errors",
    "ExpressionError": "gradcli.errors",
    "PointsError": "gradcli.errors",
    "FUNCTIONS": "gradcli.registry",
    "derivative_texts": "gradcli.language.symbolic",
    "OptionError": "gradcli.errors",
    "hessian": "gradcli.analysis.hessian",
    "jacobian": "gradcli.analysis.jacobian",
    "sweep": "gradcli.analysis.sweep",
    "trace": "gradcli.analysis.trace",
    "exit_status": "gradcli.analysis.status",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gradcli' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
