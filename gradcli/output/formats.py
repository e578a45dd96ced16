"""Plain-text output: JSON Lines, CSV and TSV, written point by point. No Rich here.

Numbers are written by :func:`number`, the one place that formats them: ``repr`` of the
float64, the shortest text that reads back to the same bits (3.0000000000001137 stays so).
Non-finite numbers become ``null`` in JSON and an empty field in CSV/TSV, and carry a warning.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from ..derive.gradient import GradResult
from ..errors import OptionError

if TYPE_CHECKING:  # for annotations only: the grad path need not load the sweep
    from ..analysis.sweep import Sweep


def number(x: float) -> str:
    """Full round-trip text of a float64: 'nan', 'inf' and '-inf' for the non-finite."""
    return repr(float(x))


def numbers(values: Any) -> list[str]:
    """``number`` of each float64 in ``values`` (1-d), with an empty string where not finite.

    The same text as ``[number(x) for x in values]`` (tested), several times faster for large
    arrays through ``orjson`` (a dependency; without it, plain ``repr``): its shortest round-trip digits are used
    where they agree with ``repr``'s layout (0 and 1e-4 <= |x| < 1e16, plain decimal notation),
    and ``repr`` everywhere else.
    """
    import numpy as np

    values = np.ascontiguousarray(values, dtype=np.float64)
    fast = _orjson() if len(values) >= 64 else None
    odd = None
    if fast is not None:
        with np.errstate(invalid="ignore"):
            size = np.abs(values)
            odd = np.flatnonzero(~(((size >= 1e-4) & (size < 1e16)) | (size == 0)))
        if len(odd) > len(values) // 4:  # mostly tiny or huge numbers (errors): repr is as fast
            fast = None
    if fast is None:
        texts = list(map(repr, values.tolist()))
    else:
        texts = fast.dumps(values, option=fast.OPT_SERIALIZE_NUMPY).decode("ascii")[1:-1].split(",")
        for i, x in zip(odd.tolist(), values[odd].tolist()):  # type: ignore[index, union-attr]
            texts[i] = repr(x)
    finite = np.isfinite(values)
    if not finite.all():
        for i in np.flatnonzero(~finite).tolist():
            texts[i] = ""
    return texts


def number_rows(matrix: Any, sep: str) -> list[str]:
    """Each row of a 2-d float64 array as its :func:`numbers` joined by ``sep``.

    The same text as ``[sep.join(numbers(row)) for row in matrix]`` (tested); with ``orjson``
    the whole array is written at once and only rows holding a value outside orjson's
    agreement with ``repr`` (see :func:`numbers`) are redone.
    """
    import numpy as np

    matrix = np.ascontiguousarray(matrix, dtype=np.float64)
    if not len(matrix):
        return []
    fast = _orjson() if matrix.size >= 64 and matrix.shape[1] else None
    if fast is None:
        columns = [numbers(column) for column in matrix.T]
        return list(map(sep.join, zip(*columns))) if columns else [""] * len(matrix)
    text = fast.dumps(matrix, option=fast.OPT_SERIALIZE_NUMPY).decode("ascii")
    rows = text[2:-2].split("],[")
    if sep != ",":
        rows = [row.replace(",", sep) for row in rows]
    with np.errstate(invalid="ignore"):
        size = np.abs(matrix)
        odd = ~(((size >= 1e-4) & (size < 1e16)) | (size == 0))
    for i in np.flatnonzero(odd.any(axis=1)).tolist():
        rows[i] = sep.join(_slow_numbers(matrix[i]))
    return rows


def _slow_numbers(values: Any) -> list[str]:
    return [repr(x) if math.isfinite(x) else "" for x in values.tolist()]


def _orjson() -> Any:
    """orjson or None (see :mod:`gradcli.stream`), imported only when numbers are many."""
    from ..points.reader import _orjson as find

    return find()


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def records(result: GradResult) -> Iterator[dict[str, Any]]:
    """One JSON-ready dict per point (see the README for the fields)."""
    names = result.variables
    grad, exact = result.gradient, result.exact
    error, rel = result.error, result.rel_error
    diff = result.diff
    estimate = diff.error_estimate if diff is not None else None
    for p in range(len(result.value)):

        def per_var(table: Any) -> dict[str, float | None] | None:
            if table is None:
                return None
            return {name: _finite(table[v, p]) for v, name in enumerate(names)}  # noqa: B023

        yield {
            "expr": result.expr.text,
            "point": {name: float(result.points[p, v]) for v, name in enumerate(names)},
            "value": _finite(result.value[p]),
            "method": result.method,
            "eps": per_var(diff.step if diff is not None else None),
            "gradient": per_var(grad),
            "exact": per_var(exact),
            "exact_bound": per_var(result.exact_bound),
            "error": per_var(error),
            "rel_error": per_var(rel),
            "error_estimate": per_var(estimate),
            **_precision(result, p),
            "warnings": [w.as_dict() for w in result.warnings[p]],
        }


def _precision(result: GradResult, p: int) -> dict[str, Any]:
    """``digits`` of the high-precision re-evaluation and its ``note`` (null: float64 only)."""
    rec = result.precise[p] if result.precise is not None else None
    return {"digits": rec.digits if rec else None, "note": rec.note if rec else None}


def _precision_columns(result: GradResult, n: int) -> tuple[list[str], list[str]]:
    """The ``digits`` and ``note`` texts of :func:`_precision`, a column each."""
    digits, notes = ["null"] * n, ["null"] * n
    for p, rec in enumerate(result.precise or ()):
        if rec is not None:
            digits[p], notes[p] = str(rec.digits), dumps(rec.note)
    return digits, notes


def json_lines(result: GradResult, lines: Sequence[int]) -> str:
    """JSON Lines for ``result``, each record led by ``"line"``: the text of :func:`records`.

    Exactly ``dumps({"line": line, **record})`` for each point (tested), built a column at a
    time with :func:`numbers` instead of a dict per point, for streams of many points.
    """
    n, names = len(result.value), result.variables
    diff = result.diff

    def texts(values: Any) -> list[str]:
        return [t or "null" for t in numbers(values)]

    def per_var(table: Any) -> list[str]:
        if table is None:
            return ["null"] * n
        if not names:
            return ["{}"] * n
        row = "{{" + ", ".join(f"{_braces(_string(name))}: {{}}" for name in names) + "}}"
        return list(map(row.format, *(texts(table[v]) for v in range(len(names)))))

    warnings = [dumps([w.as_dict() for w in ws]) if ws else "[]" for ws in result.warnings]
    template = (
        f'{{{{"line": {{}}, "expr": {_braces(_string(result.expr.text))}, "point": {{}}, "value": {{}}, '
        f'"method": {_braces(_string(result.method))}, "eps": {{}}, "gradient": {{}}, "exact": {{}}, '
        f'"exact_bound": {{}}, "error": {{}}, "rel_error": {{}}, "error_estimate": {{}}, "digits": {{}}, '
        f'"note": {{}}, "warnings": {{}}}}}}\n'
    )
    columns = [
        list(map(str, lines)),
        per_var(result.points.T),
        texts(result.value),
        per_var(diff.step if diff is not None else None),
        per_var(result.gradient),
        per_var(result.exact),
        per_var(result.exact_bound),
        per_var(result.error),
        per_var(result.rel_error),
        per_var(diff.error_estimate if diff is not None else None),
        *_precision_columns(result, n),
        warnings,
    ]
    return "".join(map(template.format, *columns))


def _braces(text: str) -> str:
    """``text`` as literal text inside a ``str.format`` template."""
    return text.replace("{", "{{").replace("}", "}}")


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
            "gradient": _finite(row.gradient),
            "exact": _finite(result.exact),
            "error": _finite(row.error),
            "error_estimate": _finite(row.estimate),
            "marks": list(row.marks),
        }


def write_json(result: GradResult, out: TextIO, extra: dict[str, Any] | None = None) -> None:
    """JSON Lines: one object per point, one line each; ``extra`` fields are added to each."""
    for record in records(result):
        out.write(dumps({**record, **extra} if extra else record))
        out.write("\n")


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


def header(result: GradResult, sep: str) -> str:
    return sep.join(columns(result.variables))


def columns(names: Sequence[str], exprs: int = 1, direction: bool = False) -> list[str]:
    """The CSV/TSV header: the variables, then f and grad_<var> (one expression), or f1..fm and
    df<i>_d<var> (several, the Jacobian); with --direction, grad_u (or dir1..dirm)."""
    if exprs == 1:
        return [*names, "f", *(f"grad_{name}" for name in names), *(["grad_u"] if direction else [])]
    head = [*names, *(f"f{i + 1}" for i in range(exprs))]
    head += [f"df{i + 1}_d{name}" for i in range(exprs) for name in names]
    return head + ([f"dir{i + 1}" for i in range(exprs)] if direction else [])


def check_columns(names: Sequence[str], exprs: int = 1, direction: bool = False, fmt: str = "csv") -> None:
    """Refuse a header in which a variable takes the name of an output column (a variable ``f``
    next to the column f): a reader could not tell the two apart."""
    seen: set[str] = set()
    for column in columns(names, exprs, direction):
        if column in seen:
            raise OptionError(
                f"the variable '{column}' has the name of an output column of --format {fmt}",
                hint="rename the variable, or use --format json",
            )
        seen.add(column)


def write_delimited(result: GradResult, out: TextIO, sep: str, with_header: bool = True) -> None:
    """CSV (sep ',') or TSV (sep '\\t'): inputs, f, then the gradient by the chosen method."""
    if with_header:
        out.write(header(result, sep) + "\n")
    grad = result.gradient
    k = len(result.variables)
    for p in range(len(result.value)):
        fields = [number(result.points[p, v]) for v in range(k)]
        fields.append(_field(result.value[p]))
        fields.extend(_field(grad[v, p]) for v in range(k))
        out.write(sep.join(fields) + "\n")


def _field(x: float) -> str:
    return number(x) if math.isfinite(x) else ""


WRITERS = {
    "json": write_json,
    "csv": lambda result, out: write_delimited(result, out, ","),
    "tsv": lambda result, out: write_delimited(result, out, "\t"),
}
