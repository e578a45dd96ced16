"""``gradcli grad --order N``: the n-th derivative, exact beside finite difference, as a Rich table."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..derive.higher import HigherResult
from ..output.numbers import number, short
from .base import head_grid, row_table
from .layout import print_table


def render_higher(result: HigherResult, console: Console) -> None:
    """A head (expression, the derivative taken) then a row per point."""
    head = head_grid()
    head.add_row("expression", Text(result.expr.text))
    name = (
        f"d{result.order}f/d{result.variable}{result.order}" if result.order > 1 else f"df/d{result.variable}"
    )
    head.add_row("derivative", Text(name))
    if result.formula is not None:
        head.add_row("symbolic", Text(result.formula))
    console.print(head)
    table = row_table()
    for title in (result.variable, "exact", "finite diff", "error", "estimate", "step"):
        table.add_column(title, justify="right", no_wrap=True)
    for p in range(len(result.points)):
        table.add_row(
            number(result.points[p]),
            number(result.exact[p]),
            number(result.fd[p]),
            short(result.error[p]),
            short(result.error_estimate[p]),
            short(result.step[p]),
        )
    print_table(console, table)
    for p, note in enumerate(result.notes):
        if note:
            at = f"{result.variable} = {number(result.points[p])}: " if len(result.points) > 1 else ""
            console.print(Text(f"note: {at}{note}", style="dim"))
