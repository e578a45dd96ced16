"""Each option shared by several commands, defined once; choices and defaults come from the library.

One name per idea: ``--wrt NAME`` is the one variable a command differentiates with respect to
(diff, sweep, plot), ``--vars`` the order positional values bind to variables, ``--range`` an x
range (plot), ``--steps`` a range of finite-difference steps (sweep), ``--output FILE`` the plot
written as an image (sweep, plot, activations). Old spellings stay as hidden aliases
(:data:`ALIASES`) for a release.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from .choice import Choice
from .types import EpsType, InputPath, NamesType, PointType, PositiveFloat, PrecisionType, VanishFloat

Decorator = Callable[[Any], Any]

# old spelling -> the option it now names (hidden from --help, still accepted)
ALIASES = {"--var": "--wrt (diff, sweep, plot)", "--range": "--steps (sweep only)"}
# the stream's --on-error choices: gradcli.pipeline.ON_ERROR (not imported here, for start-up's sake;
# tests/cli/test_options.py checks they agree)
ON_ERROR = ("continue", "stop")
IMAGE_SUFFIXES = ".png, .svg, .pdf; needs gradcli[plot]"


class Option(click.Option):
    """A click Option with hidden alias spellings: accepted on the command line, left out of --help."""

    def __init__(self, param_decls: Sequence[str], aliases: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__([*param_decls, *aliases], **kwargs)
        self.aliases = tuple(aliases)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        opts = self.opts
        self.opts = [o for o in opts if o not in self.aliases]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = opts


def compose(*decorators: Decorator) -> Decorator:
    """Several option decorators as one, applied so --help lists them in the order given."""

    def apply(command: Any) -> Any:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


def names_option() -> Decorator:
    """``--vars b,a,c``: the order positional ``--at`` values bind in."""
    return click.option(
        "--vars",
        "order",
        type=NamesType(),
        help="Order for positional --at values, e.g. b,a,c. Default: alphabetical.",
    )


def at_option(*, many: bool = True, stdin: bool = False) -> Decorator:
    """``--at POINT`` (repeatable if ``many``; ``-`` streams from stdin if ``stdin``) and ``--names``."""
    text = "Point to differentiate at: a=5,b=3,c=2 (named) or 5,3,2 (in --vars order)."
    if many:
        text += " Repeat for more points."
    if stdin:
        text += " '-' reads points from stdin, one per line."
    return compose(
        click.option("--at", "points", type=PointType(), multiple=True, metavar="POINT", help=text),
        names_option(),
    )


def wrt_option(help: str) -> Decorator:
    """``--wrt NAME`` (alias ``--var``): the one variable a command differentiates with respect to."""
    return click.option("--wrt", "wrt", cls=Option, aliases=("--var",), metavar="NAME", help=help)


def method_choices(backprop: bool = True) -> tuple[str, ...]:
    """The method names, the default first (from :mod:`gradcli.derive.gradient`)."""
    from ..derive.gradient import ALL_METHODS, BACKPROP, DEFAULT_METHOD

    names = (DEFAULT_METHOD, *(m for m in ALL_METHODS if m != DEFAULT_METHOD))
    return names if backprop else tuple(m for m in names if m != BACKPROP)


METHOD_HELP = (
    "Finite-difference method (five-point: 4th order; richardson: extrapolated; "
    "complex: complex step); backprop alone skips the finite difference."
)


def method_option(help: str = METHOD_HELP) -> Decorator:
    """``--method``, default the library's :data:`~gradcli.derive.gradient.DEFAULT_METHOD`."""
    choices = method_choices()
    return click.option("--method", type=Choice(choices), default=choices[0], show_default=True, help=help)


def eps_option(help: str = "Finite-difference step: a positive number, or auto (scaled to the method and |x|).",
               default: str | None = "auto") -> Decorator:  # fmt: skip
    """``--eps EPS|auto``."""
    return click.option("--eps", type=EpsType(), default=default, show_default=default is not None, help=help)


def format_option(*choices: str, help: str = "Output format.") -> Decorator:
    """``--format``: ``choices`` (default: table and the library's writers, json, csv, tsv), the first
    the default."""
    if not choices:
        from ..output.formats import WRITERS

        choices = ("table", *WRITERS)
    return click.option(
        "--format", "fmt", type=Choice(choices), default=choices[0], show_default=True, help=help
    )


def vanish_option(help: str = "Warn when |gradient| is below this (0: never).") -> Decorator:
    """``--vanish``, default :data:`gradcli.derive.diagnostics.DEFAULT_VANISH`."""
    from ..derive.diagnostics import DEFAULT_VANISH

    return click.option("--vanish", type=VanishFloat(), default=DEFAULT_VANISH, show_default=True, help=help)


def explode_option() -> Decorator:
    """``--explode``, default :data:`gradcli.derive.diagnostics.DEFAULT_EXPLODE`."""
    from ..derive.diagnostics import DEFAULT_EXPLODE

    return click.option(
        "--explode",
        type=PositiveFloat(),
        default=DEFAULT_EXPLODE,
        show_default=True,
        help="Warn when |gradient| is above this.",
    )


def precision_option() -> Decorator:
    """``--precision auto|N|off``, default :data:`gradcli.derive.precise.DEFAULT_PRECISION`."""
    from ..derive.precise import DEFAULT_PRECISION

    return click.option(
        "--precision",
        type=PrecisionType(),
        default=DEFAULT_PRECISION,
        show_default=True,
        help="Backprop's reference: auto re-evaluates in high precision (mpmath) the points where "
        "float64 lost digits, N uses N digits everywhere, off keeps float64.",
    )


def strict_option() -> Decorator:
    """``--strict``: any warning makes the exit status 1."""
    return click.option("--strict", is_flag=True, help="Exit with status 1 if there is any warning.")


def quiet_option() -> Decorator:
    """``--quiet``: no note lines on stderr (also ``gradcli -q COMMAND``, on the group)."""

    def quiet(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            from .io import be_quiet

            be_quiet(True)

    return click.option(
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=quiet,
        help="No 'note:' lines on stderr (warnings and errors are still written).",
    )


def _keep_in_meta(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """An option the command itself does not take: kept as ``ctx.meta["gradcli.<name>"]`` for
    :class:`~gradcli.cli.group.CheckedCommand` (and the stream) to apply."""
    ctx.meta[f"gradcli.{param.name}"] = value


def no_header_option() -> Decorator:
    """``--no-header``: csv/tsv without the header line (:class:`~gradcli.cli.group.CheckedCommand`
    applies it; the columns are still checked)."""

    return click.option(
        "--no-header",
        is_flag=True,
        expose_value=False,
        callback=_keep_in_meta,
        help="With --format csv or tsv: leave out the header line.",
    )


def digits_option() -> Decorator:
    """``--digits N``: the table's numbers to N significant digits (:class:`~gradcli.cli.group.CheckedCommand`
    applies it; machine formats keep every digit and refuse it)."""

    return click.option(
        "--digits",
        type=click.IntRange(1, 17),
        metavar="N",
        expose_value=False,
        callback=_keep_in_meta,
        help="Show the table's numbers to N significant digits (default: every digit, the "
        "shortest text that reads back to the same float).",
    )


def gradient_options() -> Decorator:
    """``--method --eps --precision --format --vanish --explode --strict --quiet``, as grad and
    the activations take them."""
    return compose(
        method_option(),
        eps_option(),
        precision_option(),
        format_option(),
        vanish_option(),
        explode_option(),
        strict_option(),
        no_header_option(),
        digits_option(),
        quiet_option(),
    )


INPUT_HELP = (
    "Read points from FILE, one per line (as --at - reads stdin): 5,3,2, a=5,b=3,c=2, "
    "or CSV/TSV under a header line naming the variables."
)


def input_option(help: str = INPUT_HELP) -> Decorator:
    """``--input FILE``: points streamed from a file (``-``: stdin)."""
    return click.option("--input", "input_path", type=InputPath(), metavar="FILE", help=help)


def on_error_option() -> Decorator:
    """``--on-error continue|stop``: what a bad streamed line does (:data:`ON_ERROR`)."""
    return click.option(
        "--on-error",
        type=Choice(ON_ERROR),
        default=ON_ERROR[0],
        show_default=True,
        help="For a bad input line: report it and go on (exit 1 at the end), or stop there.",
    )


def jobs_option() -> Decorator:
    """``--jobs N``: worker processes for a stream (0: the pipeline's default)."""
    return click.option(
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Worker processes for streamed points; 0: one per core, at most 8.",
    )


def errors_option() -> Decorator:
    """``--errors FILE``: every bad streamed line as JSON Lines (kept in ``ctx.meta``)."""

    return click.option(
        "--errors",
        metavar="FILE",
        expose_value=False,
        callback=_keep_in_meta,
        help="Write every bad input line to FILE as JSON Lines (line, text, reason); stderr shows "
        "the first 10 and a count.",
    )


def stream_options(input_help: str = INPUT_HELP) -> Decorator:
    """``--input --on-error --jobs --errors``: points streamed from a file or stdin (``--at -``)."""
    return compose(input_option(input_help), on_error_option(), jobs_option(), errors_option())


def plot_flag(help: str) -> Decorator:
    """``--plot``: also draw in the terminal."""
    return click.option("--plot", is_flag=True, help=help)


def output_option(what: str, dest: str = "output", instead: bool = False) -> Decorator:
    """``--output FILE``: write the plot (``what``) as an image file; the one meaning of --output."""
    where = ", instead of drawing in the terminal" if instead else ""
    return click.option(
        "--output", dest, metavar="FILE", help=f"Write {what} as an image to FILE{where} ({IMAGE_SUFFIXES})."
    )
