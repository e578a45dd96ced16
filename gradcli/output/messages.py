"""Every line gradcli writes to stderr, worded in one place.

Errors, warnings and notes share one shape, ``gradcli: KIND: text``, each on one line: newlines
and control characters in user text are escaped (:func:`one_line`), so a script reading stderr
line by line sees one message per line. The command line writes these strings; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

PROG = "gradcli"
WARNING_LIMIT = 20  # warnings listed one by one on stderr (CSV/TSV have no room for them)
MORE_HINT = "see --format json"


def one_line(text: str) -> str:
    """``text`` with what would break the one-line promise (newlines, control characters) escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def error(message: str) -> str:
    """``gradcli: error: message``."""
    return f"{PROG}: error: {one_line(message)}"


def warning(message: str) -> str:
    """``gradcli: warning: message``."""
    return f"{PROG}: warning: {one_line(message)}"


def note(message: str) -> str:
    """``gradcli: note: message`` (what the user may want to know; not a problem)."""
    return f"{PROG}: note: {one_line(message.strip())}"


def more_warnings(count: int) -> str:
    """The line that ends a capped list of warnings."""
    return f"{PROG}: ... and {count} more warnings ({MORE_HINT})"


def internal_error(exc: BaseException) -> str:
    """An exception gradcli did not expect: always a bug, said as one."""
    return error(
        f"internal error: {type(exc).__name__}: {exc} (set GRADCLI_DEBUG=1 for the traceback, and please report it)"
    )


def usage(message: str, command_path: str | None = None) -> str:
    """A usage error, pointing to the command's --help."""
    where = f" (see '{command_path} --help')" if command_path else ""
    return error(f"{message}{where}")


def point_warning(where: str, kind: str, message: str) -> str:
    """One diagnostic of one point: ``gradcli: warning: point 2, x: vanishing: ...``."""
    return warning(f"{where}: {kind}: {message}")


def result_warnings(result: Any, *, by_x: bool = False, limit: int = WARNING_LIMIT) -> Iterator[str]:
    """A GradResult's warnings as stderr lines, at most ``limit``, then how many more.

    ``by_x`` (an activation command) names each point by its x, as its table does; otherwise
    by its number (1-based) and the variable.
    """
    from .formats import number

    shown = 0
    total = sum(len(w) for w in result.warnings)
    for p, warnings in enumerate(result.warnings):
        for w in warnings:
            if shown == limit:
                yield more_warnings(total - shown)
                return
            if by_x:
                where = f"x = {number(result.points[p, 0])}"
            else:
                where = f"point {p + 1}" + (f", {w.var}" if w.var else "")
            yield point_warning(where, w.kind, w.message)
            shown += 1


def notes(lines: Iterable[str]) -> list[str]:
    """Sentences (e.g. an activation's healthy range) as note lines."""
    return [note(line) for line in lines]


def stream_line(kind: str, text: str) -> str:
    """A streamed run's report: a bad input line (an error) or a point's warning."""
    return error(text) if kind == "bad" else warning(text)


def _points(n: int) -> str:
    return f"{n} point{'s' * (n != 1)}"


def stream_summary(summary: Any, fmt: str) -> tuple[list[str], str | None]:
    """What a finished stream says on stderr: (warning lines, the final error or None).

    ``summary`` is a :class:`gradcli.pipeline.Summary`; the final error is set when a bad line
    stopped the run or was left out.
    """
    lines = []
    if summary.warnings > summary.shown and fmt in ("csv", "tsv"):
        lines.append(more_warnings(summary.warnings - summary.shown))
    final = None
    if summary.stopped_at is not None:
        final = f"stopped at bad line {summary.stopped_at} (--on-error stop); {_points(summary.points)} written before it"
    elif summary.bad:
        final = f"{summary.bad} bad input line{'s' * (summary.bad != 1)} left out; {_points(summary.points)} written"
    return lines, final


def wrote(path: str, pixels: tuple[int, int] | None = None) -> str:
    """After an image is written: ``wrote FILE`` (and its size)."""
    size = f" ({pixels[0]}x{pixels[1]})" if pixels else ""
    return f"wrote {path}{size}"


def trace_undefined(point: int, reason: str) -> str:
    """trace's line for a point where f is not finite, with grad's reason."""
    return point_warning(f"point {point}", "nonfinite", reason)


def sweep_exact_undefined(var: str, exact: float) -> str:
    """sweep's line when backprop's derivative is not finite, so no error can be measured."""
    return warning(
        f"df/d{var} is {exact!r} here (backprop), so no step's error can be measured ('gradcli grad' says why)"
    )
