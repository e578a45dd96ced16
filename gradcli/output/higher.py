"""``gradcli grad --order N`` as JSON lines (one object per point, as grad writes) or CSV/TSV (a row per point).

Values at full round-trip precision; JSON ``null`` and an empty field where a number is not finite.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..derive.higher import HigherResult
from .numbers import field, finite

COLUMNS = ("value", "exact", "fd", "error", "error_estimate", "step")


def higher_records(result: HigherResult) -> list[dict[str, Any]]:
    """One record per point: the point, f, the exact and finite-difference n-th derivatives."""
    out = []
    for p in range(len(result.points)):
        record: dict[str, Any] = {
            "expr": result.expr.text,
            "variable": result.variable,
            "order": result.order,
            "point": {result.variable: finite(result.points[p])},
        }
        for name in COLUMNS:
            record[name] = finite(getattr(result, name)[p])
        record["exact_bound"] = finite(result.exact_bound[p]) if result.exact_bound is not None else None
        record["derivative"] = result.formula
        note = result.notes[p] if result.notes else None
        record["digits"] = result.digits if note is not None else None
        record["note"] = note
        out.append(record)
    return out


def write_higher_json(result: HigherResult, out: TextIO) -> None:
    """The records, one JSON object per line."""
    for record in higher_records(result):
        out.write(json.dumps(record) + "\n")


def write_higher_delimited(result: HigherResult, out: TextIO, fmt: str) -> None:
    """A header line then a row per point: the variable, then :data:`COLUMNS`."""
    sep = "," if fmt == "csv" else "\t"
    out.write(sep.join((result.variable, *COLUMNS)) + "\n")
    for p in range(len(result.points)):
        cells = [field(result.points[p]), *(field(getattr(result, name)[p]) for name in COLUMNS)]
        out.write(sep.join(cells) + "\n")
