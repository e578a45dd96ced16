"""A byte stream -> chunks of whole lines of text, handed out as soon as input pauses.

:func:`read_chunks` reads stdin or a file (``--at -``, ``--input FILE``) with ``os.read`` where
there is a file descriptor, so a slow producer sees each answer at once while a fast one is
read in chunks of about :data:`CHUNK_BYTES`; memory is bounded by the chunk size plus the
longest line. :func:`data_line` finds the first line that holds data. The stdlib, and numpy to count lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from ..errors import GradcliError

CHUNK_BYTES = 1 << 20  # a full chunk: ~1 MiB of text (about 20,000 lines of three numbers)
READ_BYTES = 1 << 16  # one read from the source


class Chunk:
    """Whole lines starting at line ``first`` (1-based): ``data``, their ``nbytes`` bytes as read,
    and ``text``, decoded on first use (a reader that hands a worker only the chunk's place in a
    file never decodes it); ``more``: more input is ready now."""

    __slots__ = ("_text", "data", "first", "lead", "more", "nbytes")

    def __init__(self, data: bytes, first: int, more: bool, lead: bool = False) -> None:
        self.data, self.first, self.more, self.nbytes = data, first, more, len(data)
        self.lead = lead  # the stream's first chunk: a byte order mark there is not data
        self._text: str | None = None

    @property
    def text(self) -> str:
        """The lines as text: undecodable bytes replaced, a leading byte order mark dropped."""
        if self._text is None:
            text = self.data.decode("utf-8", errors="replace")
            self._text = text.removeprefix("\ufeff") if self.lead else text  # Excel's "CSV UTF-8"
        return self._text


def read_chunks(source: Any, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """Chunks of whole lines from a binary file object, handed out as soon as input pauses.

    Reads with ``os.read`` where ``source`` has a file descriptor (so a pipe's data is used as
    soon as it arrives) and asks ``select`` whether more is ready (a pause in the middle of a
    line gives an empty chunk, so the caller can write what it has); otherwise (an in-memory
    stream) reads ``source.read``. A chunk ends at a newline, except the last, which holds any
    final line without one, so memory is bounded by the chunk size plus the longest line. Bytes
    that are not UTF-8 are replaced (the line is then reported as not a number); a UTF-8 byte
    order mark at the very start is dropped, and a UTF-16 one raises :class:`GradcliError`.
    """
    read, ready, regular = _reader(source)
    step = max(READ_BYTES, chunk_bytes) if regular else READ_BYTES  # a file: a chunk in one read
    pending = bytearray()  # appended in place: a line longer than a chunk costs linear time, not quadratic
    line = 1
    while True:
        searched = len(pending)  # what is pending holds no newline (it was cut after the last one)
        data = read(step)
        eof = not data
        pending += data
        while not eof and len(pending) < chunk_bytes and ready():
            data = read(step)
            eof = not data
            pending += data
        cut = len(pending) if eof else pending.rfind(b"\n", searched) + 1
        if cut:
            with memoryview(pending) as view:
                piece = bytes(view[:cut])  # one copy (a bytearray slice would be a second)
            del pending[:cut]
            if line == 1 and piece[:2] in (b"\xff\xfe", b"\xfe\xff"):
                raise GradcliError(
                    "the input is UTF-16 text (it starts with a UTF-16 byte order mark), not UTF-8",
                    hint="convert it first: iconv -f UTF-16 -t UTF-8 FILE, or save it as CSV UTF-8",
                )
            yield Chunk(piece, line, not eof and ready(), lead=line == 1)
            line += _newlines(piece)
        elif not eof and not ready():
            yield Chunk(b"", line, False)  # only part of a line so far: a pause, all the same
        if eof:
            return


def _newlines(data: bytes) -> int:
    """How many newlines ``data`` holds (the same in its text: no other UTF-8 byte is 10)."""
    import numpy as np

    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))  # 5x bytes.count


def _reader(source: Any) -> tuple[Any, Any, bool]:
    """``read(n)`` and ``ready()`` for ``source``, and whether it is a regular file (always
    ready: no ``select``); a read that fails raises :class:`GradcliError`.

    A file descriptor left non-blocking (by whatever started gradcli) is waited on with
    ``select``, as if it were blocking.
    """
    try:
        fd = source.fileno()
    except (AttributeError, OSError, ValueError):
        read_any = getattr(source, "read1", source.read)
        return read_any, lambda: False, False
    import select
    import stat

    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        regular = False

    def ready() -> bool:
        try:
            return bool(select.select([fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def read(n: int) -> bytes:
        while True:
            try:
                return os.read(fd, n)
            except BlockingIOError:
                select.select([fd], [], [])
            except OSError as exc:
                name = getattr(source, "name", None)
                where = "stdin" if name in (None, 0, "<stdin>") else repr(name)
                raise GradcliError(f"cannot read {where}: {exc.strerror or exc}") from None

    return read, (lambda: True) if regular else ready, regular


def data_line(text: str) -> tuple[int, str] | None:
    """The first line of ``text`` that is neither blank nor a comment: (its 0-based index, text)."""
    for i, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return i, line.rstrip("\r")
    return None
