"""``gradcli hessian``: the exact and finite-difference Hessians, their error, eigenvalues, verdict."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.hessian import HessianResult
from ..output.numbers import number
from .base import (
    short,
)
from .layout import print_table


def _matrix(console: Console, title: str, names: tuple[str, ...], m, cell) -> None:  # type: ignore[no-untyped-def]
    console.print(Text(title, style="bold"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("", style="bold", no_wrap=True)
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for i, name in enumerate(names):
        table.add_row(name, *(cell(m[i, j]) for j in range(len(names))))
    print_table(console, table)


def render_hessian(result: HessianResult, console: Console) -> None:
    """Each point: the exact Hessian, the finite-difference one and their error, eigenvalues, verdict."""
    names = result.variables
    for p in range(len(result.value)):
        if p:
            console.print()
        head = Table.grid(padding=(0, 2))
        head.add_column(style="bold")
        head.add_column()
        head.add_row("expression", Text(result.expr.text))
        head.add_row(
            "point",
            ", ".join(f"{v}={number(x)}" for v, x in zip(names, result.points[p])) or "(no variables)",
        )
        head.add_row("f", Text(number(result.value[p]), style="bold"))
        head.add_row(
            "gradient", ", ".join(f"{v} = {number(g)}" for v, g in zip(names, result.gradient[p])) or "-"
        )
        if result.fd is not None and names:
            eps = (
                number(result.eps)
                if result.eps is not None
                else "auto ("
                + ", ".join(
                    f"{v} {short(h)}"
                    for v, h in zip(names, result.step[p])  # type: ignore[index]
                )
                + ")"
            )
            head.add_row("method", f"{result.method} difference of the exact gradient, eps {eps}")
        console.print(head)
        if names:
            _matrix(
                console, "exact Hessian (symbolic derivative, then backprop)", names, result.exact[p], number
            )
            if result.fd is not None:
                _matrix(console, f"{result.method} difference", names, result.fd[p], number)
                _matrix(console, "abs err", names, result.error[p], short)  # type: ignore[index]
            console.print("eigenvalues  " + ", ".join(number(v) for v in result.eigenvalues[p]))
        console.print(Text(f"{result.kinds[p]}: ", style="bold") + Text(result.verdicts[p]))
        if result.notes and result.notes[p]:
            console.print(Text(f"note: {result.notes[p]}", style="dim"))
