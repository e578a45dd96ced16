"""``gradcli functions``: the registry as a table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..output.numbers import number
from .base import head_grid


def render_functions(rows: list[dict], constants: dict[str, float], console: Console) -> None:
    """The registry as a table: usage, derivative, where not differentiable, what it is."""
    table = Table(title="gradcli functions and operators", title_justify="left")
    for name in ("usage", "derivative (by argument)", "not differentiable", "what it is"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(row["usage"], row["derivative"], row["not_differentiable"] or "", row["doc"])
    console.print(table)
    console.print("constants: " + ", ".join(f"{k} = {number(v)}" for k, v in constants.items()))


def render_function(entry: dict, console: Console) -> None:
    """One function or operator: usage, what it is, its derivative, domain, kinks, parameters."""
    head = head_grid()
    head.add_row(
        "name", Text(entry["name"] + (f" (the same as {entry['alias_of']})" if entry["alias_of"] else ""))
    )
    head.add_row("usage", Text(entry["usage"]))
    head.add_row("what it is", Text(entry["doc"]))
    head.add_row("derivative", Text(entry["derivative"]))
    for n, partials in entry["symbolic"].items():
        label = "symbolic" if len(entry["symbolic"]) == 1 else f"symbolic ({n} argument{'s' * (n != '1')})"
        text = "  ".join(f"d/d{arg} = {rule}" for arg, rule in partials.items())
        head.add_row(label, Text(text))
    head.add_row("domain", Text(entry["domain"]))
    head.add_row("not differentiable", Text(entry["not_differentiable"] or "nowhere in its domain"))
    for p in entry["parameters"]:
        head.add_row("parameter", Text(f"{p['name']}, default {number(p['default'])}"))
    console.print(head)
