"""A progress bar on stderr for a long stream."""

from __future__ import annotations

from rich.console import Console


class ProgressBar:
    """A progress bar on stderr for a stream of known size: ``advance(nbytes)``, then ``close()``.

    Messages meant for stderr while it is drawn go through :meth:`print`, above the bar; when
    stdout is the same terminal, Rich moves stdout's lines above the bar too.
    """

    def __init__(self, total: int, console: Console | None = None, stdout_is_terminal: bool = False) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("reading"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True, highlight=False, markup=False, emoji=False),
            transient=True,
            redirect_stdout=stdout_is_terminal,
            redirect_stderr=False,
        )
        self._task = self._progress.add_task("reading", total=total)
        self._progress.start()

    def advance(self, nbytes: int) -> None:
        self._progress.advance(self._task, nbytes)

    def print(self, text: str) -> None:
        self._progress.console.print(text, markup=False, highlight=False, emoji=False)

    def close(self) -> None:
        self._progress.stop()


def progress_bar(total: int, stdout_is_terminal: bool = False) -> ProgressBar:
    """A bar for ``total`` bytes of input, drawn on stderr (call only when stderr is a terminal)."""
    return ProgressBar(total, stdout_is_terminal=stdout_is_terminal)
