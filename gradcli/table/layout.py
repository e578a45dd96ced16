"""Printing a row table: Rich's SIMPLE_HEAD layout without edges, every number and word whole.

A table that fits with one-line cells is written by :func:`_write_rows` a row at a time (the
text Rich draws, in time linear in the rows); others go through Rich's own layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .base import BATCH, MANY_ROWS, StripTrailing

_FOLD_WIDTH = 24  # the narrowest a column of folding text (expressions) is made
EXPANDED_ROWS = 50  # a table too wide for the console is written a block per row up to this many rows
_GAP = 3  # between two columns of a SIMPLE_HEAD table without edges: padding 1 + rule 1 + padding 1


def print_table(console: Console, table: Table, optional: Sequence[str] = ()) -> None:
    """Print ``table`` (box SIMPLE_HEAD, no edge) with every number and word whole, however narrow
    the console.

    Number columns never wrap (a number folded over two lines reads as two numbers); text columns
    wrap between words, never inside one. While the table is wider than the console, the columns
    whose headers are in ``optional`` are left out, in that order, and a line names them; a table
    of at most :data:`EXPANDED_ROWS` rows still too wide is written expanded instead, a block
    of ``header  value`` lines per row with every column kept (as ``psql``'s ``\\x``); a larger
    one is drawn at its own width, past the console's edge, rather than cut or folded.
    A table that fits with every cell on one line is written row by row (:func:`_write_rows`);
    so is one of more than :data:`MANY_ROWS` rows that does not fit once the optional columns
    are left out: it is drawn at its own width, its words unwrapped, in time linear in its rows.
    """
    from rich.segment import Segments

    full = table
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
    squeezed = _width(low for low, _ in ranges) <= console.width  # fits once its text wraps
    if not squeezed and full.row_count <= EXPANDED_ROWS and _one_line(full) and _expanded_fits(console, full):
        _write_records(console, full)  # every column kept: a block of "header  value" lines a row
        return
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


def _expanded_fits(console: Console, table: Table) -> bool:
    """Whether every ``header  value`` line of :func:`_write_records` fits the console."""
    label = max(_cell_width(column.header) for column in table.columns[1:]) if len(table.columns) > 1 else 0
    first = table.columns[0]
    widest = max((_cell_width(c) for column in table.columns[1:] for c in column._cells), default=0)
    head = max((_cell_width(c) for c in first._cells), default=0) + _cell_width(first.header) + 3
    return max(2 + label + 2 + widest, head) <= console.width


def _write_records(console: Console, table: Table) -> None:
    """Each row as a block: its first cell as a heading (``x = 1.0``), then one line per other
    column, header and value, the values aligned; a blank line between blocks."""
    columns = table.columns
    first, rest = columns[0], columns[1:]
    label = max((_cell_width(column.header) for column in rest), default=0)
    header_style = console.get_style("table.header") if console.color_system else None
    lines = []
    for r in range(table.row_count):
        if r:
            lines.append(Text(""))
        cell = first._cells[r]
        heading = Text(f"{first.header} = ", style=header_style or "")
        heading.append_text(cell if isinstance(cell, Text) else Text(str(cell)))
        lines.append(heading)
        for column in rest:
            value = column._cells[r]
            line = Text("  ")
            line.append(str(column.header).ljust(label), style=header_style or "")
            line.append("  ")
            line.append_text(value.copy() if isinstance(value, Text) else Text(str(value)))
            if column.style:
                line.stylize(column.style, 2 + label + 2, len(line))
            lines.append(line)
    console.print(Text("\n").join(lines), no_wrap=True, crop=False, overflow="ignore", soft_wrap=True)


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
        texts = [text for text in plain if type(text) is str]
        if len(texts) < len(plain) or "\n" in "".join(texts):
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


def _plain_lines(columns: Sequence[Sequence[Any]], widths: list[int], justify: Sequence[str]) -> str:
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
