"""gradcli diff: the symbolic derivative on the command line."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from conftest import assert_one_line_error, gradcli

from gradcli.derive.gradient import grad
from gradcli.language.evaluate import columns, forward
from gradcli.language.parse import parse

# --- diff ------------------------------------------------------------------------------------------


def test_diff_wrt_prints_the_issue_example() -> None:
    result = gradcli("diff", "3*(a+b*c)", "--wrt", "c")
    assert result.exit_code == 0
    assert result.stdout == "3*b\n"


def test_diff_every_partial_and_they_evaluate_to_backprop() -> None:
    result = gradcli("diff", "x**2*sin(y) + exp(x*y)")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split(" = ")[0] for line in lines] == ["df/dx", "df/dy"]
    exact = grad("x**2*sin(y) + exp(x*y)", "x=0.7,y=-1.3", method="backprop").exact[0]
    for k, line in enumerate(lines):
        text = line.split(" = ", 1)[1]
        expr = parse(text)
        point = np.array([[{"x": 0.7, "y": -1.3}[v] for v in expr.variables]])
        value = float(np.broadcast_to(forward(expr, columns(point))[-1], (1,))[0])
        assert value == pytest.approx(exact[k], rel=1e-14)


def test_diff_json() -> None:
    result = gradcli("diff", "-x**2", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"expr": "-x**2", "derivatives": {"x": "-2*x"}}


def test_diff_constant_expression() -> None:
    result = gradcli("diff", "2*pi")
    assert result.exit_code == 0
    assert "no variables" in result.stdout


def test_diff_errors_are_one_line() -> None:
    assert_one_line_error(gradcli("diff", "3*(a+b*c)", "--wrt", "q"), "--wrt names 'q'")
    assert_one_line_error(gradcli("diff", "sin(x"), "column")
    assert_one_line_error(gradcli("diff", "x", "--format", "csv"), "--format")


def test_diff_output_is_valid_input_for_grad() -> None:
    text = gradcli("diff", "sigmoid(w*x+b)", "--wrt", "w").stdout.strip()
    result = gradcli("grad", text, "--at", "b=0.5,w=2,x=-1", "--format", "csv")
    assert result.exit_code == 0, result.output


def test_diff_subprocess() -> None:
    done = subprocess.run(["gradcli", "diff", "3*(a+b*c)", "--wrt", "c"], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "3*b\n", "")
