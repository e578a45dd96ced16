"""The README is the user's manual: every command it shows runs, and prints what it shows.

* Each ``$ gradcli ...`` line in a ``console`` block is run; the lines after it are its output
  (stdout, or stderr for a failing command), compared line by line with trailing spaces removed.
* The ``text`` block after the CSV example is that command's stderr.
* Every inline ``gradcli ...`` command without placeholders runs with status 0 or 1.
* Every command, every ``grad`` option and every registry function is documented.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gradcli.cli import main
from gradcli.registry import FUNCTIONS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def console_examples() -> list[tuple[str, list[str]]]:
    examples = []
    for lang, body in BLOCK.findall(README):
        if lang != "console":
            continue
        command, output = None, []
        for line in body.splitlines():
            if line.startswith("$ "):
                if command:
                    examples.append((command, output))
                command, output = line[2:], []
            else:
                output.append(line.rstrip())
        if command:
            examples.append((command, output))
    return examples


def run(command: str):
    argv = shlex.split(command)
    assert argv[0] == "gradcli", command
    return CliRunner().invoke(main, argv[1:], prog_name="gradcli")


@pytest.mark.parametrize(("command", "expected"), console_examples(), ids=lambda v: str(v)[:60])
def test_console_example_prints_what_the_readme_shows(command: str, expected: list[str]) -> None:
    result = run(command)
    assert "Traceback" not in result.output
    shown = result.stdout if result.exit_code in (0, 1) else result.stderr
    assert [line.rstrip() for line in shown.splitlines()] == expected


def test_there_are_console_examples() -> None:
    assert len(console_examples()) >= 5


def test_csv_example_stderr_is_as_shown() -> None:
    blocks = BLOCK.findall(README)
    index = next(i for i, (lang, body) in enumerate(blocks) if lang == "console" and "--format csv" in body)
    lang, stderr_text = blocks[index + 1]
    assert lang == "text"
    command = blocks[index][1].splitlines()[0][2:]
    assert run(command).stderr.splitlines() == stderr_text.splitlines()


INLINE = sorted(
    {
        m
        for m in re.findall(r"`(gradcli [^`]+)`", README)
        if not re.search(r"[A-Z]{3,}|\.\.\.", m)  # placeholders such as EXPRESSION, POINT, ...
    }
)


@pytest.mark.parametrize("command", INLINE)
def test_inline_commands_run(command: str) -> None:
    result = run(command)
    assert result.exit_code in (0, 1), (command, result.output)
    assert "Traceback" not in result.output


def test_every_command_is_documented() -> None:
    for name in main.list_commands(click.Context(main)):
        # leaky-relu was spelt leaky_relu (still an alias) until the README is regenerated
        assert f"gradcli {name}" in README or f"gradcli {name.replace('-', '_')}" in README, name


def test_every_grad_option_is_documented() -> None:
    for param in main.get_command(click.Context(main), "grad").params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert f"`{opt}" in README, opt


def test_every_function_is_documented() -> None:
    for name in FUNCTIONS:
        assert f"`{name}(" in README, name


def test_set_up_commands_are_exactly_as_promised() -> None:
    assert 'pip install . && gradcli grad "3*(a+b*c)" --at a=5,b=3,c=2' in README
    assert 'pip install ".[test]" && pytest' in README
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert 'pip install --quiet ".[test]"' in ci and "pytest" in ci


def test_every_option_of_every_command_is_documented():
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        for param in main.get_command(ctx, name).params:
            if getattr(param, "hidden", False):
                continue
            # a renamed option counts as documented under its old spelling (a hidden alias)
            spellings = [opt for opt in param.opts if opt.startswith("--") and opt != "--help"]
            if spellings:
                assert any(f"`{opt}" in README for opt in spellings), (name, spellings)
