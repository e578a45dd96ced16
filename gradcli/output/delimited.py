"""CSV and TSV: the one header (and its one check), then a row per point. No Rich here.

The header is the input columns (the variables, or a stream's columns as given, pass-through
columns included), then ``f`` and ``grad_<var>`` for each variable, then ``grad_u`` with
``--direction``. Several expressions (the Jacobian) keep those names and add a first column
``expr``: one row per point and expression, so each row reads as ``gradcli grad EXPR`` writes it
(a variable an expression does not use has the derivative 0 there). :func:`header` is the one
place the columns are named and checked: a column that would appear twice (a variable called
``f``, an input column called ``grad_x``) is refused, since a reader could not tell them apart.

Numbers by :func:`gradcli.output.numbers.field`: full round-trip precision, an empty field
where not finite (a warning says why).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from ..derive.gradient import GradResult
from ..errors import OptionError
from .numbers import field

if TYPE_CHECKING:  # annotations only
    import numpy as np

    from ..analysis.jacobian import Directional, JacobianResult

SEPARATORS = {"csv": ",", "tsv": "\t"}
EXPR_COLUMN = "expr"
DIRECTION_COLUMN = "grad_u"


def output_columns(variables: Sequence[str], direction: bool = False) -> list[str]:
    """The columns gradcli adds after the inputs: ``f``, ``grad_<var>``..., ``grad_u``."""
    return ["f", *(f"grad_{name}" for name in variables), *([DIRECTION_COLUMN] if direction else [])]


def header(
    variables: Sequence[str],
    inputs: Sequence[str] | None = None,
    *,
    several: bool = False,
    direction: bool = False,
    fmt: str = "csv",
) -> list[str]:
    """The CSV/TSV columns, checked: ``[expr,] <inputs>, f, grad_<var>... [, grad_u]``.

    ``inputs`` are the input columns (default: the variables); ``several``: several
    expressions, with an ``expr`` column first. Raises :class:`OptionError` when an input
    column (a variable or a pass-through column) has the name of an output column.
    """
    inputs = list(variables if inputs is None else inputs)
    added = output_columns(variables, direction)
    if several:
        added.insert(0, EXPR_COLUMN)
    check_columns(variables, inputs, added, fmt)
    if several:
        return [EXPR_COLUMN, *inputs, *added[1:]]
    return [*inputs, *added]


def check_columns(variables: Sequence[str], inputs: Sequence[str], added: Sequence[str], fmt: str) -> None:
    """Raise :class:`OptionError` when an input column (a variable or a pass-through column) has
    the name of an ``added`` output column, or an output column appears twice."""
    seen: set[str] = set()
    for column in added:
        if column in inputs or column in seen:
            what = "variable" if column in variables else "input column"
            hint = "rename the variable" if what == "variable" else "rename that column of the input"
            raise OptionError(
                f"the {what} '{column}' has the name of an output column of --format {fmt}",
                hint=f"{hint}, or use --format json",
            )
        seen.add(column)


def write_delimited(
    result: GradResult,
    out: TextIO,
    sep: str,
    with_header: bool = True,
    along: Sequence[float] | np.ndarray | None = None,
) -> None:
    """CSV (sep ',') or TSV (sep '\\t'): inputs, f, then the gradient by the chosen method;
    ``along`` (the derivative along --direction, one per point) adds the column ``grad_u``."""
    fmt = "csv" if sep == "," else "tsv"
    names = result.variables
    if with_header:
        out.write(sep.join(header(names, direction=along is not None, fmt=fmt)) + "\n")
    grad = result.gradient
    k = len(names)
    for p in range(len(result.value)):
        fields = [field(result.points[p, v]) for v in range(k)]
        fields.append(field(result.value[p]))
        fields.extend(field(grad[p, v]) for v in range(k))
        if along is not None:
            fields.append(field(along[p]))
        out.write(sep.join(fields) + "\n")


def write_jacobian_delimited(
    jr: JacobianResult, out: TextIO, sep: str, directions: list[Directional] | None = None
) -> None:
    """Several expressions: header ``expr, <vars>, f, grad_<var>... [, grad_u]``, one row per point
    and expression (points in order, the expressions in the order given), the derivatives by the
    chosen method (0 for a variable the expression does not use)."""
    fmt = "csv" if sep == "," else "tsv"
    names = jr.variables
    out.write(sep.join(header(names, several=True, direction=directions is not None, fmt=fmt)) + "\n")
    jac = jr.jacobian
    texts = [quote(r.expr.text, sep) for r in jr.results]
    for p in range(jr.points.shape[0]):
        point = [field(x) for x in jr.points[p]]
        for i, r in enumerate(jr.results):
            fields = [texts[i], *point, field(r.value[p])]
            fields += [field(jac[p, i, j]) for j in range(len(names))]
            if directions is not None:
                d = directions[i]
                fields.append(field(d.exact[p] if d.diff is None else d.diff[p]))
            out.write(sep.join(fields) + "\n")


def quote(text: str, sep: str) -> str:
    """A text field: CSV quoting where needed (``"min(x,y)"``); TSV never quotes, and a tab
    (which an expression never holds) becomes a space."""
    if sep == "\t":
        return text.replace("\t", " ")
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


__all__ = [
    "DIRECTION_COLUMN",
    "EXPR_COLUMN",
    "SEPARATORS",
    "header",
    "output_columns",
    "quote",
    "write_delimited",
    "write_jacobian_delimited",
]
