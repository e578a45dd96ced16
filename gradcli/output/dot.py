"""``gradcli trace`` as JSON Lines and as Graphviz dot source. No Rich here.

JSON: one object per point, ``{"expr", "point", "value", "root", "gradient", "nodes"}``, each
node ``{"id", "op", "symbol", "text", "children", "value", "local", "adjoint", "contributions",
"vanishing"}`` (``contributions`` a list of ``{"parent", "amount"}``, ``vanishing`` the
shrinking |local| or null). Numbers at full precision; NaN and inf become null.

Dot: one ``digraph`` per point, a record per node (its operation, text, value and gradient,
as micrograd draws them), an edge from each child to its parent labelled with the local
derivative; vanishing nodes are drawn red. Render it with ``dot -Tsvg``.
"""

from __future__ import annotations

import math
from typing import Any, TextIO

from ..analysis.trace import Trace
from .formats import dumps, number


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def record(t: Trace) -> dict[str, Any]:
    """The JSON-ready object for one point."""
    return {
        "expr": t.expr.text,
        "point": dict(zip(t.expr.variables, t.point)),
        "value": _finite(t.root.value),
        "root": t.root.id,
        "gradient": {name: _finite(g) for name, g in t.gradient.items()},
        "nodes": [
            {
                "id": node.id,
                "op": node.op,
                "symbol": node.symbol,
                "text": node.text,
                "children": list(node.children),
                "value": _finite(node.value),
                "local": [_finite(v) for v in node.local],
                "adjoint": _finite(node.adjoint),
                "contributions": [{"parent": p, "amount": _finite(c)} for p, c in node.contributions],
                "vanishing": node.vanishing,
            }
            for node in t.nodes
        ],
    }


def write_json(traces: list[Trace], out: TextIO) -> None:
    for t in traces:
        out.write(dumps(record(t)) + "\n")


_RECORD_SPECIALS = str.maketrans({c: f"\\{c}" for c in '{}|<>"\\'})


def _escape(text: str) -> str:
    """Text safe inside a dot record label (the record's own characters escaped)."""
    return text.translate(_RECORD_SPECIALS)


def dot(t: Trace, name: str = "gradcli trace") -> str:
    """Graphviz source for one trace (see the module docstring)."""
    lines = [
        f'digraph "{_escape(name)}" {{',
        "  rankdir=LR;",
        '  node [shape=record, fontname="Helvetica"];',
    ]
    for node in t.nodes:
        grad = "-" if node.adjoint is None else number(node.adjoint)
        head = f"#{node.id} {node.symbol}" if node.op not in ("const", "var") else f"#{node.id}"
        fields = [head, node.text, f"value {number(node.value)}", f"grad {grad}"]
        label = " | ".join(_escape(field) for field in fields)
        style = ", color=red, penwidth=2" if node.vanishing is not None else ""
        lines.append(f'  n{node.id} [label="{{ {label} }}"{style}];')
    for node in t.nodes:
        for child, slope in zip(node.children, node.local):
            lines.append(f'  n{child} -> n{node.id} [label="{_escape(number(slope))}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_dot(traces: list[Trace], out: TextIO) -> None:
    for p, t in enumerate(traces):
        out.write(dot(t, f"gradcli trace, point {p + 1}" if len(traces) > 1 else "gradcli trace"))


__all__ = ["dot", "record", "write_dot", "write_json"]
