"""Shared options: one name per idea, hidden aliases for the old spellings, ``-h``, defaults and
choices read from the library, and the group's help in two sections."""

from __future__ import annotations

import re
import subprocess
import sys

import click
import pytest
from conftest import assert_one_line_error, gradcli

from gradcli.cli import main
from gradcli.cli.group import COMMANDS
from gradcli.derive.diagnostics import DEFAULT_EXPLODE, DEFAULT_VANISH
from gradcli.derive.gradient import ALL_METHODS, BACKPROP, DEFAULT_METHOD
from gradcli.output.formats import WRITERS
from gradcli.registry import ACTIVATIONS

CTX = click.Context(main)
ACTIVATION_COMMANDS = sorted(name.replace("_", "-") for name in ACTIVATIONS)


def option(command: str, name: str) -> click.Option:
    [param] = [p for p in main.get_command(CTX, command).params if name in getattr(p, "opts", ())]
    return param


@pytest.mark.parametrize("command", ["grad", "sigmoid", "leaky-relu"])
def test_gradient_options_take_their_defaults_and_choices_from_the_library(command):
    method = option(command, "--method")
    assert method.default == DEFAULT_METHOD
    assert set(method.type.choices) == set(ALL_METHODS)
    assert method.type.choices[0] == DEFAULT_METHOD
    assert option(command, "--vanish").default == DEFAULT_VANISH
    assert option(command, "--explode").default == DEFAULT_EXPLODE
    assert tuple(option(command, "--format").type.choices) == ("table", *WRITERS)


def test_sweep_methods_are_the_finite_differences_and_hessian_takes_all():
    assert set(option("sweep", "--method").type.choices) == set(ALL_METHODS) - {BACKPROP}
    assert set(option("hessian", "--method").type.choices) == set(ALL_METHODS)
    assert option("trace", "--vanish").default == DEFAULT_VANISH


def test_on_error_choices_are_the_pipelines():
    from gradcli.pipeline import ON_ERROR

    assert tuple(option("grad", "--on-error").type.choices) == ON_ERROR
    assert option("grad", "--on-error").default == ON_ERROR[0]


@pytest.mark.parametrize(
    ("new", "old"),
    [
        ('sweep "a*b**2" --at a=1,b=2 --wrt b --steps 1e-2:1e-6 --format json',
         'sweep "a*b**2" --at a=1,b=2 --var b --range 1e-2:1e-6 --format json'),
        ('diff "3*(a+b*c)" --wrt c', 'diff "3*(a+b*c)" --var c'),
        ('plot "tanh(w*x)" --wrt x --at w=2 --points 20', 'plot "tanh(w*x)" --var x --at w=2 --points 20'),
    ],
)  # fmt: skip
def test_old_spellings_still_work_as_hidden_aliases(new, old):
    a, b = gradcli(new), gradcli(old)
    assert a.exit_code == b.exit_code == 0, (a.stderr, b.stderr)
    assert a.stdout == b.stdout and a.stdout


@pytest.mark.parametrize(("command", "hidden", "shown"), [
    ("sweep", ("--var", "--range"), ("--wrt", "--steps", "--vars")),
    ("diff", ("--var",), ("--wrt",)),
    ("plot", ("--var",), ("--wrt", "--range")),
])  # fmt: skip
def test_aliases_are_left_out_of_help(command, hidden, shown):
    words = gradcli(command, "--help").stdout.replace(",", " ").split()
    for name in hidden:
        assert name not in words, name
    for name in shown:
        assert name in words, name


def test_a_typo_is_matched_against_the_shown_names_not_the_aliases():
    line = gradcli('sweep "x" --at 1 --wrtt x').stderr
    assert "--wrtt" in line and "--wrt" in line and "--var" not in line


@pytest.mark.parametrize("name", ["", *COMMANDS, *ACTIVATION_COMMANDS])
def test_dash_h_is_help_everywhere(name):
    args = [name] if name else []
    short, long = gradcli(*args, "-h"), gradcli(*args, "--help")
    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout and "Usage: gradcli" in short.stdout
    assert short.stderr == ""


def test_an_expression_starting_with_h_still_reaches_the_command_after_dashes():
    result = gradcli("grad", "--at", "h=2", "--format", "csv", "--", "-h")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == "2.0,-2.0,-1.0"


def test_group_help_lists_core_commands_then_activations():
    text = gradcli("--help").stdout
    core, activations = text.split("Commands:")[1].split("Activations:")
    activations = activations.split("\n\n")[0]  # the section, not the epilog after it
    listed = [line.split()[0] for line in core.splitlines() if line.strip()]
    assert listed == list(COMMANDS)
    assert [
        line.split()[0] for line in activations.splitlines() if line.startswith("  ")
    ] == ACTIVATION_COMMANDS


@pytest.mark.parametrize(
    ("hyphen", "underscore"), [("leaky-relu", "leaky_relu"), ("hard-sigmoid", "hard_sigmoid")]
)
def test_activation_commands_take_hyphens_and_keep_the_underscore_alias(hyphen, underscore):
    a = gradcli(hyphen, "--at", "-1", "--at", "2", "--format", "json")
    b = gradcli(underscore, "--at", "-1", "--at", "2", "--format", "json")
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout
    assert f"gradcli {hyphen} --at" in gradcli(underscore, "--help").stdout  # help shows the new name
    assert underscore not in main.list_commands(CTX)


IMPORTED = """
import sys
from gradcli.cli import main
try:
    main({argv!r}, prog_name="gradcli")
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.startswith("gradcli.cli.commands.")), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("argv", "modules"),
    [
        (["grad", "x", "--at", "1", "--format", "json"], ["gradcli.cli.commands.grad"]),
        (["sigmoid", "--at", "1", "--format", "json"], ["gradcli.cli.commands.activation"]),
        (["diff", "x*y"], ["gradcli.cli.commands.diff"]),
    ],
)
def test_only_the_invoked_commands_module_is_imported(argv, modules):
    proc = subprocess.run(
        [sys.executable, "-c", IMPORTED.format(argv=argv)], capture_output=True, text=True, timeout=60
    )
    assert proc.stderr.splitlines()[-1] == repr(modules), proc.stderr


@pytest.mark.parametrize(("expr", "row"), [("-h*2", "1.0,-2.0,-2.0"), ("-x*h", "1.0,2.0,-2.0,-2.0,-1.0")])
def test_an_expression_that_starts_with_minus_and_holds_h_is_no_help_request(expr, row):
    result = gradcli("grad", expr, "--at", "h=1,x=2" if "x" in expr else "h=1", "--format", "csv")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[1] == row


# --- --digits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        'grad "3*(a+b*c)" --at a=5,b=3,c=2 --method forward --eps 0.01',
        "sigmoid --at 1",
        'hessian "x^3*y" --at x=1.1,y=2',
        'sweep "exp(x)" --at x=1',
        'trace "x*y" --at x=1.23456789,y=2',
    ],
)
def test_digits_rounds_the_tables_numbers_and_nothing_else(command):
    full = gradcli(command).stdout
    short = gradcli(command + " --digits 3").stdout
    assert full != short
    mantissas = re.findall(r"(?<![\w.])-?(\d+\.\d+)", short)
    significant = [len(m.replace(".", "").lstrip("0")) for m in mantissas]
    assert significant and max(significant) <= 3, mantissas  # no number has more than 3 digits
    assert len(short.splitlines()) == len(full.splitlines())  # the same rows, rounded


def test_digits_keeps_what_it_rounds_readable_and_full_precision_is_the_default():
    out = gradcli('grad "3*(a+b*c)" --at a=5,b=3,c=2 --method forward --eps 0.01 --digits 4').stdout
    assert "3.0000000000001137" not in out and "\na           3          3" in out
    assert (
        "3.0000000000001137"
        in gradcli('grad "3*(a+b*c)" --at a=5,b=3,c=2 --method forward --eps 0.01').stdout
    )


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_digits_is_refused_where_every_digit_is_kept(fmt):
    result = gradcli(f"grad x --at 1 --digits 3 --format {fmt}")
    assert_one_line_error(result, f"--digits rounds the table; --format {fmt} keeps every digit")


@pytest.mark.parametrize("bad", ["0", "18", "-1", "three"])
def test_digits_out_of_range_is_a_usage_error(bad):
    assert gradcli(f"grad x --at 1 --digits {bad}").exit_code == 2


@pytest.mark.parametrize(
    ("args", "canonical"),
    [
        (["grad", "x", "--at", "x=1", "--format", "CSV"], "x,f,grad_x"),
        (["grad", "x", "--at", "x=1", "--format", "Tsv", "--method", "BACKPROP"], "x\tf\tgrad_x"),
        (["--color", "NEVER", "relu", "--at", "1", "--format", "csv"], "x,f,grad_x,health"),
    ],
)
def test_choices_are_read_in_any_case(args, canonical):
    result = gradcli(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == canonical


@pytest.mark.parametrize(
    ("args", "option", "near"),
    [
        (["grad", "x", "--at", "x=1", "--method", "centre"], "--method", "central"),
        (["grad", "x", "--at", "x=1", "--format", "jsonl"], "--format", "json"),
        (["grad", "x", "--at", "x=1", "--format", "ndjson"], "--format", "json"),
        (["sweep", "x", "--at", "x=1", "--method", "fivepoint"], "--method", "five-point"),
        (["--color", "nevr", "grad", "x", "--at", "x=1"], "--color", "never"),
        (["completion", "bsh"], "SHELL", "bash"),
    ],
)
def test_a_near_miss_among_choices_names_the_nearest(args, option, near):
    line = assert_one_line_error(gradcli(*args), f"'{option}'", f": did you mean '{near}'? (see 'gradcli")
    assert line.endswith(" --help')")


def test_a_choice_far_from_every_name_is_refused_without_a_guess():
    line = assert_one_line_error(
        gradcli("grad", "x", "--at", "x=1", "--format", "xml"), "'table', 'json', 'csv', 'tsv'"
    )
    assert "did you mean" not in line
