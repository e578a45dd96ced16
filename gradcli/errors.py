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

EXIT_OK = 0
EXIT_NOT_FINITE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


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
        """Two lines, the expression and a caret under the offending piece (None if no column)."""
        if self.column is None or len(self.text) > 200:
            return None
        return f"  {self.text}\n  {' ' * (self.column - 1)}{'^' * self.length}"


class PointsError(GradcliError):
    """A point (``--at``) does not give each variable exactly one finite value."""


class OptionError(GradcliError):
    """An option's value is out of range or does not fit the other options."""
