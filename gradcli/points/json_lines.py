"""Points given as JSON Lines: one JSON object (``{"a": 5, "b": 3}``) or array (``[5, 3]``) a line.

The first data line decides the layout (:func:`detect_json`): an object's keys are the
stream's columns, in the order written, and must name every variable (other keys pass
through); an array binds its values in order, as positional CSV values do. Each later line is
read by :func:`parse_json_line`:

* an object must not hold a key the first one lacks, nor a key twice; a pass-through key it
  lacks is null (an empty CSV field). An array holds one value per variable.
* a variable's value is a JSON number, read by the one value reader
  (:func:`gradcli.points.values.read_value`) from its text as written, so ``-0`` is -0.0,
  ``1e-400`` underflows and ``1e400`` is not finite, as in CSV; or a string holding a value
  (``"5"``, ``"pi/2"``). null, true, false, objects and arrays are not numbers.
* ``NaN`` and ``Infinity`` (which Python's ``json`` writes, though JSON has no such values) are
  refused.

Rows (the text that pass-through output writes) hold each column's JSON value in one
canonical form, whatever its spelling in the input: an integer from -2**63 to 2**64 - 1 as
digits, any other number as the shortest text that reads back to its float64 (``1e5`` is
``100000.0``, ``1.50`` is ``1.5``; as JSON parsers read numbers), a string as its text,
null as an empty field, true/false, and nested objects and arrays as JSON text. In CSV a field
holding the separator, a double quote or a line break is quoted; in TSV, one holding a tab or
a line break. With :data:`JSON_ROWS` for the output separator, a row is instead the JSON
object of the pass-through keys (``{"id": 7}``), for JSON Lines output.

Lines are read with ``orjson`` where it can be trusted to agree (every variable a non-zero
number, no key written twice), and with Python's ``json`` otherwise; both give the same points
and rows (tested). stdlib, plus orjson where installed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

from ..errors import PointsError, quote, short
from .layout import JSON_ARRAY, JSON_OBJECT, JSON_ROWS, Layout, Write
from .values import read_value

_INT_RANGE = (-(2**63), 2**64)  # integers JSON parsers keep as integers; others become floats


_SPACED_KEY = re.compile(r'"\s+:')


class _Number(str):
    """A JSON number's text as written (Python's ``json`` hands it over unread)."""


def detect_json(line: str, variables: tuple[str, ...], order: Sequence[str] | None = None) -> Layout:
    """The layout of a JSON Lines stream whose first data line is ``line``.

    An object's keys, in the order written, are the columns; each variable must be one of them
    (:class:`PointsError` otherwise, naming it). An array binds in ``order`` (``--vars``),
    else the variables' own order.
    """
    import json

    try:  # only the shape matters here; the line itself is read (and judged) as every line is
        value = json.loads(line)
    except ValueError as exc:
        raise PointsError(
            f"the first line of points starts as JSON but is not valid JSON: {getattr(exc, 'msg', exc)}",
            hint='write one JSON object or array per line, e.g. {"a": 5, "b": 3}',
        ) from None
    listing = f"the expression's variables are {short(', '.join(variables), width=200)}"
    if isinstance(value, dict):
        keys = tuple(value)
        for name in variables:
            if name not in value:
                raise PointsError(
                    f"the first line's JSON object has no key {quote(name)}",
                    hint=f"{listing}; the object's keys are {short(', '.join(keys), width=200)}",
                )
        return Layout(JSON_OBJECT, None, variables, keys, tuple(keys.index(v) for v in variables))
    if isinstance(value, list):
        positional = tuple(order) if order is not None else variables
        return Layout(JSON_ARRAY, None, variables, positional, tuple(positional.index(v) for v in variables))
    raise PointsError(
        f"the first line of points is the JSON value {quote(line.strip())}, not an object or an array",
        hint=f'write each point as an object ({{"{variables[0]}": 5, ...}}) or an array ([5, ...]); {listing}',
    )


def parse_json_line(line: str, layout: Layout, out_sep: str) -> tuple[list[float], str]:
    """One JSON line -> (values in variable order, its row text); :class:`PointsError` if bad."""
    fast = _fast_line(line, layout, out_sep)
    if fast is not None:
        return fast
    value = _load(line)
    if layout.kind == JSON_OBJECT:
        if not isinstance(value, dict):
            raise PointsError(
                f"a JSON {_kind(value)}, not an object like the first line's",
                hint="write every point as a JSON object with the same keys",
            )
        extra = [key for key in value if key not in layout.columns]
        if extra:
            raise PointsError(
                f"the key {quote(extra[0])} is not among the first line's keys",
                hint=f"the first line's keys are {short(', '.join(layout.columns), width=200)}; "
                "give every line the same keys",
            )
        missing = [v for v in layout.variables if v not in value]
        if missing:
            raise PointsError(
                f"no value for {short(', '.join(missing), width=200)}",
                hint=f"the expression's variables are {short(', '.join(layout.variables), width=200)}",
            )
        fields = [value.get(key) for key in layout.columns]
    elif not isinstance(value, list):
        raise PointsError(
            f"a JSON {_kind(value)}, not an array like the first line's",
            hint="write every point as a JSON array of its values",
        )
    else:
        fields = value
        if len(fields) != len(layout.columns):
            width = len(layout.columns)
            raise PointsError(
                f"{len(fields)} value{'s' * (len(fields) != 1)} but the expression has {width} "
                f"variable{'s' * (width != 1)}",
                hint=f"values bind in the order {short(', '.join(layout.columns), width=200)}",
            )
    values = [_value(fields[i], layout.columns[i]) for i in layout.index]
    return values, _row(fields, layout, out_sep)


def read_json_lines(
    lines: list[str], layout: Layout, out_sep: str, write: Write | None = None
) -> tuple[Any, list[str]] | None:
    """Every line at once: the (n, k) points and the rows, the same as :func:`parse_json_line`
    gives line by line; None if any line is not plain (blank, a comment, bad, or a kind the
    lines are read one by one for: a key written twice or spaced from its colon, a string
    holding ``":``, a missing or extra key, a value that is not a number), so the caller reads
    them one by one. A variable's 0 is read from its line's text (its sign, an underflow).
    ``write`` writes a column of floats as ``repr`` would (default: ``repr`` itself).
    """
    import numpy as np

    fast = _orjson()
    n, width = len(lines), len(layout.columns)
    if fast is None or not n:
        return None
    text = "[" + ",".join(lines) + "]"  # (the commas join no `":` and no spaced key across lines)
    try:
        parsed = fast.loads(text)
    except ValueError:
        return None
    if len(parsed) != n:
        return None
    if layout.kind == JSON_OBJECT:
        keys = set(layout.columns)
        if text.count('":') != n * width or _SPACED_KEY.search(text):
            return None  # (each object must then write each of its `width` keys exactly once)
        if set(map(type, parsed)) != {dict} or set(map(len, parsed)) != {width}:
            return None
        if set(chain.from_iterable(parsed)) != keys:  # (each object's `width` keys: all of them)
            return None
        columns = [list(map(itemgetter(key), parsed)) for key in layout.columns]
    else:
        if not all(type(o) is list and len(o) == width for o in parsed):
            return None
        columns = [list(column) for column in zip(*parsed)]
    points = np.empty((n, len(layout.index)))
    for j, i in enumerate(layout.index):
        if not set(map(type, columns[i])) <= {float, int}:
            return None
        points[:, j] = np.fromiter(columns[i], dtype=np.float64, count=n)
    for p in np.flatnonzero((points == 0).any(axis=1)).tolist():  # 0 and -0, or an underflow
        try:
            values, _ = parse_json_line(lines[p], layout, out_sep)
        except PointsError:
            return None
        points[p] = values
    return points, _rows(columns, layout, out_sep, n, write)


def _rows(columns: list[list[Any]], layout: Layout, out_sep: str, n: int, write: Write | None) -> list[str]:
    """:func:`_row` for every line at once, from the lines' ``columns`` of values."""
    if out_sep == JSON_ROWS:
        keep = [i for i in range(len(layout.columns)) if i not in layout.index]
        if layout.kind != JSON_OBJECT or not keep:
            return ["{}" if layout.kind == JSON_OBJECT else ""] * n
        import json

        template = "{{" + ", ".join(_braces(json.dumps(layout.columns[i])) + ": {}" for i in keep) + "}}"
        return list(map(template.format, *(_texts(columns[i], layout.columns[i], None, write) for i in keep)))
    texts = [_texts(column, key, out_sep, write) for column, key in zip(columns, layout.columns)]
    return texts[0] if len(texts) == 1 else list(map(out_sep.join, zip(*texts)))


def _texts(column: list[Any], key: str, sep: str | None, write: Write | None = None) -> list[str]:
    """Each value's text in a CSV/TSV row (``sep``), or as JSON (``sep`` None)."""
    kinds = set(map(type, column))
    if kinds == {float}:  # (finite: orjson reads no NaN or infinity)
        return write(column) if write is not None else list(map(repr, column))
    if kinds <= {int}:
        return list(map(str, column))
    if sep is None:
        return [_json(value, key) for value in column]
    return [_field(value, key, sep) for value in column]


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _fast_line(line: str, layout: Layout, out_sep: str) -> tuple[list[float], str] | None:
    """:func:`parse_json_line` by orjson, or None where it cannot be trusted to agree.

    Trusted when every variable's value is a non-zero number (a zero's sign and an
    underflow are read from the text) and, for an object, the line writes exactly as many
    keys (``"key":``, counted in the text) as the object has, all of them the first line's.
    """
    fast = _orjson()
    if fast is None:
        return None
    try:
        value = fast.loads(line)
    except ValueError:
        return None
    if layout.kind == JSON_OBJECT:
        if (
            type(value) is not dict
            or len(value) != line.count('":')
            or not value.keys() <= set(layout.columns)
            or _SPACED_KEY.search(line)
        ):
            return None  # each key written once, as "key": (Python's json reads the rest)
        fields = [value.get(key) for key in layout.columns]
    elif type(value) is not list or len(value) != len(layout.columns):
        return None
    else:
        fields = value
    values = []
    for i in layout.index:
        x = fields[i]
        if (type(x) is not float and type(x) is not int) or not x:
            return None
        values.append(float(x))
    return values, _row(fields, layout, out_sep)


def _load(line: str) -> Any:
    """``line`` as JSON, numbers kept as their text (:class:`_Number`); :class:`PointsError` if it
    is not JSON, writes ``NaN`` or ``Infinity``, or writes a key twice in one object."""
    import json

    try:
        return json.loads(
            line, parse_float=_Number, parse_int=_Number, parse_constant=_constant, object_pairs_hook=_pairs
        )
    except json.JSONDecodeError as exc:
        raise PointsError(
            f"not valid JSON: {exc.msg} (column {exc.colno})",
            hint='write one JSON object or array per line, e.g. {"a": 5, "b": 3}',
        ) from None


def _constant(name: str) -> Any:
    raise PointsError(
        f"{name} is not JSON (JSON has no NaN or Infinity)",
        hint="a point's values are finite numbers; write null for a missing value in a column that is not a variable",
    )


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise PointsError(f"the key {quote(twice)} is given twice in one object")
    return found


def _native(number: str, key: str) -> int | float:
    """A JSON number's text as JSON parsers read it: an integer in :data:`_INT_RANGE`, else a float."""
    if "." not in number and "e" not in number and "E" not in number:
        whole = int(number)
        if _INT_RANGE[0] <= whole < _INT_RANGE[1]:
            return whole
        try:
            return float(whole)
        except OverflowError:
            pass
    else:
        value = float(number)
        if math.isfinite(value):
            return value
    raise PointsError(
        f"{key or 'a value'} = {quote(number)} is beyond float64's range", hint="the largest is about 1.8e308"
    )


def _value(x: Any, name: str) -> float:
    """A variable's value: a JSON number (its text) or a string, by the one value reader."""
    if isinstance(x, str):  # a _Number's text, or a string: "5", "pi/2"
        return read_value(x, f"{name} = ")
    if type(x) is float or type(x) is int:  # from orjson: a non-zero number, read as float64 reads it
        return float(x)
    what = "null" if x is None else "true" if x is True else "false" if x is False else f"a JSON {_kind(x)}"
    raise PointsError(f"{name} = {what} is not a number")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, _Number):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null" if value is None else "boolean"


def _row(fields: Sequence[Any], layout: Layout, out_sep: str) -> str:
    """The row text of one line's ``fields`` (in column order; see the module docstring)."""
    if out_sep == JSON_ROWS:
        if layout.kind != JSON_OBJECT:
            return ""
        keep = set(layout.index)
        return (
            "{"
            + ", ".join(
                f"{_json(name)}: {_json(fields[i], name)}"
                for i, name in enumerate(layout.columns)
                if i not in keep
            )
            + "}"
        )
    return out_sep.join(_field(fields[i], layout.columns[i], out_sep) for i in range(len(layout.columns)))


def _json(value: Any, key: str = "") -> str:
    """``value`` as JSON text (``json.dumps``'s, numbers in their canonical form)."""
    if type(value) is float:
        return repr(value)
    if type(value) is int:
        return str(value)
    if isinstance(value, _Number):
        return _json(_native(value, key))
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    import json

    return json.dumps(_canonical(value, key))


def _canonical(value: Any, key: str) -> Any:
    if isinstance(value, _Number):
        return _native(value, key)
    if isinstance(value, dict):
        return {k: _canonical(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v, key) for v in value]
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PointsError(
                f"{key or 'a string'} holds a lone UTF-16 surrogate, which is not text",
                hint="write characters outside the BMP as a surrogate pair or as UTF-8",
            ) from None
    return value


def _field(value: Any, key: str, sep: str) -> str:
    """One column's text in a CSV (``sep`` ",") or TSV row, quoted where it must be."""
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, _Number):
        text = _canonical(value, key)
    else:
        text = _json(value, key)
        if text[0] not in "[{":
            return text  # a number, true or false: nothing to quote
    special = ("\t", "\n", "\r") if sep == "\t" else (",", '"', "\n", "\r")
    if any(ch in text for ch in special):
        return '"' + text.replace('"', '""') + '"'
    return text


def _orjson() -> Any:
    """The ``orjson`` module, or None where it cannot be imported (Python's ``json`` reads all)."""
    try:
        import orjson
    except ImportError:
        return None
    return orjson


__all__ = ["detect_json", "parse_json_line", "read_json_lines"]
