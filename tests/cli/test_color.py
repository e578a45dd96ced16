"""Colour rules: --color, NO_COLOR (no colour and no styling), FORCE_COLOR; on a pseudo-terminal
as well as a pipe."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import gradcli

ESC = "\x1b["
ARGS = ("grad", "x*y", "--at", "1,2")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return {**env, "COLUMNS": "100", "TERM": "xterm-256color", **extra}


def _on_pty(*args: str, **extra: str) -> str:
    """What gradcli writes to a terminal (stdout is a pseudo-terminal)."""
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "gradcli", *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            env=_env(**extra),
            timeout=60,
        )
        os.close(follower)
        follower = -1
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is closed once everything was read
                break
            if not chunk:
                break
            out += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 0, proc.stderr
    return out.decode()


def test_a_terminal_gets_colour_by_default():
    assert ESC in _on_pty(*ARGS)


def test_no_color_means_no_escape_code_at_all_on_a_terminal():
    out = _on_pty(*ARGS, NO_COLOR="1")
    assert ESC not in out and "backprop" in out  # no colour, and no bold either


def test_color_never_beats_the_terminal_and_an_empty_no_color_is_unset():
    assert ESC not in _on_pty("--color", "never", *ARGS)
    assert ESC in _on_pty(*ARGS, NO_COLOR="")


def test_a_pipe_gets_no_escape_codes_and_no_trailing_spaces():
    proc = subprocess.run(
        [sys.executable, "-m", "gradcli", *ARGS], capture_output=True, text=True, env=_env(), timeout=60
    )
    assert ESC not in proc.stdout
    assert all(line == line.rstrip() for line in proc.stdout.splitlines())


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (("--color", "always", *ARGS), {}, True),
        (ARGS, {"FORCE_COLOR": "1"}, True),
        (ARGS, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (("--color", "always", *ARGS), {"NO_COLOR": "1"}, True),  # the flag beats the environment
        (("--color", "never", *ARGS), {"FORCE_COLOR": "1"}, False),
        (ARGS, {}, False),
    ],
)
def test_the_colour_rules_in_process(args, env, coloured):
    result = gradcli(*args, env={"NO_COLOR": "", "FORCE_COLOR": "", **env})
    assert result.exit_code == 0
    assert (ESC in result.stdout) is coloured


def test_a_bad_color_mode_is_a_usage_error():
    result = gradcli("--color", "sometimes", *ARGS)
    assert result.exit_code == 2
    assert "'sometimes' is not one of 'auto', 'always', 'never'" in result.stderr
