"""A stream's worker processes (gradcli.pipeline.workers): order, errors, death, big messages."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from gradcli.errors import OptionError, WorkerError
from gradcli.pipeline.workers import Workers

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="forks workers")

_SETUP: dict[str, object] = {}


def _init(tag: str) -> None:
    _SETUP["tag"] = tag


def _tagged(x: int) -> tuple[str, int, int]:
    return str(_SETUP["tag"]), x * x, os.getpid()


def _slow(seconds: float, x: int) -> int:
    time.sleep(seconds)
    return x


def _refuse(hint: str) -> None:
    raise OptionError("no such thing", hint=hint)


def _echo_big(text: str) -> str:
    return text * 3


def _pid() -> int:
    return os.getpid()


def _workers(jobs: int = 2) -> Workers:
    return Workers(multiprocessing.get_context("fork"), jobs, _init, ("set up",))


def test_results_come_back_in_submission_order_from_every_worker() -> None:
    workers = _workers()
    try:
        tasks = [workers.submit(_tagged, x) for x in range(12)]
        got = [task.get() for task in tasks]
    finally:
        workers.close()
    assert [(tag, square) for tag, square, _ in got] == [("set up", x * x) for x in range(12)]
    assert len({pid for *_, pid in got}) == 2  # both workers had tasks, each set up once
    assert all(process.exitcode == 0 for process in workers.processes)  # ended after their last task


def test_a_busy_worker_gets_fewer_tasks() -> None:
    workers = _workers()
    try:
        slow = workers.submit(_slow, 3.0, -1)
        quick = []
        for x in range(3):  # each done before the next is given: the idle worker is free again
            quick.append(workers.submit(_slow, 0.0, x))
            time.sleep(0.5)
        assert {task.worker for task in quick} == {1 - slow.worker}  # all to the idle one
        assert slow.get() == -1 and [task.get() for task in quick] == [0, 1, 2]
    finally:
        workers.close()


def test_an_exception_in_a_worker_is_raised_here_with_its_type_and_hint() -> None:
    workers = _workers()
    try:
        task = workers.submit(_refuse, "try --eps 1e-6")
        with pytest.raises(OptionError) as caught:
            task.get()
        assert str(caught.value) == "no such thing — try --eps 1e-6"
        assert workers.submit(_tagged, 3).get()[1] == 9  # the worker goes on
    finally:
        workers.close(abort=True)


def test_results_are_taken_in_order() -> None:
    workers = _workers()
    try:
        first, second = workers.submit(_tagged, 1), workers.submit(_tagged, 2)
        if first.worker == second.worker:
            with pytest.raises(ValueError, match="in the order"):
                second.get()
        assert first.get()[1] == 1 and second.get()[1] == 4
    finally:
        workers.close()


def test_messages_bigger_than_a_pipe_go_both_ways_without_a_deadlock() -> None:
    # the main process sends 4 MB tasks while a worker sends back a 12 MB answer: a worker
    # takes its tasks off the pipe with a thread of its own, so neither side waits for the other
    workers = _workers(1)
    text = "x" * (4 << 20)
    try:
        tasks = [workers.submit(_echo_big, text) for _ in range(3)]
        assert [len(task.get()) for task in tasks] == [3 * len(text)] * 3
    finally:
        workers.close()


def test_a_killed_worker_is_an_error_not_a_wait() -> None:
    workers = _workers()
    try:
        pids = {workers.submit(_pid).get() for _ in range(4)}
        victim = workers.submit(_slow, 30.0, 0)
        os.kill(workers.processes[victim.worker].pid, signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(WorkerError, match=r"killed by signal 9; the system may be out of memory"):
            victim.get()
        assert time.monotonic() - started < 5
        assert len(pids) == 2
    finally:
        workers.close(abort=True)
    assert all(process.exitcode is not None for process in workers.processes)


def test_abort_ends_busy_workers_at_once() -> None:
    workers = _workers()
    workers.submit(_slow, 30.0, 0)
    workers.submit(_slow, 30.0, 0)
    started = time.monotonic()
    workers.close(abort=True)
    assert time.monotonic() - started < 5
    assert all(process.exitcode is not None and process.exitcode < 0 for process in workers.processes)


def test_a_worker_holds_no_other_workers_pipes() -> None:
    # a worker holding the main process's end of another worker's tasks would keep that worker
    # waiting for tasks after the main process is gone
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("reads /proc")
    workers = _workers()
    try:
        tasks = [workers.submit(_pid), workers.submit(_pid)]  # one each: both have set up
        assert len({task.worker for task in tasks}) == 2 and len({task.get() for task in tasks}) == 2

        def pipes(pid: int | str, fds: list[int] | None = None) -> set[str]:
            names = fds if fds is not None else [int(fd) for fd in os.listdir(f"/proc/{pid}/fd")]
            links = set()
            for fd in names:
                try:
                    links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
                except OSError:
                    pass
            return {link for link in links if link.startswith("pipe:")}

        ends = [[conn.fileno() for conn in (workers._tasks[i], workers._results[i])] for i in (0, 1)]
        own = [pipes("self", ends[i]) for i in (0, 1)]
        held = [pipes(process.pid) for process in workers.processes]
    finally:
        workers.close()
    assert len(own[0]) == len(own[1]) == 2
    assert own[0] <= held[0] and own[1] <= held[1]  # each worker has its own two pipes
    assert not held[0] & own[1] and not held[1] & own[0]  # and none of the other's
