"""``gradcli trace``: each point's computation graph as a tree from f down to the variables."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.trace import Trace, TraceNode, edge_term
from ..output.dot import summary
from ..output.numbers import number

_MAX_TERMS = 6  # contributions spelled out before "sum of N"
MAX_ROWS = (
    5_000  # nodes x points drawn as tables (about 0.3-0.6 ms a row): every point of the largest expression
)
STOPPED = "   (a zero adjoint passes nothing back)"  # backprop's rule for 0 × inf or nan


def _trace_label(
    t: Trace, node: TraceNode, parent: TraceNode | None, slope: float | None, shown: bool
) -> Text:
    """One line of the trace tree: the node, and for an edge the chain rule step into it."""
    head = f"#{node.id} {node.symbol}" if node.op not in ("const", "var") else f"#{node.id}"
    line = Text(head, style="bold")
    line.append(f"  {node.text}" if node.op not in ("const", "var") else f" {node.text}")
    if node.op != "const" or node.symbol in ("pi", "e"):
        line.append(f" = {number(node.value)}")
    if node.kink:
        line.append(
            "   [kink: not differentiable here; its local derivatives are a convention]", style="magenta"
        )
    if node.adjoint is None:
        line.append("   (constant)" if node.op == "const" else "   (f does not depend on it)", style="dim")
        return line
    if parent is None:
        line.append(f"   adjoint {number(node.adjoint)}", style="cyan")
        return line
    line.append(f"   local {number(slope)}")  # type: ignore[arg-type]
    share = edge_term(parent.adjoint, slope) if parent.adjoint is not None else 0.0  # type: ignore[arg-type]
    terms = node.contributions
    stopped = parent.adjoint == 0 and not math.isfinite(slope)  # type: ignore[arg-type]
    if len(terms) == 1:
        line.append(
            f"   adjoint {number(parent.adjoint)} × {number(slope)} = {number(node.adjoint)}",  # type: ignore[arg-type]
            style="cyan",
        )
        if stopped:
            line.append(STOPPED, style="dim")
    else:
        line.append(f"   {number(parent.adjoint)} × {number(slope)} = {number(share)}")  # type: ignore[arg-type]
        if stopped:
            line.append(STOPPED, style="dim")
        if not shown:
            parts = (
                " + ".join(number(c) for _, c in terms)
                if len(terms) <= _MAX_TERMS
                else f"sum of {len(terms)} uses"
            )
            line.append(f";  adjoint {parts} = {number(node.adjoint)}", style="cyan")
    if node.vanishing is not None and abs(slope) < t.vanish:  # type: ignore[arg-type]
        line.append(f"   ◀ vanishing: local < {number(t.vanish)}", style="yellow")
    return line


MAX_DEPTH_SHOWN = 60  # levels of the tree drawn; deeper lines are counted in one line


def render_trace(traces: list[Trace], console: Console) -> None:
    """Each point's computation graph as a tree from f down to the variables (see gradcli.trace)."""
    from rich.tree import Tree

    for p, t in enumerate(traces):
        if p:
            console.print()
        names = t.expr.variables
        head = Table.grid(padding=(0, 2))
        head.add_column(style="bold")
        head.add_column()
        head.add_row("expression", Text(t.expr.text))
        head.add_row(
            "point", ", ".join(f"{v}={number(x)}" for v, x in zip(names, t.point)) or "(no variables)"
        )
        head.add_row("f", Text(number(t.root.value), style="bold"))
        console.print(head)
        nodes = t.nodes
        tree = Tree(_trace_label(t, t.root, None, None, False), guide_style="dim")
        expanded = {t.root.id}
        used = [0] * len(nodes)  # uses of each node drawn so far (a variable's adjoint is summed once)
        stack: list[tuple[int, float, int, Tree | None, int]]  # None: below the depth drawn
        stack = [(child, slope, t.root.id, tree, 1) for child, slope in zip(t.root.children, t.root.local)]
        stack.reverse()
        hidden = 0  # lines below MAX_DEPTH_SHOWN: counted, not drawn (Rich draws depth d in O(d))
        while stack:
            child, slope, parent, branch, depth = stack.pop()
            node = nodes[child]
            used[child] += 1
            last_use = used[child] == len(node.contributions) or node.adjoint is None
            shared = bool(node.children) and child in expanded
            if depth > MAX_DEPTH_SHOWN:
                hidden += 1
                sub = None
            else:
                label = _trace_label(t, node, nodes[parent], slope, not last_use)
                if shared:
                    label.append("   (shared: drawn above)", style="dim")
                assert branch is not None  # depth <= MAX_DEPTH_SHOWN: its parent was drawn
                sub = branch.add(label)
            if shared:
                continue
            expanded.add(child)
            pending = [(c, s, child, sub, depth + 1) for c, s in zip(node.children, node.local)]
            stack.extend(reversed(pending))
        console.print(tree)
        if hidden:
            console.print(
                Text(
                    f"… {hidden:,} more lines deeper than {MAX_DEPTH_SHOWN} levels are not drawn "
                    "(--format json or dot has every node)",
                    style="dim",
                )
            )
        console.print(Text(summary(t)))
