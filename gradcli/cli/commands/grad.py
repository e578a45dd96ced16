"""``gradcli grad``: the gradient at points, the Jacobian of several expressions, a directional
derivative, or a stream of points."""

from __future__ import annotations

import sys
from typing import Any

import click

from ...points.spec import PointSpec
from ..common import bind_points, finish, run_stream, show, streaming
from ..group import ExpressionCommand
from ..io import emit, say
from ..options import at_option, gradient_options, stream_options


@click.command(cls=ExpressionCommand)
@click.argument("expressions", nargs=-1, required=True, metavar="EXPRESSION...")
@at_option(stdin=True)
@gradient_options()
@click.option(
    "--direction",
    metavar="VECTOR",
    help="Also the derivative along this vector (normalised), e.g. 1,0,-1 or x=1,z=-1.",
)
@click.option(
    "--order",
    "nth",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="The N-th derivative of a one-variable expression (exact beside a central finite difference).",
)
@stream_options()
def grad(
    expressions: tuple[str, ...],
    points: tuple[PointSpec, ...],
    order: tuple[str, ...] | None,
    method: str,
    eps: float | None,
    precision: str | int,
    fmt: str,
    vanish: float,
    explode: float,
    strict: bool,
    direction: str | None,
    nth: int,
    input_path: str | None,
    on_error: str,
    jobs: int,
) -> None:
    """Gradient of EXPRESSION by finite differences and by exact backprop, side by side.

    EXPRESSION uses numbers, variables, + - * / ** (^ means **), parentheses, pi, e and
    the functions listed by 'gradcli functions'. Each row shows the finite difference,
    backprop, the error between them and a status; warnings say when a gradient vanishes,
    explodes, is undefined, sits on a kink, or when the finite difference is untrustworthy.
    Several expressions give the Jacobian (a row per expression, a column per variable);
    --direction adds the directional derivative along the normalised vector.

    \b
    Examples:
      gradcli grad "3*(a+b*c)" --at a=5,b=3,c=2
      gradcli grad "3*(a+b*c)" --at 5,3,2 --method forward --eps 0.01 --format json
      gradcli grad "sigmoid(x)" --at 1 --at 20 --method forward --eps 0.001
      gradcli grad "exp(x)/sqrt(sin(x)**3+cos(x)**3)" --at 1.5 --method richardson
      gradcli grad "sigmoid(x)" --at 40 --method complex
      gradcli grad "-x**2" --at x=-3 --format csv
      gradcli grad "x*y" "x+y" "sin(x)" --at x=1,y=2
      gradcli grad "x**2+y*z" --at 1,2,3 --direction 1,0,-1
      printf '5,3,2\\n1,2,3\\n' | gradcli grad "3*(a+b*c)" --at - --format csv
      gradcli grad "3*(a+b*c)" --input points.csv --method forward --eps 0.01 --format csv
      gradcli grad "sin(x)*exp(x)" --at 1 --order 3
    """
    if nth > 1:
        from .higher import nth_derivative

        nth_derivative(expressions, points, order, nth, method, eps, precision, fmt, direction, input_path)
    if streaming(points, input_path):
        if len(expressions) > 1 or direction is not None:
            raise click.UsageError("streamed points (--at -, --input) take one expression and no --direction")
        run_stream(
            expressions[0], input_path, order, fmt, strict, on_error, jobs,
            method=method, eps=eps, vanish=vanish, explode=explode, precision=precision,
        )  # fmt: skip
    if len(expressions) > 1 or direction is not None:
        several(expressions, points, order, method, eps, fmt, vanish, explode, strict, direction, precision)
        return
    from ...derive.gradient import compute
    from ...language.parse import parse

    expr = parse(expressions[0])
    result = compute(
        expr, bind_points(expr, points, order), method, eps, vanish, explode, precision=precision
    )
    show(result, fmt)
    finish(result, strict)


def several(
    texts: tuple[str, ...],
    points: tuple[PointSpec, ...],
    order: tuple[str, ...] | None,
    method: str,
    eps: float | None,
    fmt: str,
    vanish: float,
    explode: float,
    strict: bool,
    direction: str | None,
    precision: str | int,
) -> None:
    """``grad`` with several expressions (the Jacobian) and/or ``--direction``."""
    from types import SimpleNamespace

    from ...analysis.jacobian import direction_unit, directionals, jacobian, union_variables
    from ...language.parse import parse
    from ...output import messages

    exprs = [parse(text) for text in texts]
    names = union_variables(exprs)
    at = bind_points(SimpleNamespace(variables=names), points, order)
    unit = direction_unit(direction, names, order) if direction is not None else None
    if fmt in ("csv", "tsv"):
        from ...output.delimited import header

        header(names, several=len(exprs) > 1, direction=unit is not None, fmt=fmt)
    jr = jacobian(exprs, at, method, eps, vanish, explode, precision=precision)
    dirs = directionals(jr, unit, names) if unit is not None else None
    _write(jr, dirs, unit, names, fmt)
    if fmt not in ("table", "json"):
        for r in jr.results:
            say(messages.result_warnings(r))
    finish(jr, strict)


def _write(jr: Any, dirs: Any, unit: Any, names: tuple[str, ...], fmt: str) -> None:
    if len(jr.results) == 1 and dirs is not None:  # one expression: grad's output plus d along u
        if fmt == "table":
            from ...table import render_with_direction, stdout_console

            console = stdout_console()
            emit(lambda: render_with_direction(jr.results[0], dirs[0], console))
        else:
            from ...output.matrix import write_direction

            emit(lambda: write_direction(jr.results[0], dirs[0], sys.stdout, fmt))
    elif fmt == "table":
        from ...table import render_direction, render_jacobian, stdout_console

        console = stdout_console()
        if unit is not None:
            emit(lambda: render_direction(unit, names, console))
        emit(lambda: render_jacobian(jr, console, dirs))
    elif fmt == "json":
        from ...output.matrix import write_jacobian_json

        emit(lambda: write_jacobian_json(jr, sys.stdout, dirs))
    else:
        from ...output.matrix import write_jacobian_delimited

        emit(lambda: write_jacobian_delimited(jr, sys.stdout, "," if fmt == "csv" else "\t", dirs))
