"""``gradcli plot``: f and its derivative over a range of one variable."""

from __future__ import annotations

from typing import Any

import click

from ...points.spec import PointSpec
from ..group import ExpressionCommand
from ..io import colors, columns, lines, say, write_plot
from ..options import output_option, vanish_option, wrt_option
from ..types import PointType, SpanType


@click.command(cls=ExpressionCommand)
@click.argument("expression")
@wrt_option("The variable on the x axis (f and df/dNAME are drawn against it). Default: the only one.")
@click.option(
    "--range", "span", type=SpanType(), default="-10:10", show_default=True, help="The x range, START:STOP."
)
@click.option(
    "--at", "fixed", type=PointType(), metavar="POINT", help="Values of the other variables: w=2,b=0."
)
@click.option("--points", type=click.IntRange(2, 100_000), default=200, show_default=True, help="How many x.")
@vanish_option("Mark |df/dx| below this.")
@output_option("f and f'", instead=True)
@click.option(
    "--size", default="800x500", show_default=True, metavar="WxH", help="Image size in pixels, for --output."
)
@click.option(
    "--width",
    type=click.IntRange(40, 1000),
    help="Characters per line in the terminal. Default: the terminal's width (80 when piped).",
)
def plot(
    expression: str,
    wrt: str | None,
    span: Any,
    fixed: PointSpec | None,
    points: int,
    vanish: float,
    output: str | None,
    size: str,
    width: int | None,
) -> None:
    """Draw EXPRESSION and its derivative (backprop) over a range of one variable.

    f above df/dx, on panels sharing the x axis; the region where |df/dx| < --vanish is
    marked. In the terminal (braille, fitted to its width and height; a glyph per curve and
    no colour when piped), or with --output as a PNG, SVG or PDF image (matplotlib:
    pip install 'gradcli[plot]').

    \b
    Examples:
      gradcli plot "sigmoid(x)"
      gradcli plot "tanh(w*x)" --wrt x --range -5:5 --at w=2 --width 100
      gradcli plot "sigmoid(x)" --output sigmoid.png --size 800x500
    """
    from ...language.parse import parse
    from ...output import messages
    from ...plot import parse_size, plot_curves, save_figure

    expr = parse(expression)
    pixels = parse_size(size)
    curves = plot_curves(expr, wrt, span, fixed, points, vanish)
    if output is not None:
        save_figure(curves, output, pixels)
        say(messages.wrote(output, pixels))
        return
    draw(curves, width)


def draw(curves: Any, width: int | None = None) -> None:
    """Draw ``curves`` in the terminal, ``width`` characters wide (default: the terminal's)."""
    from ...plot import terminal_plot

    write_plot(terminal_plot(curves, width or columns(), lines(), color=colors()))
