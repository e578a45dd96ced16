"""``gradcli trace`` as Graphviz dot source (its JSON Lines: :func:`gradcli.output.jsonl.trace_record`).
No Rich here.

Dot: one ``digraph``, with a ``subgraph cluster_N`` per point when there are several; a record
per node (its operation, text, value and gradient, as micrograd draws them), an edge from each
child to its parent labelled with the local derivative; vanishing nodes are drawn red, kinks
orange; the graph's (or each cluster's) label ends with the gradient line of :func:`summary`,
the line the tree ends with. Render it with ``dot -Tsvg``.

Every number is spelled by :func:`gradcli.output.numbers.number` (``inf``, ``-inf``, ``nan`` for
the non-finite), as in the tree and in the trace's JSON, so the three say the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TextIO

import numpy as np

from ..analysis.trace import Trace
from ..derive.precise import TINY_NORMAL, lost_digits
from .numbers import number, short

_RECORD_SPECIALS = str.maketrans({c: f"\\{c}" for c in '{}|<>"\\'})


def _escape(text: str) -> str:
    """Text safe inside a dot record label (the record's own characters escaped)."""
    return text.translate(_RECORD_SPECIALS)


def summary(t: Trace) -> str:
    """The trace's gradient in one line, as the tree ends and the dot graph is labelled.

    Where f is not finite the gradient is not defined (``nan``, as ``gradcli grad`` reports it),
    and the line says so, naming f's value and any variable whose node shows another adjoint
    (the backward pass's number, which is no derivative there): ``x = nan (not defined: f is
    inf here; the backward pass gave x -inf)``.
    """
    grads = ", ".join(f"{name} = {number(g)}" for name, g in t.gradient.items())
    if not grads:
        return "gradient: f has no variables"
    if math.isfinite(t.root.value):
        return f"gradient (backprop): {grads}{_loose(t)}"
    shown = []
    for k, name in enumerate(t.expr.variables):
        adjoint = t.nodes[t.expr.var_nodes[k]].adjoint
        if adjoint is not None and not math.isnan(adjoint):
            shown.append(f"{name} {number(adjoint)}")
    gave = f"; the backward pass gave {', '.join(shown)}" if shown else ""
    return f"gradient (backprop): {grads} (not defined: f is {number(t.root.value)} here{gave})"


def _loose(t: Trace) -> str:
    """Where backprop's rounding bound shows lost digits (as ``gradcli grad --precision auto``
    judges them; a bound below float64's normal range, the allowance for underflow, is left
    out), what the bound allows; else nothing."""
    if not t.bound:
        return ""
    bound = np.array(t.bound)
    lost = lost_digits(np.array(list(t.gradient.values())), bound, np.ones(len(bound), dtype=bool))
    lost &= bound >= TINY_NORMAL  # (below it, the allowance for underflow)
    loose = [f"{name} {short(b)}" for name, b, x in zip(t.expr.variables, t.bound, lost) if x]
    if not loose:
        return ""
    return (
        f" (rounding bound {', '.join(loose)}: float64 may have lost digits here; gradcli grad "
        "takes such a gradient again in high precision)"
    )


def _body(t: Trace, prefix: str, indent: str) -> list[str]:
    """One trace's nodes and edges, its node names prefixed (``p1_n3``) when several share a graph."""
    lines = []
    for node in t.nodes:
        grad = "-" if node.adjoint is None else number(node.adjoint)
        head = f"#{node.id} {node.symbol}" if node.op not in ("const", "var") else f"#{node.id}"
        fields = [head, node.text, f"value {number(node.value)}", f"grad {grad}"]
        if node.kink:
            fields.append("kink")
        label = " | ".join(_escape(field) for field in fields)
        style = ""
        if node.vanishing is not None:
            style = ", color=red, penwidth=2"
        elif node.kink:
            style = ", color=darkorange, penwidth=2"
        lines.append(f'{indent}{prefix}n{node.id} [label="{{ {label} }}"{style}];')
    for node in t.nodes:
        for child, slope in zip(node.children, node.local):
            lines.append(
                f'{indent}{prefix}n{child} -> {prefix}n{node.id} [label="{_escape(number(slope))}"];'
            )
    return lines


def dot(t: Trace, name: str = "gradcli trace") -> str:
    """Graphviz source for one trace (see the module docstring)."""
    head = [f'digraph "{_escape(name)}" {{', "  rankdir=LR;", '  node [shape=record, fontname="Helvetica"];']
    label = f'  label="{_escape(f"f = {number(t.root.value)}; {summary(t)}")}";'
    return "\n".join([*head, label, *_body(t, "", "  "), "}"]) + "\n"


def dots(traces: Sequence[Trace]) -> str:
    """Several points' traces as one graph: a ``subgraph cluster_N`` per point, labelled with it."""
    lines = ['digraph "gradcli trace" {', "  rankdir=LR;", '  node [shape=record, fontname="Helvetica"];']
    for p, t in enumerate(traces, start=1):
        at = ", ".join(f"{v}={number(x)}" for v, x in zip(t.expr.variables, t.point))
        text = f"point {p}: {at}; f = {number(t.root.value)}; {summary(t)}"
        lines += [f"  subgraph cluster_{p} {{", f'    label="{_escape(text)}";']
        lines += [*_body(t, f"p{p}_", "    "), "  }"]
    return "\n".join([*lines, "}"]) + "\n"


def write_dot(traces: Sequence[Trace], out: TextIO) -> None:
    """One digraph: the trace itself for one point, a cluster per point for several."""
    out.write(dot(traces[0]) if len(traces) == 1 else dots(traces))


__all__ = ["dot", "dots", "summary", "write_dot"]
