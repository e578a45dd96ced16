"""``gradcli hessian``: second derivatives, exact and by finite differences."""

from __future__ import annotations

import sys

import click

from ...points.spec import PointSpec
from ..common import bind_points, finish
from ..group import ExpressionCommand
from ..io import emit
from ..options import (
    at_option,
    digits_option,
    eps_option,
    format_option,
    method_option,
    no_header_option,
    precision_option,
)


@click.command(cls=ExpressionCommand)
@click.argument("expression")
@at_option()
@method_option("Finite-difference method for the comparison; backprop alone skips it.")
@eps_option("Finite-difference step, or auto.")
@precision_option()
@format_option(help="Output format (json: JSON Lines; csv/tsv: a row per point, the Hessian row by row).")
@no_header_option()
@digits_option()
def hessian(
    expression: str,
    points: tuple[PointSpec, ...],
    order: tuple[str, ...] | None,
    method: str,
    eps: float | None,
    precision: str,
    fmt: str,
) -> None:
    """Hessian of EXPRESSION: exact, by finite differences, and what it says about the point.

    The exact Hessian differentiates each symbolic first derivative by backprop; the
    finite-difference one differences the exact gradient with --method and --eps. The
    eigenvalues say whether the point is a minimum, a maximum, a saddle, or flat. Where float64
    loses digits, --precision auto (the default) takes the gradient and the Hessian's rows again
    in high precision.

    \b
    Examples:
      gradcli hessian "x**2 - y**2" --at x=0,y=0
      gradcli hessian "x**2 + x*y + y**2" --at 0,0 --format json
      gradcli hessian "x**3 - 3*x*y**2" --at x=1,y=0 --at x=0,y=1 --format csv
      gradcli hessian "sin(x)*cos(y)" --at x=1,y=2 --method forward --eps 1e-6
    """
    from ...analysis.hessian import hessian as compute_hessian
    from ...language.parse import parse

    expr = parse(expression)
    result = compute_hessian(expr, bind_points(expr, points, order), method, eps, precision)
    if fmt == "table":
        from ...table import render_hessian, stdout_console

        console = stdout_console()
        emit(lambda: render_hessian(result, console))
    elif fmt == "json":
        from ...output.matrix import write_hessian_json

        emit(lambda: write_hessian_json(result, sys.stdout))
    else:
        from ...output.delimited import SEPARATORS
        from ...output.study import write_hessian_delimited

        emit(lambda: write_hessian_delimited(result, sys.stdout, SEPARATORS[fmt]))
    finish(result)
