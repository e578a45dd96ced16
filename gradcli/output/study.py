"""CSV and TSV for ``gradcli sweep`` (a row per method and step) and ``gradcli hessian`` (a row
per point). No Rich.

Columns are named and checked by :func:`gradcli.output.delimited.check_columns`, as every
gradcli CSV is: a variable with the name of an output column is refused. Numbers by
:func:`gradcli.output.numbers.field` (full round-trip precision; an empty field where not finite).

* sweep: the point's variables, then ``var, method, eps, gradient, exact, error,
  error_estimate, marks`` (the fields of its JSON records; ``marks`` separated by spaces).
* hessian: the variables, then ``f``, ``d2f_d<a>_d<b>`` for every ordered pair of variables
  (row a, column b of the exact Hessian), then ``fd_d<a>_d<b>`` for the finite-difference one
  (absent with ``--method backprop``), then ``kind`` (one of
  :data:`gradcli.analysis.hessian.KINDS`: minimum, maximum, saddle, flat, degenerate,
  not critical, kink, undefined).
"""

from __future__ import annotations

from typing import TextIO

from ..analysis.hessian import HessianResult
from ..analysis.sweep import Sweep
from .delimited import check_columns
from .numbers import field

SWEEP_COLUMNS = ("var", "method", "eps", "gradient", "exact", "error", "error_estimate", "marks")


def sweep_columns(result: Sweep, fmt: str = "csv") -> list[str]:
    """The header of a sweep's CSV/TSV, checked."""
    names = list(result.expr.variables)
    check_columns(names, names, SWEEP_COLUMNS, fmt)
    return [*names, *SWEEP_COLUMNS]


def write_sweep_delimited(result: Sweep, out: TextIO, sep: str, with_header: bool = True) -> None:
    """One row per (method, step), largest step first, methods in the order asked."""
    fmt = "csv" if sep == "," else "tsv"
    columns = sweep_columns(result, fmt)
    if with_header:
        out.write(sep.join(columns) + "\n")
    point = [field(float(x)) for x in result.point]
    exact = field(result.exact)
    lines = []
    for row in result.rows:
        cells = [*point, result.var, row.method, field(row.eps), field(row.gradient), exact]
        cells += [field(row.error), field(row.estimate), " ".join(row.marks)]
        lines.append(sep.join(cells) + "\n")
    out.write("".join(lines))


def hessian_columns(result: HessianResult, fmt: str = "csv") -> list[str]:
    """The header of a Hessian's CSV/TSV, checked."""
    names = list(result.variables)
    pairs = [f"d{a}_d{b}" for a in names for b in names]
    added = [
        "f",
        *(f"d2f_{p}" for p in pairs),
        *((f"fd_{p}" for p in pairs) if result.fd is not None else ()),
        "kind",
    ]
    check_columns(names, names, added, fmt)
    return [*names, *added]


def write_hessian_delimited(result: HessianResult, out: TextIO, sep: str, with_header: bool = True) -> None:
    """One row per point: its variables, f, the exact Hessian row by row, the finite-difference
    one likewise, and the kind of point."""
    fmt = "csv" if sep == "," else "tsv"
    columns = hessian_columns(result, fmt)
    if with_header:
        out.write(sep.join(columns) + "\n")
    lines = []
    for p in range(len(result.value)):
        cells = [field(float(x)) for x in result.points[p]]
        cells.append(field(float(result.value[p])))
        cells += [field(float(v)) for v in result.exact[p].ravel()]
        if result.fd is not None:
            cells += [field(float(v)) for v in result.fd[p].ravel()]
        cells.append(result.kinds[p])
        lines.append(sep.join(cells) + "\n")
    out.write("".join(lines))
