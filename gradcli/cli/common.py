"""What several commands do alike: bind ``--at`` to an expression, stream points through the
pipeline, render a gradient result, and end with the one exit-status rule."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from ..errors import EXIT_NOT_FINITE, EXIT_OK, OutputError, PointsError
from ..output import messages
from ..points.spec import PointSpec
from .io import emit, fail, quiet_stdout, say, stderr_is_terminal
from .types import STDIN


def finish(result: Any, strict: bool = False) -> NoReturn:
    """Exit with :func:`gradcli.analysis.status.exit_status` of ``result``."""
    from ..analysis.status import exit_status

    sys.exit(exit_status(result, strict))


def streaming(points: Sequence[Any], input_path: str | None) -> bool:
    """Whether the points come from a stream (``--at -`` or ``--input``); mixing is an error."""
    dash = any(getattr(p, "text", p) == STDIN or p == (STDIN,) for p in points)
    if dash and len(points) > 1:
        raise click.UsageError("--at - reads every point from stdin: give no other --at")
    if input_path is not None and points:
        raise click.UsageError("--input reads every point from FILE: give no --at")
    return dash or input_path is not None


def bind_points(expr: Any, points: Sequence[PointSpec], order: Sequence[str] | None) -> Any:
    """The ``--at`` specs bound to ``expr``'s variables as an (n, k) array; a missing --at is an error."""
    if any(p.text == STDIN for p in points):
        raise click.UsageError("--at - (points from stdin) works with grad and the activation commands only")
    from ..points.spec import bind, check_order

    names = expr.variables
    vars_order = check_order(order, names) if order is not None else None
    if not points:
        if names:
            example = ",".join(f"{name}={i + 1}" for i, name in enumerate(names))
            raise PointsError(
                "missing --at", hint=f"the expression's variables are {', '.join(names)}; e.g. --at {example}"
            )
        points = (PointSpec("", (), ()),)
    return bind(points, names, vars_order)


def _open(input_path: str | None) -> tuple[Any, int | None]:
    if input_path in (None, STDIN):
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise click.UsageError(
                "the points come from stdin, but stdin is closed — pipe them in, or use --input FILE"
            )
        if _is_terminal(sys.stdin):  # typed by hand: say what gradcli waits for
            say(messages.note("reading points from stdin, one per line (end with Ctrl-D)"))
        return getattr(sys.stdin, "buffer", sys.stdin), None
    try:
        source = open(input_path, "rb", buffering=0)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot read {input_path!r}: {exc.strerror}", param_hint="'--input'"
        ) from None
    return source, os.fstat(source.fileno()).st_size if os.path.isfile(input_path) else None


BAD_SHOWN = 10  # bad streamed lines reported one by one on stderr; the rest are counted


def _open_errors(path: str) -> Any:
    """``--errors FILE`` opened for writing; one that cannot be is an output failure (exit 74)."""
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write --errors {path!r}: {exc.strerror or exc}") from None


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def run_stream(
    expression: str,
    input_path: str | None,
    order: tuple[str, ...] | None,
    fmt: str,
    strict: bool,
    on_error: str,
    jobs: int,
    activation: Any = None,
    **job: Any,
) -> NoReturn:
    """Stream points from ``input_path`` (None or '-': stdin) through the pipeline to stdout.

    Bad lines and the first warnings go to stderr; exits 1 if a line was bad, f was not finite
    somewhere, or ``strict`` and a warning. ``activation`` (an :class:`ActivationResult` without
    results) draws tables as an activation's rows, a row per x, instead of a table per point.
    """
    from ..language.parse import parse
    from ..pipeline import default_jobs, require_variables, run

    expr = parse(expression)  # a bad expression is the one line said, before any note
    require_variables(expr)  # and so is one without variables
    variables = expr.variables
    if order is not None:
        from ..points.spec import check_order

        check_order(order, variables)
    source, size = _open(input_path)
    bar = None
    if size and stderr_is_terminal():
        from ..table import progress_bar

        bar = progress_bar(size, stdout_is_terminal=sys.stdout.isatty())

    ctx = click.get_current_context()
    if fmt == "table" and activation is None and not _is_terminal(sys.stdout):
        from click.core import ParameterSource

        if ctx.get_parameter_source("fmt") is ParameterSource.DEFAULT:  # a table per point suits no pipe
            fmt = "csv"
            say(messages.note("streamed points to a pipe are written as CSV (--format table keeps tables)"))
    errors_path = ctx.meta.get("gradcli.errors")
    errors = _open_errors(errors_path) if errors_path is not None else None
    shown = [0]  # bad lines written to stderr; the rest are counted at the end

    def report(kind: str, text: str) -> None:
        if kind == "bad":
            shown[0] += 1
            if shown[0] > BAD_SHOWN:
                return
        line = messages.stream_line(kind, text)
        bar.print(line) if bar is not None else say(line)

    def keep(bad: Any) -> None:
        from ..output.jsonl import dumps

        errors.write(dumps({"line": bad.line, "text": bad.text, "reason": bad.reason}) + "\n")  # type: ignore[union-attr]

    try:
        summary = run(
            expression, source, sys.stdout, fmt=fmt, order=order, on_error=on_error,
            jobs=jobs or default_jobs(), report=report, render=_stream_renderer(fmt, activation),
            progress=bar.advance if bar is not None else None,
            on_bad=keep if errors is not None else None, **job,
        )  # fmt: skip
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(EXIT_OK)
    finally:
        if bar is not None:
            bar.close()
        if input_path not in (None, STDIN):
            source.close()
        if errors is not None:
            errors.close()
    lines, final = messages.stream_summary(summary, fmt)
    if shown[0] > BAD_SHOWN:
        where = f"{errors_path} has them all" if errors_path else "--errors FILE keeps them all"
        lines.insert(0, messages.error(f"{shown[0] - BAD_SHOWN:,} more bad lines not shown ({where})"))
    say(lines)
    if final is not None:
        fail(EXIT_NOT_FINITE, final)
    finish(summary, strict)


def _stream_renderer(fmt: str, activation: Any) -> Callable[[Any, list[int]], None] | None:
    if fmt != "table":
        return None
    from ..table import render, render_activation, stdout_console

    console = stdout_console()

    def draw(result: Any, lines: list[int]) -> None:
        if activation is not None:
            render_activation(activation._replace(result=result), console)
            return
        render(result, console)
        console.print()

    return draw


def show(result: Any, fmt: str, run: Any = None, then: Callable[[], None] | None = None) -> None:
    """Render a GradResult in ``fmt``; CSV/TSV list its warnings on stderr.

    ``run`` (an ActivationResult) renders it as an activation: a row per x and its healthy range.
    ``then`` is called after rendering (a plot).
    """
    if fmt == "table":
        from ..table import render, render_activation, stdout_console

        console = stdout_console()
        emit(lambda: render(result, console) if run is None else render_activation(run, console))
    else:
        from ..output.delimited import header
        from ..output.formats import WRITERS

        if fmt != "json":
            header(result.variables, fmt=fmt)  # the one check: refuses a column named twice
        if run is not None:  # each x with its verdict (health)
            from ..output.activation import write_activation

            emit(lambda: write_activation(run, fmt, sys.stdout))
        else:
            emit(lambda: WRITERS[fmt](result, sys.stdout))
        if fmt != "json":
            say(messages.result_warnings(result, by_x=run is not None))
            if run is not None:
                from ..output.activation import describe

                say(messages.notes(describe(run.health, run.name)))
    if then is not None:
        emit(then)
