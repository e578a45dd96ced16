"""gradcli hessian on the command line."""

from __future__ import annotations

import json
import subprocess

from conftest import assert_one_line_error, gradcli

# --- hessian -----------------------------------------------------------------------------------------


def test_hessian_table_says_saddle() -> None:
    result = gradcli("hessian", "x**2 - y**2", "--at", "x=0,y=0")
    assert result.exit_code == 0
    assert "eigenvalues  -2.0, 2.0" in result.stdout
    assert "\nsaddle: a saddle point" in result.stdout


def test_hessian_json_shape() -> None:
    result = gradcli("hessian", "x**2 + x*y + y**2", "--at", "0,0", "--at", "1,1", "--format", "json")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    first = records[0]
    assert set(first) == {
        "expr", "point", "value", "variables", "gradient", "gradient_bound", "method", "eps",
        "hessian", "hessian_bound", "finite_difference", "error", "error_estimate",
        "eigenvalues", "kind", "verdict", "digits", "note",
    }  # fmt: skip
    assert first["hessian"] == [[2.0, 1.0], [1.0, 2.0]] and first["kind"] == "minimum"
    assert records[1]["kind"] == "not critical"
    backprop = json.loads(
        gradcli("hessian", "x*y", "--at", "1,2", "--method", "backprop", "--format", "json").stdout
    )
    assert backprop["finite_difference"] is None and backprop["eps"] is None


def test_hessian_errors_and_undefined() -> None:
    assert_one_line_error(gradcli("hessian", "x*y", "--at", "x=1"), "gives no value for y")
    assert_one_line_error(gradcli("hessian", "x", "--at", "1", "--eps", "0"), "--eps")
    result = gradcli("hessian", "log(x)", "--at", "-1")
    assert result.exit_code == 1 and "undefined" in result.stdout


def test_hessian_subprocess() -> None:
    done = subprocess.run(
        ["gradcli", "hessian", "-x**2-y**2", "--at", "0,0", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["kind"] == "maximum"
