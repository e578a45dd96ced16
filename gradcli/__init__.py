"""gradcli: gradients you can check, finite differences next to exact backprop.

The Python API mirrors the command line: one function per command, the options as keywords,
and every per-point array point-first, (n, k)::

    >>> import gradcli
    >>> r = gradcli.grad("3*(a+b*c)", "a=5,b=3,c=2", method="forward", eps=0.01)
    >>> float(r.value[0]), r.gradient[0].tolist()
    (33.0, [3.0000000000001137, 6.000000000000227, 8.99999999999963])
    >>> r.gradient_at(0)["b"], r.records()[0]["exact"]
    (6.000000000000227, {'a': 3.0, 'b': 6.0, 'c': 9.0})

``grad``, ``jacobian``, ``hessian``, ``trace`` and ``sweep`` take text and ``at`` in any
``--at`` form, a mapping (values may be arrays) or an (n, k) array (:mod:`gradcli.api`);
``parse`` turns text into an :class:`~gradcli.language.nodes.Expression` and ``compute`` runs
one over an (n, k) array of points. Names are imported on first use, so ``import gradcli``
stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "parse": "gradcli.language.parse",
    "Expression": "gradcli.language.parse",
    "grad": "gradcli.api",
    "jacobian": "gradcli.api",
    "hessian": "gradcli.api",
    "trace": "gradcli.api",
    "sweep": "gradcli.api",
    "compute": "gradcli.derive.gradient",
    "GradResult": "gradcli.derive.gradient",
    "JacobianResult": "gradcli.analysis.jacobian",
    "HessianResult": "gradcli.analysis.hessian",
    "Trace": "gradcli.analysis.trace",
    "Sweep": "gradcli.analysis.sweep",
    "GradcliError": "gradcli.errors",
    "ExpressionError": "gradcli.errors",
    "PointsError": "gradcli.errors",
    "OptionError": "gradcli.errors",
    "FUNCTIONS": "gradcli.registry",
    "derivative_texts": "gradcli.language.symbolic",
    "exit_status": "gradcli.analysis.status",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gradcli' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
