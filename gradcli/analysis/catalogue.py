"""The catalogue of what expressions may use: every operator and function of the registry,
with its usage, derivative and where it is not differentiable, and the named constants.

``gradcli functions`` prints it; :func:`catalogue` is the same list for Python callers.
"""

from __future__ import annotations

from typing import Any

from ..registry import CONSTANTS, FUNCTIONS, OPERATORS


def catalogue() -> list[dict[str, Any]]:
    """One record per operator, then per function (aliases of an operator left out), in registry
    order: ``name``, ``usage``, ``derivative``, ``not_differentiable`` (None if smooth), ``doc``,
    ``kind`` (operator or function)."""
    ops = list(OPERATORS.values())
    return [
        {
            "name": op.name,
            "usage": op.signature,
            "derivative": op.derivative,
            "not_differentiable": op.kink_doc or None,
            "doc": op.doc,
            "kind": "operator" if op in ops else "function",
        }
        for op in [*ops, *(f for f in FUNCTIONS.values() if f not in ops)]
    ]


def constants() -> dict[str, float]:
    """The named constants (``pi``, ``e``, ...) and their float64 values."""
    return dict(CONSTANTS)


def _ops() -> dict[str, Any]:
    """Every name an expression may call, operators by name too (``div`` as well as ``/``)."""
    ops = {op.name: op for op in OPERATORS.values()}
    ops.update(FUNCTIONS)
    return ops


def entry(name: str) -> dict[str, Any]:
    """One function or operator in full: ``name``, ``usage``, ``doc`` (what it computes),
    ``derivative`` (the registry's words) and ``symbolic`` (its partials as gradcli input, by
    number of arguments and argument), ``domain``, ``not_differentiable``, ``parameters``,
    ``alias_of`` and ``period`` (a periodic function's, in its argument; else None). Raises
    OptionError (exit 2) for a name that is neither, with the nearest names.
    """
    from ..errors import OptionError
    from ..language.symbolic import SymbolicError, rule_texts

    ops = _ops()
    op = ops.get(name.strip()) or OPERATORS.get(name.strip())
    if op is None:
        from difflib import get_close_matches

        near = get_close_matches(name.strip(), list(ops), n=3)
        hint = f"did you mean {' or '.join(near)}?" if near else "gradcli functions lists them all"
        raise OptionError(f"no function or operator named {name.strip()!r}", hint=hint)
    arities = range(op.min_args, (op.max_args or op.min_args) + 1)  # any number: shown for the fewest
    symbolic: dict[str, dict[str, str]] = {}
    for n in arities:
        try:
            texts = rule_texts(op, n)
        except SymbolicError:
            continue
        symbolic[str(n)] = dict(zip(op.params(n), texts))
    parameters = []
    if op.param is not None:
        parameters.append({"name": op.param, "default": op.default})
    return {
        "name": op.name,
        "usage": op.signature,
        "doc": op.doc,
        "derivative": op.derivative,
        "symbolic": symbolic,
        "domain": op.domain or "every real number",
        "not_differentiable": op.kink_doc or None,
        "arguments": {"min": op.min_args, "max": op.max_args},
        "parameters": parameters,
        "alias_of": op.alias_of,
        "period": op.period,
        "kind": "operator" if op.symbol else "function",
    }
