"""Rich rendering for a terminal: a table per point, warnings spelled out under it.

The only module that imports Rich. :func:`render` takes the Console to draw on, so tests
can pass ``Console(file=io.StringIO(), width=80, color_system=None)`` and read the text.
Gradients and f are printed by :func:`gradcli.formats.number` (full round-trip precision);
errors, which nobody compares digit by digit, with three significant digits.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis.sweep import Sweep
from ..derive.diagnostics import GradWarning
from ..derive.gradient import GradResult
from ..output.formats import number

if TYPE_CHECKING:  # only for annotations: the grad table path loads none of these
    from ..analysis.activation import ActivationResult
    from ..analysis.hessian import HessianResult
    from ..analysis.jacobian import Directional, JacobianResult
    from ..analysis.trace import Trace, TraceNode

_STYLE = {
    "ok": "green",
    "uncertain": "yellow",
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


def _print_table(console: Console, table: Table, optional: tuple[str, ...] = ()) -> None:
    """Print ``table`` (box SIMPLE_HEAD, no edge) with every number and word whole, however narrow
    the console.

    Number columns never wrap (a number folded over two lines reads as two numbers); text columns
    wrap between words, never inside one. While the table is wider than the console, the columns
    whose headers are in ``optional`` are left out, in that order, and a line names them; a table
    still too wide is drawn at its own width, past the console's edge, rather than cut or folded.
    """
    from rich.segment import Segments

    ranges = [_column_range(console, column) for column in table.columns]
    dropped = []
    for header in optional:
        if _width(r[0] for r in ranges) <= console.width:
            break
        keep = [column.header != header for column in table.columns]
        if not all(keep):
            dropped.append(header)
            kept = [column for column, k in zip(table.columns, keep) if k]
            ranges = [r for r, k in zip(ranges, keep) if k]
            # a new table re-numbers the columns it is given (each keeps its cells); rows keep sections
            rows, table = table.rows, Table(*kept, box=table.box, pad_edge=False, show_edge=False)
            table.rows = rows
    width = _fix_text_widths(console, table, ranges)
    if width <= console.width:
        console.print(table)
    else:
        console.print(Segments(console.render(table, console.options.update_width(width))), crop=False)
    if dropped:
        console.print(
            Text(
                f"(left out to fit {console.width} columns: {', '.join(dropped)}; "
                "widen the terminal or use --format json)",
                style="dim",
            )
        )


_FOLD_WIDTH = 24  # the narrowest a column of folding text (expressions) is made
_GAP = 3  # between two columns of a SIMPLE_HEAD table without edges: padding 1 + rule 1 + padding 1


def _width(column_widths: Any) -> int:
    widths = list(column_widths)
    return sum(widths) + _GAP * (len(widths) - 1)


def _column_range(console: Console, column: Any) -> tuple[int, int]:
    """A column's narrowest content width that breaks no number or word (a folding column's
    words may break, down to ``_FOLD_WIDTH``), and its widest."""
    from rich.cells import cell_len
    from rich.measure import Measurement

    options = console.options.update_width(1 << 20)
    if column.no_wrap:  # one line each: a plain string is as wide as its cells
        widest = max(
            (cell_len(c) if isinstance(c, str) else Measurement.get(console, options, c).maximum)
            for c in (column.header, *column.cells)
        )
        return widest, widest
    sizes = [Measurement.get(console, options, cell) for cell in (column.header, *column.cells)]
    low, high = max(size.minimum for size in sizes), max(size.maximum for size in sizes)
    if column.overflow == "fold":  # text such as an expression may fold inside a long word
        low = min(low, _FOLD_WIDTH)
    return low, high


def _fix_text_widths(console: Console, table: Table, ranges: list[tuple[int, int]]) -> int:
    """Give each text column a width at least its longest word (Rich alone may shrink a column
    below that and cut the word with an ellipsis); return the width the table is drawn at."""
    widest = _width(high for _, high in ranges)
    if widest <= console.width:
        return widest
    widths = [low for low, _ in ranges]
    spare = max(console.width - _width(widths), 0)
    while spare:  # share what is left between the text columns, one character at a time
        grew = False
        for i, (_, high) in enumerate(ranges):
            if spare and widths[i] < high:
                widths[i] += 1
                spare -= 1
                grew = True
        if not grew:
            break
    for column, w in zip(table.columns, widths):
        if not column.no_wrap:
            column.width = w
    return _width(widths)


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
            _derivative_columns(table, result, result.method, "backprop")
            for v, name in enumerate(names):
                row = [name, *_derivative_cells(result, v, p)]
                own = [w for w in warnings if w.var in (name, None)]
                table.add_row(*row, _status(own))
            _print_table(console, table, ("rel err", "estimate", "eps", "abs err"))
        for w in warnings:
            label = f"{w.var}: " if w.var else ""
            line = Text(f"{label}{w.kind}: ", style=_STYLE.get(w.kind, "yellow"))
            line.append(w.message)
            console.print(line)
        if result.precise is not None and result.precise[p] is not None:
            console.print(Text(f"note: {result.precise[p].note}", style="dim"))


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
            _short(row.eps),
            number(row.gradient),
            _short(row.error),
            _short(row.estimate),
            Text(marks, style="green" if "best" in row.marks else ""),
        )
    _print_table(console, table, ("estimate",))


# --- gradcli trace ------------------------------------------------------------------------------

_MAX_TERMS = 6  # contributions spelled out before "sum of N"


def _trace_label(
    t: Trace, node: TraceNode, parent: TraceNode | None, slope: float | None, shown: bool
) -> Text:
    """One line of the trace tree: the node, and for an edge the chain rule step into it."""
    head = f"#{node.id} {node.symbol}" if node.op not in ("const", "var") else f"#{node.id}"
    line = Text(head, style="bold")
    line.append(f"  {node.text}" if node.op not in ("const", "var") else f" {node.text}")
    if node.op != "const" or node.symbol in ("pi", "e"):
        line.append(f" = {number(node.value)}")
    if node.adjoint is None:
        line.append("   (constant)" if node.op == "const" else "   (f does not depend on it)", style="dim")
        return line
    if parent is None:
        line.append(f"   adjoint {number(node.adjoint)}", style="cyan")
        return line
    line.append(f"   local {number(slope)}")  # type: ignore[arg-type]
    share = parent.adjoint * slope if parent.adjoint is not None else 0.0  # type: ignore[operator]
    terms = node.contributions
    if len(terms) == 1:
        line.append(
            f"   adjoint {number(parent.adjoint)} × {number(slope)} = {number(node.adjoint)}", style="cyan"
        )  # type: ignore[arg-type]
    else:
        line.append(f"   {number(parent.adjoint)} × {number(slope)} = {number(share)}")  # type: ignore[arg-type]
        if not shown:
            parts = (
                " + ".join(number(c) for _, c in terms)
                if len(terms) <= _MAX_TERMS
                else f"sum of {len(terms)} uses"
            )
            line.append(f";  adjoint {parts} = {number(node.adjoint)}", style="cyan")
    if node.vanishing is not None and abs(slope) < t.vanish:  # type: ignore[arg-type]
        line.append(f"   ◀ vanishing: local < {number(t.vanish)}", style="yellow")
    return line


def render_trace(traces: list[Trace], console: Console) -> None:
    """Each point's computation graph as a tree from f down to the variables (see gradcli.trace)."""
    from rich.tree import Tree

    for p, t in enumerate(traces):
        if p:
            console.print()
        names = t.expr.variables
        head = Table.grid(padding=(0, 2))
        head.add_column(style="bold")
        head.add_column()
        head.add_row("expression", Text(t.expr.text))
        head.add_row(
            "point", ", ".join(f"{v}={number(x)}" for v, x in zip(names, t.point)) or "(no variables)"
        )
        head.add_row("f", Text(number(t.root.value), style="bold"))
        console.print(head)
        nodes = t.nodes
        tree = Tree(_trace_label(t, t.root, None, None, False), guide_style="dim")
        expanded = {t.root.id}
        used = [0] * len(nodes)  # uses of each node drawn so far (a variable's adjoint is summed once)
        stack = [(child, slope, t.root.id, tree) for child, slope in zip(t.root.children, t.root.local)]
        stack.reverse()
        while stack:
            child, slope, parent, branch = stack.pop()
            node = nodes[child]
            used[child] += 1
            last_use = used[child] == len(node.contributions) or node.adjoint is None
            label = _trace_label(t, node, nodes[parent], slope, not last_use)
            if node.children and child in expanded:
                label.append("   (shared: drawn above)", style="dim")
                branch.add(label)
                continue
            sub = branch.add(label)
            expanded.add(child)
            pending = [(c, s, child, sub) for c, s in zip(node.children, node.local)]
            stack.extend(reversed(pending))
        console.print(tree)
        grads = ", ".join(f"{name} = {number(g)}" for name, g in t.gradient.items())
        undefined = (
            " (not defined: f is not finite here)" if grads and not math.isfinite(t.root.value) else ""
        )
        console.print(
            Text(f"gradient (backprop): {grads}{undefined}" if grads else "gradient: f has no variables")
        )


# --- gradcli hessian ------------------------------------------------------------------------------


def _matrix(console: Console, title: str, names: tuple[str, ...], m, cell) -> None:  # type: ignore[no-untyped-def]
    console.print(Text(title, style="bold"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("", style="bold", no_wrap=True)
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for i, name in enumerate(names):
        table.add_row(name, *(cell(m[i, j]) for j in range(len(names))))
    _print_table(console, table)


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
                    f"{v} {_short(h)}"
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
                _matrix(console, "abs err", names, result.error[p], _short)  # type: ignore[index]
            console.print("eigenvalues  " + ", ".join(number(v) for v in result.eigenvalues[p]))
        console.print(Text(f"{result.kinds[p]}: ", style="bold") + Text(result.verdicts[p]))


# --- several expressions (the Jacobian) and --direction --------------------------------------------


def _eps_text(results: list[GradResult], names: tuple[str, ...], p: int) -> str:
    first = results[0]
    if first.diff is None:
        return ""
    if first.eps is not None:
        return number(first.eps)
    steps: dict[str, list[float]] = {}
    for r in results:
        for v, name in enumerate(r.variables):
            steps.setdefault(name, []).append(float(r.diff.step[v, p]))  # type: ignore[union-attr]

    def span(values: list[float]) -> str:  # each expression takes its own auto step
        lo, hi = min(values), max(values)
        return _short(lo) if lo == hi else f"{_short(lo)} to {_short(hi)}"

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
        blocks = [(f"Jacobian ({method})", jac, number)] if diff else []
        blocks.append(("Jacobian (backprop)", exact, number))
        if diff:
            blocks.append(("abs err", error, _short))
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
                row = [Text(r.expr.text)]
                if m is exact:
                    row.append(number(r.value[p]))
                row.extend(cell(m[p, i, j]) for j in range(len(names)))  # type: ignore[index]
                if m is exact:
                    row.append(_status(r.warnings[p]))
                table.add_row(*row)
            _print_table(console, table)
        if directions:
            _directional_table(console, [(r.expr.text, d, p) for r, d in zip(results, directions)], method)
        for r in results:
            for w in r.warnings[p]:
                label = f"{r.expr.text}: " + (f"{w.var}: " if w.var else "")
                line = Text(f"{label}{w.kind}: ", style=_STYLE.get(w.kind, "yellow"))
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
        row = [Text(label)]
        if diff:
            row.append(number(d.diff[p]))  # type: ignore[index]
        row.append(number(d.exact[p]))
        if diff:
            row.append(_short(d.error[p]))  # type: ignore[index]
        table.add_row(*row)
    _print_table(console, table, ("abs err",))


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


def _derivative_columns(table: Table, result: GradResult, method_label: str, exact_label: str) -> None:
    """The derivative columns of grad's and the activations' tables, then status."""
    diff = result.diff
    if diff is not None:
        table.add_column(method_label, justify="right", no_wrap=True)
    table.add_column(exact_label, justify="right", no_wrap=True)
    if diff is not None:
        if result.eps is None:
            table.add_column("eps", justify="right", no_wrap=True)
        for title in ("abs err", "rel err", "estimate"):
            table.add_column(title, justify="right", no_wrap=True)
    table.add_column("status")


def _derivative_cells(result: GradResult, v: int, p: int) -> list[str]:
    """The cells under :func:`_derivative_columns` for variable v at point p (status aside)."""
    diff = result.diff
    if diff is None:
        return [number(result.exact[v, p])]
    cells = [number(diff.gradient[v, p]), number(result.exact[v, p])]
    if result.eps is None:
        cells.append(_short(diff.step[v, p]))
    cells.append(_short(result.error[v, p]))  # type: ignore[index]
    cells.append(_short(result.rel_error[v, p]))  # type: ignore[index]
    cells.append(_short(diff.error_estimate[v, p]))
    return cells


def render_activation(run: ActivationResult, console: Console) -> None:
    """One activation at many x: a row per x, the warnings in words, then its healthy range.

    Without a healthy range (``run.health`` None: x values streamed), the rows and warnings only.
    """
    from ..analysis.activation import describe

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
        label = _METHOD_LABEL.get(result.method, f"{result.method} difference")
        head.add_row("method", f"{label}, eps {eps}")
    console.print(head)

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("x", justify="right", no_wrap=True)
    table.add_column("f(x)", justify="right", no_wrap=True)
    _derivative_columns(table, result, f"f' {result.method}", "f' backprop")
    for p in range(len(result.value)):
        row = [number(result.points[p, 0]), number(result.value[p]), *_derivative_cells(result, 0, p)]
        table.add_row(*row, _status(result.warnings[p]))
    _print_table(console, table, ("rel err", "estimate", "eps", "f(x)", "abs err"))
    for p, warnings in enumerate(result.warnings):
        for w in warnings:
            line = Text(f"x = {number(result.points[p, 0])}: ")
            line.append(f"{w.kind}: ", style=_STYLE.get(w.kind, "yellow"))
            line.append(w.message)
            console.print(line)
        if result.precise is not None and result.precise[p] is not None:
            console.print(
                Text(f"x = {number(result.points[p, 0])}: note: {result.precise[p].note}", style="dim")
            )
    console.print()
    if run.health is None:
        return
    from rich.padding import Padding

    for line in describe(run.health, run.name):
        body = line.lstrip(" ")  # an indented line stays indented where it wraps
        console.print(Padding(Text(body), (0, 0, 0, len(line) - len(body)), expand=False))


class ProgressBar:
    """A progress bar on stderr for a stream of known size: ``advance(nbytes)``, then ``close()``.

    Messages meant for stderr while it is drawn go through :meth:`print`, above the bar; when
    stdout is the same terminal, Rich moves stdout's lines above the bar too.
    """

    def __init__(self, total: int, console: Console | None = None, stdout_is_terminal: bool = False) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("reading"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True, highlight=False, markup=False, emoji=False),
            transient=True,
            redirect_stdout=stdout_is_terminal,
            redirect_stderr=False,
        )
        self._task = self._progress.add_task("reading", total=total)
        self._progress.start()

    def advance(self, nbytes: int) -> None:
        self._progress.advance(self._task, nbytes)

    def print(self, text: str) -> None:
        self._progress.console.print(text, markup=False, highlight=False, emoji=False)

    def close(self) -> None:
        self._progress.stop()


def progress_bar(total: int, stdout_is_terminal: bool = False) -> ProgressBar:
    """A bar for ``total`` bytes of input, drawn on stderr (call only when stderr is a terminal)."""
    return ProgressBar(total, stdout_is_terminal=stdout_is_terminal)
