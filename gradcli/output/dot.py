"""``gradcli trace`` as Graphviz dot source (its JSON Lines: :func:`gradcli.output.jsonl.trace_record`).
No Rich here.

Dot: one ``digraph`` per point, a record per node (its operation, text, value and gradient,
as micrograd draws them), an edge from each child to its parent labelled with the local
derivative; vanishing nodes are drawn red. Render it with ``dot -Tsvg``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..analysis.trace import Trace
from .numbers import number

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


def write_dot(traces: Sequence[Trace], out: TextIO) -> None:
    for p, t in enumerate(traces):
        out.write(dot(t, f"gradcli trace, point {p + 1}" if len(traces) > 1 else "gradcli trace"))


__all__ = ["dot", "write_dot"]
