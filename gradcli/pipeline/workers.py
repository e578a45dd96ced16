"""A stream's worker processes: each forked once, fed its chunks through a pipe of its own and
answering through another, in the order it was given them.

Guarantees:

* **Nothing is lost or waited for forever.** A worker that dies (the out-of-memory killer,
  ``kill -9``) ends the run with :class:`~gradcli.errors.WorkerError` as soon as the main process
  next waits for any worker (its process sentinel is watched with every wait; nothing polls).
* **An exception in a worker is raised in the main process** when that chunk's result is taken,
  as the same type with the same message and hint.
* **No deadlock on big messages.** A worker takes its tasks off the pipe with a thread of its
  own, so the main process's send of a chunk's text (a pipe's input is handed over as text)
  never waits for a worker that is busy sending back a result.
* **Nothing runs in the main process between its calls:** no handler threads (a
  ``multiprocessing.Pool`` keeps three, one of which wakes on every result), and no private
  attributes of the standard library are read.

Tasks go to the worker with the fewest unfinished ones; results are taken in the order tasks
were submitted (:meth:`Workers.result` for the oldest first). The processes are forked, so a
worker starts with everything the main process had imported and set up.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from ..errors import WorkerError

JOIN_SECONDS = 2.0  # how long a finished worker may take to exit before it is killed


class Task:
    """A submitted call: which worker has it; :meth:`get` waits for its value."""

    __slots__ = ("owner", "worker")

    def __init__(self, owner: Workers, worker: int) -> None:
        self.owner, self.worker = owner, worker

    def get(self) -> Any:
        """The call's value: :meth:`Workers.result`."""
        return self.owner.result(self)


class Workers:
    """``jobs`` worker processes from ``context`` (a multiprocessing context; "fork" where there is
    one), each running ``initializer(*initargs)`` once, then the tasks it is given, in order."""

    def __init__(
        self, context: Any, jobs: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
    ) -> None:
        pipes = [(context.Pipe(duplex=False), context.Pipe(duplex=False)) for _ in range(jobs)]
        self._tasks = [tasks_send for (_, tasks_send), _ in pipes]
        self._results = [results_recv for _, (results_recv, _) in pipes]
        self._waiting: list[deque[Task]] = [deque() for _ in range(jobs)]  # submitted, not yet taken
        self._answers: list[deque[Any]] = [deque() for _ in range(jobs)]  # received, not yet taken
        self._next = 0  # where the search for the least busy worker starts (ties go round)
        self.processes: list[Any] = []
        try:
            for i, ((tasks_recv, _), (_, results_send)) in enumerate(pipes):
                foreign = [end for j, (a, b) in enumerate(pipes) if j != i for end in (*a, *b)]
                foreign += [*self._tasks[i : i + 1], *self._results[i : i + 1]]  # the main process's ends
                process = context.Process(
                    target=_serve,
                    args=(tasks_recv, results_send, foreign, initializer, initargs),
                    daemon=True,
                    name=f"gradcli-worker-{i + 1}",
                )
                process.start()
                self.processes.append(process)
        finally:
            for (tasks_recv, _), (_, results_send) in pipes:  # the workers' ends are theirs alone
                tasks_recv.close()
                results_send.close()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Task:
        """Give ``fn(*args)`` to the worker with the fewest unfinished tasks (``fn`` a module-level
        function: it is pickled by name). Raises :class:`~gradcli.errors.WorkerError` if that
        worker has died."""
        jobs = len(self.processes)
        order = [(self._next + k) % jobs for k in range(jobs)]
        for i in order:  # answers that are in: their workers are free of them
            while len(self._answers[i]) < len(self._waiting[i]) and self._results[i].poll():
                self._answers[i].append(self._receive(i))
        busy = [len(self._waiting[i]) - len(self._answers[i]) for i in order]
        worker = order[busy.index(min(busy))]
        self._next = (worker + 1) % jobs
        task = Task(self, worker)
        try:
            self._tasks[worker].send((fn, args))
        except OSError:  # (a dead worker's pipe: EPIPE)
            self.check()
            raise
        self._waiting[worker].append(task)
        return task

    def result(self, task: Task) -> Any:
        """``task``'s return value (or its exception, raised here), once the tasks submitted to its
        worker before it have been taken. Raises :class:`~gradcli.errors.WorkerError` if any worker
        dies meanwhile."""
        from multiprocessing.connection import wait

        queue = self._waiting[task.worker]
        if not queue or queue[0] is not task:
            raise ValueError("results are taken in the order their tasks were submitted")
        answers, results = self._answers[task.worker], self._results[task.worker]
        if not answers:
            sentinels = [process.sentinel for process in self.processes]
            while not results.poll():
                wait([results, *sentinels])
                if not results.poll():
                    self.check()
            answers.append(self._receive(task.worker))
        queue.popleft()
        ok, value = answers.popleft()
        if not ok:
            raise value
        return value

    def _receive(self, worker: int) -> Any:
        try:
            return self._results[worker].recv()
        except (EOFError, OSError):  # the worker exited as it answered
            self.check()
            raise

    def check(self) -> None:
        """Raise :class:`~gradcli.errors.WorkerError` if one of the workers has died."""
        for process in self.processes:
            code = process.exitcode
            if code is not None:
                how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
                memory = "; the system may be out of memory" if code == -9 else ""
                raise WorkerError(
                    f"a worker process died ({how}{memory}): the output is incomplete",
                    hint="run it again; --jobs 1 computes in one process",
                )

    def close(self, abort: bool = False) -> None:
        """End the workers: after their last task (each gets :data:`JOIN_SECONDS` to exit, then is
        killed), or at once with ``abort`` (a failed run: their work is not wanted)."""
        if abort:
            for process in self.processes:
                _kill(process)
        for conn in (*self._tasks, *self._results):
            conn.close()  # a worker's reader sees the end of its tasks, and the worker returns
        for process in self.processes:
            process.join(None if abort else JOIN_SECONDS)
            if process.exitcode is None:
                _kill(process)
                process.join()


def _kill(process: Any) -> None:
    try:
        process.kill()
    except (OSError, ValueError, AttributeError):  # (already gone)
        pass


# --- in a worker ------------------------------------------------------------------------------


def _serve(
    tasks: Any, results: Any, foreign: list[Any], initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> None:
    """A worker's life: close the pipe ends that are not its own, set up, then answer each task
    (``(True, value)`` or ``(False, exception)``) until the main process closes its tasks."""
    import queue
    import threading

    for conn in foreign:
        conn.close()
    initializer(*initargs)
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(tasks, inbox), daemon=True).start()
    while (task := inbox.get()) is not None:
        fn, args = task
        try:
            answer = (True, fn(*args))
        except BaseException as exc:  # raised in the main process, which ends the run
            answer = (False, exc)
        try:
            results.send(answer)
        except OSError:  # the main process is gone or has given up on us
            return
        except Exception as exc:  # an answer that cannot be pickled: say so rather than vanish
            results.send((False, RuntimeError(f"a worker's answer could not be sent back: {exc!r}")))


def _receive(tasks: Any, inbox: Any) -> None:
    """A worker's reader thread: each task off the pipe as soon as it is sent; None at its end."""
    while True:
        try:
            inbox.put(tasks.recv())
        except (EOFError, OSError):
            inbox.put(None)
            return


__all__ = ["JOIN_SECONDS", "Task", "Workers"]
