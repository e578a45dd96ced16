"""Streamed points: lines of text -> blocks of float64 points, with every bad line accounted for.

A stream (``--at -`` for stdin, ``--input FILE``) holds one point per line, in one of

* positional values: ``5,3,2``, ``5<TAB>3<TAB>2`` or ``5 3 2``, bound like ``--at 5,3,2`` (in
  ``--vars`` order, else natural order: x1, x2, x10);
* ``name=value`` pairs: ``a=5,b=3,c=2`` (any order);
* a CSV/TSV table whose first line is a header naming the columns (any order; columns that are
  not variables are passed through untouched to csv/tsv output).

The first line that is neither blank nor a comment (``#``) decides the :class:`Layout`: a line
with ``=`` is named; a line with no number and at least one name (an identifier that is not a
constant) is a header, whose other columns may be named anyhow (``point id``, or empty); anything
else is positional, and its separator (comma, else tab, else runs of spaces) is the stream's.
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

import os
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import GradcliError, PointsError, quote, short
from ..registry import CONSTANTS
from .values import NUMBER_BYTES, is_number, read_value, spells_non_finite, underflows

CHUNK_BYTES = 1 << 20  # a full chunk: ~1 MiB of text (about 20,000 lines of three numbers)
READ_BYTES = 1 << 16  # one read from the source
POSITIONAL, NAMED, HEADER = "positional", "named", "header"


class Layout(NamedTuple):
    """How each line of a stream maps to the expression's variables.

    ``sep`` is ``","``, ``"\\t"`` or None (runs of spaces); ``columns`` are the input columns'
    names (a header's, or the positional order); ``index[j]`` is the input column that holds
    variable j (positional and header layouts).
    """

    kind: str
    sep: str | None
    variables: tuple[str, ...]
    columns: tuple[str, ...]
    index: tuple[int, ...]


class BadLine(NamedTuple):
    """A line that is not a point: its 1-based number in the stream and why."""

    line: int
    reason: str


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


# --- reading ---------------------------------------------------------------------------------


class Chunk(NamedTuple):
    """Whole lines of text starting at line ``first`` (1-based); ``more``: more input is ready now."""

    text: str
    first: int
    more: bool
    nbytes: int


def read_chunks(source: Any, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """Chunks of whole lines from a binary file object, handed out as soon as input pauses.

    Reads with ``os.read`` where ``source`` has a file descriptor (so a pipe's data is used as
    soon as it arrives) and asks ``select`` whether more is ready (a pause in the middle of a
    line gives an empty chunk, so the caller can write what it has); otherwise (an in-memory
    stream) reads ``source.read``. A chunk ends at a newline, except the last, which holds any
    final line without one, so memory is bounded by the chunk size plus the longest line. Bytes
    that are not UTF-8 are replaced (the line is then reported as not a number); a UTF-8 byte
    order mark at the very start is dropped, and a UTF-16 one raises :class:`GradcliError`.
    """
    read, ready = _reader(source)
    pending = bytearray()  # appended in place: a line longer than a chunk costs linear time, not quadratic
    line = 1
    while True:
        searched = len(pending)  # what is pending holds no newline (it was cut after the last one)
        data = read(READ_BYTES)
        eof = not data
        pending += data
        while not eof and len(pending) < chunk_bytes and ready():
            data = read(READ_BYTES)
            eof = not data
            pending += data
        cut = len(pending) if eof else pending.rfind(b"\n", searched) + 1
        if cut:
            piece = bytes(pending[:cut])
            del pending[:cut]
            if line == 1 and piece[:2] in (b"\xff\xfe", b"\xfe\xff"):
                raise GradcliError(
                    "the input is UTF-16 text (it starts with a UTF-16 byte order mark), not UTF-8",
                    hint="convert it first: iconv -f UTF-16 -t UTF-8 FILE, or save it as CSV UTF-8",
                )
            text = piece.decode("utf-8", errors="replace")
            if line == 1:
                text = text.removeprefix("\ufeff")  # a byte order mark (Excel's "CSV UTF-8") is not data
            yield Chunk(text, line, not eof and ready(), len(piece))
            line += text.count("\n")
        elif not eof and not ready():
            yield Chunk("", line, False, 0)  # only part of a line so far: a pause, all the same
        if eof:
            return


def _reader(source: Any) -> tuple[Any, Any]:
    """``read(n)`` and ``ready()`` for ``source``; a read that fails raises :class:`GradcliError`.

    A file descriptor left non-blocking (by whatever started gradcli) is waited on with
    ``select``, as if it were blocking.
    """
    try:
        fd = source.fileno()
    except (AttributeError, OSError, ValueError):
        read = getattr(source, "read1", source.read)
        return read, lambda: False
    import select

    def ready() -> bool:
        try:
            return bool(select.select([fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def read(n: int) -> bytes:
        while True:
            try:
                return os.read(fd, n)
            except BlockingIOError:
                select.select([fd], [], [])
            except OSError as exc:
                name = getattr(source, "name", None)
                where = "stdin" if name in (None, 0, "<stdin>") else repr(name)
                raise GradcliError(f"cannot read {where}: {exc.strerror or exc}") from None

    return read, ready


# --- layout ----------------------------------------------------------------------------------


def data_line(text: str) -> tuple[int, str] | None:
    """The first line of ``text`` that is neither blank nor a comment: (its 0-based index, text)."""
    for i, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return i, line.rstrip("\r")
    return None


def detect(line: str, variables: Sequence[str], order: Sequence[str] | None = None) -> Layout:
    """The layout of a stream whose first data line is ``line`` (see the module docstring).

    A header that lacks a variable, or names one twice, raises :class:`PointsError`.
    """
    variables = tuple(variables)
    if not variables:
        raise PointsError("the expression has no variables, so there are no points to read")
    sep = _separator(line)
    fields = [_unquote(f.strip()) for f in _split(line, sep)]
    listing = f"the expression's variables are {short(', '.join(variables), width=200)}"
    numbers = any(is_number(f) or spells_non_finite(f) for f in fields)  # nan, inf: values, not names
    names = any(f.isidentifier() and f not in CONSTANTS for f in fields)
    if "=" not in line and names and not numbers:
        for name in variables:
            if fields.count(name) != 1:
                how = "has no column" if name not in fields else "has more than one column"
                raise PointsError(f"the header line {quote(line.strip())} {how} for {name}", hint=listing)
        return Layout(HEADER, sep, variables, tuple(fields), tuple(fields.index(v) for v in variables))
    positional = tuple(order) if order is not None else variables
    kind = NAMED if "=" in line else POSITIONAL
    return Layout(kind, sep, variables, positional, tuple(positional.index(v) for v in variables))


def _unquote(text: str) -> str:
    """``text`` without one pair of enclosing double quotes (a quoted CSV field), if it has them."""
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] == '"' else text


def _split(line: str, sep: str | None) -> list[str]:
    """The fields of ``line`` as written; a separator inside double quotes (``"Smith, J",5``) or
    inside parentheses (``atan2(1,2)``, as ``--at`` reads it) is text."""
    if sep is None:
        return line.split()
    if '"' not in line and "(" not in line:
        return line.split(sep)
    fields, start, quoted, depth = [], 0, False, 0
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == sep and not depth:
            fields.append(line[start:i])
            start = i + 1
    fields.append(line[start:])
    return fields


# --- parsing ---------------------------------------------------------------------------------


def parse_chunk(text: str, first: int, layout: Layout, out_sep: str, skip: int = 0) -> Block:
    """The points of ``text`` (lines numbered from ``first``), good rows in order, bad lines named.

    ``skip`` lines at the start are ignored (the header). The fast path (comma or tab
    separated, positional or under a header) checks every line's separator count at once with
    numpy and reads all values in one call (:func:`_floats`); any irregularity (a blank or
    comment line, a wrong count, a double quote, a value that is not a finite number, a named
    layout) sends the chunk line by line, which gives the same points and says what is wrong
    with each bad line.
    """
    if "\r" in text:  # CRLF line endings, and a last line that ends in a bare CR
        text = text.replace("\r\n", "\n").removesuffix("\r")
    if skip:
        parts = text.split("\n", skip)
        text, first = (parts[-1] if len(parts) > skip else ""), first + skip
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n") if body else []
    if layout.kind != NAMED:
        block = _fast(lines, body, first, layout, out_sep)
        if block is not None:
            return block
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
            rows = [_join(line.split(sep), out_sep) for line in lines]
        else:
            rows = [out_sep.join(line.split(sep)) for line in lines]
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
    seps = np.cumsum(buf == ord(sep), dtype=np.int64)
    counts = np.diff(seps[np.append(newlines, len(buf) - 1)], prepend=0)
    return bool((counts == width - 1).all())


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
            values = np.array(fast.loads(b"[" + data + b"]"), dtype=np.float64)
        except (ValueError, TypeError, OverflowError):
            values = None
        if values is not None and values.shape != (count,):
            values = None
    if values is None:
        fields = text.split(",")
        if len(fields) != count:
            return None
        try:
            return _checked(np.array(list(map(float, fields)), dtype=np.float64), fields)
        except ValueError:
            return None
    if b"-0," in data or data.endswith(b"-0") or b"-0 " in data or b"-0e" in data or b"-0E" in data:
        zero = np.flatnonzero(values == 0)
        fields = text.split(",")
        values[zero] = [float(fields[i]) for i in zero.tolist()]
    return _checked(values, None, text)


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
            bad.append(BadLine(first + offset, str(exc)))
            continue
        points.append(values)
        rows.append(row)
        numbers.append(first + offset)
    array = np.array(points, dtype=np.float64).reshape(len(points), len(layout.variables))
    return Block(array, rows, numbers, bad)


def parse_line(line: str, layout: Layout, out_sep: str) -> tuple[list[float], str]:
    """One line -> (values in variable order, its output row text); :class:`PointsError` if bad."""
    variables, k = layout.variables, len(layout.variables)
    sep = layout.sep if layout.kind == HEADER else _separator(line)
    raw = _split(line, sep)
    fields = [f.strip() for f in raw]
    if layout.kind != HEADER and "=" in line:
        return _named(fields, variables, layout.columns, out_sep)
    width = len(layout.columns)
    if len(fields) != width:
        what = "the header has" if layout.kind == HEADER else "the expression has"
        unit = "column" if layout.kind == HEADER else "variable"
        hint = _listing(layout)
        if "\r" in line:  # lines ended by CR alone (classic Mac OS) run together into one
            hint = "it holds a carriage return: end lines with LF or CRLF, e.g. tr '\\r' '\\n' < FILE"
        raise PointsError(
            f"{len(fields)} value{'s' * (len(fields) != 1)} but {what} {width} {unit}{'s' * (width != 1)}",
            hint=hint,
        )
    values = [0.0] * k
    for j, i in enumerate(layout.index):
        values[j] = _number(fields[i], layout.columns[i])
    return values, line if sep == out_sep else _join(raw, out_sep)  # as written, quotes and all


def _join(fields: list[str], sep: str) -> str:
    """``fields`` (as written) joined by ``sep``; one that holds ``sep`` unquoted is quoted as CSV quotes it."""
    return sep.join(
        f'"{f.replace(chr(34), chr(34) * 2)}"' if sep in f and not _quoted(f) else f for f in fields
    )


def _quoted(field: str) -> bool:
    text = field.strip()
    return len(text) > 1 and text[0] == text[-1] == '"'


def _separator(line: str) -> str | None:
    return "," if "," in line else "\t" if "\t" in line else None


def _named(
    fields: list[str], variables: tuple[str, ...], columns: tuple[str, ...], out_sep: str
) -> tuple[list[float], str]:
    """``name=value`` fields -> values in ``variables`` order, row text in ``columns`` order."""
    found: dict[str, float] = {}
    texts: dict[str, str] = {}
    for item in fields:
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq:
            raise PointsError(
                f"{quote(item)} is not a name=value pair", hint="give every value a name (a=5,b=3)"
            )
        if name not in variables:
            raise PointsError(
                f"unknown name {quote(name)}",
                hint=f"the expression's variables are {short(', '.join(variables), width=200)}",
            )
        if name in found:
            raise PointsError(f"{quote(name)} is given twice")
        found[name] = _number(value.strip(), name)
        texts[name] = value.strip()
    missing = [v for v in variables if v not in found]
    if missing:
        raise PointsError(
            f"no value for {short(', '.join(missing), width=200)}",
            hint=f"the expression's variables are {short(', '.join(variables), width=200)}",
        )
    return [found[v] for v in variables], out_sep.join(texts[v] for v in columns)


def _number(text: str, name: str) -> float:
    """One field's value, read by the one value reader (:mod:`.values`), as ``--at`` reads it."""
    return read_value(_unquote(text.strip()), f"{name} = ")


def _listing(layout: Layout) -> str:
    if layout.kind == HEADER:
        return f"the header is {short(','.join(layout.columns), width=200)}"
    return f"values bind in the order {short(', '.join(layout.columns), width=200)}"


__all__ = [
    "CHUNK_BYTES",
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
