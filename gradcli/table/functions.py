"""``gradcli functions``: the registry as a table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..output.numbers import number
from .base import head_grid

NARROW = 80  # below this many columns, the catalogue is a block per entry instead of a table
PROSE_WIDTH = 120  # the widest the catalogue is drawn: its columns are prose, wrapped between words


def render_functions(rows: list[dict], constants: dict[str, float], console: Console) -> None:
    """The registry as a table: usage, derivative, where not differentiable, what it is."""
    from rich import box

    if console.width < NARROW:  # four columns of prose do not fit: a block per entry
        for row in rows:
            block = Table.grid(padding=(0, 2))
            block.add_column(no_wrap=True)
            block.add_column(overflow="fold")
            for label, key in (("derivative", "derivative"), ("kinks", "not_differentiable"), ("is", "doc")):
                if row[key]:
                    block.add_row("  " + label, Text(row[key]))
            console.print(Text(row["usage"], style="bold"))
            console.print(block)
        console.print("constants: " + ", ".join(f"{k} = {number(v)}" for k, v in constants.items()))
        return
    table = Table(
        title="gradcli functions and operators",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for name in ("usage", "derivative (by argument)", "not differentiable", "what it is"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(row["usage"], row["derivative"], row["not_differentiable"] or "", row["doc"])
    console.print(table, width=min(console.width, PROSE_WIDTH))
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
    if entry.get("period") is not None:
        head.add_row("period", Text(_period(entry["period"])))
    for p in entry["parameters"]:
        head.add_row("parameter", Text(f"{p['name']}, default {number(p['default'])}"))
    console.print(head)


def _period(period: float) -> str:
    """``2*pi (6.283185307179586)``: a multiple of pi named, with its float64 value; and what
    gradcli does with it."""
    import math

    turns = period / math.pi
    name = f"{turns:g}*pi" if turns != 1 and turns == round(turns) else "pi" if turns == 1 else number(period)
    shown = name if name == number(period) else f"{name} ({number(period)})"
    return f"{shown}; difference steps stay within a radian of its argument"
