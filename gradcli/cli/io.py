"""The one place the command line writes text: stdout through :func:`emit`, stderr through
:func:`say` and :func:`fail`, both in the terminal's encoding.

An output encoding without gradcli's few non-ASCII characters (cp1252 has no "≈", ASCII no "×")
does not crash a run: :func:`use_ascii_fallback` makes both streams spell those characters in
ASCII (``~=``, ``x``, ``--``) and anything else as ``?``.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from ..errors import EXIT_IO, EXIT_OK  # noqa: F401  (EXIT_IO: re-exported for the commands)
from ..output import messages

EXIT_INTERNAL = 70
FALLBACK = "gradcli-ascii"
ASCII = {
    "≈": "~=", "×": "x", "—": "--", "–": "-", "…": "...", "′": "'", "″": "''", "≥": ">=", "≤": "<=",
    "≠": "!=", "±": "+/-", "·": "*", "−": "-", "→": "->", "←": "<-", "∞": "inf", "√": "sqrt",
    "∂": "d", "²": "^2", "³": "^3", "µ": "u", "π": "pi", "│": "|", "─": "-", "━": "-", "┃": "|",
    "•": "*", "✓": "ok", "✗": "x", "‖": "||", "“": '"', "”": '"', "‘": "'", "’": "'",
}  # fmt: skip


def _fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start : exc.end]
    return "".join(ASCII.get(ch, "?") for ch in text), exc.end


def use_ascii_fallback() -> None:
    """Let stdout and stderr write every character, spelling those their encoding lacks in ASCII."""
    try:
        codecs.lookup_error(FALLBACK)
    except LookupError:
        codecs.register_error(FALLBACK, _fallback)
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding in ("", "utf8", "utf16", "utf32") or not hasattr(stream, "reconfigure"):
            continue
        try:
            stream.reconfigure(errors=FALLBACK)
        except (ValueError, OSError, TypeError):  # pragma: no cover - a stream that cannot change
            pass


def can_encode(text: str, stream: Any = None) -> bool:
    """Whether ``stream`` (default stdout) can write ``text`` as it is, without the fallback."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


_quiet = False  # --quiet: no note lines on stderr (warnings and errors stay)
_NOTE = f"{messages.PROG}: note:"


def be_quiet(quiet: bool) -> None:
    """``--quiet``: from now on :func:`say` leaves out ``gradcli: note:`` lines."""
    global _quiet
    _quiet = quiet


class Headerless:
    """stdout without its first line (``--no-header``): the header is still built, and checked."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._skipping = True

    def write(self, text: str) -> int:
        if self._skipping:
            end = text.find("\n")
            if end < 0:
                return len(text)
            self._skipping = False
            rest = text[end + 1 :]
            if rest:
                self._stream.write(rest)
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def say(lines: str | Iterable[str]) -> None:
    """Write one line (or several) to stderr; the text comes worded from :mod:`gradcli.output.messages`.

    Under ``--quiet`` the note lines are left out; warnings and errors are always written.
    """
    if isinstance(lines, str):
        lines = [lines]
    stream = sys.stderr
    if stream is None:
        return
    quiet = _quiet
    for line in lines:
        if quiet and line.startswith(_NOTE):
            continue
        stream.write(line + "\n")
    stream.flush()


def fail(code: int, message: str, detail: str | None = None) -> NoReturn:
    """Say ``message`` as gradcli's one error line (and ``detail`` under it on a terminal); exit ``code``."""
    lines = [messages.error(message)]
    if detail and stderr_is_terminal():
        lines.append(detail)
    say(lines)
    sys.exit(code)


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def quiet_stdout() -> None:
    """After the reader of stdout has gone (``| head``), let the interpreter exit quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def emit(write: Callable[[], Any]) -> None:
    """Run ``write`` (which writes to stdout) and flush; a closed pipe ends the run quietly, status 0."""
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(EXIT_OK)


def write(text: str) -> None:
    """Write ``text`` to stdout (see :func:`emit`)."""
    emit(lambda: sys.stdout.write(text))


def columns() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def lines() -> int:
    """The terminal's height for a plot: LINES if set, else the terminal's, else 24 (piped)."""
    import os
    import shutil

    try:
        terminal = bool(os.environ.get("LINES")) or sys.stdout.isatty()
    except (AttributeError, ValueError):
        terminal = False
    return shutil.get_terminal_size((80, 24)).lines if terminal else 24


def colors() -> bool:
    """Whether stdout gets colour (:mod:`gradcli.output.color`: --color, NO_COLOR, FORCE_COLOR)."""
    from ..output.color import wants_color

    return wants_color(sys.stdout)


def write_plot(text: str) -> None:
    """Write a terminal plot; its braille dots need an encoding that has them (UTF-8)."""
    if not can_encode(text):
        from ..errors import OptionError

        raise OptionError(
            f"the output's encoding ({sys.stdout.encoding}) cannot show the plot's braille characters",
            hint="use a UTF-8 terminal (PYTHONIOENCODING=utf-8) or write an image with --output FILE.png",
        )
    write(text)
