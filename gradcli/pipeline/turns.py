"""The order a stream's workers write in: each writes its own chunks' text to the output, in
input order, through a turn counter they share.

The main process makes the shared order (:func:`shared`) before it forks the workers; each
worker starts a writer thread (:func:`start_writer`) and hands it a chunk's bytes when the chunk
is done (:func:`hand_over`), so it goes on to its next chunk while the thread waits for the
chunk's turn. After a chunk that stopped the run (``--on-error stop``), or a failed write,
later chunks write nothing; a failed write's errno is kept for the main process to raise
(:func:`raise_write_error`, :func:`wait_written`). Never to a terminal (:func:`direct_fd`).
"""

from __future__ import annotations

import errno
import os
from typing import Any

_WRITER: dict[str, Any] = {}  # in a worker that writes: its handle on the output, the order, its queue


def direct_fd(out: Any) -> int | None:
    """The file descriptor workers may write ``out``'s text to themselves, in order (a pipe or a
    file, not a terminal: a progress bar may be drawn there); None: they hand it back instead."""
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return None if not isinstance(fd, int) or os.isatty(fd) else fd


def shared(context: Any) -> tuple[Any, Any, Any, Any]:
    """The order the workers share: a condition, the next turn, halted, a failed write's errno."""
    return (
        context.Condition(),
        context.Value("q", 0, lock=False),
        context.Value("b", 0, lock=False),
        context.Value("i", 0, lock=False),
    )


def wait_written(order: Any, turns: int, check: Any = None) -> None:
    """Wait until the first ``turns`` pooled chunks are written (or skipped after a stop or a
    failed write); raise the failed write's error, as the write itself would have. ``check()``
    is called a few times a second while waiting (it raises if a worker died: its turn would
    never come)."""
    cond, next_turn = order[0], order[1]
    while True:
        # (a timed acquire too: a worker killed inside ``with cond`` never releases it)
        if cond.acquire(timeout=0.25):
            try:
                if cond.wait_for(lambda: next_turn.value >= turns, timeout=0.25):
                    break
            finally:
                cond.release()
        if check is not None:
            check()
    raise_write_error(order)


def raise_write_error(order: Any) -> None:
    """Raise the error of a worker's failed write (a closed pipe: BrokenPipeError), if one failed."""
    failed = order[3].value
    if failed:
        raise OSError(failed, os.strerror(failed))


def start_writer(out_fd: int, order: Any) -> None:
    """In a worker: its own handle on the output, and a thread that writes its chunks there."""
    import queue
    import threading

    _WRITER["out"] = os.dup(out_fd)
    _WRITER["order"] = order
    writes: queue.Queue[tuple[bytes, int, bool]] = queue.Queue(maxsize=1)
    _WRITER["writes"] = writes  # at most one queued (see hand_over)
    threading.Thread(target=_writer, args=(writes,), daemon=True).start()


def writing() -> bool:
    """Whether this process writes its chunks itself (a worker with a writer thread)."""
    return "out" in _WRITER


def hand_over(data: bytes, turn: int, stopped: bool) -> None:
    """Give a chunk's bytes to this worker's writer thread, waiting only while the one handed
    before is still queued, so a worker holds at most three chunks' text (one writing or waiting
    its turn, one queued, one being made): a worker whose last chunk waits for another worker's
    goes on to its next one meanwhile."""
    _WRITER["writes"].put((data, turn, stopped))


def _writer(writes: Any) -> None:
    """A worker's writer thread: each chunk's bytes from ``writes``, written in its turn."""
    while True:
        _write_in_turn(*writes.get())


def _write_in_turn(data: bytes, turn: int, stopped: bool) -> None:
    """Write ``data`` to the output when the chunks before ``turn`` are written, then pass the
    turn on, whatever happens, so no worker waits forever."""
    cond, next_turn, halted, failed = _WRITER["order"]
    with cond:
        cond.wait_for(lambda: next_turn.value == turn)
        try:
            if not halted.value:
                view = memoryview(data)
                while view:
                    view = view[os.write(_WRITER["out"], view) :]
        except BaseException as exc:  # kept for the main process, and this thread goes on
            halted.value = 1
            failed.value = getattr(exc, "errno", None) or errno.EIO
        finally:
            if stopped:
                halted.value = 1
            next_turn.value = turn + 1
            cond.notify_all()
