"""JSON Lines: the records of every result, and the one JSON text writer. No Rich here.

Every record is one line of compact JSON (``json.dumps(record, allow_nan=False)``'s text);
numbers at full round-trip precision, NaN and inf as ``null``. The shapes (documented in
docs and README):

* ``grad`` (one expression, each point; several expressions, each point then each expression):
  ``expr, point, value, method, eps, gradient, exact, exact_bound, error, rel_error,
  error_estimate, digits, note, warnings`` -- per-variable fields are objects keyed by variable (see :func:`records`).
* ``sweep``: one record per (method, step), see :func:`sweep_records`.
* ``trace``: one record per point, see :func:`trace_record` (its non-finite numbers are the
  strings ``"inf"``, ``"-inf"``, ``"nan"``, as the tree and dot graph write them).
* ``functions``: one record per operator, function and constant, all of one shape, see
  :func:`catalogue_records`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from ..derive.gradient import GradResult
from .numbers import finite, number, numbers

if TYPE_CHECKING:  # for annotations only: the grad path need not load these
    from ..analysis.sweep import Sweep
    from ..analysis.trace import Trace


def dumps(value: Any) -> str:
    """Compact JSON text, as ``json.dumps(value, allow_nan=False)`` writes it.

    Written here because the ``json`` module costs more start-up time than this whole run
    takes otherwise; floats must be finite (NaN/inf were turned into None already).
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is float:
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not valid JSON")
        return repr(value)
    if kind is int:
        return str(value)
    if kind is str:
        return _string(value)
    if kind is dict:
        return "{" + ", ".join(f"{_string(str(k))}: {dumps(v)}" for k, v in value.items()) + "}"
    if kind in (list, tuple):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    if isinstance(value, float):  # numpy float64
        return dumps(float(value))
    raise TypeError(f"cannot write {kind.__name__} as JSON")


def _string(text: str) -> str:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    import json

    return json.dumps(text)


def write_records(records: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    """Each record as one line of JSON."""
    for record in records:
        out.write(dumps(record) + "\n")


# --- grad ---------------------------------------------------------------------------------------


def records(result: GradResult) -> Iterator[dict[str, Any]]:
    """One JSON-ready dict per point of a ``gradcli grad`` result (:meth:`GradResult.records`)."""
    return iter(result.records())


def precision_fields(result: GradResult, p: int) -> dict[str, Any]:
    """``digits`` of the high-precision re-evaluation and its ``note`` (null: float64 only)."""
    rec = result.precise[p] if result.precise is not None else None
    return {"digits": rec.digits if rec else None, "note": rec.note if rec else None}


def _precision_columns(result: GradResult, n: int) -> tuple[list[str], list[str]]:
    """The ``digits`` and ``note`` texts of :func:`precision_fields`, a column each."""
    digits, notes = ["null"] * n, ["null"] * n
    for p, rec in enumerate(result.precise or ()):
        if rec is not None:
            digits[p], notes[p] = str(rec.digits), dumps(rec.note)
    return digits, notes


def write_json(result: GradResult, out: TextIO, extra: dict[str, Any] | None = None) -> None:
    """JSON Lines: one object per point, one line each; ``extra`` fields are added to each."""
    for record in records(result):
        out.write(dumps({**record, **extra} if extra else record))
        out.write("\n")


def with_columns(text: str, rows: Sequence[str], keep: Sequence[int], names: Sequence[str]) -> str:
    """``text`` (JSON Lines from :func:`json_lines`) with each record's pass-through input columns
    after its ``"line"``: ``"columns": {"id": "first", ...}``, values as written (unquoted).

    ``rows`` are the records' input rows as the reader joined them with commas; ``keep`` the
    indices of the columns that are not variables, ``names`` every column's name.
    """
    from ..points.layout import split_fields, unquote

    objects = []
    for row in rows:
        fields = split_fields(row, ",")
        objects.append(dumps({names[i]: unquote(fields[i].strip()) for i in keep if i < len(fields)}))
    return with_column_objects(text, objects)


def with_column_objects(text: str, objects: Sequence[str]) -> str:
    """``text`` (JSON Lines from :func:`json_lines`) with ``"columns": objects[i]`` (JSON object
    text) after record i's ``"line"``."""
    out = []
    for line, columns in zip(text.splitlines(), objects):
        head, rest = line.split(", ", 1)  # '{"line": 7' and the rest of the record
        out.append(f'{head}, "columns": {columns}, {rest}')
    return "\n".join(out) + "\n"


def json_lines(result: GradResult, lines: Sequence[int]) -> str:
    """JSON Lines for ``result``, each record led by ``"line"``: the text of :func:`records`.

    Exactly ``dumps({"line": line, **record})`` for each point (tested), built a column at a
    time with :func:`numbers` instead of a dict per point, for streams of many points: each
    record is a fixed run of constant text and column texts, laid into one list and joined once.
    """
    n, names = len(result.value), result.variables
    pieces: list[str | list[str]] = []  # constant text, or one text per point

    def texts(values: Any) -> list[str]:
        return numbers(values, "null")

    def per_var(table: Any) -> None:
        if table is None:
            pieces.append("null")
            return
        pieces.append("{")
        for v, name in enumerate(names):
            pieces.append(f"{', ' * (v > 0)}{_string(name)}: ")
            pieces.append(texts(np.ascontiguousarray(table[:, v])))
        pieces.append("}")

    pieces += ['{"line": ', list(map(str, lines)), f', "expr": {_string(result.expr.text)}, "point": ']
    per_var(result.points)
    pieces += [', "value": ', texts(result.value), f', "method": {_string(result.method)}, "eps": ']
    per_var(result.step)
    for key, table in (
        ("gradient", result.gradient), ("exact", result.exact), ("exact_bound", result.exact_bound),
        ("error", result.error), ("rel_error", result.rel_error), ("error_estimate", result.error_estimate),
    ):  # fmt: skip
        pieces.append(f', "{key}": ')
        per_var(table)
    digits, notes = _precision_columns(result, n)
    warnings = [dumps([w.as_dict() for w in ws]) if ws else "[]" for ws in result.warnings]
    pieces += [', "digits": ', digits, ', "note": ', notes, ', "warnings": ', warnings, "}\n"]
    return _interleave(pieces, n)


def _interleave(pieces: Sequence[str | list[str]], n: int) -> str:
    """For each of ``n`` records, ``pieces`` in order (a constant's text, or a column's i-th text),
    all joined: one list filled by slices, several times faster than formatting each record."""
    runs: list[str | list[str]] = []
    for piece in pieces:  # adjacent constants merge, so each record has as few parts as can be
        if isinstance(piece, str) and runs and isinstance(runs[-1], str):
            runs[-1] += piece
        else:
            runs.append(piece)
    m = len(runs)
    parts: list[str] = [""] * (n * m)
    for j, run in enumerate(runs):
        parts[j::m] = [run] * n if isinstance(run, str) else run
    return "".join(parts)


def _braces(text: str) -> str:
    """``text`` as literal text inside a ``str.format`` template."""
    return text.replace("{", "{{").replace("}", "}}")


# --- sweep, trace, functions ------------------------------------------------------------------


def sweep_records(result: Sweep) -> Iterator[dict[str, Any]]:
    """One JSON-ready dict per (method, step) of a sweep."""
    point = {name: float(result.point[v]) for v, name in enumerate(result.expr.variables)}
    for row in result.rows:
        yield {
            "expr": result.expr.text,
            "point": point,
            "var": result.var,
            "method": row.method,
            "eps": row.eps,
            "gradient": finite(row.gradient),
            "exact": finite(result.exact),
            "exact_bound": finite(result.exact_bound),
            "error": finite(row.error),
            "error_estimate": finite(row.estimate),
            "marks": list(row.marks),
            "note": result.note,
        }


def trace_record(t: Trace) -> dict[str, Any]:
    """``gradcli trace`` at one point: ``{"expr", "point", "value", "root", "gradient",
    "gradient_bound", "nodes"}`` (``gradient_bound``: backprop's rounding-error bound per variable),
    each node ``{"id", "op", "symbol", "text", "children", "value", "local", "adjoint",
    "contributions", "vanishing", "kink"}`` (``contributions`` a list of ``{"parent", "amount"}``,
    ``vanishing`` the shrinking |local| or null, ``kink`` whether the op is not differentiable
    there). Unlike the other records, a non-finite number is the string ``"inf"``, ``"-inf"``
    or ``"nan"``, as the tree and the dot graph spell it: null keeps its own meaning here (no
    adjoint: f does not depend on the node; no vanishing edge)."""
    return {
        "expr": t.expr.text,
        "point": dict(zip(t.expr.variables, t.point)),
        "value": _spelled(t.root.value),
        "root": t.root.id,
        "gradient": {name: _spelled(g) for name, g in t.gradient.items()},
        "gradient_bound": {name: _spelled(b) for name, b in zip(t.expr.variables, t.bound)},
        "nodes": [
            {
                "id": node.id,
                "op": node.op,
                "symbol": node.symbol,
                "text": node.text,
                "children": list(node.children),
                "value": _spelled(node.value),
                "local": [_spelled(v) for v in node.local],
                "adjoint": _spelled(node.adjoint),
                "contributions": [{"parent": p, "amount": _spelled(c)} for p, c in node.contributions],
                "vanishing": node.vanishing,
                "kink": node.kink,
            }
            for node in t.nodes
        ],
    }


def _spelled(x: float | None) -> float | str | None:
    """A trace's number for JSON: the float, or ``"inf"``, ``"-inf"``, ``"nan"``; None stays None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else number(x)


def write_traces(traces: Sequence[Trace], out: TextIO) -> None:
    write_records(map(trace_record, traces), out)


CATALOGUE_FIELDS = ("name", "kind", "usage", "derivative", "not_differentiable", "doc", "value")


def catalogue_records(
    rows: Iterable[Mapping[str, Any]], constants: Mapping[str, float]
) -> list[dict[str, Any]]:
    """``gradcli functions --format json``: one record per operator, function and constant, each
    with the fields of :data:`CATALOGUE_FIELDS` (``kind`` operator, function or constant; ``value``
    a constant's value, null otherwise; a constant's derivative 0)."""
    out = [
        {
            "name": row["name"],
            "kind": row.get("kind") or "function",
            "usage": row["usage"],
            "derivative": row["derivative"],
            "not_differentiable": row.get("not_differentiable"),
            "doc": row["doc"],
            "value": None,
        }
        for row in rows
    ]
    for name, value in constants.items():
        out.append(
            {
                "name": name,
                "kind": "constant",
                "usage": name,
                "derivative": "0",
                "not_differentiable": None,
                "doc": f"the constant {name}",
                "value": float(value),
            }
        )
    return out


__all__ = [
    "CATALOGUE_FIELDS",
    "catalogue_records",
    "dumps",
    "json_lines",
    "records",
    "sweep_records",
    "trace_record",
    "with_column_objects",
    "with_columns",
    "write_json",
    "write_records",
    "write_traces",
]
