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


def numbers(values: Any, empty: str = "") -> list[str]:
    """``number`` of each float64 in ``values`` (1-d), with ``empty`` where not finite.

    The same text as ``[field(x) for x in values]`` (tested), several times faster for large
    arrays through ``orjson`` (a dependency; without it, plain ``repr``): its shortest round-trip
    digits are used where they agree with ``repr``'s layout (all finite values but
    1e-9 <= |x| < 1e-4, checked once a process: :data:`PROBES`), and ``repr`` everywhere else.
    """
    import numpy as np

    values = np.ascontiguousarray(values, dtype=np.float64)
    fast = _orjson() if len(values) >= 64 else None
    odd = None
    if fast is not None:
        odd = np.flatnonzero(_odd(values, fast))
        if len(odd) > len(values) // 4:  # mostly numbers orjson writes otherwise: repr is as fast
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
            texts[i] = empty
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
    if sep != ",":  # (a number's text holds no comma or bracket)
        text = text.replace(",", sep)
    rows = text[2:-2].split(f"]{sep}[")
    odd = _odd(matrix, fast)
    for i in np.flatnonzero(odd.any(axis=1)).tolist():
        rows[i] = sep.join(field(x) for x in matrix[i].tolist())
    return rows


# Where orjson's shortest round-trip text is laid out as repr lays it out. It differs only for
# 1e-9 <= |x| < 1e-4 (orjson: 0.00001 and 1.5e-7; repr: 1e-05 and 1.5e-07), which is checked once a
# process on PROBES; if any probe disagrees (another orjson), only plain decimals are trusted.
PROBES = (
    5e-324, 2.2250738585072014e-308, 1.5e-300, 1.2345678901234567e-10, 9.99e-10, 1e-4, 0.1, 1.5,
    9999999999999998.0, 1e16, 1.2345e22, 1.7976931348623157e308,
)  # fmt: skip
_layout: dict[str, bool] = {}


def _odd(values: Any, fast: Any) -> Any:
    """Where orjson's text for ``values`` may differ from ``repr``'s (NaN and inf included)."""
    import numpy as np

    wide = _layout.get("wide")
    if wide is None:
        probes = [*PROBES, *(-x for x in PROBES)]
        texts = fast.dumps(np.array(probes), option=fast.OPT_SERIALIZE_NUMPY).decode("ascii")[1:-1].split(",")
        wide = _layout["wide"] = texts == list(map(repr, probes))
    with np.errstate(invalid="ignore"):
        size = np.abs(values)
        if wide:
            return ~((size < 1e-9) | (size >= 1e-4)) | ~np.isfinite(values)
        return ~(((size >= 1e-4) & (size < 1e16)) | (size == 0))


def _orjson() -> Any:
    """The ``orjson`` module, or None where it cannot be imported (then plain ``repr``)."""
    try:
        import orjson
    except ImportError:
        return None
    return orjson


__all__ = ["field", "finite", "number", "number_rows", "numbers", "short"]
