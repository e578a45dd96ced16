"""What every table shares: the console, column widths, the status cell and the fast row writer.

The only package that imports Rich (with plot's terminal drawing aside). Each renderer takes the
Console to draw on, so tests pass ``Console(file=io.StringIO(), width=80, color_system=None)``
and compare the text (``tests/golden/``). Gradients and f are printed by
:func:`gradcli.output.numbers.number` (full round-trip precision); errors, estimates and steps,
which nobody compares digit by digit, by :func:`gradcli.output.numbers.short`.

Tables whose every cell is one line and which fit the console (all of grad's, the activations'
and the matrices' tables, in practice) are written by :func:`print_table` a row at a time, the
same text Rich would draw, but in time linear in the rows, so 100,000 rows take seconds rather
than minutes; others go through Rich's own layout. Piped output carries no trailing spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..derive.diagnostics import GradWarning
from ..derive.gradient import GradResult
from ..output.numbers import number, short

STYLE = {
    "ok": "green",
    "vanishing": "yellow",
    "exploding": "yellow",
    "inaccurate": "yellow",
    "nondifferentiable": "magenta",
    "nonfinite": "bold red",
}
METHOD_LABEL = {"richardson": "richardson extrapolation", "complex": "complex step"}
BATCH = 2000  # rows written per call on the fast path
MANY_ROWS = 1000  # above this, a table that does not fit is written whole, wrapping no words
WARNINGS_SHOWN = 20  # warnings spelled out under a table of many rows; the status column marks all


class _PipeConsole(Console):
    """A console that lets a closed pipe (``| head``) reach the caller as BrokenPipeError.

    Rich's own handling exits with status 1; gradcli ends quietly with status 0.
    """

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


_TRAILING = re.compile(r"[ ]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


class StripTrailing:
    """A text file that writes each line without its trailing spaces (colour codes kept)."""

    def __init__(self, file: TextIO) -> None:
        self.file = file
        self._pending = ""

    def write(self, text: str) -> int:
        text = self._pending + text
        end = text.rfind("\n") + 1
        self._pending = text[end:]
        if end:
            self.file.write(_TRAILING.sub(r"\1", text[:end]))
        return len(text)

    def write_clean(self, text: str) -> None:
        """Write whole lines known to end without spaces, as they are."""
        self.flush_pending()
        self.file.write(text)

    def flush_pending(self) -> None:
        if self._pending:
            self.file.write(_TRAILING.sub(r"\1", self._pending))
            self._pending = ""

    def flush(self) -> None:
        if self._pending:
            self.file.write(_TRAILING.sub(r"\1", self._pending))
            self._pending = ""
        self.file.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self.file.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.file, "encoding", "utf-8")


SETTINGS: dict[str, Any] = {"highlight": False, "markup": False, "emoji": False}


def stdout_console() -> Console:
    """A console for stdout; piped, it is wide enough that no number is ever folded, and its
    lines have no trailing spaces."""
    # No markup or emoji parsing: every cell is plain text (and rich._emoji_codes costs 2 ms).
    console = _PipeConsole(**SETTINGS)
    if not console.is_terminal:
        import sys

        width = max(console.width, 160)
        console = _PipeConsole(**SETTINGS, width=width, file=StripTrailing(sys.stdout))
    return console


def plain_console(file: TextIO, width: int = 80) -> Console:
    """A console without colour at a fixed width, writing lines without trailing spaces: what a
    pipe receives (tests and golden files use it)."""
    return Console(**SETTINGS, file=StripTrailing(file), width=width, color_system=None)


def head_grid() -> Table:
    """The two-column block above a table (``expression  x*y``)."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    return head


def row_table() -> Table:
    return Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


def status(warnings: list[GradWarning]) -> Text:
    """The status cell: ``ok``, or the kinds of warning, each in its colour (one shared Text per
    combination of kinds: cells are never changed once made)."""
    kinds = tuple(dict.fromkeys(w.kind for w in warnings))
    cell = _STATUS.get(kinds)
    if cell is None:
        cell = Text("ok", style=STYLE["ok"]) if not kinds else Text()
        for i, kind in enumerate(kinds):
            if i:
                cell.append(", ")
            cell.append(kind, style=STYLE.get(kind, "yellow"))
        _STATUS[kinds] = cell
    return cell


_STATUS: dict[tuple[str, ...], Text] = {}


def warning_line(prefix: str, w: GradWarning) -> Text:
    line = Text(f"{prefix}{w.kind}: ", style=STYLE.get(w.kind, "yellow"))
    line.append(w.message)
    return line


def more_warnings(count: int) -> Text:
    """The line that stands for the warnings not spelled out under a table."""
    return Text(
        f"... and {count} more warning{'s' * (count != 1)} (marked in the status column; "
        "--format json has each in full)",
        style="dim",
    )


def derivative_columns(table: Table, result: GradResult, method_label: str, exact_label: str) -> None:
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


def derivative_cells(result: GradResult, v: int, points: Any = None) -> list[list[str]]:
    """The cells under :func:`derivative_columns` for variable v (status aside), column by
    column, at ``points`` (indices; None: every point). Each array is read once, so a table of
    many rows costs time linear in its rows."""
    diff = result.diff
    pick = slice(None) if points is None else points

    def full(values: Any) -> list[str]:
        return [number(x) for x in values[v, pick].tolist()]

    def brief(values: Any) -> list[str]:
        return [short(x) for x in values[v, pick].tolist()]

    if diff is None:
        return [full(result.exact)]
    cells = [full(diff.gradient), full(result.exact)]
    if result.eps is None:
        cells.append(brief(diff.step))
    cells.append(brief(result.error))
    cells.append(brief(result.rel_error))
    cells.append(brief(diff.error_estimate))
    return cells


def add_rows(table: Table, columns: Sequence[Sequence[Any]]) -> None:
    """Add rows to ``table`` given column by column (each a list of str or Text cells, all of
    one length): what ``add_row`` does for each row, in one step per column."""
    from rich.table import Row

    n = len(columns[0]) if columns else 0
    for column, cells in zip(table.columns, columns):
        column._cells.extend(cells)
    table.rows.extend(Row() for _ in range(n))


# --- printing a table ---------------------------------------------------------------------------

_FOLD_WIDTH = 24  # the narrowest a column of folding text (expressions) is made
_GAP = 3  # between two columns of a SIMPLE_HEAD table without edges: padding 1 + rule 1 + padding 1


def print_table(console: Console, table: Table, optional: Sequence[str] = ()) -> None:
    """Print ``table`` (box SIMPLE_HEAD, no edge) with every number and word whole, however narrow
    the console.

    Number columns never wrap (a number folded over two lines reads as two numbers); text columns
    wrap between words, never inside one. While the table is wider than the console, the columns
    whose headers are in ``optional`` are left out, in that order, and a line names them; a table
    still too wide is drawn at its own width, past the console's edge, rather than cut or folded.
    A table that fits with every cell on one line is written row by row (:func:`_write_rows`);
    so is one of more than :data:`MANY_ROWS` rows that does not fit once the optional columns
    are left out: it is drawn at its own width, its words unwrapped, in time linear in its rows.
    """
    from rich.segment import Segments

    ranges = [_column_range(console, column) for column in table.columns]
    many = table.row_count > MANY_ROWS  # no wrapping: left-out columns rather than slow layout
    dropped = []
    for header in optional:
        if _width(r[1 if many else 0] for r in ranges) <= console.width:
            break
        keep = [column.header != header for column in table.columns]
        if not all(keep):
            dropped.append(header)
            kept = [column for column, k in zip(table.columns, keep) if k]
            ranges = [r for r, k in zip(ranges, keep) if k]
            # a new table re-numbers the columns it is given (each keeps its cells); rows keep sections
            rows, table = table.rows, Table(*kept, box=table.box, pad_edge=False, show_edge=False)
            table.rows = rows
    fits = _width(high for _, high in ranges) <= console.width
    if (fits or many) and _one_line(table):
        _write_rows(console, table, [high for _, high in ranges])
    else:
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


def _cell_width(cell: Any) -> int:
    text = cell.plain if isinstance(cell, Text) else cell
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _one_line(table: Table) -> bool:
    """Whether every cell is a plain string or Text of one line, and no row starts a section."""
    if any(row.end_section for row in table.rows[:-1]):
        return False
    for column in table.columns:
        cells = [column.header, *column._cells]
        plain = [cell.plain if isinstance(cell, Text) else cell for cell in cells]
        if not all(type(text) is str for text in plain) or "\n" in "".join(plain):
            return False
    return True


def _write_rows(console: Console, table: Table, widths: list[int]) -> None:
    """The table as Rich draws a SIMPLE_HEAD table without edges that fits, a row at a time:
    the header (bold), a rule, then the rows; cells justified in their column's width."""
    columns = table.columns
    last = len(columns) - 1
    justify = [column.justify for column in columns]
    rule = "─" * (sum(widths) + _GAP * last)
    cells = [column._cells for column in columns]
    if console.color_system is None:  # nothing to colour: plain text, straight to the file
        write = console.file.write_clean if isinstance(console.file, StripTrailing) else console.file.write
        write(_plain_lines([[c.header] for c in columns], widths, justify) + rule + "\n")
        for start in range(0, table.row_count, BATCH):
            write(_plain_lines([c[start : start + BATCH] for c in cells], widths, justify))
        return
    header_style = console.get_style("table.header")
    styles = [column.style or None for column in columns]

    def line(row: Sequence[Any], row_styles: Sequence[Any]) -> Text:
        out = Text()
        for j, cell in enumerate(row):
            if j:
                out.append("   ")
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            pad = widths[j] - text.cell_len
            if justify[j] == "right":
                out.append(" " * pad)
            elif justify[j] == "center":
                out.append(" " * (pad // 2))
                pad -= pad // 2
            if row_styles[j]:
                text.stylize(row_styles[j], 0, len(text))
            out.append_text(text)
            if justify[j] != "right" and j != last:
                out.append(" " * pad)
        return out

    lines = [line([c.header for c in columns], [header_style] * len(columns)), Text(rule)]
    for start in range(0, table.row_count, BATCH):
        stop = min(start + BATCH, table.row_count)
        lines.extend(line(row, styles) for row in zip(*(c[start:stop] for c in cells)))
        console.print(Text("\n").join(lines), no_wrap=True, crop=False, overflow="ignore", soft_wrap=True)
        lines = []
    if lines:
        console.print(Text("\n").join(lines), no_wrap=True, crop=False, overflow="ignore", soft_wrap=True)


def _plain_lines(columns: Sequence[Sequence[Any]], widths: list[int], justify: list[str]) -> str:
    """Rows given column by column, each cell justified in its width, as lines of text."""
    texts = []
    for cells, width, how in zip(columns, widths, justify):
        plain = [cell.plain if isinstance(cell, Text) else cell for cell in cells]
        if how != "center" and "".join(plain).isascii():  # one character, one cell
            pad = str.rjust if how == "right" else str.ljust
            texts.append([pad(text, width) for text in plain])
        else:
            texts.append([_pad(text, width, how) for text in plain])
    return "".join("   ".join(row).rstrip(" ") + "\n" for row in zip(*texts))


def _pad(text: str, width: int, how: str) -> str:
    pad = width - _cell_width(text)
    if how == "right":
        return " " * pad + text
    if how == "center":
        return " " * (pad // 2) + text + " " * (pad - pad // 2)
    return text + " " * pad


def _width(column_widths: Any) -> int:
    widths = list(column_widths)
    return sum(widths) + _GAP * (len(widths) - 1)


def _column_range(console: Console, column: Any) -> tuple[int, int]:
    """A column's narrowest content width that breaks no number or word (a folding column's
    words may break, down to ``_FOLD_WIDTH``), and its widest."""
    from rich.measure import Measurement

    cells = column._cells
    if all(type(cell) is str for cell in cells) and "".join(cells).isascii():  # numbers, words
        widest = max(map(len, cells), default=0)
        if column.no_wrap:
            widest = max(widest, _cell_width(column.header)) if isinstance(column.header, str) else -1
            if widest >= 0:
                return widest, widest
    options = console.options.update_width(1 << 20)
    low = high = 0
    for cell in (column.header, *cells):
        text = cell.plain if isinstance(cell, Text) else cell
        if isinstance(text, str) and "\n" not in text:  # one line: as wide as its characters
            width = _cell_width(text)
            high = max(high, width)
            low = max(low, width if column.no_wrap else max(map(_cell_width, text.split(" "))))
        else:
            size = Measurement.get(console, options, cell)
            low, high = max(low, size.minimum), max(high, size.maximum)
    if column.no_wrap:
        return high, high
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
