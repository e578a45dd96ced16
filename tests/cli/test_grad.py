"""gradcli grad: the seed bit for bit, formats, methods, points, every error path, exit statuses,
the Jacobian and --direction on the command line."""

from __future__ import annotations

import json

import pytest
from conftest import SEED, SEED_GRADIENT, assert_one_line_error, gradcli, records

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


# --- the seed, bit for bit ----------------------------------------------------------------------


def test_seed_json_bit_for_bit():
    result = gradcli(*SEED, "--format", "json")
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
    result = gradcli(
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
    result = gradcli("grad", "log(a-b)", "--at", "a=1,b=2", "--format", "json")
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
    result = gradcli("grad", "asin(x)", "--at", "1", "--method", "backprop", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["value"] == 1.5707963267948966
    assert record["gradient"] == {"x": None}
    assert record["eps"] is None and record["error"] is None
    assert [w["kind"] for w in record["warnings"]] == ["nonfinite"]


# --- CSV / TSV --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, sep", [("csv", ","), ("tsv", "\t")])
def test_delimited_seed(fmt, sep):
    result = gradcli(*SEED, "--format", fmt)
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
    result = gradcli("grad", "log(a-b)", "--at", "a=1,b=2", "--format", fmt)
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
    result = gradcli(
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
    result = gradcli(
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
    result = gradcli("grad", "x**2", "--at", "3", "--method", method, "--eps", "0.5", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["method"] == method
    assert record["eps"] == {"x": 0.5}
    assert record["gradient"] == {"x": expected}
    assert record["exact"] == {"x": 6.0}
    assert record["error"] == {"x": abs(expected - 6.0)}


def test_backprop_method_has_no_step_and_no_error():
    result = gradcli("grad", "3*(a+b*c)", "--at", "a=5,b=3,c=2", "--method", "backprop", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["method"] == "backprop"
    assert record["gradient"] == record["exact"] == {"a": 3.0, "b": 6.0, "c": 9.0}
    for field in ("eps", "error", "rel_error", "error_estimate"):
        assert record[field] is None


def test_default_method_is_central_with_auto_eps():
    default = records(gradcli("grad", "sin(x)", "--at", "2", "--format", "json"))[0]
    explicit = records(
        gradcli("grad", "sin(x)", "--at", "2", "--method", "central", "--eps", "AUTO", "--format", "json")
    )[0]
    assert default == explicit
    assert default["method"] == "central"
    assert 0 < default["eps"]["x"] < 1e-3
    assert abs(default["gradient"]["x"] - default["exact"]["x"]) < 1e-9


def test_auto_eps_depends_on_method_and_scale():
    def step(method: str, at: str) -> float:
        return records(gradcli("grad", "x", "--at", at, "--method", method, "--format", "json"))[0]["eps"][
            "x"
        ]

    assert step("forward", "1") < step("central", "1")
    assert step("forward", "1") == step("backward", "1")
    assert step("central", "1000") > 100 * step("central", "1")


@pytest.mark.parametrize("eps", ["0", "-1", "nan", "inf", "abc", "-inf", ""])
def test_bad_eps_is_one_line_usage_error(eps):
    assert_one_line_error(gradcli("grad", "x", "--at", "1", "--eps", eps), "--eps")


@pytest.mark.parametrize("option", ["--vanish", "--explode"])
@pytest.mark.parametrize("value", ["0", "-1", "nan", "x"])
def test_bad_thresholds_are_usage_errors(option, value):
    if (option, value) == ("--vanish", "0"):
        return  # --vanish 0 turns the warning off (below)
    assert_one_line_error(gradcli("grad", "x", "--at", "1", option, value), option)


def test_vanish_0_turns_the_vanishing_warning_off():
    warned = gradcli('grad "sigmoid(x)" --at 20 --format json')
    assert '"vanishing"' in warned.stdout
    quiet = gradcli('grad "sigmoid(x)" --at 20 --format json --vanish 0')
    assert quiet.exit_code == 0 and '"vanishing"' not in quiet.stdout
    health = gradcli("sigmoid --at 20 --vanish 0")
    assert (
        "no vanishing threshold (--vanish 0)" in health.stdout
        and "vanishing" not in health.stdout.split("\n")[4]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("grad x --at 1 --method backprop --eps 0.1", "--method backprop computes no finite difference"),
        ("grad x --at 1 --method backprop --eps auto", "--method backprop computes no finite difference"),
        (
            "hessian x*y --at 1,2 --method backprop --eps 1e-4",
            "--method backprop computes no finite difference",
        ),
        ("grad x --at 1 --jobs 2", "--jobs applies to streamed points only"),
        ("sigmoid --at 1 --on-error stop", "--on-error applies to streamed points only"),
        ("grad x --at 1 --vanish 10 --explode 0.5", "--vanish 10 is not below --explode 0.5"),
        ("tanh --at 1 --vanish 1 --explode 1", "--vanish 1 is not below --explode 1"),
    ],
)
def test_options_that_would_do_nothing_are_refused(args, message):
    assert_one_line_error(gradcli(args), message)


def test_stream_options_with_a_stream_are_fine():
    result = gradcli("grad x --at - --jobs 1 --on-error stop --format csv", input="1\n2\n")
    assert result.exit_code == 0 and result.stdout.splitlines()[1:] == ["1,1.0,1.0", "2,2.0,1.0"]


def test_bad_method_and_format_are_usage_errors():
    assert_one_line_error(gradcli("grad", "x", "--at", "1", "--method", "forwad"), "--method")
    assert_one_line_error(gradcli("grad", "x", "--at", "1", "--format", "xml"), "--format")


# --- points and variables -------------------------------------------------------------------------


def test_vars_changes_positional_binding():
    plain = records(gradcli("grad", "3*(a+b*c)", "--at", "3,5,2", "--format", "json"))[0]
    assert plain["point"] == {"a": 3.0, "b": 5.0, "c": 2.0}
    assert plain["value"] == 39.0
    reordered = gradcli("grad", "3*(a+b*c)", "--at", "3,5,2", "--vars", "b,a,c", "--format", "json")
    assert reordered.exit_code == 0
    [record] = records(reordered)
    assert record["point"] == {"a": 5.0, "b": 3.0, "c": 2.0}
    assert record["value"] == 33.0
    assert record["exact"] == {"a": 3.0, "b": 6.0, "c": 9.0}


def test_vars_does_not_affect_named_points_or_column_order():
    result = gradcli("grad", "a-b", "--at", "a=1,b=2", "--at", "5,7", "--vars", "b,a", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "a,b,f,grad_a,grad_b"
    assert [line.split(",")[:3] for line in result.stdout.splitlines()[1:]] == [
        ["1.0", "2.0", "-1.0"],
        ["7.0", "5.0", "2.0"],
    ]


def test_repeated_at_gives_one_result_per_point():
    result = gradcli(
        "grad", "x**2", "--at", "1", "--at", "x=2", "--at", "3", "--method", "backprop", "--format", "json"
    )
    assert result.exit_code == 0
    got = records(result)
    assert [r["point"] for r in got] == [{"x": 1.0}, {"x": 2.0}, {"x": 3.0}]
    assert [r["value"] for r in got] == [1.0, 4.0, 9.0]
    assert [r["gradient"]["x"] for r in got] == [2.0, 4.0, 6.0]


def test_repeated_at_in_table_draws_each_point():
    result = gradcli("grad", "x**2", "--at", "1", "--at", "2", "--at", "3", "--method", "backprop")
    assert result.exit_code == 0
    for point in ("x=1.0", "x=2.0", "x=3.0"):
        assert result.stdout.count(point) == 1


@pytest.mark.parametrize("at", ["-3", "x=-3", "(-3)", "p=(-3)", "x = -3"])
def test_negative_point_values(at):
    result = gradcli("grad", "x**2", "--at", at, "--method", "backprop", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == "-3.0,9.0,-6.0"


def test_point_values_may_be_constant_expressions():
    result = gradcli("grad", "sin(x)", "--at", "x=pi/2", "--method", "backprop", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["point"] == {"x": 1.5707963267948966}
    assert record["value"] == 1.0


@pytest.mark.parametrize("expression", ["-x**2", "-(x**2)", "-x*x"])
def test_expression_starting_with_minus(expression):
    result = gradcli("grad", expression, "--at", "x=1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [record] = records(result)
    assert record["value"] == -1.0
    assert record["exact"] == {"x": -2.0}
    assert abs(record["gradient"]["x"] + 2.0) < 1e-8


def test_expression_starting_with_minus_and_negative_point():
    result = gradcli("grad", "-x**2", "--at", "-3", "--method", "backprop", "--format", "csv")
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
    line = assert_one_line_error(gradcli(*args), "--metod")
    assert "column" not in line  # not reported as a mistake in the expression


@pytest.mark.parametrize(
    "args",
    [
        ["grad", "--metod", "forward", "x", "--at", "1"],
        ["grad", "--metod=forward", "x", "--at", "1"],
    ],
)
def test_mistyped_option_before_expression_names_the_option(args):
    line = assert_one_line_error(gradcli(*args))
    assert "--metod" in line, line


def test_missing_at_names_the_variables():
    line = assert_one_line_error(gradcli("grad", "b*a+c"), "missing --at")
    assert "a, b, c" in line


def test_expression_without_variables_needs_no_at():
    result = gradcli("grad", "2*pi", "--format", "json")
    assert result.exit_code == 0
    [record] = records(result)
    assert record["value"] == 6.283185307179586
    assert record["point"] == {} and record["gradient"] == {}
    table = gradcli("grad", "2*pi")
    assert table.exit_code == 0
    assert "6.283185307179586" in table.stdout
    csv = gradcli("grad", "2*pi", "--format", "csv")
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
    assert_one_line_error(gradcli("grad", text, "--at", "1"), fragment)


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
    assert_one_line_error(gradcli("grad", text, *extra), fragment)


# --- exit statuses ----------------------------------------------------------------------------------

NONFINITE = [
    ("x/(x-1)", "x=1", "division by zero in x/(x-1)"),
    ("log(x-1)", "x=1", "log of zero in log(x-1)"),
    ("exp(1000*x)", "x=1", "overflowed"),
]


@pytest.mark.parametrize("text, at, reason", NONFINITE)
def test_nonfinite_f_exits_1_and_json_still_prints(text, at, reason):
    result = gradcli("grad", text, "--at", at, "--format", "json")
    assert result.exit_code == 1
    [record] = records(result)
    assert record["value"] is None
    assert record["gradient"] == {"x": None}
    assert any(w["kind"] == "nonfinite" and reason in w["message"] for w in record["warnings"])


@pytest.mark.parametrize("text, at, reason", NONFINITE)
def test_nonfinite_f_exits_1_in_table_and_csv(text, at, reason):
    table = gradcli("grad", text, "--at", at)
    assert table.exit_code == 1
    assert "nonfinite" in table.stdout and reason in table.stdout
    csv = gradcli("grad", text, "--at", at, "--format", "csv")
    assert csv.exit_code == 1
    assert csv.stdout.splitlines()[1] == "1.0,,"
    assert reason in csv.stderr


def test_one_nonfinite_point_among_several_exits_1():
    result = gradcli("grad", "log(x)", "--at", "1", "--at", "-1", "--at", "2", "--format", "json")
    assert result.exit_code == 1
    got = records(result)
    assert [r["value"] is None for r in got] == [False, True, False]


@pytest.mark.parametrize("text", ["1/0", "log(0)", "exp(1000)"])
def test_constant_expression_that_is_not_finite_exits_1(text):
    result = gradcli("grad", text, "--format", "json")
    assert result.exit_code == 1, result.stderr
    [record] = records(result)
    assert record["value"] is None
    assert [w["kind"] for w in record["warnings"]] == ["nonfinite"]


def test_strict():
    warned = ("grad", "sigmoid(x)", "--at", "20", "--format", "json")
    assert records(gradcli(*warned))[0]["warnings"]
    assert gradcli(*warned).exit_code == 0
    strict = gradcli(*warned, "--strict")
    assert strict.exit_code == 1
    assert len(records(strict)) == 1  # the result is still printed
    clean = gradcli("grad", "x*y", "--at", "1,2", "--strict", "--format", "json")
    assert records(clean)[0]["warnings"] == []
    assert clean.exit_code == 0


def test_strict_with_table_and_csv():
    assert gradcli("grad", "abs(x)", "--at", "0", "--strict").exit_code == 1
    assert gradcli("grad", "abs(x)", "--at", "0").exit_code == 0
    assert gradcli("grad", "abs(x)", "--at", "0", "--strict", "--format", "csv").exit_code == 1
    assert gradcli("grad", "abs(x)", "--at", "1", "--strict", "--format", "csv").exit_code == 0


# --- the higher-order methods on the command line -----------------------------------------------


@pytest.mark.parametrize("method", ["five-point", "richardson", "complex"])
def test_new_methods_give_json_with_an_honest_estimate(method):
    result = gradcli("grad", "exp(x)*y", "--at", "x=0.5,y=2", "--method", method, "--format", "json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["method"] == method
    for name in ("x", "y"):
        assert record["error"][name] <= record["error_estimate"][name]
        assert record["rel_error"][name] < 1e-10
    assert record["warnings"] == []


def test_complex_step_on_a_kink_is_a_one_line_usage_error():
    result = gradcli("grad", "relu(x)*y", "--at", "x=0,y=1", "--method", "complex")
    assert result.exit_code == 2
    assert result.stderr.startswith("gradcli: error: --method complex is not defined at point 1: relu(x)")
    assert len(result.stderr.strip().splitlines()) == 1


def test_complex_step_keeps_the_good_rows_of_a_range_through_a_kink():
    result = gradcli("relu", "--at", "-1:1:3", "--method", "complex", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "x,f,grad_x,health",
        "-1.0,0.0,0.0,vanishing",
        "0.0,0.0,,nondifferentiable",
        "1.0,1.0,1.0,healthy",
    ]
    assert "x = 0.0" in result.stderr or "point 2" in result.stderr


def test_table_labels_the_new_methods():
    out = gradcli("grad", "sin(x)", "--at", "1", "--method", "complex").stdout
    assert "complex step, eps auto" in out and "estimate" in out
    out = gradcli("grad", "sin(x)", "--at", "1", "--method", "richardson").stdout
    assert "richardson extrapolation, eps auto" in out


def test_expressions_without_variables_show_no_empty_difference_tables():
    result = gradcli("grad", "3", "4")
    assert result.exit_code == 0
    assert "Jacobian (central)" not in result.stdout and "abs err" not in result.stdout
    assert "none needed: the expressions have no variables" in result.stdout
    assert [line.split() for line in result.stdout.splitlines()[-2:]] == [
        ["3", "3.0", "ok"],
        ["4", "4.0", "ok"],
    ]


def test_direction_without_variables_is_one_line():
    assert_one_line_error(
        gradcli("grad", "3", "--direction", "1"),
        "--direction: the expression has no variables, so there is no direction to differentiate along",
    )


# --- CSV/TSV headers: one name per column ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "clash"),
    [
        (("grad", "f*2", "--at", "3", "--format", "csv"), "f"),
        (("grad", "x*grad_x", "--at", "1,2", "--format", "tsv"), "grad_x"),
        (("grad", "f+x", "x", "--at", "3,1", "--format", "csv"), "f"),
        (("grad", "expr+x", "x", "--at", "3,1", "--format", "csv"), "expr"),
        (("grad", "grad_u*2", "--at", "3", "--direction", "1", "--format", "csv"), "grad_u"),
        (("grad", "grad_u*x", "x", "--at", "3,1", "--direction", "1,1", "--format", "csv"), "grad_u"),
    ],
)
def test_a_variable_named_like_an_output_column_is_refused_in_csv(args, clash):
    fmt = args[-1]
    assert_one_line_error(
        gradcli(*args),
        f"the variable '{clash}' has the name of an output column of --format {fmt}",
        "use --format json",
    )
    assert gradcli(*args[:-1], "json").exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("grad", "a*b+c", "--at", "1,2,3"),
        ("grad", "a*b", "b", "--at", "1,2"),
        ("grad", "a*b", "--at", "1,2", "--direction", "1,1"),
        ("grad", "a*b", "b", "--at", "1,2", "--direction", "1,1"),
        ("grad", "f1", "x", "--at", "1,2"),  # several expressions name no column f1
    ],
)
def test_the_checked_columns_are_the_written_header(args):
    from gradcli.analysis.jacobian import union_variables
    from gradcli.language.parse import parse
    from gradcli.output.delimited import header

    result = gradcli(*args, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    exprs = [a for a in args[1:] if not a.startswith("-") and "," not in a]
    names = union_variables([parse(text) for text in exprs])
    several, direction = len(exprs) > 1, "--direction" in args
    assert result.stdout.splitlines()[0].split(",") == header(names, several=several, direction=direction)


def test_quiet_leaves_out_notes_but_not_warnings():
    loud = gradcli("sigmoid --at 0:1:3 --format csv")
    assert "gradcli: note: healthy range" in loud.stderr
    for args in ("-q sigmoid --at 0:1:3 --format csv", "sigmoid --at 0:1:3 --format csv --quiet"):
        quiet = gradcli(args)
        assert quiet.exit_code == 0 and quiet.stdout == loud.stdout and quiet.stderr == ""
    warned = gradcli('-q grad "x/0" --at 1 --format csv')
    assert "gradcli: warning: point 1: nonfinite" in warned.stderr and "note:" not in warned.stderr


@pytest.mark.parametrize(
    "args",
    [
        "grad x --at 1 --at 2 --format csv",
        "grad x*y x+y --at 1,2 --format tsv",
        'sweep "exp(x)" --at 1 --format csv --steps 1e-1:1e-2',
        'hessian "x*y" --at 1,2 --format csv',
        "tanh --at 0:1:3 --format tsv",
    ],
)
def test_no_header_leaves_out_exactly_the_header(args):
    full = gradcli(args).stdout.splitlines()
    bare = gradcli(args + " --no-header").stdout.splitlines()
    assert len(full) > 1 and bare == full[1:]


def test_no_header_on_a_stream_and_its_refusals():
    result = gradcli("grad x --at - --format csv --no-header", input="x\n1\n2\n")
    assert result.stdout == "1,1.0,1.0\n2,2.0,1.0\n"
    assert_one_line_error(
        gradcli("grad x --at 1 --no-header"), "--no-header leaves out the header of --format csv or tsv"
    )
    assert_one_line_error(gradcli("grad f*x --at 1,2 --format csv --no-header"), "the variable 'f'")


def test_reading_points_from_a_terminal_says_so(monkeypatch):
    import io
    import sys

    from gradcli.cli.common import _open

    class TypedStdin(io.BytesIO):
        def isatty(self) -> bool:
            return True

    said = []
    monkeypatch.setattr(sys, "stdin", TypedStdin(b"1\n"))
    monkeypatch.setattr("gradcli.cli.common.say", said.append)
    _open(None)
    assert said == ["gradcli: note: reading points from stdin, one per line (end with Ctrl-D)"]
    said.clear()
    monkeypatch.setattr(sys, "stdin", io.BytesIO(b"1\n"))  # piped: nothing said
    _open(None)
    assert said == []
