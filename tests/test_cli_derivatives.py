"""The commands that go beyond the gradient: diff, trace, hessian, and grad's Jacobian and direction."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.cli import main
from gradcli.derive.gradient import grad
from gradcli.language.evaluate import columns, forward
from gradcli.language.parse import parse


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="gradcli")


def one_line_error(result, needle: str, code: int = 2) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradcli: error: "), result.stderr
    assert needle in lines[0]


# --- diff ------------------------------------------------------------------------------------------


def test_diff_wrt_prints_the_issue_example() -> None:
    result = run("diff", "3*(a+b*c)", "--wrt", "c")
    assert result.exit_code == 0
    assert result.stdout == "3*b\n"


def test_diff_every_partial_and_they_evaluate_to_backprop() -> None:
    result = run("diff", "x**2*sin(y) + exp(x*y)")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split(" = ")[0] for line in lines] == ["df/dx", "df/dy"]
    exact = grad("x**2*sin(y) + exp(x*y)", "x=0.7,y=-1.3", method="backprop").exact[:, 0]
    for k, line in enumerate(lines):
        text = line.split(" = ", 1)[1]
        expr = parse(text)
        point = np.array([[{"x": 0.7, "y": -1.3}[v] for v in expr.variables]])
        value = float(np.broadcast_to(forward(expr, columns(point))[-1], (1,))[0])
        assert value == pytest.approx(exact[k], rel=1e-14)


def test_diff_json() -> None:
    result = run("diff", "-x**2", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"expr": "-x**2", "derivatives": {"x": "-2*x"}}


def test_diff_constant_expression() -> None:
    result = run("diff", "2*pi")
    assert result.exit_code == 0
    assert "no variables" in result.stdout


def test_diff_errors_are_one_line() -> None:
    one_line_error(run("diff", "3*(a+b*c)", "--wrt", "q"), "--wrt names 'q'")
    one_line_error(run("diff", "sin(x"), "column")
    one_line_error(run("diff", "x", "--format", "csv"), "--format")


def test_diff_output_is_valid_input_for_grad() -> None:
    text = run("diff", "sigmoid(w*x+b)", "--wrt", "w").stdout.strip()
    result = run("grad", text, "--at", "b=0.5,w=2,x=-1", "--format", "csv")
    assert result.exit_code == 0, result.output


def test_diff_subprocess() -> None:
    done = subprocess.run(["gradcli", "diff", "3*(a+b*c)", "--wrt", "c"], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "3*b\n", "")


# --- trace -------------------------------------------------------------------------------------------


def test_trace_table_json_and_dot() -> None:
    table = run("trace", "3*(a+b*c)", "--at", "a=5,b=3,c=2")
    assert table.exit_code == 0
    assert "gradient (backprop): a = 3.0, b = 6.0, c = 9.0" in table.stdout
    rec = json.loads(run("trace", "x*x", "--at", "3", "--format", "json").stdout)
    assert rec["gradient"] == {"x": 6.0}
    out = run("trace", "3*(a+b*c)", "--at", "5,3,2", "--format", "dot").stdout
    assert out.startswith("digraph")


def test_trace_several_points_and_negative_expression() -> None:
    result = run("trace", "-x**2", "--at", "x=1", "--at", "x=-2", "--format", "json")
    assert result.exit_code == 0
    assert [json.loads(line)["gradient"]["x"] for line in result.stdout.splitlines()] == [-2.0, 4.0]


def test_trace_errors_and_undefined_f() -> None:
    one_line_error(run("trace", "x*y", "--at", "x=1"), "gives no value for y")
    one_line_error(run("trace", "x", "--at", "1", "--vanish", "-1"), "--vanish")
    result = run("trace", "log(x)", "--at", "-1")
    assert result.exit_code == 1
    assert result.stderr == (  # the reason, in grad's words
        "gradcli: warning: point 1: nonfinite: f is nan: log of a negative number in log(x), where x = -1.0\n"
    )
    result = run("trace", "log(x)", "--at", "2", "--at", "0", "--format", "json")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "gradcli: warning: point 2: nonfinite: f is -inf: log of zero in log(x), where x = 0.0\n"
    )


def test_trace_subprocess_dot() -> None:
    done = subprocess.run(
        ["gradcli", "trace", "sigmoid(w*x)", "--at", "w=4,x=5", "--format", "dot"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert "color=red" in done.stdout


# --- hessian -----------------------------------------------------------------------------------------


def test_hessian_table_says_saddle() -> None:
    result = run("hessian", "x**2 - y**2", "--at", "x=0,y=0")
    assert result.exit_code == 0
    assert "eigenvalues  -2.0, 2.0" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("saddle: ")


def test_hessian_json_shape() -> None:
    result = run("hessian", "x**2 + x*y + y**2", "--at", "0,0", "--at", "1,1", "--format", "json")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    first = records[0]
    assert set(first) == {
        "expr", "point", "value", "variables", "gradient", "method", "eps", "hessian",
        "finite_difference", "error", "error_estimate", "eigenvalues", "kind", "verdict",
    }  # fmt: skip
    assert first["hessian"] == [[2.0, 1.0], [1.0, 2.0]] and first["kind"] == "minimum"
    assert records[1]["kind"] == "not critical"
    backprop = json.loads(
        run("hessian", "x*y", "--at", "1,2", "--method", "backprop", "--format", "json").stdout
    )
    assert backprop["finite_difference"] is None and backprop["eps"] is None


def test_hessian_errors_and_undefined() -> None:
    one_line_error(run("hessian", "x*y", "--at", "x=1"), "gives no value for y")
    one_line_error(run("hessian", "x", "--at", "1", "--eps", "0"), "--eps")
    result = run("hessian", "log(x)", "--at", "-1")
    assert result.exit_code == 1 and "undefined" in result.stdout


def test_hessian_subprocess() -> None:
    done = subprocess.run(
        ["gradcli", "hessian", "-x**2-y**2", "--at", "0,0", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["kind"] == "maximum"


# --- grad: the Jacobian and --direction --------------------------------------------------------------


def test_jacobian_json_is_a_grad_record_per_expression() -> None:
    # several expressions: per point, one record per expression, each shaped as grad's own
    result = run("grad", "x*y", "x+z", "--at", "1,2,3", "--format", "json")
    assert result.exit_code == 0
    first, second = map(json.loads, result.stdout.splitlines())
    single = json.loads(run("grad", "x*y", "--at", "1,2", "--format", "json").stdout)
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
    out = run("grad", "sin(x)", "1/(x-1.0001)", "--at", "1", "--format", "json").stdout
    a, b = (json.loads(line)["eps"]["x"] for line in out.splitlines())
    assert b < a / 100
    table = run("grad", "sin(x)", "1/(x-1.0001)", "--at", "1").stdout
    assert " to " in table.splitlines()[2]


def test_jacobian_csv_and_warnings_on_stderr_and_strict() -> None:
    result = run("grad", "sigmoid(x)", "x*y", "--at", "x=40,y=1", "--format", "csv", "--method", "backprop")
    assert result.exit_code == 0
    head, first, second = result.stdout.splitlines()
    assert head == "expr,x,y,f,grad_x,grad_y"  # the names a single expression's columns have
    assert first.startswith("sigmoid(x),40.0,1.0,") and first.endswith(",0.0")  # d/dy of sigmoid(x): 0
    assert second == "x*y,40.0,1.0,40.0,1.0,40.0"
    assert "vanishing" in result.stderr
    strict = run("grad", "sigmoid(x)", "x*y", "--at", "x=40,y=1", "--strict", "--method", "backprop")
    assert strict.exit_code == 1
    assert "sigmoid(x): x: vanishing" in strict.stdout


def test_jacobian_undefined_row_exits_1() -> None:
    result = run("grad", "log(x)", "x", "--at", "-1", "--format", "json")
    assert result.exit_code == 1
    assert [json.loads(line)["value"] for line in result.stdout.splitlines()] == [None, -1.0]


def test_direction_single_expression_formats() -> None:
    table = run("grad", "x**2+y*z", "--at", "1,2,3", "--direction", "1,2,2")
    assert table.exit_code == 0
    assert "direction u  x 0.3333333333333333, y 0.6666666666666666, z 0.6666666666666666" in table.stdout
    rec = json.loads(
        run("grad", "x**2+y*z", "--at", "1,2,3", "--direction", "y=1", "--format", "json").stdout
    )
    assert rec["direction"] == {"x": 0.0, "y": 1.0, "z": 0.0}
    assert rec["directional"]["exact"] == 3.0
    csv = run("grad", "x**2", "--at", "3", "--direction", "-2", "--format", "csv", "--method", "backprop")
    assert csv.stdout.splitlines() == ["x,f,grad_x,grad_u", "3.0,9.0,6.0,-6.0"]


def test_direction_with_several_expressions() -> None:
    out = run("grad", "x*y", "x+z", "--at", "1,2,3", "--direction", "0,0,5", "--format", "json").stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["direction"] for r in records] == [{"x": 0.0, "y": 0.0, "z": 1.0}] * 2
    assert [r["directional"]["exact"] for r in records] == [0.0, 1.0]
    csv = run("grad", "x*y", "x+z", "--at", "1,2,3", "--direction", "0,0,5", "--format", "csv")
    assert csv.stdout.splitlines()[0] == "expr,x,y,z,f,grad_x,grad_y,grad_z,grad_u"


def test_direction_errors_are_one_line() -> None:
    one_line_error(run("grad", "x*y", "--at", "1,2", "--direction", "0,0"), "nonzero")
    one_line_error(run("grad", "x*y", "--at", "1,2", "--direction", "1"), "--direction '1'")
    one_line_error(run("grad", "x*y", "--at", "1,2", "--direction", "q=1"), "--direction 'q=1'")
    one_line_error(run("grad", "x*y", "--at", "1,2", "--direction", "y=1,y=2"), "gives 'y' twice")


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


def test_trace_marks_vanishing_edges_with_the_threshold_at_full_precision() -> None:
    result = run("trace", "sigmoid(w*x)", "--at", "w=4,x=5", "--vanish", "1.23456789e-6")
    assert result.exit_code == 0
    assert "◀ vanishing: local < 1.23456789e-06" in result.stdout
