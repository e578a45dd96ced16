"""gradcli grad with several expressions (the Jacobian) and --direction."""

from __future__ import annotations

import json
import subprocess

from conftest import assert_one_line_error, gradcli

# --- grad: the Jacobian and --direction --------------------------------------------------------------


def test_jacobian_json_shape() -> None:
    result = gradcli("grad", "x*y", "x+z", "--at", "1,2,3", "--format", "json")
    assert result.exit_code == 0
    rec = json.loads(result.stdout)
    assert set(rec) == {
        "exprs", "point", "variables", "value", "method", "eps", "jacobian", "exact", "error", "warnings",
    }  # fmt: skip
    assert rec["exprs"] == ["x*y", "x+z"] and rec["variables"] == ["x", "y", "z"]
    assert rec["exact"] == [[2.0, 1.0, 0.0], [1.0, 0.0, 1.0]]
    assert len(rec["jacobian"]) == 2 and all(len(row) == 3 for row in rec["jacobian"])
    # each expression's own steps, null where it does not use the variable
    assert len(rec["eps"]) == 2 and rec["eps"][0][2] is None and rec["eps"][1][1] is None
    assert all(isinstance(rec["eps"][i][j], float) for i, j in [(0, 0), (0, 1), (1, 0), (1, 2)])


def test_jacobian_reports_each_expressions_own_step() -> None:
    # 1/(x-1.0001) near its pole takes a much smaller auto step than sin(x): both are reported
    rec = json.loads(gradcli("grad", "sin(x)", "1/(x-1.0001)", "--at", "1", "--format", "json").stdout)
    (a,), (b,) = rec["eps"]
    assert b < a / 100
    table = gradcli("grad", "sin(x)", "1/(x-1.0001)", "--at", "1").stdout
    assert " to " in table.splitlines()[2]


def test_jacobian_csv_and_warnings_on_stderr_and_strict() -> None:
    result = gradcli(
        "grad", "sigmoid(x)", "x*y", "--at", "x=40,y=1", "--format", "csv", "--method", "backprop"
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "x,y,f1,f2,df1_dx,df1_dy,df2_dx,df2_dy"
    assert "vanishing" in result.stderr
    strict = gradcli("grad", "sigmoid(x)", "x*y", "--at", "x=40,y=1", "--strict", "--method", "backprop")
    assert strict.exit_code == 1
    assert "sigmoid(x): x: vanishing" in strict.stdout


def test_jacobian_undefined_row_exits_1() -> None:
    result = gradcli("grad", "log(x)", "x", "--at", "-1", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["value"] == [None, -1.0]


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
    rec = json.loads(
        gradcli("grad", "x*y", "x+z", "--at", "1,2,3", "--direction", "0,0,5", "--format", "json").stdout
    )
    assert rec["direction"] == {"x": 0.0, "y": 0.0, "z": 1.0}
    assert [d["exact"] for d in rec["directional"]] == [0.0, 1.0]


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
    assert done.stdout.splitlines()[1] == "2.0,3.0,6.0,-2.0,3.0,2.0,-1.0,0.0"
