"""``gradcli sweep``: one row per method and step, the marked steps named."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.sweep import Sweep
from ..output.numbers import number
from .base import (
    short,
)
from .layout import print_table

_MARKS = {"best": "best", "auto": "auto", "eps": "your --eps"}


def render_sweep(result: Sweep, console: Console) -> None:
    """A sweep: one row per method and step, largest step first, the marked steps named."""
    names = result.expr.variables
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("expression", Text(result.expr.text))
    head.add_row("point", ", ".join(f"{name}={number(result.point[v])}" for v, name in enumerate(names)))
    head.add_row("f", Text(number(result.value), style="bold"))
    head.add_row(f"df/d{result.var}", Text(f"{number(result.exact)} (backprop)", style="bold"))
    console.print(head)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name, justify in (
        ("method", "left"),
        ("eps", "right"),
        ("derivative", "right"),
        ("abs err", "right"),
        ("estimate", "right"),
        ("", "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=bool(name))  # type: ignore[arg-type]
    previous = None
    for row in result.rows:
        if previous is not None and row.method != previous:
            table.add_section()
        previous = row.method
        marks = ", ".join(_MARKS[m] for m in row.marks)
        table.add_row(
            row.method,
            short(row.eps),
            number(row.gradient),
            short(row.error),
            short(row.estimate),
            Text(marks, style="green" if "best" in row.marks else ""),
        )
    print_table(console, table, ("estimate",))
    if result.note:
        console.print(Text(f"note: {result.note}", style="dim"))
