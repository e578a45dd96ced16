"""gradcli grad with several expressions (the Jacobian) and --direction."""

from __future__ import annotations

import json
import subprocess

from conftest import assert_one_line_error, gradcli

# --- grad: the Jacobian and --direction --------------------------------------------------------------


def test_jacobian_json_is_a_grad_record_per_expression() -> None:
    # several expressions: per point, one record per expression, each shaped as grad's own
    result = gradcli("grad", "x*y", "x+z", "--at", "1,2,3", "--format", "json")
    assert result.exit_code == 0
    first, second = map(json.loads, result.stdout.splitlines())
    single = json.loads(gradcli("grad", "x*y", "--at", "1,2", "--format", "json").stdout)
    assert set(first) == set(second) == set(single)
    assert first["expr"] == "x*y" and second["expr"] == "x+z"
    assert first["point"] == second["point"] == {"x": 1.0, "y": 2.0, "z": 3.0}
    assert first["exact"] == {"x": 2.0, "y": 1.0, "z": 0.0} and second["exact"] == {
        "x": 1.0,
        "y": 0.0,
        "z": 1.0,
    }
    # each expression's own steps, null where it does not use the variable
    assert first["eps"]["z"] is None and second["eps"]["y"] is None
    assert all(isinstance(first["eps"][v], float) for v in "xy") and isinstance(second["eps"]["z"], float)


def test_jacobian_reports_each_expressions_own_step() -> None:
    # 1/(x-1.0001) near its pole takes a much smaller auto step than sin(x): both are reported
    out = gradcli("grad", "sin(x)", "1/(x-1.0001)", "--at", "1", "--format", "json").stdout
    a, b = (json.loads(line)["eps"]["x"] for line in out.splitlines())
    assert b < a / 100
    table = gradcli("grad", "sin(x)", "1/(x-1.0001)", "--at", "1").stdout
    assert " to " in table.splitlines()[2]


def test_jacobian_csv_and_warnings_on_stderr_and_strict() -> None:
    result = gradcli(
        "grad", "sigmoid(x)", "x*y", "--at", "x=40,y=1", "--format", "csv", "--method", "backprop"
    )
    assert result.exit_code == 0
    head, first, second = result.stdout.splitlines()
    assert head == "expr,x,y,f,grad_x,grad_y"  # the names a single expression's columns have
    assert first.startswith("sigmoid(x),40.0,1.0,") and first.endswith(",0.0")  # d/dy of sigmoid(x): 0
    assert second == "x*y,40.0,1.0,40.0,1.0,40.0"
    assert "vanishing" in result.stderr
    strict = gradcli("grad", "sigmoid(x)", "x*y", "--at", "x=40,y=1", "--strict", "--method", "backprop")
    assert strict.exit_code == 1
    assert "sigmoid(x): x: vanishing" in strict.stdout


def test_jacobian_undefined_row_exits_1() -> None:
    result = gradcli("grad", "log(x)", "x", "--at", "-1", "--format", "json")
    assert result.exit_code == 1
    assert [json.loads(line)["value"] for line in result.stdout.splitlines()] == [None, -1.0]


def test_direction_single_expression_formats() -> None:
    table = gradcli("grad", "x**2+y*z", "--at", "1,2,3", "--direction", "1,2,2")
    assert table.exit_code == 0
    assert "direction u  x 0.3333333333333333, y 0.6666666666666666, z 0.6666666666666666" in table.stdout
    rec = json.loads(
        gradcli("grad", "x**2+y*z", "--at", "1,2,3", "--direction", "y=1", "--format", "json").stdout
    )
    assert rec["direction"] == {"x": 0.0, "y": 1.0, "z": 0.0}
    assert rec["directional"]["exact"] == 3.0
    csv = gradcli("grad", "x**2", "--at", "3", "--direction", "-2", "--format", "csv", "--method", "backprop")
    assert csv.stdout.splitlines() == ["x,f,grad_x,grad_u", "3.0,9.0,6.0,-6.0"]


def test_direction_with_several_expressions() -> None:
    out = gradcli("grad", "x*y", "x+z", "--at", "1,2,3", "--direction", "0,0,5", "--format", "json").stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["direction"] for r in records] == [{"x": 0.0, "y": 0.0, "z": 1.0}] * 2
    assert [r["directional"]["exact"] for r in records] == [0.0, 1.0]
    csv = gradcli("grad", "x*y", "x+z", "--at", "1,2,3", "--direction", "0,0,5", "--format", "csv")
    assert csv.stdout.splitlines()[0] == "expr,x,y,z,f,grad_x,grad_y,grad_z,grad_u"


def test_direction_errors_are_one_line() -> None:
    assert_one_line_error(gradcli("grad", "x*y", "--at", "1,2", "--direction", "0,0"), "nonzero")
    assert_one_line_error(gradcli("grad", "x*y", "--at", "1,2", "--direction", "1"), "--direction '1'")
    assert_one_line_error(gradcli("grad", "x*y", "--at", "1,2", "--direction", "q=1"), "--direction 'q=1'")
    assert_one_line_error(gradcli("grad", "x*y", "--at", "1,2", "--direction", "y=1,y=2"), "gives 'y' twice")


def test_jacobian_subprocess() -> None:
    done = subprocess.run(
        ["gradcli", "grad", "x*y", "-x", "--at", "2,3", "--method", "backprop", "--format", "csv"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines() == [
        "expr,x,y,f,grad_x,grad_y",
        "x*y,2.0,3.0,6.0,3.0,2.0",
        "-x,2.0,3.0,-2.0,-1.0,0.0",
    ]


def test_the_directional_reference_carries_a_bound_that_covers_it() -> None:
    # (exp(x)-1)/x + y at x = 1e-5 along (1, 1)/sqrt(2): (f'(x) + 1)/sqrt(2), f' = 1/2 + x/3 + ...
    out = gradcli("grad", "(exp(x)-1)/x + y", "--at", "x=1e-5,y=1", "--direction", "1,1", "--format", "json")
    directional = json.loads(out.stdout)["directional"]
    truth = (0.5 + 1e-5 / 3 + 1e-10 / 8 + 1.0) / 2**0.5
    assert 0 < directional["exact_bound"] < 1e-14
    assert abs(directional["exact"] - truth) <= directional["exact_bound"] + 1e-16  # (truth's own rounding)
