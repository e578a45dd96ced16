"""What every table shares: the console (piped: no trailing spaces), the status cell, the
derivative columns and cells, the head block.

The table package is the only one that imports Rich. Each renderer takes the Console to draw on,
so tests pass :func:`plain_console` (or ``Console(file=io.StringIO(), width=80, color_system=None)``)
and compare the text (``tests/golden/``). Gradients and f are printed by
:func:`gradcli.output.numbers.number` (full round-trip precision); errors, estimates and steps,
which nobody compares digit by digit, by :func:`gradcli.output.numbers.short`. Tables are
printed by :func:`gradcli.table.layout.print_table`, in time linear in their rows.
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
from ..output.color import wants_color
from ..output.numbers import number, short

STYLE = {
    "ok": "green",
    "vanishing": "yellow",
    "exploding": "yellow",
    "uncertain": "yellow",
    "inaccurate": "yellow",
    "nondifferentiable": "magenta",
    "kink": "magenta",
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
    lines have no trailing spaces. Colour and styles follow :mod:`gradcli.output.color`
    (``--color``, ``NO_COLOR``, ``FORCE_COLOR``): without colour, no escape code at all."""
    import sys

    # No markup or emoji parsing: every cell is plain text (and rich._emoji_codes costs 2 ms).
    if wants_color(sys.stdout):
        style: dict[str, Any] = {"force_terminal": True, "no_color": False}
    else:
        style = {"color_system": None}
    if sys.stdout.isatty():
        return _PipeConsole(**SETTINGS, **style)
    return _PipeConsole(**SETTINGS, **style, width=pipe_width(), file=StripTrailing(sys.stdout))  # type: ignore[arg-type]  # Rich types file as IO[str]; it uses write, flush, isatty, fileno, encoding


PIPE_WIDTH = 160  # piped without COLUMNS: wide enough for every table's columns


def pipe_width() -> int:
    """The width of piped output: ``COLUMNS`` where it is set (so ``COLUMNS=40 gradcli ... | less``
    lays out for 40 columns, as on a terminal), else :data:`PIPE_WIDTH`."""
    import os

    text = os.environ.get("COLUMNS", "").strip()
    return int(text) if text.isdigit() and text.isascii() and 0 < int(text) <= 10_000 else PIPE_WIDTH


def plain_console(file: TextIO, width: int = 80) -> Console:
    """A console without colour at a fixed width, writing lines without trailing spaces: what a
    pipe receives (tests and golden files use it)."""
    strip = StripTrailing(file)
    return Console(**SETTINGS, file=strip, width=width, color_system=None)  # type: ignore[arg-type]  # Rich types file as IO[str]; it uses write, flush, isatty, fileno, encoding


def head_grid() -> Table:
    """The two-column block above a table (``expression  x*y``)."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    return head


def row_table() -> Table:
    return Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


def status(warnings: Sequence[GradWarning]) -> Text:
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
        return [number(x) for x in values[pick, v].tolist()]

    def brief(values: Any) -> list[str]:
        return [short(x) for x in values[pick, v].tolist()]

    if diff is None:
        return [full(result.exact)]
    cells = [full(result.gradient), full(result.exact)]
    if result.eps is None:
        cells.append(brief(result.step))
    cells.append(brief(result.error))
    cells.append(brief(result.rel_error))
    cells.append(brief(result.error_estimate))
    return cells


def add_rows(table: Table, columns: Sequence[Sequence[Any]]) -> None:
    """Add rows to ``table`` given column by column (each a list of str or Text cells, all of
    one length): what ``add_row`` does for each row, in one step per column."""
    from rich.table import Row

    n = len(columns[0]) if columns else 0
    for column, cells in zip(table.columns, columns):
        column._cells.extend(cells)
    table.rows.extend(Row() for _ in range(n))
