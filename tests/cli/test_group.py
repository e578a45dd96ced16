"""The group and its error boundary: help, version, unknown commands, the installed command and
``python -m gradcli`` for real, pipes, colours, interrupts, internal errors, full disks."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from conftest import SEED, SEED_GRADIENT, assert_one_line_error, gradcli, strict_json

import gradcli as package
from gradcli.cli import main
from gradcli.registry import ACTIVATIONS


def test_missing_expression_and_unknown_command():
    assert_one_line_error(gradcli("grad"), "EXPRESSION")
    assert_one_line_error(gradcli("gard", "x"), "gard")


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("gard", "'grad'"), ("sigmod", "'sigmoid'"), ("leaky-rleu", "'leaky-relu'"), ("swsh", "'swish'")],
)
def test_mistyped_command_suggests_the_activations_too(typed, suggested):
    # the activation commands are built on first use, yet a typo of one is still named
    line = assert_one_line_error(gradcli(typed, "--at", "1"), f"No such command '{typed}'")
    assert "Did you mean" in line and suggested in line


def test_main_help_lists_every_exit_status():
    text = " ".join(gradcli("--help").stdout.split())
    for status in (
        "0 done",
        "1 f could not be evaluated",
        "2 usage error",
        "70 internal error",
        "74 the output could not be written",
        "130 interrupted",
    ):
        assert status in text


# --- version, help, functions -------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    import platform

    import numpy

    result = gradcli(flag)
    assert result.exit_code == 0
    want = f"gradcli {package.__version__} (numpy {numpy.__version__}, Python {platform.python_version()})\n"
    assert result.stdout == want


def test_help_on_group_and_every_command():
    result = gradcli("--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    commands = {"grad", "functions", "sweep", "plot", "diff", "trace", "hessian", "completion"}
    commands |= {name.replace("_", "-") for name in ACTIVATIONS}
    listed = main.list_commands(click.Context(main))
    assert set(listed) == commands
    for name in listed:
        assert name in result.stdout
        sub = gradcli(name, "--help")
        assert sub.exit_code == 0, name
        assert "Examples" in sub.stdout, name
        assert sub.stderr == ""
    grad_help = gradcli("grad", "--help").stdout
    for option in ("--at", "--vars", "--method", "--eps", "--format", "--vanish", "--explode", "--strict"):
        assert option in grad_help


# --- the installed command, for real --------------------------------------------------------------------

EXE = shutil.which("gradcli")
needs_exe = pytest.mark.skipif(EXE is None, reason="the gradcli command is not installed")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "GRADCLI_DEBUG")}
    env.update(extra)
    return env


def sh(*args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=clean_env(**extra), timeout=60)


@needs_exe
def test_installed_command_seed():
    proc = sh(EXE, *SEED, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    record = strict_json(proc.stdout.strip())
    assert record["value"] == 33.0
    assert record["gradient"] == SEED_GRADIENT


@needs_exe
def test_installed_command_error_is_one_line_exit_2():
    proc = sh(EXE, "grad", "sigmod(x)", "--at", "1")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert "did you mean 'sigmoid'" in proc.stderr


def test_python_dash_m_version():
    proc = sh(sys.executable, "-m", "gradcli", "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"gradcli {package.__version__} (numpy ")


def test_python_dash_m_runs_the_seed():
    proc = sh(sys.executable, "-m", "gradcli", *SEED, "--format", "csv")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[1].endswith("3.0000000000001137,6.000000000000227,8.99999999999963")


def closed_early(args: list[str]) -> tuple[bytes, int, bytes]:
    """Run ``args``, read one line of stdout, then close the pipe, as ``| head -1`` does."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    try:
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read()
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    return first, code, err


def many_points(n: int) -> list[str]:
    args: list[str] = []
    for i in range(n):
        args += ["--at", str(i)]
    return args


@needs_exe
@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_head_closing_the_pipe_is_quiet(fmt):
    # far more than a pipe buffer holds, so the writer does meet the closed pipe
    first, code, err = closed_early([EXE, "grad", "sin(x)", "--format", fmt, *many_points(4000)])
    assert first
    assert code == 0, err
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert err == b""


@needs_exe
def test_head_closing_the_pipe_is_quiet_for_tables():
    first, code, err = closed_early([EXE, "grad", "sin(x)", *many_points(1500)])
    assert first.startswith(b"expression")
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert code == 0, err


ANSI = re.compile(r"\x1b\[")


@needs_exe
@pytest.mark.parametrize("extra", [{}, {"NO_COLOR": "1"}, {"TERM": "xterm-256color"}])
def test_piped_table_has_no_ansi_codes(extra):
    for args in (["grad", "sigmoid(x)", "--at", "20"], ["grad", "abs(x)", "--at", "0"], ["functions"]):
        proc = sh(EXE, *args, **extra)
        assert proc.returncode == 0
        assert proc.stdout
        assert not ANSI.search(proc.stdout), args
        assert not ANSI.search(proc.stderr), args


@needs_exe
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses a pseudo-terminal")
def test_no_color_on_a_terminal_has_no_colors():
    import pty

    def on_terminal(**extra: str) -> bytes:
        master, slave = pty.openpty()
        env = clean_env(TERM="xterm-256color", COLUMNS="120", **extra)
        proc = subprocess.Popen(
            [EXE, "grad", "sigmoid(x)", "--at", "20"], stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        proc.wait(timeout=60)
        return out

    color = re.compile(rb"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7]|4[0-9]|10[0-7])(?:;[0-9;]*)?m")
    assert color.search(on_terminal())  # the control: colours do appear on a terminal
    plain = on_terminal(NO_COLOR="1")
    assert b"sigmoid(x)" in plain
    assert not color.search(plain)


IMPORTS_RICH = """
import sys
from gradcli.cli import main
try:
    main(["grad", "3*(a+b*c)", "--at", "a=5,b=3,c=2", "--format", {fmt!r}], prog_name="gradcli")
except SystemExit as exc:
    assert exc.code == 0, exc.code
print("RICH", "rich" in sys.modules)
"""


@pytest.mark.parametrize("fmt, imported", [("json", False), ("csv", False), ("tsv", False), ("table", True)])
def test_only_the_table_path_imports_rich(fmt, imported):
    proc = sh(sys.executable, "-c", IMPORTS_RICH.format(fmt=fmt))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == f"RICH {imported}"


# --- the error boundary: interrupts, internal errors, the caret ------------------------------


def test_ctrl_c_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import gradcli.derive.gradient

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(gradcli.derive.gradient, "compute", interrupted)
    result = CliRunner().invoke(main, ["grad", "x", "--at", "1"])
    assert result.exit_code == 130
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == "gradcli: error: interrupted"
    assert "Traceback" not in result.output


def test_sigint_to_a_real_process_exits_130() -> None:
    # The child blocks reading its own stdin inside gradcli's error boundary, gets SIGINT,
    # and must leave with status 130 and no traceback.
    code = (
        "import sys, gradcli.derive.gradient\n"
        "from gradcli.cli import main\n"
        "def slow(*a, **k):\n"
        "    print('ready', file=sys.stderr, flush=True)\n"
        "    sys.stdin.read()\n"
        "gradcli.derive.gradient.compute = slow\n"
        "main(['grad', 'x', '--at', '1'], prog_name='gradcli')\n"
    )
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_interruptible,
        text=True,
    )
    assert proc.stderr.readline().strip() == "ready"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "gradcli: error: interrupted" in err


def test_internal_error_is_one_line_exit_70_and_debug_shows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import gradcli.derive.gradient

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(gradcli.derive.gradient, "compute", broken)
    result = CliRunner().invoke(main, ["grad", "x", "--at", "1"])
    assert result.exit_code == 70
    assert result.stderr.splitlines() == [
        "gradcli: error: internal error: RuntimeError: boom "
        "(set GRADCLI_DEBUG=1 for the traceback, and please report it)"
    ]
    monkeypatch.setenv("GRADCLI_DEBUG", "1")
    result = CliRunner().invoke(main, ["grad", "x", "--at", "1"])
    assert isinstance(result.exception, RuntimeError)


def test_caret_under_the_offending_piece_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import gradcli.cli.io

    piped = CliRunner().invoke(main, ["grad", "x + sigmod(x)", "--at", "1"])
    assert piped.stderr.splitlines() == [
        "gradcli: error: unknown function 'sigmod' (column 5) — did you mean 'sigmoid'?"
    ]
    monkeypatch.setattr(gradcli.cli.io, "stderr_is_terminal", lambda: True)
    tty = CliRunner().invoke(main, ["grad", "x + sigmod(x)", "--at", "1"])
    assert tty.stderr.splitlines()[1:] == ["  x + sigmod(x)", "      ^^^^^^"]


# --- every --help example runs ------------------------------------------------------------------


def help_examples() -> list[tuple[str, str]]:
    """(command, example line) for each line of each command's --help "Examples:" block."""
    found = []
    for name in ["", *main.list_commands(click.Context(main))]:
        text = gradcli(*([name] if name else []), "--help").stdout
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if line.strip() == "Examples:")
        for line in lines[start + 1 :]:
            if not line.strip():
                break
            found.append((name or "gradcli", line.strip()))
    return found


def as_invocation(example: str) -> tuple[list[str], str | None]:
    """An example line as gradcli's argv and its stdin: ``printf 'TEXT' | gradcli ...`` feeds TEXT,
    and a trailing ``| dot ...`` or ``> FILE`` is dropped (gradcli's part is what is tested)."""
    words = shlex.split(example)  # an unbalanced quote fails here
    stdin = None
    if words[0] == "printf":
        assert words[2] == "|", example
        stdin = words[1].encode().decode("unicode_escape")
        words = words[3:]
    for stop in ("|", ">"):
        if stop in words:
            words = words[: words.index(stop)]
    assert words[0] == "gradcli", example
    return words[1:], stdin


def test_help_examples_are_whole_commands():
    examples = help_examples()
    assert len(examples) > 60
    assert ("grad", "printf '5,3,2\\n1,2,3\\n' | gradcli grad \"3*(a+b*c)\" --at - --format csv") in examples
    for _, example in examples:
        as_invocation(example)


@pytest.mark.parametrize(
    "example",
    [e for c, e in help_examples() if c not in ACTIVATIONS or c == "leaky_relu"],
    ids=lambda e: e[:70],
)
def test_help_example_runs(example, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "points.csv").write_text("a,b,c\n5,3,2\n1,2,3\n")
    argv, stdin = as_invocation(example)
    result = CliRunner().invoke(main, argv, input=stdin, prog_name="gradcli")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code in (0, 1), (example, result.stderr)
    assert result.stdout or "wrote" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@needs_exe
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_a_full_disk_is_one_line_exit_74_not_an_internal_error(fmt):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [EXE, "grad", "sin(x)", "--at", "1", "--format", fmt],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
            timeout=60,
        )
    assert proc.returncode == 74
    assert proc.stderr == "gradcli: error: cannot write the output: No space left on device\n"


@needs_exe
def test_a_closed_stdout_is_one_line_exit_74():
    proc = subprocess.run(
        f"exec >&-; {shlex.quote(EXE)} grad 'sin(x)' --at 1",
        shell=True,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
        timeout=60,
    )
    assert proc.returncode == 74
    assert proc.stderr == "gradcli: error: cannot write the output: stdout is closed\n"


@pytest.mark.parametrize("command", ["sweep", "trace", "hessian"])
def test_help_promises_stdin_points_only_where_they_work(command):
    text = " ".join(gradcli(command, "--help").stdout.split())
    assert "reads points from stdin" not in text
    assert gradcli(command, "x", "--at", "-").exit_code == 2  # and indeed they are refused
    assert ("Repeat for more points" in text) == (command != "sweep")  # sweep takes one point
    assert "reads points from stdin" in " ".join(gradcli("grad", "--help").stdout.split())


def test_every_option_has_help():
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        for param in main.get_command(ctx, name).params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, (name, param.opts)


def _interruptible() -> None:
    """In the child: SIGINT as a terminal delivers it, even when this test run was started in
    the background of a script (which ignores SIGINT, and a child inherits that)."""


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("jacobian", 'the Jacobian is grad with several expressions, e.g. gradcli grad "x*y" "x+y" --at 1,2'),
        ("activations", "each activation is a command of its own (gradcli sigmoid --at 1)"),
        ("derivative", "grad evaluates derivatives"),
    ],
)
def test_commands_people_look_for_point_to_the_right_one(name, fragment):
    result = gradcli(name)
    assert result.exit_code == 2 and result.stdout == ""
    assert f"gradcli: error: no command '{name}': {fragment}" in result.stderr


def test_in_process_runs_do_not_freeze_each_others_garbage():
    """Start-up's objects are frozen once; later runs in the same process (tests, a notebook)
    leave their garbage collectable instead of adding it to the frozen set."""
    import gc

    gradcli("grad", "3*(a+b*c)", "--at", "a=5,b=3,c=2")
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    for _ in range(3):
        gradcli("diff", "sin(x)*exp(x)+x^3")
    assert gc.get_freeze_count() <= frozen  # (frozen objects may still be freed by reference count)


def test_main_help_points_to_the_full_reference_which_exists():
    from pathlib import Path

    text = " ".join(gradcli("--help").stdout.split())
    assert "gradcli COMMAND --help" in text
    assert "docs/reference/cli.md (generated from this help)" in text
    root = Path(__file__).resolve().parents[2]
    assert (root / "docs" / "reference" / "cli.md").is_file() and (root / "docs" / "guide").is_dir()
