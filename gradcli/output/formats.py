"""The plain output formats by name: ``WRITERS[fmt](result, out)`` writes a ``gradcli grad``
result as JSON Lines (:mod:`gradcli.output.jsonl`), CSV or TSV (:mod:`gradcli.output.delimited`).
``--format`` takes its choices from here (with ``table``, drawn by :mod:`gradcli.table`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ..derive.gradient import GradResult
from .delimited import write_delimited
from .jsonl import write_json


def _csv(result: GradResult, out: TextIO) -> None:
    write_delimited(result, out, ",")


def _tsv(result: GradResult, out: TextIO) -> None:
    write_delimited(result, out, "\t")


WRITERS: dict[str, Callable[[GradResult, TextIO], None]] = {"json": write_json, "csv": _csv, "tsv": _tsv}

__all__ = ["WRITERS"]
