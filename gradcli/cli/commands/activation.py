"""The activation commands (``gradcli sigmoid``, ``gradcli leaky-relu``, ...), one generated per
entry of the registry's ACTIVATIONS: f and f' at x values, and the healthy range."""

from __future__ import annotations

from functools import cache
from typing import Any

import click

from ..common import finish, run_stream, show, streaming
from ..group import CheckedCommand, command_name
from ..io import say
from ..options import compose, gradient_options, output_option, plot_flag, stream_options
from ..types import ValuesType

INPUT_HELP = (
    "Read x values from FILE, one per line (as --at - reads stdin): 20, x=20, "
    "or CSV/TSV under a header line with an x column."
)


@cache
def command(name: str) -> click.Command:
    """The command for the activation ``name`` (a key of :data:`gradcli.registry.ACTIVATIONS`)."""
    from ...registry import ACTIVATIONS, FUNCTIONS

    act = ACTIVATIONS[name]
    shown = command_name(name)
    alias = f" Another name for {command_name(act.alias_of)}." if act.alias_of else ""
    param = f" {act.param} (--{act.param}) defaults to {act.default!r}." if act.param else ""
    example_at = "--at -1 --at 0 --at 1" if name not in ("sigmoid", "tanh") else "--at 1 --at 20"
    help_text = f"""The activation {name}: {FUNCTIONS[name].doc}.{alias}{param}

    For each x: f(x), f'(x) by the chosen finite difference and by backprop, the error between
    them and a status; under the table, the healthy range (where |f'| >= --vanish, and where
    f' is at least 10% of its peak), found numerically from the derivative. Each x's verdict
    (healthy, vanishing, exploding, ...) is the last column, health, of csv and tsv (x, f,
    grad_x, health) and the key "health" of json, for --at values and streamed ones alike.
    Also usable inside expressions: gradcli grad "{name}(w*x+b)" --at w=1,x=2,b=0.

    \b
    Examples:
      gradcli {shown} {example_at}
      gradcli {shown} --at -10:10:21 --method backprop
      gradcli {shown} --at 2 --format json
      gradcli {shown} --plot
      printf '1\\n20\\n' | gradcli {shown} --at - --format csv
    """

    def run(**options: Any) -> None:
        _run(act, **options)

    decorators = [
        click.option(
            "--at",
            "points",
            type=ValuesType(),
            multiple=True,
            metavar="X",
            help="x, several x (-1,0,1), or a range START:STOP:COUNT (both ends included). Repeat for more. Default: -10:10:21.",
        ),
        gradient_options(),
        stream_options(INPUT_HELP),
    ]
    if act.param:
        decorators.append(
            click.option(
                f"--{act.param}",
                "param",
                type=float,
                default=act.default,
                show_default=True,
                help=f"The {act.param} of {name}.",
            )
        )
    decorators += [
        plot_flag("Also draw f and f' over the --at range (default -10:10)."),
        output_option("f and f' over the --at range", dest="image"),
    ]
    for other in sorted({a.param for a in ACTIVATIONS.values() if a.param and a.param != act.param}):
        takers = [command_name(a.name) for a in ACTIVATIONS.values() if a.param == other and not a.alias_of]
        decorators.append(
            click.option(
                f"--{other}",
                f"_no_{other}",
                hidden=True,
                expose_value=False,
                callback=_refuse(shown, other, takers),
            )
        )
    return click.command(shown, cls=CheckedCommand, help=help_text)(compose(*decorators)(run))


def _refuse(name: str, param: str, takers: list[str]) -> Any:
    """A callback for ``--alpha`` given to an activation without one: a usage error naming who has it."""

    def refuse(ctx: click.Context, option: click.Parameter, value: Any) -> None:
        if value is not None:
            raise click.UsageError(f"{name} has no --{param}: only {' and '.join(takers)} take one", ctx=ctx)

    return refuse


def _run(
    act: Any,
    points: tuple[tuple[float, ...], ...],
    method: str,
    eps: float | None,
    precision: str | int,
    fmt: str,
    vanish: float,
    explode: float,
    strict: bool,
    plot: bool,
    image: str | None,
    input_path: str | None,
    on_error: str,
    jobs: int,
    param: float | None = None,
) -> None:
    from ...analysis.activation import DEFAULT_RANGE, evaluate_activation
    from ...points.spec import parse_values

    if plot and fmt != "table":
        raise click.UsageError("--plot draws in the terminal: use it with --format table")
    if streaming(points, input_path):
        if plot or image is not None:
            raise click.UsageError("--plot and --output draw over --at values, not streamed ones")
        from ...analysis.activation import ActivationResult, expression_text

        values = (param,) if act.param and param is not None else ()  # --param defaults to a float
        rows = ActivationResult(act, values, None, None)  # type: ignore[arg-type]  # rows only
        run_stream(
            expression_text(act, values), input_path, None, fmt, strict, on_error, jobs, rows,
            method=method, eps=eps, vanish=vanish, explode=explode, precision=precision, health=True,
        )  # fmt: skip
    xs = [x for values in points for x in values] or list(parse_values(DEFAULT_RANGE))
    from ...output.activation import explain

    run = explain(
        evaluate_activation(
            act.name, xs, method, eps, vanish, explode, param if act.param else None, precision=precision
        )
    )
    then = None
    if image is not None or plot:
        from ...plot import sample

        curves = sample(run.result.expr, None, _span(xs), {}, 200, vanish)
        if image is not None:  # before any output, so a missing extra fails cleanly
            from ...output import messages
            from ...plot import save_figure

            save_figure(curves, image)
            say(messages.wrote(image))
        if plot:
            from .plot import draw

            then = lambda: draw(curves)
    show(run.result, fmt, run=run, then=then)
    finish(run.result, strict)


def _span(xs: list[float]) -> Any:
    import numpy as np

    from ...plot import plot_span
    from ...points.spec import Span

    return plot_span(np.asarray(xs), Span(-10.0, 10.0, None))
