"""Old import path, kept only until every caller imports the modules it names (then delete).

Numbers: :mod:`gradcli.output.numbers`; JSON Lines: :mod:`gradcli.output.jsonl`; CSV/TSV and
the one header check: :mod:`gradcli.output.delimited`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from ..derive.gradient import GradResult
from .delimited import header as _header
from .delimited import output_columns, write_delimited
from .jsonl import dumps, json_lines, records, sweep_records, write_json
from .numbers import number, number_rows, numbers


def columns(names: Sequence[str], exprs: int = 1, direction: bool = False) -> list[str]:
    """The CSV/TSV header (see :func:`gradcli.output.delimited.header`), unchecked."""
    head = [*names, *output_columns(names, direction)]
    return ["expr", *head] if exprs > 1 else head


def check_columns(
    names: Sequence[str], exprs: int = 1, direction: bool = False, fmt: str = "csv"
) -> list[str]:
    """:func:`gradcli.output.delimited.header` under its old name."""
    return _header(names, several=exprs > 1, direction=direction, fmt=fmt)


def _csv(result: GradResult, out: TextIO) -> None:
    write_delimited(result, out, ",")


def _tsv(result: GradResult, out: TextIO) -> None:
    write_delimited(result, out, "\t")


WRITERS: dict[str, Any] = {"json": write_json, "csv": _csv, "tsv": _tsv}

__all__ = [
    "WRITERS",
    "check_columns",
    "columns",
    "dumps",
    "json_lines",
    "number",
    "number_rows",
    "numbers",
    "records",
    "sweep_records",
    "write_delimited",
    "write_json",
]
