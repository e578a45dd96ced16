"""gradcli trace: backprop node by node on the command line."""

from __future__ import annotations

import json
import subprocess

from conftest import assert_one_line_error, gradcli

# --- trace -------------------------------------------------------------------------------------------


def test_trace_table_json_and_dot() -> None:
    table = gradcli("trace", "3*(a+b*c)", "--at", "a=5,b=3,c=2")
    assert table.exit_code == 0
    assert "gradient (backprop): a = 3.0, b = 6.0, c = 9.0" in table.stdout
    rec = json.loads(gradcli("trace", "x*x", "--at", "3", "--format", "json").stdout)
    assert rec["gradient"] == {"x": 6.0}
    out = gradcli("trace", "3*(a+b*c)", "--at", "5,3,2", "--format", "dot").stdout
    assert out.startswith("digraph")


def test_trace_several_points_and_negative_expression() -> None:
    result = gradcli("trace", "-x**2", "--at", "x=1", "--at", "x=-2", "--format", "json")
    assert result.exit_code == 0
    assert [json.loads(line)["gradient"]["x"] for line in result.stdout.splitlines()] == [-2.0, 4.0]


def test_trace_errors_and_undefined_f() -> None:
    assert_one_line_error(gradcli("trace", "x*y", "--at", "x=1"), "gives no value for y")
    assert_one_line_error(gradcli("trace", "x", "--at", "1", "--vanish", "-1"), "--vanish")
    result = gradcli("trace", "log(x)", "--at", "-1")
    assert result.exit_code == 1
    assert result.stderr == (  # the reason, in grad's words
        "gradcli: warning: point 1: nonfinite: f is nan: log of a negative number in log(x), where x = -1.0\n"
    )
    result = gradcli("trace", "log(x)", "--at", "2", "--at", "0", "--format", "json")
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


def test_trace_marks_vanishing_edges_with_the_threshold_at_full_precision() -> None:
    result = gradcli("trace", "sigmoid(w*x)", "--at", "w=4,x=5", "--vanish", "1.23456789e-6")
    assert result.exit_code == 0
    assert "◀ vanishing: local < 1.23456789e-06" in result.stdout


def test_a_deep_chain_is_drawn_to_60_levels_and_the_rest_counted():
    from gradcli.table.trace import MAX_DEPTH_SHOWN

    expr = "x" + "".join(f"-{i}*x" for i in range(200))
    result = gradcli("trace", expr, "--at", "1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    hidden = [line for line in lines if line.startswith("… ")]
    assert len(hidden) == 1 and f"deeper than {MAX_DEPTH_SHOWN} levels are not drawn" in hidden[0]
    drawn = [line for line in lines if "#" in line]
    assert MAX_DEPTH_SHOWN < len(drawn) < 4 * MAX_DEPTH_SHOWN  # a line per level, and its siblings
    assert lines[-1] == "gradient (backprop): x = -19899.0"
