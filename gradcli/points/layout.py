"""How the lines of a stream map to variables, and one line read by that map.

The first data line decides the :class:`Layout` (see :mod:`gradcli.points.reader`): ``name=value``
pairs, a CSV/TSV header, positional values with their separator, or JSON Lines
(:mod:`gradcli.points.json_lines`). :func:`parse_line` reads
one line by it, every value through the one value reader (:mod:`gradcli.points.values`), and
gives the row text that pass-through output writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..errors import PointsError, quote, short
from ..registry import CONSTANTS
from .values import read_value, written_as_value

POSITIONAL, NAMED, HEADER = "positional", "named", "header"
JSON_OBJECT, JSON_ARRAY = "json-object", "json-array"  # JSON Lines: see gradcli.points.json_lines
JSON_KINDS = (JSON_OBJECT, JSON_ARRAY)
JSON_ROWS = ""  # as the output separator: a JSON object's row is its pass-through keys' object text
Write = Callable[[Sequence[float]], list[str]]  # floats' texts, each as repr writes it (rows of JSON Lines)


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
    index: tuple[int, ...]  # type: ignore[assignment]  # shadows tuple.index by design


def detect(line: str, variables: Sequence[str], order: Sequence[str] | None = None) -> Layout:
    """The layout of a stream whose first data line is ``line`` (see the module docstring).

    A first line that starts with ``{`` or ``[`` makes the stream JSON Lines
    (:func:`gradcli.points.json_lines.detect_json`). Otherwise, the one header rule: a line without ``=`` is the header when at least one field is a bare
    name (an identifier; the constants ``e`` and ``pi`` included, which are never variables)
    and no field is written as a value (:func:`~gradcli.points.values.written_as_value`: a
    number, ``inf`` or ``nan``, or a constant expression such as ``pi/2``). So ``e,pi`` is a
    header, and ``pi,1`` and ``pi/2,e`` are data. A header that lacks a variable, or names one
    twice, raises :class:`PointsError`.
    """
    variables = tuple(variables)
    if not variables:
        raise PointsError("the expression has no variables, so there are no points to read")
    if line.lstrip()[:1] in ("{", "["):  # JSON Lines: objects or arrays
        from .json_lines import detect_json

        return detect_json(line, variables, order)
    sep = separator(line)
    fields = [unquote(f.strip()) for f in split_fields(line, sep)]
    listing = f"the expression's variables are {short(', '.join(variables), width=200)}"
    names = any(f.isidentifier() for f in fields)
    if "=" not in line and names and not any(map(written_as_value, fields)):
        if all(f in CONSTANTS for f in fields):  # e,pi: names, though they could be read as values
            listing += "; a first line of names only is the header (write +pi to read a constant as a value)"
        for name in variables:
            if fields.count(name) != 1:
                how = "has no column" if name not in fields else "has more than one column"
                raise PointsError(f"the header line {quote(line.strip())} {how} for {name}", hint=listing)
        return Layout(HEADER, sep, variables, tuple(fields), tuple(fields.index(v) for v in variables))
    positional = tuple(order) if order is not None else variables
    kind = NAMED if "=" in line else POSITIONAL
    return Layout(kind, sep, variables, positional, tuple(positional.index(v) for v in variables))


def unquote(text: str) -> str:
    """``text`` without one pair of enclosing double quotes (a quoted CSV field), if it has them."""
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] == '"' else text


def split_fields(line: str, sep: str | None) -> list[str]:
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


def parse_line(line: str, layout: Layout, out_sep: str) -> tuple[list[float], str]:
    """One line -> (values in variable order, its output row text); :class:`PointsError` if bad."""
    if layout.kind in JSON_KINDS:
        from .json_lines import parse_json_line

        return parse_json_line(line, layout, out_sep)
    variables, k = layout.variables, len(layout.variables)
    sep = layout.sep if layout.kind == HEADER else separator(line)
    raw = split_fields(line, sep)
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
    return values, line if sep == out_sep else join_fields(raw, out_sep)  # as written, quotes and all


def join_fields(fields: list[str], sep: str) -> str:
    """``fields`` (as written) joined by ``sep``; one that holds ``sep`` unquoted is quoted as CSV quotes it.

    TSV output carries no CSV quoting: a quoted field is written without its quotes (unless its
    text holds a tab, which only quoting can keep in one field).
    """
    if sep == "\t":
        fields = [
            unquote(f.strip()).replace('""', '"') if _quoted(f) and "\t" not in f else f for f in fields
        ]
    return sep.join(
        f'"{f.replace(chr(34), chr(34) * 2)}"' if sep in f and not _quoted(f) else f for f in fields
    )


def _quoted(field: str) -> bool:
    text = field.strip()
    return len(text) > 1 and text[0] == text[-1] == '"'


def separator(line: str) -> str | None:
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
    return read_value(unquote(text.strip()), f"{name} = ")


def _listing(layout: Layout) -> str:
    if layout.kind == HEADER:
        return f"the header is {short(','.join(layout.columns), width=200)}"
    return f"values bind in the order {short(', '.join(layout.columns), width=200)}"
