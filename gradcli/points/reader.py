"""Streamed points: lines of text -> blocks of float64 points, with every bad line accounted for.

A stream (``--at -`` for stdin, ``--input FILE``) holds one point per line, in one of

* positional values: ``5,3,2``, ``5<TAB>3<TAB>2`` or ``5 3 2``, bound like ``--at 5,3,2`` (in
  ``--vars`` order, else natural order: x1, x2, x10);
* ``name=value`` pairs: ``a=5,b=3,c=2`` (any order);
* a CSV/TSV table whose first line is a header naming the columns (any order; columns that are
  not variables are passed through untouched to csv/tsv output);
* JSON Lines: a JSON object (``{"a": 5, "b": 3, "c": 2}``, keys that are not variables passed
  through) or array (``[5, 3, 2]``, bound as positional values) a line
  (:mod:`gradcli.points.json_lines`).

The first line that is neither blank nor a comment (``#``) decides the :class:`Layout`: a line
starting with ``{`` or ``[`` is JSON; a line with ``=`` is named; a line with at least one bare name (an identifier, ``e`` and ``pi``
included) and no field written as a value (a number, ``inf``, ``nan``, or a constant expression
such as ``pi/2``: :func:`gradcli.points.layout.detect`) is a header, whose other columns may be
named anyhow (``point id``, or empty); anything else is positional, and its separator (comma, else tab, else runs of spaces) is the stream's.
Values follow the one value grammar (:mod:`gradcli.points.values`, as ``--at``): plain numbers
or constant expressions (``pi/2``), finite, not underflowing. A name or value in double quotes
(``"a"``, ``"5"``, as R's ``write.csv`` and spreadsheets write them) is read without its quotes,
and a separator inside parentheses (``atan2(1,2)``) or double quotes does not split the line.

:func:`read_chunks` cuts the byte stream into chunks of whole lines *as they arrive*: it hands
out what it has as soon as no more input is immediately available, so a slow producer sees each
answer at once, while a fast one is read in chunks of about :data:`CHUNK_BYTES`.
:func:`parse_chunk` turns a chunk into a :class:`Block`: the points, the text of each good row
(its input columns, for pass-through) and a :class:`BadLine` for each line that is not a point.
It takes a vectorized path for well-formed positional and header chunks and a line-by-line path
that finds the bad lines otherwise; both give the same points. numpy and the stdlib only.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..errors import PointsError
from .chunks import CHUNK_BYTES, Chunk, data_line, read_chunks
from .layout import (
    HEADER,
    JSON_ARRAY,
    JSON_KINDS,
    JSON_OBJECT,
    JSON_ROWS,
    NAMED,
    POSITIONAL,
    Layout,
    Write,
    detect,
    join_fields,
    parse_line,
    split_fields,
    unquote,
)
from .values import NUMBER_BYTES, underflows


class BadLine(NamedTuple):
    """A line that is not a point: its 1-based number in the stream, why, and its text."""

    line: int
    reason: str
    text: str = ""


class Block(NamedTuple):
    """The good points of one chunk, in input order.

    ``points`` is (n, k) in the expression's variable order; ``rows[i]`` the text of point i's
    input columns, joined by the output separator; ``lines[i]`` its line number; ``bad`` the
    lines that were not points (blank and comment lines are neither).
    """

    points: np.ndarray
    rows: list[str]
    lines: list[int]
    bad: list[BadLine]


# --- parsing ---------------------------------------------------------------------------------


def parse_chunk(
    text: str, first: int, layout: Layout, out_sep: str, skip: int = 0, write: Write | None = None
) -> Block:
    """The points of ``text`` (lines numbered from ``first``), good rows in order, bad lines named.

    ``skip`` lines at the start are ignored (the header). ``write`` gives the text of a list of
    floats as ``repr`` writes each (the default); a faster writer of the same text may be given
    (``gradcli.output.numbers.numbers``), which JSON Lines rows use for their float columns.

    The fast path (comma or tab separated, positional or under a header) checks every line's
    separator count at once with numpy and reads all values in one call (:func:`_floats`); any
    irregularity (a blank or comment line, a wrong count, a double quote, a value that is not a
    finite number, a named layout) sends the chunk line by line, which gives the same points
    and says what is wrong with each bad line.
    """
    if "\r" in text:  # CRLF line endings, and a last line that ends in a bare CR
        text = text.replace("\r\n", "\n").removesuffix("\r")
    if skip:
        parts = text.split("\n", skip)
        text, first = (parts[-1] if len(parts) > skip else ""), first + skip
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n") if body else []
    if layout.kind in (POSITIONAL, HEADER):
        block = _fast(lines, body, first, layout, out_sep)
        if block is not None:
            return block
    elif layout.kind in JSON_KINDS:
        from .json_lines import read_json_lines

        read = read_json_lines(lines, layout, out_sep, write)
        if read is not None:
            return Block(read[0], read[1], list(range(first, first + len(lines))), [])
    return _slow(lines, first, layout, out_sep)


def _fast(lines: list[str], body: str, first: int, layout: Layout, out_sep: str) -> Block | None:
    """Every line of ``body`` split at once, or None if any line is irregular (see parse_chunk)."""
    sep, width, k = layout.sep, len(layout.columns), len(layout.variables)
    n = len(lines)
    if not n:
        return Block(np.empty((0, k)), [], [], [])
    if sep is None:  # runs of spaces: the same, once every line has `width` words
        fields = body.split()
        if len(fields) != n * width or "\t" in body or "," in body or not _regular_words(body, width, n):
            return None
        sep, flat = ",", ",".join(fields)
        rows = [out_sep.join(line.split()) for line in lines]
    elif not _regular(body, sep, width, n) or '"' in body:
        return None  # a quoted field may hold the separator: split line by line
    else:
        flat = body.replace("\n", sep)
        if sep == out_sep:
            rows = lines
        elif out_sep in body:
            rows = [join_fields(line.split(sep), out_sep) for line in lines]
        else:  # (the same as joining each line's fields: lines are body's, split at newlines)
            rows = body.replace(sep, out_sep).split("\n")
    if width == k:
        values = _floats(flat, sep, n * k)
    else:
        table = np.array(flat.split(sep), dtype=object).reshape(n, width)
        values = _floats(",".join(table[:, list(layout.index)].ravel().tolist()), ",", n * k)
    if values is None or not np.isfinite(values).all():
        return None
    values = values.reshape(n, k)
    points = values[:, list(layout.index)] if width == k else values
    return Block(np.ascontiguousarray(points), rows, list(range(first, first + n)), [])


def _regular_words(body: str, width: int, n: int) -> bool:
    """Whether each of the ``n`` lines of ``body`` has exactly ``width`` space-separated words.

    Counted on the bytes (a word starts after a space or newline); the caller also checks the
    total against ``str.split``, which splits on more kinds of space, so both must agree.
    """
    buf = np.frombuffer(body.encode("utf-8", "replace"), dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    if len(newlines) != n - 1 or not len(buf):
        return False
    gap = (buf == 32) | (buf == 10)
    starts = ~gap & np.concatenate(([True], gap[:-1]))
    words = np.cumsum(starts, dtype=np.int64)
    counts = np.diff(words[np.append(newlines, len(buf) - 1)], prepend=0)
    return bool((counts == width).all())


def _regular(body: str, sep: str, width: int, n: int) -> bool:
    """Whether each of the ``n`` lines of ``body`` has exactly ``width - 1`` separators (vectorized)."""
    buf = np.frombuffer(body.encode("utf-8", "replace"), dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    if len(newlines) != n - 1 or not len(buf):
        return False
    seps = np.flatnonzero(buf == ord(sep))
    if len(seps) != (width - 1) * n:
        return False
    counts = np.diff(np.searchsorted(seps, newlines), prepend=0)  # separators on each line but the last
    return bool((counts == width - 1).all())  # and so the last has the rest: width - 1 too


_NUMBER_BYTES = NUMBER_BYTES + b", "


def _floats(joined: str, sep: str, count: int) -> np.ndarray | None:
    """``count`` plain numbers from text joined by ``sep``, as ``float`` reads each; None if any is not.

    Only text made of number characters (ASCII digits, ``.eE+-``, spaces) is read here, and on
    such text ``float`` accepts exactly the value grammar's plain numbers (:mod:`.values`), so
    this path and the line-by-line one agree; anything else (``pi/2``, ``1_000``, other digits,
    ``inf``) returns None. A value written non-zero that reads as 0 (it underflows) also returns
    None, so the line-by-line path reports it. With ``orjson`` (a dependency) the text is read as
    one JSON array (several times faster; the same float64 bits, tested), with ``float`` for any
    ``-0`` (which JSON reads as the integer 0); otherwise, or if that fails, ``float`` on each field.
    """
    if not count:
        return None
    text = joined if sep == "," else joined.replace(sep, ",")
    data = text.encode("utf-8", "replace")
    if data.translate(None, _NUMBER_BYTES):
        return None
    values = None
    fast = _orjson()
    if fast is not None:
        try:
            parsed = fast.loads(b"[" + data + b"]")
            values = np.fromiter(parsed, dtype=np.float64, count=count) if len(parsed) == count else None
        except (ValueError, TypeError, OverflowError):
            values = None
    if values is None:
        fields = text.split(",")
        if len(fields) != count:
            return None
        try:
            return _checked(np.array(list(map(float, fields)), dtype=np.float64), fields)
        except ValueError:
            return None
    zero = np.flatnonzero(values == 0)
    if len(zero):  # JSON reads -0 as the integer 0: each zero's sign (and underflow) from its text
        fields = text.split(",")
        values[zero] = [float(fields[i]) for i in zero.tolist()]
        return _checked(values, fields)
    return values


def _checked(values: np.ndarray, fields: list[str] | None, text: str = "") -> np.ndarray | None:
    """``values``, or None if a zero among them was written non-zero (an underflow)."""
    zero = np.flatnonzero(values == 0)
    if len(zero):
        fields = fields if fields is not None else text.split(",")
        if any(underflows(fields[i].strip(), 0.0) for i in zero.tolist()):
            return None
    return values


def _orjson() -> Any:
    """The ``orjson`` module, or None where it cannot be imported (the pure-Python path)."""
    try:
        import orjson
    except ImportError:
        return None
    return orjson


def _slow(lines: list[str], first: int, layout: Layout, out_sep: str) -> Block:
    points: list[list[float]] = []
    rows: list[str] = []
    numbers: list[int] = []
    bad: list[BadLine] = []
    for offset, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            values, row = parse_line(line, layout, out_sep)
        except PointsError as exc:
            if not _repeated_header(line, layout):  # concatenated CSVs: cat a.csv b.csv
                bad.append(BadLine(first + offset, str(exc), line))
            continue
        points.append(values)
        rows.append(row)
        numbers.append(first + offset)
    array = np.array(points, dtype=np.float64).reshape(len(points), len(layout.variables))
    return Block(array, rows, numbers, bad)


def _repeated_header(line: str, layout: Layout) -> bool:
    """Whether ``line`` repeats the stream's header (as where two CSV files run together)."""
    if layout.kind != HEADER:
        return False
    return tuple(unquote(f.strip()) for f in split_fields(line, layout.sep)) == layout.columns


__all__ = [
    "CHUNK_BYTES",
    "HEADER",
    "JSON_ARRAY",
    "JSON_KINDS",
    "JSON_OBJECT",
    "JSON_ROWS",
    "NAMED",
    "POSITIONAL",
    "BadLine",
    "Block",
    "Chunk",
    "Layout",
    "data_line",
    "detect",
    "parse_chunk",
    "parse_line",
    "read_chunks",
]
