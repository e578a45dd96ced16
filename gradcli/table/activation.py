"""The activation commands: a row per x, the warnings in words, then the healthy range."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.activation import ActivationResult
from ..output.numbers import number
from .base import (
    METHOD_LABEL,
    STYLE,
    WARNINGS_SHOWN,
    add_rows,
    derivative_cells,
    derivative_columns,
    more_warnings,
    status,
)
from .layout import print_table


def render_activation(run: ActivationResult, console: Console) -> None:
    """One activation at many x: a row per x, the warnings in words, then its healthy range.

    Without a healthy range (``run.health`` None: x values streamed), the rows and warnings only.
    """
    from ..output.activation import describe, explain

    run = explain(run)
    result = run.result
    diff = result.diff
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("function", Text(result.expr.text))
    if diff is None:
        head.add_row("method", "backprop (exact, reverse mode)")
    else:
        eps = number(result.eps) if result.eps is not None else "auto (per x, below)"
        label = METHOD_LABEL.get(result.method, f"{result.method} difference")
        head.add_row("method", f"{label}, eps {eps}")
    console.print(head)

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("x", justify="right", no_wrap=True)
    table.add_column("f(x)", justify="right", no_wrap=True)
    derivative_columns(table, result, f"f' {result.method}", "f' backprop")
    xs = [number(x) for x in result.points[:, 0].tolist()]
    fs = [number(f) for f in result.value.tolist()]
    add_rows(table, [xs, fs, *derivative_cells(result, 0), [status(ws) for ws in result.warnings]])
    print_table(console, table, ("rel err", "estimate", "eps", "f(x)", "abs err"))
    shown = 0
    total = sum(map(len, result.warnings))
    for p, warnings in enumerate(result.warnings):
        if not warnings:
            continue
        if shown + len(warnings) > WARNINGS_SHOWN and shown:
            console.print(more_warnings(total - shown))
            break
        for w in warnings:
            line = Text(f"x = {number(result.points[p, 0])}: ")
            line.append(f"{w.kind}: ", style=STYLE.get(w.kind, "yellow"))
            line.append(w.message)
            console.print(line)
        if result.precise is not None and (precise := result.precise[p]) is not None:
            note = f"x = {number(result.points[p, 0])}: note: {precise.note}"
            console.print(Text(note, style="dim"))
        shown += len(warnings)
    console.print()
    if run.health is None:
        return
    from rich.padding import Padding

    for text in describe(run.health, run.name):
        body = text.lstrip(" ")  # an indented line stays indented where it wraps
        console.print(Padding(Text(body), (0, 0, 0, len(text) - len(body)), expand=False))
