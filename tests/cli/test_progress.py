"""The progress bar of a long stream: on stderr when stderr is a terminal (a pseudo-terminal
here), never in stdout, never when stderr is not a terminal."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ESC = "\x1b["


def _run(path: str, stderr_on_pty: bool) -> tuple[str, str, int]:
    """stdout (a pipe) and stderr (a pseudo-terminal, or a pipe) of a streamed run over ``path``."""
    pty = pytest.importorskip("pty")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(COLUMNS="100", TERM="xterm-256color")
    args = [sys.executable, "-m", "gradcli", "grad", "3*(a+b*c)", "--input", path, "--format", "csv"]
    if not stderr_on_pty:
        proc = subprocess.run(args, capture_output=True, env=env, timeout=120)
        return proc.stdout.decode(), proc.stderr.decode(), proc.returncode
    import threading

    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # read the terminal while gradcli writes: a full terminal would block it
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # closed once everything was read
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120)
    finally:
        os.close(follower)
    reader.join(timeout=10)
    os.close(leader)
    return proc.stdout.decode(), b"".join(chunks).decode(errors="replace"), proc.returncode


@pytest.fixture(scope="module")
def points(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    n = 100_000
    path = tmp_path_factory.mktemp("progress") / "points.csv"
    path.write_text("a,b,c\n" + "".join(f"{i % 97},{i % 13}.5,{i % 7 + 1}\n" for i in range(n)))
    return str(path), n


def test_the_bar_is_drawn_on_a_terminal_stderr_and_stdout_stays_clean(points):
    path, n = points
    out, err, code = _run(path, stderr_on_pty=True)
    assert code == 0
    assert "reading" in err and "%" in err  # the bar, on the terminal
    lines = out.splitlines()
    assert len(lines) == n + 1 and lines[0] == "a,b,c,f,grad_a,grad_b,grad_c"
    assert ESC not in out and "reading" not in out and "%" not in out


def test_no_bar_when_stderr_is_not_a_terminal(points):
    path, n = points
    out, err, code = _run(path, stderr_on_pty=False)
    assert code == 0 and err == "" and len(out.splitlines()) == n + 1
