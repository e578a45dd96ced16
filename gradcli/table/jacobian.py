"""``gradcli grad`` with several expressions (the Jacobian) and with ``--direction``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.jacobian import Directional, JacobianResult
from ..derive.gradient import GradResult
from ..output.numbers import number
from .base import (
    STYLE,
    short,
    status,
)
from .grad import render
from .layout import print_table


def _eps_text(results: list[GradResult], names: tuple[str, ...], p: int) -> str:
    first = results[0]
    if first.diff is None:
        return ""
    if first.eps is not None:
        return number(first.eps)
    steps: dict[str, list[float]] = {}
    for r in results:
        for v, name in enumerate(r.variables):
            steps.setdefault(name, []).append(float(r.step[p, v]))  # type: ignore[index]

    def span(values: list[float]) -> str:  # each expression takes its own auto step
        lo, hi = min(values), max(values)
        return short(lo) if lo == hi else f"{short(lo)} to {short(hi)}"

    return "auto (" + ", ".join(f"{name} {span(steps[name])}" for name in names if name in steps) + ")"


def render_jacobian(
    jr: JacobianResult, console: Console, directions: list[Directional] | None = None
) -> None:
    """Each point: f_i, the Jacobian by the method, by backprop, their error, then warnings."""
    names = jr.variables
    results = list(jr.results)
    method = jr.method
    diff = results[0].diff is not None and bool(names)  # without variables there is nothing to difference
    jac, exact, error = jr.jacobian, jr.exact, jr.error
    for p in range(jr.points.shape[0]):
        if p:
            console.print()
        head = Table.grid(padding=(0, 2))
        head.add_column(style="bold")
        head.add_column()
        head.add_row("expressions", Text("; ".join(r.expr.text for r in results)))
        head.add_row(
            "point", ", ".join(f"{v}={number(x)}" for v, x in zip(names, jr.points[p])) or "(no variables)"
        )
        if not names:
            head.add_row("method", "none needed: the expressions have no variables")
        elif diff:
            head.add_row("method", f"{method} difference, eps {_eps_text(results, names, p)}")
        else:
            head.add_row("method", "backprop (exact, reverse mode)")
        console.print(head)
        blocks: list[tuple[str, np.ndarray | None, Callable[[float], str]]]
        blocks = [(f"Jacobian ({method})", jac, number)] if diff else []
        blocks.append(("Jacobian (backprop)", exact, number))
        if diff:
            blocks.append(("abs err", error, short))
        for title, m, cell in blocks:
            console.print(Text(title, style="bold"))
            table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
            table.add_column("f", overflow="fold")  # an expression: words may fold
            if m is exact:
                table.add_column("value", justify="right", no_wrap=True)
            for name in names:
                table.add_column(f"d/d{name}", justify="right", no_wrap=True)
            if m is exact:
                table.add_column("status")
            for i, r in enumerate(results):
                row: list[Text | str] = [Text(r.expr.text)]
                if m is exact:
                    row.append(number(r.value[p]))
                row.extend(cell(m[p, i, j]) for j in range(len(names)))  # type: ignore[index]
                if m is exact:
                    row.append(status(r.warnings[p]))
                table.add_row(*row)
            print_table(console, table)
        if directions:
            _directional_table(console, [(r.expr.text, d, p) for r, d in zip(results, directions)], method)
        for r in results:
            for w in r.warnings[p]:
                label = f"{r.expr.text}: " + (f"{w.var}: " if w.var else "")
                line = Text(f"{label}{w.kind}: ", style=STYLE.get(w.kind, "yellow"))
                line.append(w.message)
                console.print(line)


def _directional_table(console: Console, rows: list[tuple[str, Directional, int]], method: str) -> None:
    """One row per (label, directional result, point index)."""
    diff = rows[0][1].diff is not None
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("along u", overflow="fold")
    if diff:
        table.add_column(method, justify="right", no_wrap=True)
    table.add_column("backprop", justify="right", no_wrap=True)
    if diff:
        table.add_column("abs err", justify="right", no_wrap=True)
    for label, d, p in rows:
        row: list[Text | str] = [Text(label)]
        if diff:
            row.append(number(d.diff[p]))  # type: ignore[index]
        row.append(number(d.exact[p]))
        if diff:
            row.append(short(d.error[p]))  # type: ignore[index]
        table.add_row(*row)
    print_table(console, table, ("abs err",))


def render_direction(unit: tuple[float, ...], names: tuple[str, ...], console: Console) -> None:
    """The normalised direction, stated once."""
    pairs = ", ".join(f"{name} {number(u)}" for name, u in zip(names, unit))
    console.print(Text("direction u", style="bold") + Text(f"  {pairs}  (normalised: |u| = 1)"))


def render_with_direction(result: GradResult, d: Directional, console: Console) -> None:
    """``render`` for one expression, then its derivative along u at each point."""
    render(result, console)
    console.print()
    render_direction(d.unit, result.variables, console)
    n = len(result.value)
    labels = [f"point {p + 1}" if n > 1 else result.expr.text for p in range(n)]
    _directional_table(console, [(labels[p], d, p) for p in range(n)], result.method)
