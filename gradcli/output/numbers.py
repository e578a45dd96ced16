"""The one place numbers become text. No Rich here.

* :func:`number`: the full round-trip text of a float64, ``repr`` (the shortest text that reads
  back to the same bits: 3.0000000000001137 stays so); ``nan``, ``inf``, ``-inf`` as such.
  Used wherever a user may compare numbers: values, gradients, points, in every format.
* :func:`numbers` / :func:`number_rows`: the same text for whole arrays (CSV/TSV fields and
  JSON numbers of a stream), an empty string where the value is not finite.
* :func:`short`: three significant digits, for errors, estimates and steps in tables, which
  nobody compares digit by digit.
* :func:`finite`: a float for JSON, or None (``null``) where it is not finite.
"""

from __future__ import annotations

import math
from typing import Any

_digits: int | None = None  # --digits: significant digits of number() in tables (None: every digit)


def show_digits(digits: int | None) -> None:
    """Make :func:`number` write ``digits`` significant digits (None: the full round-trip text).
    Only the table's and notes' text changes: CSV/TSV fields and JSON keep every digit."""
    global _digits
    _digits = digits


def number(x: float) -> str:
    """Full round-trip text of a float64 ('nan', 'inf' and '-inf' for the non-finite), or
    ``--digits`` significant digits where :func:`show_digits` set them."""
    x = float(x)
    if _digits is not None and math.isfinite(x):
        return f"{x:.{_digits}g}"
    return repr(x)


def short(x: float) -> str:
    """Three significant digits (``1.23e-07``); the non-finite as :func:`number` writes them."""
    x = float(x)
    return f"{x:.3g}" if math.isfinite(x) else number(x)


def field(x: float) -> str:
    """A CSV/TSV field: the full round-trip text, or empty where ``x`` is not finite."""
    x = float(x)
    return repr(x) if math.isfinite(x) else ""


def finite(x: float | None) -> float | None:
    """``x`` as a float for JSON, or None where it is missing or not finite."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def numbers(values: Any) -> list[str]:
    """``number`` of each float64 in ``values`` (1-d), with an empty string where not finite.

    The same text as ``[field(x) for x in values]`` (tested), several times faster for large
    arrays through ``orjson`` (a dependency; without it, plain ``repr``): its shortest round-trip
    digits are used where they agree with ``repr``'s layout (0 and 1e-4 <= |x| < 1e16, plain
    decimal notation), and ``repr`` everywhere else.
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
        for i, x in zip(odd.tolist(), values[odd].tolist()):  # type: ignore[union-attr]
            texts[i] = repr(x)
    finite_ = np.isfinite(values)
    if not finite_.all():
        for i in np.flatnonzero(~finite_).tolist():
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
        rows[i] = sep.join(field(x) for x in matrix[i].tolist())
    return rows


def _orjson() -> Any:
    """The ``orjson`` module, or None where it cannot be imported (then plain ``repr``)."""
    try:
        import orjson
    except ImportError:
        return None
    return orjson


__all__ = ["field", "finite", "number", "number_rows", "numbers", "short"]
