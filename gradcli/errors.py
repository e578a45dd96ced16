"""The errors gradcli raises for bad input, and the exit status each one maps to.

Every user mistake is a :class:`GradcliError`. The command-line layer turns it into one line
on stderr and its ``exit_code``; the library raises it for callers to catch. stdlib only.

Exit statuses (documented in the README):

====  =====================================================================
0     done
1     could not evaluate (f is not finite at some point), or ``--strict`` and a warning,
      or a bad line in streamed input (``--at -``, ``--input``)
2     usage error: a bad expression, point, option or value
130   interrupted (Ctrl-C)
====  =====================================================================
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_NOT_FINITE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # gradcli itself failed (a bug, or a worker process killed): sysexits' EX_SOFTWARE
EXIT_IO = 74  # the output could not be written (a full disk, a closed stdout): sysexits' EX_IOERR
EXIT_INTERRUPTED = 130


QUOTE_WIDTH = 40  # characters of user input an error line quotes at most (plus the "..." marks)


def quote(text: str, column: int | None = None, width: int = QUOTE_WIDTH) -> str:
    """``text`` in single quotes, shortened as :func:`short` shortens it (see there)."""
    return f"'{short(text, column, width)}'"


def short(text: str, column: int | None = None, width: int = QUOTE_WIDTH) -> str:
    """``text`` as an error line quotes user input: short, one line, printable.

    At most ``width`` characters of ``text`` are kept: a window around the 1-based ``column``
    (the fault) when one is given, else the start and the end; a cut is marked ``...``.
    Characters that are not printable (control characters, line breaks) are written as
    escapes (``\\n``, ``\\x1b``), so a quoted value can neither break the line nor
    drive the terminal. Every error that quotes user input quotes it through here.
    """
    if len(text) > width:
        if column is None:
            head = width // 2
            text = f"{text[:head]}...{text[len(text) - (width - head) :]}"
        else:
            text = window(text, column, width)[0]
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text


def window(text: str, column: int, width: int = 2 * QUOTE_WIDTH) -> tuple[str, int]:
    """A piece of ``text`` at most ``width`` characters long around the 1-based ``column``.

    Returns the piece (cuts marked ``...``) and the column within it, for a caret line.
    """
    if len(text) <= width:
        return text, column
    start = min(max(column - 1 - width // 2, 0), len(text) - width)
    end = start + width
    lead = "..." if start > 0 else ""
    piece = f"{lead}{text[start:end]}{'...' if end < len(text) else ''}"
    return piece, column - start + len(lead)


class GradcliError(Exception):
    """A mistake in what the user asked for: one line of text, one exit status.

    ``hint`` (optional) says how to put it right; it is shown after an em dash.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (a stream's worker raises it in the main process): type, args and every
        attribute, whatever the subclass's ``__init__`` takes."""
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[GradcliError], args: tuple[Any, ...], state: dict[str, Any]) -> GradcliError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ExpressionError(GradcliError):
    """The expression text is not valid gradcli input.

    ``column`` is 1-based (``None`` when the error is about the whole text); ``length`` is how
    many characters the offending piece spans, for a caret under it.
    """

    def __init__(
        self,
        message: str,
        text: str,
        column: int | None = None,
        length: int = 1,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.text = text
        self.column = column
        self.length = max(1, length)

    def __str__(self) -> str:
        where = f" (column {self.column})" if self.column is not None else ""
        text = f"{self.message}{where}"
        return f"{text} — {self.hint}" if self.hint else text

    def caret(self) -> str | None:
        """Two lines, the expression (a short window of it) and a caret under the offending piece.

        None if there is no column. A character that is not printable shows as ``?``.
        """
        if self.column is None:
            return None
        text = self.text
        if not text.isprintable():
            text = "".join(ch if ch.isprintable() else "?" for ch in text)
        piece, column = window(text, self.column)
        length = max(1, min(self.length, len(piece) - column + 1))
        return f"  {piece}\n  {' ' * (column - 1)}{'^' * length}"


class PointsError(GradcliError):
    """A point (``--at``) does not give each variable exactly one finite value."""


class OptionError(GradcliError):
    """An option's value is out of range or does not fit the other options."""


class OutputError(GradcliError):
    """A file gradcli was asked to write (``--output``, ``--errors``) cannot be written."""

    exit_code = EXIT_IO


class WorkerError(GradcliError):
    """A stream's worker process died (killed by a signal: the out-of-memory killer, or kill -9)."""

    exit_code = EXIT_INTERNAL


class NotFiniteError(GradcliError):
    """f cannot be evaluated where the whole request needs it (a plot with no finite value)."""

    exit_code = EXIT_NOT_FINITE
