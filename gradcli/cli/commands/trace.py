"""``gradcli trace``: backprop node by node."""

from __future__ import annotations

import sys

import click

from ...errors import OptionError
from ...points.spec import PointSpec
from ..common import bind_points, finish
from ..group import ExpressionCommand
from ..io import emit, say
from ..options import at_option, digits_option, format_option, vanish_option


@click.command(cls=ExpressionCommand)
@click.argument("expression")
@at_option()
@format_option("table", "json", "dot", help="Output format (json: JSON Lines; dot: Graphviz source).")
@digits_option()
@vanish_option("Mark edges whose local derivative shrinks the adjoint below this factor.")
def trace(
    expression: str, points: tuple[PointSpec, ...], order: tuple[str, ...] | None, fmt: str, vanish: float
) -> None:
    """Backprop made visible: the computation graph of EXPRESSION, node by node.

    For every node: its operation, its value (forward pass), its local derivative with
    respect to each child, and its adjoint df/dnode (backward pass), so you can follow
    the chain rule from f down to each variable. A variable used several times shows its
    contributions being summed; an edge that shrinks the adjoint below --vanish is marked.
    --format dot writes Graphviz source (render with 'dot -Tsvg').

    \b
    Examples:
      gradcli trace "3*(a+b*c)" --at a=5,b=3,c=2
      gradcli trace "sigmoid(w*x)" --at w=4,x=5
      gradcli trace "x*x+x" --at x=3 --format json
      gradcli trace "3*(a+b*c)" --at 5,3,2 --format dot | dot -Tsvg > graph.svg
    """
    from ...analysis.trace import trace as run_trace
    from ...analysis.trace import undefined
    from ...language.parse import parse
    from ...output import messages

    expr = parse(expression)
    block = bind_points(expr, points, order)
    if fmt == "table":
        from ...analysis.trace import MAX_ROWS
        from ...table.trace import MAX_ROWS as TABLE_ROWS

        rows = len(block) * len(expr.nodes)
        if rows > TABLE_ROWS:
            raise OptionError(
                f"a trace table of {len(block):,} points x {len(expr.nodes):,} nodes is {rows:,} rows, "
                f"more than a table's {TABLE_ROWS:,}",
                hint=f"use --format json or dot (up to {MAX_ROWS:,} rows), or trace fewer points",
            )
    traces = run_trace(expr, block, vanish)
    if fmt == "table":
        from ...table import render_trace, stdout_console

        console = stdout_console()
        emit(lambda: render_trace(traces, console))
    else:
        from ...output.dot import write_dot
        from ...output.jsonl import write_traces

        writer = write_traces if fmt == "json" else write_dot
        emit(lambda: writer(traces, sys.stdout))
    say(messages.trace_undefined(p + 1, reason) for p, reason in undefined(expr, block, traces))
    finish(traces)
