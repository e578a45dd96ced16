"""``gradcli completion``: the scripts, and completion itself driven the way Click documents."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from conftest import gradcli

from gradcli.cli import main


def _complete(words: str, cword: int) -> list[str]:
    """What bash would offer for ``words`` with the cursor on word ``cword``."""
    env = {"_GRADCLI_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    result = CliRunner().invoke(main, [], env=env, prog_name="gradcli")
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_click_would(shell):
    result = gradcli("completion", shell)
    assert result.exit_code == 0
    assert "_GRADCLI_COMPLETE" in result.stdout
    assert f"{shell}_complete" in result.stdout  # the script asks gradcli for completions


def test_an_unknown_shell_is_refused():
    result = gradcli("completion tcsh")
    assert result.exit_code == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.stderr


def test_commands_and_activations_complete():
    assert {"sigmoid", "silu", "softplus", "softsign", "sweep"} <= set(_complete("gradcli s", 1))
    assert "completion" in _complete("gradcli co", 1)


def test_method_and_format_choices_complete():
    assert _complete("gradcli grad x --method ", 4) == [
        "central",
        "forward",
        "backward",
        "five-point",
        "richardson",
        "complex",
        "backprop",
    ]
    assert set(_complete("gradcli grad x --format ", 4)) == {"table", "json", "csv", "tsv"}


@pytest.mark.skipif(shutil.which("gradcli") is None, reason="gradcli is not installed")
def test_the_installed_command_completes_in_a_real_process():
    env = {**os.environ, "_GRADCLI_COMPLETE": "bash_complete", "COMP_WORDS": "gradcli hes", "COMP_CWORD": "1"}
    proc = subprocess.run(["gradcli"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "plain,hessian\n"
