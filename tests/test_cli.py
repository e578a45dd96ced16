"""The command line: options, output formats, exit statuses and error messages.

Most tests drive ``gradcli.cli.main`` through Click's CliRunner (stdout and stderr kept apart);
the last ones run the installed ``gradcli`` command and ``python -m gradcli`` for real.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import gradcli
from gradcli.cli import main
from gradcli.registry import ACTIVATIONS, CONSTANTS, FUNCTIONS, OPERATORS

SEED = ("grad", "3*(a+b*c)", "--at", "a=5,b=3,c=2", "--method", "forward", "--eps", "0.01")
SEED_GRADIENT = {"a": 3.0000000000001137, "b": 6.000000000000227, "c": 8.99999999999963}
JSON_FIELDS = [
    "expr",
    "point",
    "value",
    "method",
    "eps",
    "gradient",
    "exact",
    "exact_bound",
    "error",
    "rel_error",
    "error_estimate",
    "digits",
    "note",
    "warnings",
]


def run(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, list(args), env=env, prog_name="gradcli")
    # Anything but a clean SystemExit would be a crash that CliRunner swallowed.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def strict_json(line: str) -> dict:
    """Parse one JSON line, refusing the NaN/Infinity extensions Python would accept."""

    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name} in {line!r}")

    return json.loads(line, parse_constant=refuse)


def records(result) -> list[dict]:
    return [strict_json(line) for line in result.stdout.splitlines()]


def assert_one_line_error(result, *fragments: str, code: int = 2) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("gradcli: error: ")
    for fragment in fragments:
        assert fragment in line
    assert "Traceback" not in result.stdout + result.stderr
    return line


# --- the seed, bit for bit ----------------------------------------------------------------------


def test_seed_json_bit_for_bit():
    result = run(*SEED, "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == ""
    [record] = records(result)
    assert list(record) == JSON_FIELDS
    assert record["expr"] == "3*(a+b*c)"
    assert record["point"] == {"a": 5.0, "b": 3.0, "c": 2.0}
    assert record["value"] == 33.0
    assert record["method"] == "forward"
    assert record["eps"] == {"a": 0.01, "b": 0.01, "c": 0.01}
    assert record["gradient"] == SEED_GRADIENT
    assert record["exact"] == {"a": 3.0, "b": 6.0, "c": 9.0}
    for name, g in SEED_GRADIENT.items():
        assert record["error"][name] == abs(g - record["exact"][name])
        assert record["rel_error"][name] == abs(g - record["exact"][name]) / record["exact"][name]
        assert record["error_estimate"][name] > 0
    assert record["warnings"] == []
    # repr digits, not rounded ones, are what is written
    for text in ("3.0000000000001137", "6.000000000000227", "8.99999999999963"):
        assert text in result.stdout


def test_sigmoid_two_points_one_json_line_each_with_vanishing_at_20():
    result = run(
        "grad", "sigmoid(x)", "--at", "x=1", "--at", "x=20", "--method", "forward", "--eps", "0.001",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    first, second = records(result)
    assert first["point"] == {"x": 1.0}
    assert second["point"] == {"x": 20.0}
    assert first["gradient"] == {"x": 0.1965664984852067}
    assert second["gradient"] == {"x": 2.0601298444944405e-09}
    assert first["value"] == 0.7310585786300049
    assert second["value"] == 0.9999999979388463
    assert "vanishing" not in [w["kind"] for w in first["warnings"]]
    vanishing = [w for w in second["warnings"] if w["kind"] == "vanishing"]
    assert len(vanishing) == 1
    assert vanishing[0]["var"] == "x"
    assert "--vanish" in vanishing[0]["message"]
    for record in (first, second):
        for warning in record["warnings"]:
            assert {"var", "kind", "message"} <= set(warning)


def test_nonfinite_value_is_null_and_exit_1_in_json():
    result = run("grad", "log(a-b)", "--at", "a=1,b=2", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == ""
    [record] = records(result)
    assert record["value"] is None
    assert record["gradient"] == {"a": None, "b": None}
    assert record["exact"] == {"a": None, "b": None}
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    [warning] = [w for w in record["warnings"] if w["kind"] == "nonfinite"]
    assert warning["var"] is None
    assert "log of a negative number in log(a-b)" in warning["message"]


def test_gradient_only_nonfinite_is_null_but_exit_0():
    result = run("grad", "asin(x)", "--at", "1", "--method", "backprop", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["value"] == 1.5707963267948966
    assert record["gradient"] == {"x": None}
    assert record["eps"] is None and record["error"] is None
    assert [w["kind"] for w in record["warnings"]] == ["nonfinite"]


# --- CSV / TSV --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, sep", [("csv", ","), ("tsv", "\t")])
def test_delimited_seed(fmt, sep):
    result = run(*SEED, "--format", fmt)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        sep.join(["a", "b", "c", "f", "grad_a", "grad_b", "grad_c"]),
        sep.join(
            ["5.0", "3.0", "2.0", "33.0", "3.0000000000001137", "6.000000000000227", "8.99999999999963"]
        ),
    ]


@pytest.mark.parametrize("fmt, sep", [("csv", ","), ("tsv", "\t")])
def test_delimited_nonfinite_is_empty_field_and_warning_on_stderr(fmt, sep):
    result = run("grad", "log(a-b)", "--at", "a=1,b=2", "--format", fmt)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        sep.join(["a", "b", "f", "grad_a", "grad_b"]),
        sep.join(["1.0", "2.0", "", "", ""]),
    ]
    assert "nan" not in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("gradcli: warning: point 1: nonfinite: ")
    assert "log of a negative number in log(a-b)" in lines[0]


def test_csv_warnings_go_to_stderr_not_stdout():
    result = run(
        "grad",
        "sigmoid(x)",
        "--at",
        "1",
        "--at",
        "20",
        "--method",
        "forward",
        "--eps",
        "0.001",
        "--format",
        "csv",
    )
    assert result.exit_code == 0
    assert (
        result.stdout
        == "x,f,grad_x\n1.0,0.7310585786300049,0.1965664984852067\n20.0,0.9999999979388463,2.0601298444944405e-09\n"
    )
    assert "gradcli: warning: point 2, x: vanishing: " in result.stderr
    assert all(line.startswith("gradcli: warning: ") for line in result.stderr.splitlines())


def test_csv_full_precision_round_trip():
    result = run(
        "grad",
        "x/3",
        "--at",
        "0.1",
        "--at",
        "1e-300",
        "--at",
        "-7.25e15",
        "--method",
        "backprop",
        "--format",
        "csv",
    )
    assert result.exit_code == 0
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    assert [float(r[0]) for r in rows] == [0.1, 1e-300, -7.25e15]
    assert [float(r[1]) for r in rows] == [0.1 / 3, 1e-300 / 3, -7.25e15 / 3]
    assert rows[0][1] == repr(0.1 / 3)


# --- methods and steps --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, expected",
    [("forward", 6.5), ("backward", 5.5), ("central", 6.0)],  # x**2 at 3, eps 0.5: exact arithmetic
)
def test_methods_with_fixed_eps(method, expected):
    result = run("grad", "x**2", "--at", "3", "--method", method, "--eps", "0.5", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["method"] == method
    assert record["eps"] == {"x": 0.5}
    assert record["gradient"] == {"x": expected}
    assert record["exact"] == {"x": 6.0}
    assert record["error"] == {"x": abs(expected - 6.0)}


def test_backprop_method_has_no_step_and_no_error():
    result = run("grad", "3*(a+b*c)", "--at", "a=5,b=3,c=2", "--method", "backprop", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["method"] == "backprop"
    assert record["gradient"] == record["exact"] == {"a": 3.0, "b": 6.0, "c": 9.0}
    for field in ("eps", "error", "rel_error", "error_estimate"):
        assert record[field] is None


def test_default_method_is_central_with_auto_eps():
    default = records(run("grad", "sin(x)", "--at", "2", "--format", "json"))[0]
    explicit = records(
        run("grad", "sin(x)", "--at", "2", "--method", "central", "--eps", "AUTO", "--format", "json")
    )[0]
    assert default == explicit
    assert default["method"] == "central"
    assert 0 < default["eps"]["x"] < 1e-3
    assert abs(default["gradient"]["x"] - default["exact"]["x"]) < 1e-9


def test_auto_eps_depends_on_method_and_scale():
    def step(method: str, at: str) -> float:
        return records(run("grad", "x", "--at", at, "--method", method, "--format", "json"))[0]["eps"]["x"]

    assert step("forward", "1") < step("central", "1")
    assert step("forward", "1") == step("backward", "1")
    assert step("central", "1000") > 100 * step("central", "1")


@pytest.mark.parametrize("eps", ["0", "-1", "nan", "inf", "abc", "-inf", ""])
def test_bad_eps_is_one_line_usage_error(eps):
    assert_one_line_error(run("grad", "x", "--at", "1", "--eps", eps), "--eps")


@pytest.mark.parametrize("option", ["--vanish", "--explode"])
@pytest.mark.parametrize("value", ["0", "-1", "nan", "x"])
def test_bad_thresholds_are_usage_errors(option, value):
    assert_one_line_error(run("grad", "x", "--at", "1", option, value), option)


def test_bad_method_and_format_are_usage_errors():
    assert_one_line_error(run("grad", "x", "--at", "1", "--method", "forwad"), "--method")
    assert_one_line_error(run("grad", "x", "--at", "1", "--format", "xml"), "--format")


# --- points and variables -------------------------------------------------------------------------


def test_vars_changes_positional_binding():
    plain = records(run("grad", "3*(a+b*c)", "--at", "3,5,2", "--format", "json"))[0]
    assert plain["point"] == {"a": 3.0, "b": 5.0, "c": 2.0}
    assert plain["value"] == 39.0
    reordered = run("grad", "3*(a+b*c)", "--at", "3,5,2", "--vars", "b,a,c", "--format", "json")
    assert reordered.exit_code == 0
    [record] = records(reordered)
    assert record["point"] == {"a": 5.0, "b": 3.0, "c": 2.0}
    assert record["value"] == 33.0
    assert record["exact"] == {"a": 3.0, "b": 6.0, "c": 9.0}


def test_vars_does_not_affect_named_points_or_column_order():
    result = run("grad", "a-b", "--at", "a=1,b=2", "--at", "5,7", "--vars", "b,a", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "a,b,f,grad_a,grad_b"
    assert [line.split(",")[:3] for line in result.stdout.splitlines()[1:]] == [
        ["1.0", "2.0", "-1.0"],
        ["7.0", "5.0", "2.0"],
    ]


def test_repeated_at_gives_one_result_per_point():
    result = run(
        "grad", "x**2", "--at", "1", "--at", "x=2", "--at", "3", "--method", "backprop", "--format", "json"
    )
    assert result.exit_code == 0
    got = records(result)
    assert [r["point"] for r in got] == [{"x": 1.0}, {"x": 2.0}, {"x": 3.0}]
    assert [r["value"] for r in got] == [1.0, 4.0, 9.0]
    assert [r["gradient"]["x"] for r in got] == [2.0, 4.0, 6.0]


def test_repeated_at_in_table_draws_each_point():
    result = run("grad", "x**2", "--at", "1", "--at", "2", "--at", "3", "--method", "backprop")
    assert result.exit_code == 0
    for point in ("x=1.0", "x=2.0", "x=3.0"):
        assert result.stdout.count(point) == 1


@pytest.mark.parametrize("at", ["-3", "x=-3", "(-3)", "p=(-3)", "x = -3"])
def test_negative_point_values(at):
    result = run("grad", "x**2", "--at", at, "--method", "backprop", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == "-3.0,9.0,-6.0"


def test_point_values_may_be_constant_expressions():
    result = run("grad", "sin(x)", "--at", "x=pi/2", "--method", "backprop", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["point"] == {"x": 1.5707963267948966}
    assert record["value"] == 1.0


@pytest.mark.parametrize("expression", ["-x**2", "-(x**2)", "-x*x"])
def test_expression_starting_with_minus(expression):
    result = run("grad", expression, "--at", "x=1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [record] = records(result)
    assert record["value"] == -1.0
    assert record["exact"] == {"x": -2.0}
    assert abs(record["gradient"]["x"] + 2.0) < 1e-8


def test_expression_starting_with_minus_and_negative_point():
    result = run("grad", "-x**2", "--at", "-3", "--method", "backprop", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == "-3.0,-9.0,6.0"


@pytest.mark.parametrize(
    "args",
    [
        ["grad", "x", "--at", "1", "--metod", "forward"],
        ["grad", "x", "--metod", "forward", "--at", "1"],
        ["grad", "x", "--at", "1", "--metod=forward"],
        ["grad", "--metod=forward", "--at", "1"],
    ],
)
def test_mistyped_option_after_expression_is_a_usage_error(args):
    line = assert_one_line_error(run(*args), "--metod")
    assert "column" not in line  # not reported as a mistake in the expression


@pytest.mark.parametrize(
    "args",
    [
        ["grad", "--metod", "forward", "x", "--at", "1"],
        ["grad", "--metod=forward", "x", "--at", "1"],
    ],
)
def test_mistyped_option_before_expression_names_the_option(args):
    line = assert_one_line_error(run(*args))
    assert "--metod" in line, line


def test_missing_at_names_the_variables():
    line = assert_one_line_error(run("grad", "b*a+c"), "missing --at")
    assert "a, b, c" in line


def test_expression_without_variables_needs_no_at():
    result = run("grad", "2*pi", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["value"] == 6.283185307179586
    assert record["point"] == {} and record["gradient"] == {}
    table = run("grad", "2*pi")
    assert table.exit_code == 0
    assert "6.283185307179586" in table.stdout
    csv = run("grad", "2*pi", "--format", "csv")
    assert csv.stdout == "f\n6.283185307179586\n"


# --- every error path: one line, exit 2 ----------------------------------------------------------

EXPRESSION_ERRORS = [
    ("3*(a+", "never closed"),
    ("a+*b", "column"),
    ("a b", "column"),
    ("", "expression is empty"),
    ("2x", "write 2*x"),
    ("sigmod(x)", "did you mean 'sigmoid'"),
    ("foo(x)", "unknown function 'foo'"),
    ("__import__('os')", "unknown function '__import__'"),
    ("x.real", "attribute access is not allowed"),
    ("math.sin(x)", "attribute access is not allowed"),
    ("lambda: 1", "lambda is not allowed"),
    ("(lambda y: y)(x)", "only functions named directly can be called"),
    ("x[0]", "subscripts are not allowed"),
    ('"a"+x', "strings are not allowed"),
    ("'x'", "strings are not allowed"),
    ("log(x, base=2)", "keyword arguments are not allowed"),
    ("sin(x=1)", "keyword arguments are not allowed"),
    ("sin(x, x)", "sin() takes 1 argument, not 2"),
    ("(a, b)", "tuples are not allowed"),
    ("a < b", "comparisons are not supported"),
    ("x % 2", "% operator"),
    ("sin", "'sin' is a function"),
    ("pi(x)", "'pi' is a constant"),
    ("1e999*x", "not a finite"),
    ("x\u2212y", "U+2212"),
]


@pytest.mark.parametrize("text, fragment", EXPRESSION_ERRORS, ids=[t for t, _ in EXPRESSION_ERRORS])
def test_expression_errors(text, fragment):
    assert_one_line_error(run("grad", text, "--at", "1"), fragment)


POINT_ERRORS = [
    ("a+b", ["--at", "a=1"], "gives no value for b"),
    ("a+b", ["--at", "a=1,b=2,c=3"], "names 'c'"),
    ("a+b", ["--at", "a=1,a=2"], "gives 'a' twice"),
    ("a+b", ["--at", "1,2,3"], "has 3 values but the expression has 2 variables"),
    ("a+b", ["--at", "1"], "has 1 value but the expression has 2 variables"),
    ("a+b", ["--at", "a=1,b=nan"], "not a finite number"),
    ("a+b", ["--at", "a=1,b=inf"], "not a finite number"),
    ("a+b", ["--at", "a=1,b=-inf"], "not a finite number"),
    ("x", ["--at", "x=1e400"], "not a finite number"),
    ("x", ["--at", "x=1/0"], "not a finite number"),
    ("x", ["--at", "x=abc"], "is not a number"),
    ("x", ["--at", ""], "empty point"),
    ("x", ["--at", "x="], "empty value"),
    ("x*y", ["--at", "x=1,2"], "mixes name=value pairs"),
    ("a+b", ["--at", "a=1,b=2", "--at", "a=1"], "gives no value for b"),
    ("a+b", ["--at", "1,2", "--vars", "a,a"], "--vars names 'a' twice"),
    ("a+b", ["--at", "1,2", "--vars", "a,q"], "--vars names 'q'"),
    ("a+b", ["--at", "1,2", "--vars", "a"], "--vars leaves out b"),
]


@pytest.mark.parametrize("text, extra, fragment", POINT_ERRORS, ids=[" ".join(e) for _, e, _ in POINT_ERRORS])
def test_point_errors(text, extra, fragment):
    assert_one_line_error(run("grad", text, *extra), fragment)


def test_missing_expression_and_unknown_command():
    assert_one_line_error(run("grad"), "EXPRESSION")
    assert_one_line_error(run("gard", "x"), "gard")


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("gard", "'grad'"), ("sigmod", "'sigmoid'"), ("leaky-relu", "'leaky_relu'"), ("swsh", "'swish'")],
)
def test_mistyped_command_suggests_the_activations_too(typed, suggested):
    # the activation commands are built on first use, yet a typo of one is still named
    line = assert_one_line_error(run(typed, "--at", "1"), f"No such command '{typed}'")
    assert "Did you mean" in line and suggested in line


def test_main_help_lists_every_exit_status():
    text = " ".join(run("--help").stdout.split())
    for status in (
        "0 done",
        "1 f could not be evaluated",
        "2 usage error",
        "70 internal error",
        "74 the output could not be written",
        "130 interrupted",
    ):
        assert status in text


# --- exit statuses ----------------------------------------------------------------------------------

NONFINITE = [
    ("x/(x-1)", "x=1", "division by zero in x/(x-1)"),
    ("log(x-1)", "x=1", "log of zero in log(x-1)"),
    ("exp(1000*x)", "x=1", "overflowed"),
]


@pytest.mark.parametrize("text, at, reason", NONFINITE)
def test_nonfinite_f_exits_1_and_json_still_prints(text, at, reason):
    result = run("grad", text, "--at", at, "--format", "json")
    assert result.exit_code == 1
    [record] = records(result)
    assert record["value"] is None
    assert record["gradient"] == {"x": None}
    assert any(w["kind"] == "nonfinite" and reason in w["message"] for w in record["warnings"])


@pytest.mark.parametrize("text, at, reason", NONFINITE)
def test_nonfinite_f_exits_1_in_table_and_csv(text, at, reason):
    table = run("grad", text, "--at", at)
    assert table.exit_code == 1
    assert "nonfinite" in table.stdout and reason in table.stdout
    csv = run("grad", text, "--at", at, "--format", "csv")
    assert csv.exit_code == 1
    assert csv.stdout.splitlines()[1] == "1.0,,"
    assert reason in csv.stderr


def test_one_nonfinite_point_among_several_exits_1():
    result = run("grad", "log(x)", "--at", "1", "--at", "-1", "--at", "2", "--format", "json")
    assert result.exit_code == 1
    got = records(result)
    assert [r["value"] is None for r in got] == [False, True, False]


@pytest.mark.parametrize("text", ["1/0", "log(0)", "exp(1000)"])
def test_constant_expression_that_is_not_finite_exits_1(text):
    result = run("grad", text, "--format", "json")
    assert result.exit_code == 1, result.stderr
    [record] = records(result)
    assert record["value"] is None
    assert [w["kind"] for w in record["warnings"]] == ["nonfinite"]


def test_strict():
    warned = ("grad", "sigmoid(x)", "--at", "20", "--format", "json")
    assert records(run(*warned))[0]["warnings"]
    assert run(*warned).exit_code == 0
    strict = run(*warned, "--strict")
    assert strict.exit_code == 1
    assert len(records(strict)) == 1  # the result is still printed
    clean = run("grad", "x*y", "--at", "1,2", "--strict", "--format", "json")
    assert records(clean)[0]["warnings"] == []
    assert clean.exit_code == 0


def test_strict_with_table_and_csv():
    assert run("grad", "abs(x)", "--at", "0", "--strict").exit_code == 1
    assert run("grad", "abs(x)", "--at", "0").exit_code == 0
    assert run("grad", "abs(x)", "--at", "0", "--strict", "--format", "csv").exit_code == 1
    assert run("grad", "abs(x)", "--at", "1", "--strict", "--format", "csv").exit_code == 0


# --- version, help, functions -------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    result = run(flag)
    assert result.exit_code == 0
    assert result.stdout == f"gradcli, version {gradcli.__version__}\n"


def test_help_on_group_and_every_command():
    result = run("--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    commands = {"grad", "functions", "sweep", "plot", "diff", "trace", "hessian", *ACTIVATIONS}
    listed = main.list_commands(click.Context(main))
    assert set(listed) == commands
    for name in listed:
        assert name in result.stdout
        sub = run(name, "--help")
        assert sub.exit_code == 0, name
        assert "Examples" in sub.stdout, name
        assert sub.stderr == ""
    grad_help = run("grad", "--help").stdout
    for option in ("--at", "--vars", "--method", "--eps", "--format", "--vanish", "--explode", "--strict"):
        assert option in grad_help


def test_functions_table_lists_every_registry_function():
    result = run("functions", env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for name, op in FUNCTIONS.items():
        usage = op.signature.split("  ")[0]
        assert usage in result.stdout, name
    assert "pi" in result.stdout and repr(CONSTANTS["pi"]) in result.stdout


def test_functions_json_one_object_per_function():
    result = run("functions", "--format", "json")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    objects = [strict_json(line) for line in lines]
    assert objects[-1] == {"constants": CONSTANTS}
    rows = objects[:-1]
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names))
    expected = {op.name for op in OPERATORS.values()} | {op.name for op in FUNCTIONS.values()}
    assert set(names) == expected
    for name in FUNCTIONS:
        assert name in names
    by_name = {row["name"]: row for row in rows}
    for name, op in FUNCTIONS.items():
        row = by_name[name]
        assert set(row) == {"name", "usage", "derivative", "not_differentiable", "doc"}
        assert row["usage"] == op.signature
        assert row["derivative"] == op.derivative
        assert row["doc"] == op.doc
        assert row["not_differentiable"] == (op.kink_doc or None)
    assert by_name["abs"]["not_differentiable"]
    assert by_name["exp"]["not_differentiable"] is None


def test_functions_bad_format():
    assert_one_line_error(run("functions", "--format", "csv"), "--format")


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
    assert proc.stdout == f"gradcli, version {gradcli.__version__}\n"


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
    assert proc.returncode == 130
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
    import gradcli.cli

    piped = CliRunner().invoke(main, ["grad", "x + sigmod(x)", "--at", "1"])
    assert piped.stderr.splitlines() == [
        "gradcli: error: unknown function 'sigmod' (column 5) — did you mean 'sigmoid'?"
    ]
    monkeypatch.setattr(gradcli.cli, "_stderr_is_terminal", lambda: True)
    tty = CliRunner().invoke(main, ["grad", "x + sigmod(x)", "--at", "1"])
    assert tty.stderr.splitlines()[1:] == ["  x + sigmod(x)", "      ^^^^^^"]


# --- the higher-order methods on the command line -----------------------------------------------


@pytest.mark.parametrize("method", ["five-point", "richardson", "complex"])
def test_new_methods_give_json_with_an_honest_estimate(method):
    result = run("grad", "exp(x)*y", "--at", "x=0.5,y=2", "--method", method, "--format", "json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["method"] == method
    for name in ("x", "y"):
        assert record["error"][name] <= record["error_estimate"][name]
        assert record["rel_error"][name] < 1e-10
    assert record["warnings"] == []


def test_complex_step_on_a_kink_is_a_one_line_usage_error():
    result = run("grad", "relu(x)*y", "--at", "x=0,y=1", "--method", "complex")
    assert result.exit_code == 2
    assert result.stderr.startswith("gradcli: error: --method complex is not defined at point 1: relu(x)")
    assert len(result.stderr.strip().splitlines()) == 1


def test_complex_step_keeps_the_good_rows_of_a_range_through_a_kink():
    result = run("relu", "--at", "-1:1:3", "--method", "complex", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["x,f,grad_x", "-1.0,0.0,0.0", "0.0,0.0,", "1.0,1.0,1.0"]
    assert "x = 0.0" in result.stderr or "point 2" in result.stderr


def test_table_labels_the_new_methods():
    out = run("grad", "sin(x)", "--at", "1", "--method", "complex").stdout
    assert "complex step, eps auto" in out and "estimate" in out
    out = run("grad", "sin(x)", "--at", "1", "--method", "richardson").stdout
    assert "richardson extrapolation, eps auto" in out


# --- every --help example runs ------------------------------------------------------------------


def help_examples() -> list[tuple[str, str]]:
    """(command, example line) for each line of each command's --help "Examples:" block."""
    found = []
    for name in ["", *main.list_commands(click.Context(main))]:
        text = run(*([name] if name else []), "--help").stdout
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


def test_expressions_without_variables_show_no_empty_difference_tables():
    result = run("grad", "3", "4")
    assert result.exit_code == 0
    assert "Jacobian (central)" not in result.stdout and "abs err" not in result.stdout
    assert "none needed: the expressions have no variables" in result.stdout
    assert [line.split() for line in result.stdout.splitlines()[-2:]] == [
        ["3", "3.0", "ok"],
        ["4", "4.0", "ok"],
    ]


def test_direction_without_variables_is_one_line():
    assert_one_line_error(
        run("grad", "3", "--direction", "1"),
        "--direction: the expression has no variables, so there is no direction to differentiate along",
    )


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


# --- CSV/TSV headers: one name per column ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "clash"),
    [
        (("grad", "f*2", "--at", "3", "--format", "csv"), "f"),
        (("grad", "x*grad_x", "--at", "1,2", "--format", "tsv"), "grad_x"),
        (("grad", "f1+x", "x", "--at", "3,1", "--format", "csv"), "f1"),
        (("grad", "grad_u*2", "--at", "3", "--direction", "1", "--format", "csv"), "grad_u"),
        (("grad", "dir1*x", "x", "--at", "3,1", "--direction", "1,1", "--format", "csv"), "dir1"),
    ],
)
def test_a_variable_named_like_an_output_column_is_refused_in_csv(args, clash):
    fmt = args[-1]
    assert_one_line_error(
        run(*args),
        f"the variable '{clash}' has the name of an output column of --format {fmt}",
        "use --format json",
    )
    assert run(*args[:-1], "json").exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("grad", "a*b+c", "--at", "1,2,3"),
        ("grad", "a*b", "b", "--at", "1,2"),
        ("grad", "a*b", "--at", "1,2", "--direction", "1,1"),
        ("grad", "a*b", "b", "--at", "1,2", "--direction", "1,1"),
        ("grad", "f", "x", "--at", "1,2"),  # f is no output column of a Jacobian
    ],
)
def test_the_checked_columns_are_the_written_header(args):
    from gradcli.analysis.jacobian import union_variables
    from gradcli.language.parse import parse
    from gradcli.output.formats import columns

    result = run(*args, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    exprs = [a for a in args[1:] if not a.startswith("-") and "," not in a]
    names = union_variables([parse(text) for text in exprs])
    assert result.stdout.splitlines()[0].split(",") == columns(names, len(exprs), "--direction" in args)


def test_sweep_where_the_exact_derivative_is_not_finite_says_so():
    result = run("sweep", "sqrt(x)", "--at", "0")
    assert result.exit_code == 0
    assert result.stderr == (
        "gradcli: warning: df/dx is inf here (backprop), so no step's error can be measured "
        "('gradcli grad' says why)\n"
    )
    assert run("sweep", "sqrt(x)", "--at", "1").stderr == ""


@pytest.mark.parametrize("command", ["sweep", "trace", "hessian"])
def test_help_promises_stdin_points_only_where_they_work(command):
    text = " ".join(run(command, "--help").stdout.split())
    assert "reads points from stdin" not in text
    assert run(command, "x", "--at", "-").exit_code == 2  # and indeed they are refused
    assert ("Repeat for more points" in text) == (command != "sweep")  # sweep takes one point
    assert "reads points from stdin" in " ".join(run("grad", "--help").stdout.split())


def test_plot_size_metavar_says_the_shape():
    assert "--size WxH" in run("plot", "--help").stdout


def test_every_option_has_help():
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        for param in main.get_command(ctx, name).params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, (name, param.opts)


def _interruptible() -> None:
    """In the child: SIGINT as a terminal delivers it, even when this test run was started in
    the background of a script (which ignores SIGINT, and a child inherits that)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
