"""A stream's worker processes, watched: a worker killed by a signal (the out-of-memory killer,
``kill -9``) ends the run with :class:`~gradcli.errors.WorkerError` instead of a wait that never
ends (multiprocessing's pool loses a killed worker's task, and its ``terminate`` can wait for a
lock the dead worker held)."""

from __future__ import annotations

from typing import Any

from ..errors import WorkerError


def result(task: Any, workers: list[Any]) -> Any:
    """A pooled chunk's result (``task``: its AsyncResult); :class:`~gradcli.errors.WorkerError`
    if a worker process dies meanwhile (a pool loses the task of a killed worker, and would wait
    for it forever)."""
    from multiprocessing import TimeoutError as Pending

    while True:
        try:
            return task.get(timeout=0.25)
        except Pending:
            alive(workers)


def close(pool: Any, workers: list[Any]) -> None:
    """End the pool. After a worker died, its own ``terminate`` can wait forever for a lock the
    dead worker held (the task queue's): the workers are killed, and terminate gets 2 s."""
    if not any(worker.exitcode is not None for worker in workers):
        pool.terminate()
        pool.join()
        return
    import threading

    for worker in [*getattr(pool, "_pool", []), *workers]:
        try:
            worker.kill()
        except (OSError, ValueError, AttributeError):
            pass
    closing = threading.Thread(target=pool.terminate, daemon=True)
    closing.start()
    closing.join(2.0)


def alive(workers: list[Any]) -> None:
    """Raise :class:`~gradcli.errors.WorkerError` if one of the stream's workers has died."""
    for worker in workers:
        code = worker.exitcode
        if code is not None:
            how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
            raise WorkerError(
                f"a worker process died ({how}{'; the system may be out of memory' if code == -9 else ''}): "
                "the output is incomplete",
                hint="run it again; --jobs 1 computes in one process",
            )


__all__ = ["alive", "close", "result"]
