"""``gradcli functions``: the registry as a table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..output.numbers import number


def render_functions(rows: list[dict], constants: dict[str, float], console: Console) -> None:
    """The registry as a table: usage, derivative, where not differentiable, what it is."""
    table = Table(title="gradcli functions and operators", title_justify="left")
    for name in ("usage", "derivative (by argument)", "not differentiable", "what it is"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(row["usage"], row["derivative"], row["not_differentiable"] or "", row["doc"])
    console.print(table)
    console.print("constants: " + ", ".join(f"{k} = {number(v)}" for k, v in constants.items()))
