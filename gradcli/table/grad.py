"""``gradcli grad``: a table per point, warnings spelled out under it."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..derive.gradient import GradResult
from ..output.numbers import number
from .base import (
    METHOD_LABEL,
    STYLE,
    derivative_cells,
    derivative_columns,
    status,
)
from .layout import print_table


def render(result: GradResult, console: Console) -> None:
    """Draw every point of ``result``: a header, the table, then the warnings in words."""
    names = result.variables
    diff = result.diff
    by_var = [derivative_cells(result, v) for v in range(len(names))]  # each array read once
    for p in range(len(result.value)):
        if p:
            console.print()
        point = ", ".join(f"{name}={number(result.points[p, v])}" for v, name in enumerate(names))
        head = Table.grid(padding=(0, 2))
        head.add_column(style="bold")
        head.add_column()
        head.add_row("expression", Text(result.expr.text))
        head.add_row("point", point or "(no variables)")
        head.add_row("f", Text(number(result.value[p]), style="bold"))
        if not names:
            head.add_row("method", "none needed: the expression has no variables")
        elif diff is None:
            head.add_row("method", "backprop (exact, reverse mode)")
        else:
            eps = (
                number(result.eps)
                if result.eps is not None
                else "auto (per variable, below)"
                if diff.auto
                else "per variable, below"
            )
            label = METHOD_LABEL.get(result.method, f"{result.method} difference")
            head.add_row("method", f"{label}, eps {eps}")
        console.print(head)

        warnings = result.warnings[p]
        if names:
            table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
            table.add_column("var", style="bold", no_wrap=True)
            derivative_columns(table, result, result.method, "backprop")
            for v, name in enumerate(names):
                row = [cells[p] for cells in by_var[v]]
                own = [w for w in warnings if w.var in (name, None)]
                table.add_row(name, *row, status(own))
            print_table(console, table, ("rel err", "estimate", "eps", "abs err"))
        for w in warnings:
            label = f"{w.var}: " if w.var else ""
            line = Text(f"{label}{w.kind}: ", style=STYLE.get(w.kind, "yellow"))
            line.append(w.message)
            console.print(line)
        if result.precise is not None and (precise := result.precise[p]) is not None:
            console.print(Text(f"note: {precise.note}", style="dim"))
