"""``gradcli sweep``: finite differences over a range of steps, against backprop."""

from __future__ import annotations

import math
import sys

import click

from ...errors import EXIT_NOT_FINITE
from ...points.spec import PointSpec
from ..choice import Choice
from ..common import bind_points
from ..group import ExpressionCommand
from ..io import colors, columns, emit, fail, lines, say, write_plot
from ..options import (
    Option,
    at_option,
    digits_option,
    eps_option,
    format_option,
    method_choices,
    no_header_option,
    output_option,
    plot_flag,
    precision_option,
    wrt_option,
)
from ..types import StepRangeType


def _default_steps() -> str:
    from ...analysis.sweep import DEFAULT_RANGE

    return f"{DEFAULT_RANGE[0]:g}:{DEFAULT_RANGE[1]:g}"


@click.command(cls=ExpressionCommand)
@click.argument("expression")
@at_option(many=False)
@wrt_option("The variable to differentiate with respect to. Default: the first.")
@click.option(
    "--method",
    "methods",
    type=Choice(method_choices(backprop=False)),
    multiple=True,
    help=f"Finite-difference method; repeat for several. Default: {method_choices()[0]}.",
)
@eps_option("Your step, to see where it falls on the curve.", default=None)
@click.option(
    "--steps",
    "span",
    cls=Option,
    aliases=("--range",),
    type=StepRangeType(),
    default=_default_steps(),
    show_default=True,
    help="Largest and smallest step.",
)
@click.option(
    "--per-decade", type=click.IntRange(1, 20), default=1, show_default=True, help="Steps per factor of 10."
)
@format_option(help="Output format (json: JSON Lines; csv/tsv: a row per method and step).")
@no_header_option()
@digits_option()
@plot_flag("Also draw |error| against eps on log-log axes, in the terminal.")
@output_option("the plot of |error| against eps")
@precision_option()
def sweep(
    expression: str,
    points: tuple[PointSpec, ...],
    order: tuple[str, ...] | None,
    wrt: str | None,
    methods: tuple[str, ...],
    eps: float | None,
    span: tuple[float, float],
    per_decade: int,
    fmt: str,
    plot: bool,
    output: str | None,
    precision: str | int,
) -> None:
    """Finite differences of EXPRESSION over a range of steps, against exact backprop.

    For each step from 1e-1 down to 1e-15 (--steps), the derivative in one variable by each
    method and its error: truncation error falls as the step shrinks and rounding error rises,
    so the error is V-shaped. Marks the best step, the one --eps auto takes, and your --eps.

    \b
    Examples:
      gradcli sweep "exp(x)" --at x=1
      gradcli sweep "sigmoid(x)" --at x=1 --method forward --method central --eps 0.001
      gradcli sweep "a*b**2" --at a=1,b=2 --wrt b --steps 1e-2:1e-12 --per-decade 2 --format json
      gradcli sweep "exp(x)" --at x=1 --method central --format csv
      gradcli sweep "exp(x)" --at x=1 --method forward --method five-point --plot
    """
    from ...analysis.sweep import check_sweep, steps
    from ...analysis.sweep import sweep as run_sweep
    from ...language.parse import parse
    from ...output import messages

    expr = parse(expression)
    block = bind_points(expr, points, order)
    index = check_sweep(expr, block, wrt)
    if plot and fmt != "table":
        raise click.UsageError("--plot draws in the terminal: use it with --format table")
    grid = steps(span[0], span[1], per_decade)
    result = run_sweep(expr, block[0], index, methods or method_choices()[:1], grid, eps, precision)
    if not math.isfinite(result.value):
        fail(EXIT_NOT_FINITE, f"f is {result.value!r} at this point, so there is no derivative to sweep")
    if not math.isfinite(result.exact):
        say(messages.sweep_exact_undefined(expr.variables[index], result.exact))
    if output:
        from ...plot import save_sweep_figure

        save_sweep_figure(result, output)
    if fmt == "json":
        from ...output.jsonl import dumps, sweep_records

        emit(lambda: sys.stdout.write("".join(dumps(r) + "\n" for r in sweep_records(result))))
        return
    if fmt in ("csv", "tsv"):
        from ...output.delimited import SEPARATORS
        from ...output.study import write_sweep_delimited

        emit(lambda: write_sweep_delimited(result, sys.stdout, SEPARATORS[fmt]))
        return
    from ...table import render_sweep, stdout_console

    console = stdout_console()
    emit(lambda: render_sweep(result, console))
    if plot:
        from ...plot import sweep_terminal_plot

        write_plot("\n" + sweep_terminal_plot(result, columns(), lines(), color=colors()))
