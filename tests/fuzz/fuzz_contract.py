"""The contract every gradcli run keeps, whatever its input, and the runners that check it.

* no traceback, and no exception escapes the command (in-process: ``result.exception`` is
  only ever ``SystemExit``);
* the exit status is one the README documents for a run: 0, 1, 2, 74 or 130 (70, "internal
  error", is always a bug);
* a usage error (2) is one line on stderr;
* at most ``SECONDS`` per small input (CPU time in-process, so a busy machine does not count;
  wall time less start-up in real processes), and (checked in real processes) at most ``MAX_RSS``;
* exit 0 with ``--format json``: stdout is valid JSON Lines (strict JSON: no NaN or Infinity);
* a stream: every good line is in the output (its ``line`` number in a JSON record), every
  bad line is reported on stderr with its number (the first ``BAD_SHOWN``; the rest in one count),
  and a bad line means exit status 1.

:func:`check_in_process` runs a case through Click's test runner (fast); :func:`check_process`
runs it as a real ``python -m gradcli`` process. Each returns a list of :class:`Failure`.
:data:`KNOWN` lists failures already owned by other work, matched on stderr, so the CI pass
stays about *new* failures while the long run still counts the known ones.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner
from fuzz_cases import Case

from gradcli.cli import main
from gradcli.cli.common import BAD_SHOWN

ALLOWED = {0, 1, 2, 74, 130}
SECONDS = 5.0  # per small input
HANG = 60  # seconds before an in-process run is stopped as hung
MAX_RSS = 1 << 30  # bytes, per process

# Failures known and owned by other work: (pattern on the failure's detail, pattern on the
# command, owner, what). Remove a row when its fix lands: the CI pass then guards it.
KNOWN: list[tuple[str, str, str, str]] = []


@dataclass
class Failure:
    """What broke the contract, for which case."""

    # "exit", "traceback", "exception", "usage-lines", "slow", "json", "stream", "memory",
    # "python-warning"
    kind: str
    detail: str
    case: Case

    def known(self) -> str | None:
        """The owner of a known failure of this kind, else None."""
        command = self.case.shell().split(" | ")[-1]
        for detail, where, owner, _ in KNOWN:
            if re.search(detail, self.detail) and re.search(where, command):
                return owner
        return None

    def __str__(self) -> str:
        owner = self.known()
        tag = f" (known: {owner})" if owner else ""
        return f"{self.kind}{tag}: {self.detail[:300]}\n    {self.case.shell()[:500]}"


class _Hung(BaseException):
    """Raised by the alarm in a run that takes longer than HANG seconds."""


def _alarm(signum: int, frame: object) -> None:
    raise _Hung


def check_in_process(case: Case) -> tuple[list[Failure], int]:
    """Run ``case`` through Click's test runner and check the contract; the failures and exit status."""
    runner = CliRunner()
    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(HANG)
    start = _cpu_seconds()
    try:
        with tempfile.TemporaryDirectory() as scratch:  # files a case writes (--output, --errors) go here
            here = os.getcwd()
            os.chdir(scratch)
            try:
                # every Python warning is seen (not only the first from each line): one reaching
                # stderr is text a user should never get (a RuntimeWarning from numpy's overflow)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    result = runner.invoke(main, case.args, input=case.stdin)
            finally:
                os.chdir(here)
    except _Hung:
        return [Failure("slow", f"no answer within {HANG} s", case)], -1
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    seconds = _cpu_seconds() - start
    failures = check_result(case, result.exit_code, result.stdout, result.stderr, seconds)
    for w in caught[:1]:
        failures.append(
            Failure("python-warning", f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})", case)
        )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        exc = result.exception
        failures.append(Failure("exception", f"{type(exc).__name__}: {exc}", case))
    return failures, result.exit_code


def _cpu_seconds() -> float:
    """CPU time of this process and the children it has waited for (``--jobs`` workers): the work
    a run did, which a busy machine (a test suite beside the fuzz run) does not inflate as it
    does wall time."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


PYTHON_WARNING = re.compile(r"\S+\.py:\d+: \w*Warning: .*")  # as Python's warnings module shows one


def check_result(case: Case, code: int, stdout: str, stderr: str, seconds: float) -> list[Failure]:
    """The contract, on one run's exit status, output, error output and wall time."""
    failures: list[Failure] = []
    if "Traceback (most recent call last)" in stdout + stderr:
        failures.append(Failure("traceback", _last_lines(stderr or stdout), case))
    leak = PYTHON_WARNING.search(stderr)
    if leak:
        failures.append(Failure("python-warning", leak.group(0), case))
    if code not in ALLOWED:
        failures.append(Failure("exit", f"exit {code}: {_last_lines(stderr)}", case))
        return failures
    if seconds > SECONDS:
        failures.append(Failure("slow", f"{seconds:.1f} s (exit {code})", case))
    if code == 2 and len(stderr.strip().splitlines()) != 1:
        failures.append(Failure("usage-lines", f"exit 2 with stderr {stderr[:300]!r}", case))
    if code == 0 and _wants_json(case.args):
        failures += _json_lines(case, stdout)
    if case.stream and code in (0, 1):
        failures += _stream(case, code, stdout, stderr)
    return failures


def _last_lines(text: str, n: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-n:])


def _wants_json(args: list[str]) -> bool:
    return any(a == "--format" and b == "json" for a, b in itertools.pairwise(args))


def _strict(constant: str) -> float:
    raise ValueError(f"{constant} is not JSON")


def _json_lines(case: Case, stdout: str) -> list[Failure]:
    for number, line in enumerate(stdout.splitlines(), 1):
        try:
            json.loads(line, parse_constant=_strict)
        except ValueError as exc:
            return [Failure("json", f"stdout line {number} is not JSON ({exc}): {line[:200]!r}", case)]
    return []


def _stream(case: Case, code: int, stdout: str, stderr: str) -> list[Failure]:
    failures: list[Failure] = []
    seen: list[int] = []
    for line in stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            return failures  # reported by the JSON check
        if isinstance(record, dict) and "line" in record:
            seen.append(record["line"])
    if seen != case.good:
        failures.append(Failure("stream", f"good lines {case.good}, output has lines {seen}", case))
    reported = {int(n) for n in re.findall(r"line (\d+):", stderr)}
    shown = case.bad[:BAD_SHOWN]  # the first ones by number, the rest in one count
    missing = [n for n in shown if n not in reported]
    if missing:
        failures.append(Failure("stream", f"bad lines {missing} not reported: {stderr[:300]!r}", case))
    hidden = len(case.bad) - len(shown)
    if hidden and f"{hidden:,} more bad lines not shown" not in stderr:
        failures.append(
            Failure("stream", f"{hidden} bad lines beyond the first {BAD_SHOWN} not counted", case)
        )
    extra = sorted(reported - set(case.bad))
    if extra:
        failures.append(Failure("stream", f"good lines {extra} reported bad: {stderr[:300]!r}", case))
    if case.bad and code != 1:
        failures.append(Failure("stream", f"bad lines {case.bad} but exit {code}", case))
    return failures


def check_process(case: Case, timeout: float = 60.0) -> tuple[list[Failure], int | None]:
    """Run ``case`` as a real process (``python -m gradcli``); the failures and the exit status
    (None, and no failures, for an argument holding a NUL byte, which no process can be given).

    The wall time allowed here includes interpreter start-up (about a second on a busy
    machine); peak memory (the child's maximum resident set) must stay under ``MAX_RSS``.
    Linux charges a child started by (v)fork and exec with the parent's peak until the exec,
    so a child whose figure is no more than this process's own peak is not judged here (an
    in-process case that grew this process is: :func:`grew_past_limit`).
    """
    if any("\0" in arg for arg in case.args):  # the OS refuses it before gradcli could see it
        return [], None
    env = dict(os.environ, GRADCLI_DEBUG="", PYTHONIOENCODING="utf-8")
    own = peak_rss()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:  # files a case writes go to a scratch folder
        proc = subprocess.Popen(
            [sys.executable, "-m", "gradcli", *case.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=scratch,
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            out, err = _communicate(proc, (case.stdin or "").encode("utf-8"))
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory, not its siblings'
        finally:
            timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode == -signal.SIGKILL and time.perf_counter() - start >= timeout:
        return [Failure("slow", f"no answer within {timeout:.0f} s (real process)", case)], -1
    seconds = time.perf_counter() - start
    failures = check_result(
        case,
        proc.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        max(0, seconds - 2),
    )
    rss = usage.ru_maxrss * 1024  # Linux reports KiB
    if rss > MAX_RSS and rss > own:
        failures.append(Failure("memory", f"peak RSS {rss / 2**20:.0f} MiB", case))
    return failures, proc.returncode


def peak_rss() -> int:
    """This process's peak resident set so far, in bytes (Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def grew_past_limit(case: Case, before: int) -> list[Failure]:
    """A memory failure for an in-process ``case`` during which this process's peak resident set
    first went past ``MAX_RSS`` (``before``: the peak before the case, from :func:`peak_rss`)."""
    after = peak_rss()
    if before <= MAX_RSS < after:
        return [Failure("memory", f"in-process peak RSS rose to {after / 2**20:.0f} MiB", case)]
    return []


def _communicate(proc: subprocess.Popen[bytes], data: bytes) -> tuple[bytes, bytes]:
    """Feed ``data`` to stdin and read stdout and stderr to their ends, without reaping the child
    (so that :func:`os.wait4` can report its resource use)."""
    chunks: dict[str, bytes] = {}

    def drain(name: str, stream: Any) -> None:
        chunks[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    try:
        proc.stdin.write(data)  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
    except BrokenPipeError:  # it exited without reading all its input: its output still counts
        pass
    for reader in readers:
        reader.join()
    proc.stdout.close()  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    return chunks["out"], chunks["err"]
