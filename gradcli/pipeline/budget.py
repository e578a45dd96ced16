"""Auto precision's budget in a stream: the first points that lost digits of every block of
:data:`BUDGET_LINES` input lines, up to the cap, in line order, so the points re-evaluated are
the same however the input was cut into chunks (a file read whole, a pipe that pauses, one
worker or several).

Chunk after chunk in one process, the budget is this module's state (:func:`reset` at a run's
start). Once chunks go to workers, the main process shares the state so far (:func:`shared`),
each worker takes it up (:func:`use`), and pooled chunks take their shares in input order: each
waits for the one before it, which takes its share early in its work. A chunk with no lossy
points takes nothing and changes nothing, so it does not wait: it leaves a mark, and its turn
passes as soon as the turns before it have.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

BUDGET_LINES = 20_000  # auto precision re-evaluates at most its cap of points in every this many lines

_STATE: dict[str, Any] = {"block": 0, "used": 0, "shared": None}


def reset() -> None:
    """A new run in this process: nothing used, nothing shared."""
    _STATE.update(block=0, used=0, shared=None)


def shared(context: Any, in_flight: int) -> tuple[Any, Any, Any, Any, Any]:
    """This process's budget so far, for the workers: a condition, the last turn that took its
    share, the block of lines last charged, how many of its points were used, and the marks of
    turns that passed without a share: a ring longer than the ``in_flight`` pooled chunks that can
    be between the last turn taken and the newest (each slot holds the turn marked there)."""
    return (
        context.Condition(),
        context.Value("q", -1, lock=False),
        context.Value("q", _STATE["block"], lock=False),
        context.Value("q", _STATE["used"], lock=False),
        context.Array("q", [-1] * (in_flight + 1), lock=False),
    )


def use(shares: Any) -> None:
    """In a worker: take shares of the budget the main process shared."""
    _STATE["shared"] = shares


def allowed(lines: np.ndarray, most: int, block: int, used: int) -> tuple[np.ndarray, int, int]:
    """Which lossy points (their line numbers, ascending) are re-evaluated: the first ``most`` of
    every block of :data:`BUDGET_LINES` lines, given that ``used`` were already taken in
    ``block``; and the block and count after them."""
    keep = np.zeros(len(lines), dtype=bool)
    blocks = (lines - 1) // BUDGET_LINES  # ascending, as the lines are
    # each block's first index (not np.unique: its first call imports numpy.ma, 15 ms a process)
    starts = np.flatnonzero(np.diff(blocks, prepend=-1))
    for start, end in zip(starts.tolist(), [*starts[1:].tolist(), len(blocks)]):
        b, idx = int(blocks[start]), np.arange(start, end)
        before = used if b == block else 0
        room = max(0, most - before)
        keep[idx[:room]] = True
        block, used = b, before + min(room, len(idx))
    return keep, block, used


class Allowance:
    """A chunk's share of the budget: the ``allow`` hook of :func:`gradcli.derive.precise.refine`
    for a chunk whose points are on ``lines``; ``turn`` is its place among pooled chunks."""

    def __init__(self, lines: Sequence[int], turn: int | None) -> None:
        self.lines, self.turn, self.taken = lines, turn, False

    def __call__(self, todo: np.ndarray, most: int) -> np.ndarray:
        picked = [self.lines[i] for i in todo.tolist()]  # the lossy points' lines, not the chunk's
        lines = np.asarray(picked, dtype=np.int64)
        shares, turn = _STATE["shared"], self.turn
        if shares is None or turn is None:  # in this process, chunk after chunk
            keep, _STATE["block"], _STATE["used"] = allowed(lines, most, _STATE["block"], _STATE["used"])
        else:
            cond, taken, block, used, passed = shares
            with cond:
                if not len(lines) and taken.value < turn - 1:  # nothing to take: no need to wait
                    passed[turn % len(passed)] = turn
                    keep = np.zeros(0, dtype=bool)
                else:
                    cond.wait_for(lambda: taken.value >= turn - 1)
                    keep, block.value, used.value = allowed(lines, most, block.value, used.value)
                    taken.value = turn
                    while passed[(taken.value + 1) % len(passed)] == taken.value + 1:
                        taken.value += 1  # the marked turns after it pass too
                    cond.notify_all()
        self.taken = True
        return todo[keep]

    def settle(self) -> None:
        """Pass the turn on if this chunk took no share (no points, or an early end)."""
        if not self.taken:
            self(np.empty(0, dtype=np.int64), 0)
