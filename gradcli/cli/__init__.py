"""The command line: parse options, call the core, hand the result to a renderer.

One error boundary (:meth:`GradcliGroup.main`) turns every user mistake into one line on
stderr and a documented exit status (see :mod:`gradcli.errors`); nothing here computes.
Rich is imported only to draw tables, so the json/csv/tsv paths start faster.
"""

from __future__ import annotations

import math
import os
import re
import sys
from typing import Any, NoReturn

import click

from .. import __version__
from ..errors import EXIT_INTERRUPTED, EXIT_NOT_FINITE, EXIT_OK, EXIT_USAGE, GradcliError, PointsError
from ..points.spec import PointSpec, Span, parse_span, parse_spec, parse_values

FORMATS = ("table", "json", "csv", "tsv")
METHODS = (
    "central",
    "forward",
    "backward",
    "five-point",
    "richardson",
    "complex",
    "backprop",
)  # the first is the default
EXIT_INTERNAL = 70
EXIT_IO = 74  # the output could not be written (a full disk, a closed stdout): sysexits' EX_IOERR
STDIN = "-"
_OPTION_LIKE = r"^--[A-Za-z][\w-]*(=.*)?$"


# --- option types: convert at the edge --------------------------------------------------------


class PointType(click.ParamType):
    """``--at``: ``a=5,b=3,c=2``, ``5,3,2`` or ``p=5,3,2``."""

    name = "POINT"

    def convert(self, value: Any, param: Any, ctx: Any) -> PointSpec:
        if isinstance(value, PointSpec):
            return value
        if str(value).strip() == STDIN:  # --at -: points stream from stdin
            return PointSpec(STDIN, None, ())
        try:
            return parse_spec(str(value))
        except PointsError as exc:
            self.fail(str(exc), param, ctx)


class ValuesType(click.ParamType):
    """``--at`` of a one-variable command: ``20``, ``x=20``, ``pi/2`` or a range ``-10:10:21``."""

    name = "X|START:STOP:COUNT"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[float, ...]:
        if isinstance(value, tuple):
            return value
        if str(value).strip() == STDIN:  # --at -: x values stream from stdin
            return (STDIN,)  # type: ignore[return-value]
        try:
            return parse_values(str(value))
        except PointsError as exc:
            self.fail(str(exc), param, ctx)


class SpanType(click.ParamType):
    """``--range START:STOP`` (a plot's x range)."""

    name = "START:STOP"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, Span):
            return value
        try:
            span = parse_span(str(value), with_count=False)
        except PointsError as exc:
            self.fail(str(exc), param, ctx)
        if span.stop < span.start:
            self.fail(f"range '{value}' must go up: START < STOP", param, ctx)
        return span


class EpsType(click.ParamType):
    """``--eps``: ``auto`` or a positive finite number."""

    name = "EPS|auto"

    def convert(self, value: Any, param: Any, ctx: Any) -> float | None:
        if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
            return None
        number = _positive(value)
        if number is None:
            self.fail(f"{value!r} is not a positive finite number (or 'auto')", param, ctx)
        return number


class PositiveFloat(click.ParamType):
    name = "FLOAT"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        number = _positive(value)
        if number is None:
            self.fail(f"{value!r} is not a positive finite number", param, ctx)
        return number


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


class ExpressionCommand(click.Command):
    """A command whose argument may start with a minus sign (``gradcli grad "-x**2"``).

    Unknown ``-x...`` words pass through as the expression; a word shaped like a long option
    (``--metod``) that is not one of the command's options is still refused by name.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", {})["ignore_unknown_options"] = True
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)
        expecting_value = False
        for word in args:
            if expecting_value:
                expecting_value = False
                continue
            if word == "--":
                break
            name = word.split("=", 1)[0]
            if name in takes_value:
                expecting_value = takes_value[name] and "=" not in word
            elif word.startswith("--") and re.match(_OPTION_LIKE, word):
                import difflib

                close = difflib.get_close_matches(name, list(takes_value), n=3)
                raise click.NoSuchOption(name, possibilities=close, ctx=ctx)
        return super().parse_args(ctx, args)


# --- the error boundary -----------------------------------------------------------------------


class GradcliGroup(click.Group):
    """A group whose ``main`` reports errors in one line and exits with gradcli's statuses.

    Every command but ``grad`` (the activations, one per registry entry marked as one, and
    those in ``_LAZY_COMMANDS``) is built when first asked for, so a run of one command does not
    pay for building the others' options.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        from ..registry import ACTIVATIONS

        return sorted({*self.commands, *_LAZY_COMMANDS, *ACTIVATIONS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in _LAZY_COMMANDS:
                self.add_command(_LAZY_COMMANDS[cmd_name]())
            else:
                from ..registry import ACTIVATIONS

                if cmd_name in ACTIVATIONS:
                    self.add_command(_activation_command(cmd_name))
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:  # suggest the activations too, not yet built
            raise click.exceptions.NoSuchCommand(
                exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx
            ) from None

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        if sys.stdout is None:  # started with stdout closed (>&-): nowhere to write
            _fail(EXIT_IO, "cannot write the output: stdout is closed")
        try:
            code = super().main(*args, **kwargs)
        except GradcliError as exc:
            _fail(exc.exit_code, str(exc), getattr(exc, "caret", lambda: None)())
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare 'gradcli': the help, as usual
                click.echo(exc.format_message(), err=True)
                sys.exit(EXIT_USAGE)
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            _fail(EXIT_USAGE, f"{exc.format_message()}{where}")
        except click.ClickException as exc:
            _fail(exc.exit_code, exc.format_message())
        except (click.exceptions.Abort, KeyboardInterrupt):
            _fail(EXIT_INTERRUPTED, "interrupted")
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(EXIT_OK)
        except OSError as exc:  # the system refused a read or write: not a bug in gradcli
            _quiet_stdout()  # what is still buffered for stdout must not fail again at exit
            _fail(EXIT_IO, f"cannot write the output: {exc.strerror or exc}")
        except Exception as exc:  # a bug in gradcli, not a user error
            if os.environ.get("GRADCLI_DEBUG"):
                raise
            _fail(
                EXIT_INTERNAL,
                f"internal error: {type(exc).__name__}: {exc} "
                "(set GRADCLI_DEBUG=1 for the traceback, and please report it)",
            )
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def _fail(code: int, message: str, detail: str | None = None) -> NoReturn:
    lines = [f"gradcli: error: {_one_line(message)}"]
    if detail and _stderr_is_terminal():
        lines.append(detail)
    click.echo("\n".join(lines), err=True)
    sys.exit(code)


def _one_line(text: str) -> str:
    """Escape what would break the one-line promise (newlines, control characters)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _quiet_stdout() -> None:
    """After the reader of stdout has gone (``| head``), let the interpreter exit quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _emit(write: Any) -> None:
    """Run ``write`` and flush; a closed pipe ends the run quietly with status 0."""
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(EXIT_OK)


# --- commands ---------------------------------------------------------------------------------


@click.group(
    cls=GradcliGroup,
    context_settings={"max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="gradcli")
def main() -> None:
    """Gradients you can check: finite differences next to exact backprop.

    \b
    Examples:
      gradcli grad "3*(a+b*c)" --at a=5,b=3,c=2
      gradcli grad "sigmoid(x)" --at x=20 --method forward --eps 0.001
      gradcli grad "log(1+exp(x*y))" --at 1,2 --format json
      gradcli sweep "exp(x)" --at x=1 --method forward --method central
      gradcli functions

    Exit status: 0 done, 1 f could not be evaluated at some point (or --strict and a
    warning, or a bad line in streamed input), 2 usage error, 70 internal error (a bug
    in gradcli), 74 the output could not be written, 130 interrupted.
    """


def point_options(command: Any = None, *, many: bool = True, stdin: bool = False) -> Any:
    """``--at`` and ``--vars``: where to differentiate (shared by the commands that take points).

    ``many``: --at may be repeated; ``stdin``: ``--at -`` streams points (grad only).
    """
    if command is None:
        return lambda command: point_options(command, many=many, stdin=stdin)
    command = click.option(
        "--vars",
        "order",
        metavar="NAMES",
        help="Order for positional --at values, e.g. b,a,c. Default: alphabetical.",
    )(command)
    text = "Point to differentiate at: a=5,b=3,c=2 (named) or 5,3,2 (in --vars order)."
    if many:
        text += " Repeat for more points."
    if stdin:
        text += " '-' reads points from stdin, one per line."
    return click.option("--at", "points", type=PointType(), multiple=True, metavar="POINT", help=text)(
        command
    )


def gradient_options(command: Any) -> Any:
    """``--method --eps --format --vanish --explode --strict``, as ``grad`` takes them."""
    for option in reversed(
        [
            click.option(
                "--method",
                type=click.Choice(METHODS),
                default=METHODS[0],
                show_default=True,
                help="Finite-difference method (five-point: 4th order; richardson: extrapolated; "
                "complex: complex step); backprop alone skips the finite difference.",
            ),
            click.option(
                "--eps",
                type=EpsType(),
                default="auto",
                show_default=True,
                help="Finite-difference step: a positive number, or auto (scaled to the method and |x|).",
            ),
            click.option(
                "--format",
                "fmt",
                type=click.Choice(FORMATS),
                default="table",
                show_default=True,
                help="Output format.",
            ),
            click.option(
                "--vanish",
                type=PositiveFloat(),
                default=1e-6,
                show_default=True,
                help="Warn when |gradient| is below this.",
            ),
            click.option(
                "--explode",
                type=PositiveFloat(),
                default=1e6,
                show_default=True,
                help="Warn when |gradient| is above this.",
            ),
            click.option("--strict", is_flag=True, help="Exit with status 1 if there is any warning."),
        ]
    ):
        command = option(command)
    return command


_INPUT_HELP = (
    "Read points from FILE, one per line (as --at - reads stdin): 5,3,2, a=5,b=3,c=2, "
    "or CSV/TSV under a header line naming the variables."
)


def stream_options(command: Any, input_help: str = _INPUT_HELP) -> Any:
    """``--input --on-error --jobs``: points streamed from a file or stdin (``--at -``)."""
    for option in reversed(
        [
            click.option(
                "--input",
                "input_path",
                type=click.Path(dir_okay=False, allow_dash=True),
                metavar="FILE",
                help=input_help,
            ),
            click.option(
                "--on-error",
                type=click.Choice(("continue", "stop")),
                default="continue",
                show_default=True,
                help="For a bad input line: report it and go on (exit 1 at the end), or stop there.",
            ),
            click.option(
                "--jobs",
                type=click.IntRange(min=0),
                default=0,
                show_default=True,
                help="Worker processes for streamed points; 0: one per core, at most 8.",
            ),
        ]
    ):
        command = option(command)
    return command


def streaming(points: tuple[PointSpec, ...], input_path: str | None) -> bool:
    """Whether the points come from a stream (``--at -`` or ``--input``); mixing is an error."""
    dash = any(getattr(p, "text", p) == STDIN or p == (STDIN,) for p in points)
    if dash and len(points) > 1:
        raise click.UsageError("--at - reads every point from stdin: give no other --at")
    if input_path is not None and points:
        raise click.UsageError("--input reads every point from FILE: give no --at")
    return dash or input_path is not None


def run_stream(
    expression: str,
    input_path: str | None,
    order: str | None,
    fmt: str,
    strict: bool,
    on_error: str,
    jobs: int,
    activation: Any = None,
    **job: Any,
) -> None:
    """Stream points from ``input_path`` (None or '-': stdin) through the pipeline to stdout.

    Bad lines and the first warnings go to stderr; exits 1 if a line was bad, f was not finite
    somewhere, or ``strict`` and a warning. ``activation`` (an :class:`ActivationResult` without
    results) draws tables as an activation's rows, a row per x, instead of a table per point.
    """
    from ..pipeline import default_jobs, run

    vars_order = tuple(v.strip() for v in order.split(",") if v.strip()) if order is not None else None
    if vars_order is not None:
        from ..language.parse import parse
        from ..points.spec import check_order

        check_order(vars_order, parse(expression).variables)
    if input_path in (None, STDIN):
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise click.UsageError(
                "the points come from stdin, but stdin is closed — pipe them in, or use --input FILE"
            )
        source, size = getattr(sys.stdin, "buffer", sys.stdin), None
    else:
        try:
            source = open(input_path, "rb", buffering=0)
        except OSError as exc:
            raise click.BadParameter(
                f"cannot read {input_path!r}: {exc.strerror}", param_hint="'--input'"
            ) from None
        size = os.fstat(source.fileno()).st_size if os.path.isfile(input_path) else None

    bar = None
    if size and _stderr_is_terminal():
        from ..table import progress_bar

        bar = progress_bar(size, stdout_is_terminal=sys.stdout.isatty())

    def report(kind: str, text: str) -> None:
        label = "error" if kind == "bad" else "warning"
        line = f"gradcli: {label}: {_one_line(text)}"
        if bar is not None:
            bar.print(line)
        else:
            click.echo(line, err=True)

    render = None
    if fmt == "table":
        from ..table import render as draw
        from ..table import stdout_console

        console = stdout_console()

        def render(result: Any, lines: list[int]) -> None:
            if activation is not None:
                from ..table import render_activation

                render_activation(activation._replace(result=result), console)
                return
            draw(result, console)
            console.print()

    try:
        summary = run(
            expression,
            source,
            sys.stdout,
            fmt=fmt,
            order=vars_order,
            on_error=on_error,
            jobs=jobs or default_jobs(),
            report=report,
            render=render,
            progress=bar.advance if bar is not None else None,
            **job,
        )
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(EXIT_OK)
    finally:
        if bar is not None:
            bar.close()
        if input_path not in (None, STDIN):
            source.close()
    if summary.warnings > summary.shown and fmt in ("csv", "tsv"):
        more = summary.warnings - summary.shown
        click.echo(f"gradcli: ... and {more} more warnings (see --format json)", err=True)
    if summary.stopped_at is not None:
        _fail(
            EXIT_NOT_FINITE,
            f"stopped at bad line {summary.stopped_at} (--on-error stop); {_points(summary.points)} written before it",
        )
    if summary.bad:
        _fail(
            EXIT_NOT_FINITE,
            f"{summary.bad} bad input line{'s' * (summary.bad != 1)} left out; {_points(summary.points)} written",
        )
    if summary.nonfinite or (strict and summary.warnings):
        sys.exit(EXIT_NOT_FINITE)


def _points(n: int) -> str:
    return f"{n} point{'s' * (n != 1)}"


def bind_points(expr: Any, points: tuple[PointSpec, ...], order: str | None) -> Any:
    """The ``--at`` specs bound to ``expr``'s variables as an (n, k) array; a missing --at is an error."""
    if any(p.text == STDIN for p in points):
        raise click.UsageError("--at - (points from stdin) works with grad and the activation commands only")
    from ..points.spec import bind, check_order

    names = expr.variables
    vars_order = None
    if order is not None:
        vars_order = check_order([v.strip() for v in order.split(",") if v.strip()], names)
    if not points:
        if names:
            example = ",".join(f"{name}={i + 1}" for i, name in enumerate(names))
            raise PointsError(
                "missing --at",
                hint=f"the expression's variables are {', '.join(names)}; e.g. --at {example}",
            )
        points = (PointSpec("", (), ()),)
    return bind(points, names, vars_order)


def output(result: Any, fmt: str, strict: bool, run: Any = None, then: Any = None) -> None:
    """Render a GradResult in ``fmt`` and exit 1 if f was not finite (or ``strict`` and warnings).

    ``run`` (an ActivationResult) renders it as an activation: a row per x and its healthy range.
    ``then`` is called after rendering (a plot), before the exit status is decided.
    """
    if fmt == "table":
        from ..table import render, render_activation, stdout_console

        console = stdout_console()
        _emit(lambda: render(result, console) if run is None else render_activation(run, console))
    else:
        from ..output.formats import WRITERS, check_columns, write_json

        if fmt != "json":
            check_columns(result.variables, fmt=fmt)
        if run is not None and fmt == "json":
            from ..output.activation import health_record

            extra = {"function": run.name, "healthy": health_record(run.health)}
            _emit(lambda: write_json(result, sys.stdout, extra))
        else:
            _emit(lambda: WRITERS[fmt](result, sys.stdout))
        if fmt != "json":
            _warn_on_stderr(result, by_x=run is not None)
            if run is not None:
                from ..output.activation import describe

                for line in describe(run.health, run.name):
                    click.echo(f"gradcli: note: {line.strip()}", err=True)
    if then is not None:
        _emit(then)

    if not result.finite.all():
        sys.exit(EXIT_NOT_FINITE)
    if strict and any(result.warnings):
        sys.exit(EXIT_NOT_FINITE)


@main.command(cls=ExpressionCommand)
@click.argument("expressions", nargs=-1, required=True, metavar="EXPRESSION...")
@point_options(stdin=True)
@gradient_options
@click.option(
    "--direction",
    metavar="VECTOR",
    help="Also the derivative along this vector (normalised), e.g. 1,0,-1 or x=1,z=-1.",
)
@stream_options
def grad(
    expressions: tuple[str, ...],
    points: tuple[PointSpec, ...],
    order: str | None,
    method: str,
    eps: float | None,
    fmt: str,
    vanish: float,
    explode: float,
    strict: bool,
    direction: str | None,
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
    """
    if streaming(points, input_path):
        if len(expressions) > 1 or direction is not None:
            raise click.UsageError("streamed points (--at -, --input) take one expression and no --direction")
        run_stream(
            expressions[0],
            input_path,
            order,
            fmt,
            strict,
            on_error,
            jobs,
            method=method,
            eps=eps,
            vanish=vanish,
            explode=explode,
        )
        return
    from ..derive.gradient import compute
    from ..language.parse import parse

    if len(expressions) > 1 or direction is not None:
        _grad_more(expressions, points, order, method, eps, fmt, vanish, explode, strict, direction)
        return
    expr = parse(expressions[0])
    result = compute(expr, bind_points(expr, points, order), method, eps, vanish, explode)
    output(result, fmt, strict)


class StepRangeType(click.ParamType):
    """``--range``: two positive steps, ``1e-1:1e-15`` (largest and smallest, either order)."""

    name = "FROM:TO"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[float, float]:
        if isinstance(value, tuple):
            return value
        parts = str(value).split(":")
        numbers = [_positive(part) for part in parts]
        if len(parts) != 2 or None in numbers:
            self.fail(f"{value!r} is not two positive numbers FROM:TO, e.g. 1e-1:1e-15", param, ctx)
        return numbers[0], numbers[1]  # type: ignore[return-value]


SWEEP_METHODS = tuple(m for m in METHODS if m != "backprop")


def _make_sweep() -> click.Command:
    """``gradcli sweep``, built when first asked for (see :class:`GradcliGroup`)."""

    @click.command(cls=ExpressionCommand)
    @click.argument("expression")
    @point_options(many=False)
    @click.option("--var", metavar="NAME", help="The variable to differentiate in. Default: the first.")
    @click.option(
        "--method",
        "methods",
        type=click.Choice(SWEEP_METHODS),
        multiple=True,
        help="Finite-difference method; repeat for several. Default: central.",
    )
    @click.option(
        "--eps", type=EpsType(), default=None, help="Your step, to see where it falls on the curve."
    )
    @click.option(
        "--range",
        "span",
        type=StepRangeType(),
        default="1e-1:1e-15",
        show_default=True,
        help="Largest and smallest step.",
    )
    @click.option(
        "--per-decade",
        type=click.IntRange(1, 20),
        default=1,
        show_default=True,
        help="Steps per factor of 10.",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(("table", "json")),
        default="table",
        show_default=True,
        help="Output format (json: JSON Lines).",
    )
    @click.option(
        "--plot", is_flag=True, help="Also draw |error| against eps on log-log axes, in the terminal."
    )
    @click.option(
        "--output",
        metavar="FILE",
        help="Also write that plot as an image (.png, .svg, .pdf; needs gradcli[plot]).",
    )
    def sweep(
        expression: str,
        points: tuple[PointSpec, ...],
        order: str | None,
        var: str | None,
        methods: tuple[str, ...],
        eps: float | None,
        span: tuple[float, float],
        per_decade: int,
        fmt: str,
        plot: bool,
        output: str | None,
    ) -> None:
        """Finite differences of EXPRESSION over a range of steps, against exact backprop.

        For each step from 1e-1 down to 1e-15 (--range), the derivative in one variable by each
        method and its error: truncation error falls as the step shrinks and rounding error rises,
        so the error is V-shaped. Marks the best step, the one --eps auto takes, and your --eps.

        \b
        Examples:
          gradcli sweep "exp(x)" --at x=1
          gradcli sweep "sigmoid(x)" --at x=1 --method forward --method central --eps 0.001
          gradcli sweep "a*b**2" --at a=1,b=2 --var b --range 1e-2:1e-12 --per-decade 2 --format json
          gradcli sweep "exp(x)" --at x=1 --method forward --method five-point --plot
        """
        from ..analysis.sweep import steps
        from ..analysis.sweep import sweep as run_sweep
        from ..errors import OptionError
        from ..language.parse import parse

        expr = parse(expression)
        names = expr.variables
        if not names:
            raise OptionError("the expression has no variables: there is nothing to sweep")
        block = bind_points(expr, points, order)
        if block.shape[0] != 1:
            raise PointsError(f"sweep takes one point, not {block.shape[0]}", hint="give --at once")
        if var is None:
            var = names[0]
        if var not in names:
            raise OptionError(
                f"unknown --var '{var}'", hint=f"the expression's variables are {', '.join(names)}"
            )
        if plot and fmt != "table":
            raise click.UsageError("--plot draws in the terminal: use it with --format table")
        grid = steps(span[0], span[1], per_decade)
        result = run_sweep(expr, block[0], names.index(var), methods or ("central",), grid, eps)
        if not math.isfinite(result.value):
            _fail(EXIT_NOT_FINITE, f"f is {result.value!r} at this point, so there is no derivative to sweep")
        if not math.isfinite(result.exact):
            click.echo(
                f"gradcli: warning: df/d{var} is {result.exact!r} here (backprop), so no step's error can be "
                "measured ('gradcli grad' says why)",
                err=True,
            )
        if output:
            from ..plot import save_sweep_figure

            save_sweep_figure(result, output)
        if fmt == "json":
            from ..output.jsonl import dumps, sweep_records

            _emit(lambda: sys.stdout.write("".join(dumps(r) + "\n" for r in sweep_records(result))))
            return
        from ..table import render_sweep, stdout_console

        console = stdout_console()
        _emit(lambda: render_sweep(result, console))
        if plot:
            from ..plot import sweep_terminal_plot

            _emit(lambda: _write_plot("\n" + sweep_terminal_plot(result, _columns(), color=_colors())))

    return sweep


def _grad_more(
    texts: tuple[str, ...],
    points: tuple[PointSpec, ...],
    order: str | None,
    method: str,
    eps: float | None,
    fmt: str,
    vanish: float,
    explode: float,
    strict: bool,
    direction: str | None,
) -> None:
    """``grad`` with several expressions (the Jacobian) and/or ``--direction``."""
    from types import SimpleNamespace

    from ..analysis.jacobian import JacobianResult, directional, jacobian, union_variables
    from ..language.parse import parse

    exprs = [parse(text) for text in texts]
    names = union_variables(exprs)
    at = bind_points(SimpleNamespace(variables=names), points, order)
    if direction is not None and not names:
        from ..errors import OptionError

        raise OptionError(
            "--direction: the expression has no variables, so there is no direction to differentiate along"
        )
    unit = _unit(direction, names, order) if direction is not None else None
    if fmt in ("csv", "tsv"):
        from ..output.formats import check_columns

        check_columns(names, len(exprs), unit is not None, fmt)
    jr: JacobianResult = jacobian(exprs, at, method, eps, vanish, explode)
    dirs = None
    if unit is not None:
        dirs = [directional(r, [unit[names.index(v)] for v in r.variables]) for r in jr.results]
    if len(exprs) == 1 and dirs is not None:
        _output_direction(jr.results[0], dirs[0], fmt)
    elif fmt == "table":
        from ..table import render_direction, render_jacobian, stdout_console

        console = stdout_console()
        if unit is not None:
            _emit(lambda: render_direction(unit, names, console))
        _emit(lambda: render_jacobian(jr, console, dirs))
    elif fmt == "json":
        from ..output.matrix import write_jacobian_json

        _emit(lambda: write_jacobian_json(jr, sys.stdout, dirs))
    else:
        from ..output.matrix import write_jacobian_delimited

        _emit(lambda: write_jacobian_delimited(jr, sys.stdout, "," if fmt == "csv" else "\t", dirs))
    if fmt not in ("table", "json"):
        for r in jr.results:
            _warn_on_stderr(r)
    if not jr.finite.all():
        sys.exit(EXIT_NOT_FINITE)
    if strict and any(any(r.warnings) for r in jr.results):
        sys.exit(EXIT_NOT_FINITE)


def _unit(text: str, names: tuple[str, ...], order: str | None) -> tuple[float, ...]:
    """``--direction`` as a unit vector over ``names`` (see :func:`gradcli.jacobian.parse_direction`)."""
    from ..analysis.jacobian import parse_direction
    from ..points.spec import check_order

    vars_order = None
    if order is not None:
        vars_order = check_order([v.strip() for v in order.split(",") if v.strip()], names)
    return parse_direction(text, names, vars_order)


def _output_direction(result: Any, d: Any, fmt: str) -> None:
    """One expression with ``--direction``: grad's usual output plus the derivative along u."""
    if fmt == "table":
        from ..table import render_with_direction, stdout_console

        console = stdout_console()
        _emit(lambda: render_with_direction(result, d, console))
    else:
        from ..output.matrix import write_direction

        _emit(lambda: write_direction(result, d, sys.stdout, fmt))


def _warn_on_stderr(result: Any, limit: int = 20, by_x: bool = False) -> None:
    """CSV/TSV have no room for warnings: list them on stderr, at most ``limit`` lines.

    ``by_x`` (an activation command) names each point by its x, as its table does.
    """
    from ..output.numbers import number

    shown = 0
    total = sum(len(w) for w in result.warnings)
    for p, warnings in enumerate(result.warnings):
        for w in warnings:
            if shown == limit:
                click.echo(f"gradcli: ... and {total - shown} more warnings (see --format json)", err=True)
                return
            if by_x:
                where = f"x = {number(result.points[p, 0])}"
            else:
                where = f"point {p + 1}" + (f", {w.var}" if w.var else "")
            click.echo(f"gradcli: warning: {where}: {w.kind}: {w.message}", err=True)
            shown += 1


def _make_functions() -> click.Command:
    """``gradcli functions``, built when first asked for (see :class:`GradcliGroup`)."""

    @click.command()
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(("table", "json")),
        default="table",
        show_default=True,
        help="Output format (json: JSON Lines).",
    )
    def functions(fmt: str) -> None:
        """List the functions and operators expressions may use, with their derivatives.

        \b
        Examples:
          gradcli functions
          gradcli functions --format json
        """
        from ..registry import CONSTANTS, FUNCTIONS, OPERATORS

        rows = [
            {
                "name": op.name,
                "usage": op.signature,
                "derivative": op.derivative,
                "not_differentiable": op.kink_doc or None,
                "doc": op.doc,
                "kind": "operator" if op in OPERATORS.values() else "function",
            }
            for op in [*OPERATORS.values(), *(f for n, f in FUNCTIONS.items() if f not in OPERATORS.values())]
        ]
        if fmt == "json":
            from ..output.jsonl import catalogue_records, write_records

            _emit(lambda: write_records(catalogue_records(rows, CONSTANTS), sys.stdout))
            return
        from ..table import render_functions, stdout_console

        console = stdout_console()
        _emit(lambda: render_functions(rows, CONSTANTS, console))

    return functions


def _make_diff() -> click.Command:
    """``gradcli diff``, built when first asked for (see :class:`GradcliGroup`)."""

    @click.command(cls=ExpressionCommand)
    @click.argument("expression")
    @click.option("--wrt", metavar="NAME", help="The variable to differentiate by. Default: every variable.")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(("text", "json")),
        default="text",
        show_default=True,
        help="Output format: text (gradcli input) or json.",
    )
    def diff(expression: str, wrt: str | None, fmt: str) -> None:
        """Symbolic derivative of EXPRESSION, written as gradcli input.

        With --wrt, prints df/dNAME alone (ready to pass back to gradcli); without it, one
        line per variable. Built from each function's rule in the registry and simplified
        (constants folded, no x*1 or 0+x); evaluating it gives backprop's gradient.

        \b
        Examples:
          gradcli diff "3*(a+b*c)" --wrt c
          gradcli diff "x**2*sin(y)"
          gradcli diff "sigmoid(w*x+b)" --format json
        """
        from ..language.parse import parse
        from ..language.symbolic import derivative_texts

        expr = parse(expression)
        texts = derivative_texts(expr, wrt)
        if fmt == "json":
            from ..output.jsonl import dumps

            _emit(lambda: sys.stdout.write(dumps({"expr": expr.text, "derivatives": texts}) + "\n"))
        elif wrt is not None:
            _emit(lambda: sys.stdout.write(texts[wrt] + "\n"))
        elif not texts:
            _emit(lambda: sys.stdout.write("f has no variables: it is constant\n"))
        else:
            _emit(lambda: sys.stdout.write("".join(f"df/d{name} = {text}\n" for name, text in texts.items())))

    return diff


def _make_trace() -> click.Command:
    """``gradcli trace``, built when first asked for (see :class:`GradcliGroup`)."""

    @click.command(cls=ExpressionCommand)
    @click.argument("expression")
    @point_options
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(("table", "json", "dot")),
        default="table",
        show_default=True,
        help="Output format (json: JSON Lines; dot: Graphviz source).",
    )
    @click.option(
        "--vanish",
        type=PositiveFloat(),
        default=1e-6,
        show_default=True,
        help="Mark edges whose local derivative shrinks the adjoint below this factor.",
    )
    def trace(
        expression: str, points: tuple[PointSpec, ...], order: str | None, fmt: str, vanish: float
    ) -> None:
        """Backprop made visible: the computation graph of EXPRESSION, node by node.

        For every node: its operation, its value (forward pass), its local derivative with
        respect to each child, and its adjoint df/dnode (backward pass), so you can follow
        the chain rule from f down to each variable. A variable used several times shows its
        contributions being summed; an edge that shrinks the adjoint below --vanish is marked.
        --format dot writes Graphviz source (render with 'dot -Tsvg').

        \b
        Examples:
          gradcli trace "3*(a+b*c)" --at a=5,b=3,c=2
          gradcli trace "sigmoid(w*x)" --at w=4,x=5
          gradcli trace "x*x+x" --at x=3 --format json
          gradcli trace "3*(a+b*c)" --at 5,3,2 --format dot | dot -Tsvg > graph.svg
        """
        from ..analysis.trace import trace as run_trace
        from ..language.parse import parse

        expr = parse(expression)
        block = bind_points(expr, points, order)
        traces = run_trace(expr, block, vanish)
        if fmt == "table":
            from ..table import render_trace, stdout_console

            console = stdout_console()
            _emit(lambda: render_trace(traces, console))
        else:
            from ..output.dot import write_dot
            from ..output.jsonl import write_traces

            writer = write_traces if fmt == "json" else write_dot
            _emit(lambda: writer(traces, sys.stdout))
        undefined = [p for p, t in enumerate(traces) if not math.isfinite(t.root.value)]
        if undefined:  # why, in grad's words: the operation that failed and its arguments
            from ..derive.gradient import BACKPROP, compute

            why = compute(expr, block[undefined], BACKPROP).warnings
            for p, warnings in zip(undefined, why):
                said = [w.message for w in warnings if w.kind == "nonfinite" and w.var is None]
                text = said[0] if said else f"f is {traces[p].root.value!r}"
                click.echo(f"gradcli: warning: point {p + 1}: nonfinite: {text}", err=True)
            sys.exit(EXIT_NOT_FINITE)

    return trace


def _make_hessian() -> click.Command:
    """``gradcli hessian``, built when first asked for (see :class:`GradcliGroup`)."""

    @click.command(cls=ExpressionCommand)
    @click.argument("expression")
    @point_options
    @click.option(
        "--method",
        type=click.Choice(METHODS),
        default=METHODS[0],
        show_default=True,
        help="Finite-difference method for the comparison; backprop alone skips it.",
    )
    @click.option(
        "--eps", type=EpsType(), default="auto", show_default=True, help="Finite-difference step, or auto."
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(("table", "json")),
        default="table",
        show_default=True,
        help="Output format (json: JSON Lines).",
    )
    def hessian(
        expression: str,
        points: tuple[PointSpec, ...],
        order: str | None,
        method: str,
        eps: float | None,
        fmt: str,
    ) -> None:
        """Hessian of EXPRESSION: exact, by finite differences, and what it says about the point.

        The exact Hessian differentiates each symbolic first derivative by backprop; the
        finite-difference one differences the exact gradient with --method and --eps. The
        eigenvalues say whether the point is a minimum, a maximum, a saddle, or flat.

        \b
        Examples:
          gradcli hessian "x**2 - y**2" --at x=0,y=0
          gradcli hessian "x**2 + x*y + y**2" --at 0,0 --format json
          gradcli hessian "sin(x)*cos(y)" --at x=1,y=2 --method forward --eps 1e-6
        """
        from ..analysis.hessian import hessian as compute_hessian
        from ..language.parse import parse

        expr = parse(expression)
        result = compute_hessian(expr, bind_points(expr, points, order), method, eps)
        if fmt == "table":
            from ..table import render_hessian, stdout_console

            console = stdout_console()
            _emit(lambda: render_hessian(result, console))
        else:
            from ..output.matrix import write_hessian_json

            _emit(lambda: write_hessian_json(result, sys.stdout))
        if not result.finite.all():
            sys.exit(EXIT_NOT_FINITE)

    return hessian


# --- activation commands, generated from the registry -------------------------------------------


def _activation_command(name: str) -> click.Command:
    from ..registry import ACTIVATIONS, FUNCTIONS

    act = ACTIVATIONS[name]
    op = FUNCTIONS[name]
    alias = f" Another name for {act.alias_of}." if act.alias_of else ""
    param = f" {act.param} (--{act.param}) defaults to {act.default!r}." if act.param else ""
    example_at = "--at -1 --at 0 --at 1" if name not in ("sigmoid", "tanh") else "--at 1 --at 20"
    help_text = f"""The activation {name}: {op.doc}.{alias}{param}

    For each x: f(x), f'(x) by the chosen finite difference and by backprop, the error between
    them and a status; under the table, the healthy range (where |f'| >= --vanish, and where
    f' is at least 10% of its peak), found numerically from the derivative. Also usable inside
    expressions: gradcli grad "{name}(w*x+b)" --at w=1,x=2,b=0.

    \b
    Examples:
      gradcli {name} {example_at}
      gradcli {name} --at -10:10:21 --method backprop
      gradcli {name} --at 2 --format json
      gradcli {name} --plot
      printf '1\\n20\\n' | gradcli {name} --at - --format csv
    """

    def command(
        points: tuple[tuple[float, ...], ...],
        method: str,
        eps: float | None,
        fmt: str,
        vanish: float,
        explode: float,
        strict: bool,
        plot: bool,
        image: str | None,
        input_path: str | None,
        on_error: str,
        jobs: int,
        **params: float,
    ) -> None:
        from ..analysis.activation import DEFAULT_RANGE, evaluate_activation

        if plot and fmt != "table":
            raise click.UsageError("--plot draws in the terminal: use it with --format table")
        if streaming(points, input_path):
            if plot or image is not None:
                raise click.UsageError("--plot and --output draw over --at values, not streamed ones")
            from ..analysis.activation import ActivationResult, expression_text

            values = (params[act.param],) if act.param else ()
            rows = ActivationResult(act, values, None, None)  # type: ignore[arg-type]  # rows only
            run_stream(
                expression_text(act, values), input_path, None, fmt, strict, on_error, jobs, rows,
                method=method, eps=eps, vanish=vanish, explode=explode,
            )  # fmt: skip
            return
        xs = [x for values in points for x in values] or list(parse_values(DEFAULT_RANGE))
        value = params.get(act.param) if act.param else None
        from ..output.activation import explain

        run = explain(evaluate_activation(name, xs, method, eps, vanish, explode, value))
        if image is not None:  # before any output, so a missing extra fails cleanly
            from ..plot import sample, save_figure

            save_figure(sample(run.result.expr, None, _activation_span(xs), {}, 200, vanish), image)
            click.echo(f"wrote {image}", err=True)
        then = None
        if plot:
            from ..plot import sample

            curves = sample(run.result.expr, None, _activation_span(xs), {}, 200, vanish)
            then = lambda: _draw(curves)
        output(run.result, fmt, strict, run=run, then=then)

    func: Any = click.option(
        "--output",
        "image",
        metavar="FILE",
        help="Also write f and f' over the --at range as an image (.png, .svg, .pdf; needs gradcli[plot]).",
    )(command)
    func = click.option(
        "--plot", is_flag=True, help="Also draw f and f' over the --at range (default -10:10)."
    )(func)
    if act.param:
        func = click.option(
            f"--{act.param}",
            type=float,
            default=act.default,
            show_default=True,
            help=f"The {act.param} of {name}.",
        )(func)
    for other in sorted({a.param for a in ACTIVATIONS.values() if a.param and a.param != act.param}):
        takers = [a.name for a in ACTIVATIONS.values() if a.param == other and not a.alias_of]
        func = click.option(
            f"--{other}",
            f"_no_{other}",
            hidden=True,
            expose_value=False,
            callback=_refuse_param(name, other, takers),
        )(func)
    func = stream_options(
        gradient_options(func),
        "Read x values from FILE, one per line (as --at - reads stdin): 20, x=20, "
        "or CSV/TSV under a header line with an x column.",
    )
    func = click.option(
        "--at",
        "points",
        type=ValuesType(),
        multiple=True,
        metavar="X",
        help="x, or a range START:STOP:COUNT (both ends included). Repeat for more. Default: -10:10:21.",
    )(func)
    return click.command(name, help=help_text)(func)


def _refuse_param(name: str, param: str, takers: list[str]) -> Any:
    """A callback for ``--alpha`` given to an activation without one: a usage error naming who has it."""

    def refuse(ctx: click.Context, option: click.Parameter, value: Any) -> None:
        if value is not None:
            raise click.UsageError(f"{name} has no --{param}: only {' and '.join(takers)} take one", ctx=ctx)

    return refuse


def _activation_span(xs: list[float]) -> Any:
    import numpy as np

    from ..plot import plot_span

    return plot_span(np.asarray(xs), Span(-10.0, 10.0, None))


def _draw(curves: Any, width: int | None = None) -> None:
    from ..plot import terminal_plot

    _write_plot(terminal_plot(curves, width or _columns(), color=_colors()))


def _write_plot(text: str) -> None:
    """Write a terminal plot; its braille dots need an encoding that has them (UTF-8)."""
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:  # the whole text is encoded before any of it is written
        from ..errors import OptionError

        raise OptionError(
            f"the output's encoding ({sys.stdout.encoding}) cannot show the plot's braille characters",
            hint="use a UTF-8 terminal (PYTHONIOENCODING=utf-8) or write an image with --output FILE.png",
        ) from None


def _columns() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def _colors() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _make_plot() -> click.Command:
    """``gradcli plot``, built when first asked for (see :class:`GradcliGroup`)."""

    @click.command(cls=ExpressionCommand)
    @click.argument("expression")
    @click.option("--var", metavar="NAME", help="The variable on the x axis. Default: the only one.")
    @click.option(
        "--range",
        "span",
        type=SpanType(),
        default="-10:10",
        show_default=True,
        help="The x range, START:STOP.",
    )
    @click.option(
        "--at", "fixed", type=PointType(), metavar="POINT", help="Values of the other variables: w=2,b=0."
    )
    @click.option(
        "--points", type=click.IntRange(2, 100_000), default=200, show_default=True, help="How many x."
    )
    @click.option(
        "--vanish", type=PositiveFloat(), default=1e-6, show_default=True, help="Mark |df/dx| below this."
    )
    @click.option(
        "--output", metavar="FILE", help="Write an image instead (.png, .svg, .pdf; needs gradcli[plot])."
    )
    @click.option(
        "--size",
        default="800x500",
        show_default=True,
        metavar="WxH",
        help="Image size in pixels, for --output.",
    )
    @click.option(
        "--width",
        type=click.IntRange(40, 1000),
        help="Characters per line in the terminal. Default: the terminal's width (80 when piped).",
    )
    def plot(
        expression: str,
        var: str | None,
        span: Any,
        fixed: PointSpec | None,
        points: int,
        vanish: float,
        output: str | None,
        size: str,
        width: int | None,
    ) -> None:
        """Draw EXPRESSION and its derivative (backprop) over a range of one variable.

        The region where |df/dx| < --vanish is marked. In the terminal (plotille, fitted to its
        width; plain text when piped), or with --output as a PNG, SVG or PDF image (matplotlib:
        pip install 'gradcli[plot]').

        \b
        Examples:
          gradcli plot "sigmoid(x)"
          gradcli plot "tanh(w*x)" --var x --range -5:5 --at w=2 --width 100
          gradcli plot "sigmoid(x)" --output sigmoid.png --size 800x500
        """
        import numpy as np

        from ..language.parse import parse
        from ..output.numbers import number
        from ..plot import parse_size, sample, save_figure

        expr = parse(expression)
        pixels = parse_size(size)
        values: dict[str, float] = {}
        if fixed is not None:
            if fixed.names is None:
                raise PointsError(f"--at '{fixed.text}' needs names", hint="e.g. --at w=2,b=0")
            values = dict(zip(fixed.names, fixed.values))
        curves = sample(expr, var, span, values, points, vanish)
        if not np.isfinite(curves.f).any():
            _fail(
                EXIT_NOT_FINITE,
                f"f is not finite at any of the {points} sampled {curves.var} from {number(span.start)} "
                f"to {number(span.stop)}, so there is nothing to plot — choose a --range where f is defined",
            )
        if output is not None:
            save_figure(curves, output, pixels)
            click.echo(f"wrote {output} ({pixels[0]}x{pixels[1]})", err=True)
            return
        _emit(lambda: _draw(curves, width))

    return plot


# commands built on first use: a run of one command does not pay for building the others
_LAZY_COMMANDS = {
    "sweep": _make_sweep,
    "functions": _make_functions,
    "diff": _make_diff,
    "trace": _make_trace,
    "hessian": _make_hessian,
    "plot": _make_plot,
}
