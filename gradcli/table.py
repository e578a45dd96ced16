"""Rich rendering for a terminal: a table per point, warnings spelled out under it.

The only module that imports Rich. :func:`render` takes the Console to draw on, so tests
can pass ``Console(file=io.StringIO(), width=80, color_system=None)`` and read the text.
Gradients and f are printed by :func:`gradcli.formats.number` (full round-trip precision);
errors, which nobody compares digit by digit, with three significant digits.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .diagnostics import GradWarning
from .formats import number
from .gradient import GradResult
from .sweep import Sweep

if TYPE_CHECKING:  # the grad path does not import the activation module
    from .activation import ActivationResult

_STYLE = {
    "ok": "green",
    "vanishing": "yellow",
    "exploding": "yellow",
    "inaccurate": "yellow",
    "nondifferentiable": "magenta",
    "nonfinite": "bold red",
}


class _PipeConsole(Console):
    """A console that lets a closed pipe (``| head``) reach the caller as BrokenPipeError.

    Rich's own handling exits with status 1; gradcli ends quietly with status 0.
    """

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def stdout_console() -> Console:
    """A console for stdout; piped, it is wide enough that no number is ever folded."""
    # No markup or emoji parsing: every cell is plain text (and rich._emoji_codes costs 2 ms).
    settings = {"highlight": False, "markup": False, "emoji": False}
    console = _PipeConsole(**settings)
    if not console.is_terminal:
        console = _PipeConsole(**settings, width=max(console.width, 160))
    return console


def render_functions(rows: list[dict], constants: dict[str, float], console: Console) -> None:
    """The registry as a table: usage, derivative, where not differentiable, what it is."""
    table = Table(title="gradcli functions and operators", title_justify="left")
    for name in ("usage", "derivative (by argument)", "not differentiable", "what it is"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(row["usage"], row["derivative"], row["not_differentiable"] or "", row["doc"])
    console.print(table)
    console.print("constants: " + ", ".join(f"{k} = {number(v)}" for k, v in constants.items()))


def _short(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else number(x)


def _status(warnings: list[GradWarning]) -> Text:
    if not warnings:
        return Text("ok", style=_STYLE["ok"])
    text = Text()
    for i, w in enumerate(dict.fromkeys(w.kind for w in warnings)):
        if i:
            text.append(", ")
        text.append(w, style=_STYLE.get(w, "yellow"))
    return text


_METHOD_LABEL = {"richardson": "richardson extrapolation", "complex": "complex step"}


def render(result: GradResult, console: Console) -> None:
    """Draw every point of ``result``: a header, the table, then the warnings in words."""
    names = result.variables
    diff = result.diff
    fixed_eps = result.eps is not None
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
            eps = number(result.eps) if fixed_eps else "auto (per variable, below)"
            label = _METHOD_LABEL.get(result.method, f"{result.method} difference")
            head.add_row("method", f"{label}, eps {eps}")
        console.print(head)

        warnings = result.warnings[p]
        if names:
            table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
            table.add_column("var", style="bold", no_wrap=True)
            if diff is not None:
                table.add_column(result.method, justify="right", overflow="fold")
            table.add_column("backprop", justify="right", overflow="fold")
            if diff is not None:
                if not fixed_eps:
                    table.add_column("eps", justify="right", overflow="fold")
                table.add_column("abs err", justify="right", no_wrap=True)
                table.add_column("rel err", justify="right", no_wrap=True)
                table.add_column("estimate", justify="right", no_wrap=True)
            table.add_column("status")
            for v, name in enumerate(names):
                row = [name]
                if diff is not None:
                    row.append(number(diff.gradient[v, p]))
                row.append(number(result.exact[v, p]))
                if diff is not None:
                    if not fixed_eps:
                        row.append(_short(diff.step[v, p]))
                    row.append(_short(result.error[v, p]))  # type: ignore[index]
                    row.append(_short(result.rel_error[v, p]))  # type: ignore[index]
                    row.append(_short(diff.error_estimate[v, p]))
                own = [w for w in warnings if w.var in (name, None)]
                table.add_row(*row, _status(own))
            console.print(table)
        for w in warnings:
            label = f"{w.var}: " if w.var else ""
            line = Text(f"{label}{w.kind}: ", style=_STYLE.get(w.kind, "yellow"))
            line.append(w.message)
            console.print(line)


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
        table.add_column(name, justify=justify, no_wrap=name != "derivative")  # type: ignore[arg-type]
    previous = None
    for row in result.rows:
        if previous is not None and row.method != previous:
            table.add_section()
        previous = row.method
        marks = ", ".join(_MARKS[m] for m in row.marks)
        table.add_row(
            row.method,
            _short(row.eps),
            number(row.gradient),
            _short(row.error),
            _short(row.estimate),
            Text(marks, style="green" if "best" in row.marks else ""),
        )
    console.print(table)


def render_activation(run: ActivationResult, console: Console) -> None:
    """One activation at many x: a row per x, the warnings in words, then its healthy range."""
    from .activation import describe

    result = run.result
    diff = result.diff
    fixed_eps = result.eps is not None
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("function", Text(result.expr.text))
    if diff is None:
        head.add_row("method", "backprop (exact, reverse mode)")
    else:
        eps = number(result.eps) if fixed_eps else "auto (per x, below)"
        head.add_row("method", f"{result.method} difference, eps {eps}")
    console.print(head)

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("x", justify="right", no_wrap=True)
    table.add_column("f(x)", justify="right", overflow="fold")
    if diff is not None:
        table.add_column(f"f' {result.method}", justify="right", overflow="fold")
    table.add_column("f' backprop", justify="right", overflow="fold")
    if diff is not None:
        if not fixed_eps:
            table.add_column("eps", justify="right", no_wrap=True)
        table.add_column("abs err", justify="right", no_wrap=True)
        table.add_column("rel err", justify="right", no_wrap=True)
    table.add_column("status")
    for p in range(len(result.value)):
        row = [number(result.points[p, 0]), number(result.value[p])]
        if diff is not None:
            row.append(number(diff.gradient[0, p]))
        row.append(number(result.exact[0, p]))
        if diff is not None:
            if not fixed_eps:
                row.append(_short(diff.step[0, p]))
            row.append(_short(result.error[0, p]))  # type: ignore[index]
            row.append(_short(result.rel_error[0, p]))  # type: ignore[index]
        table.add_row(*row, _status(result.warnings[p]))
    console.print(table)
    for p, warnings in enumerate(result.warnings):
        for w in warnings:
            line = Text(f"x = {number(result.points[p, 0])}: ")
            line.append(f"{w.kind}: ", style=_STYLE.get(w.kind, "yellow"))
            line.append(w.message)
            console.print(line)
    console.print()
    for line in describe(run.health, run.name):
        console.print(Text(line))
