"""gradcli grad --order N on the command line."""

from __future__ import annotations

import json

import pytest
from conftest import assert_one_line_error, gradcli


def test_order_table() -> None:
    result = gradcli("grad", "x**3", "--at", "1", "--order", "2")
    assert result.exit_code == 0
    assert "d2f/dx2" in result.stdout and "6*x" in result.stdout
    assert "   6.0 " in result.stdout


def test_order_json_lines_full_precision() -> None:
    result = gradcli("grad", "exp(x)", "--at", "0.5", "--at", "1", "--order", "4", "--format", "json")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["point"] for r in records] == [{"x": 0.5}, {"x": 1.0}]
    assert records[1]["exact"] == 2.718281828459045 and records[1]["order"] == 4
    assert records[1]["error"] <= records[1]["error_estimate"]


def test_order_csv_header_and_empty_non_finite() -> None:
    result = gradcli("grad", "1/x", "--at", "0", "--order", "2", "--format", "csv")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "x,value,exact,fd,error,error_estimate,step"
    assert lines[1].startswith("0.0,,,")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("x*y", "--at", "1,2", "--order", "2"), "exactly one variable"),
        (("x", "--at", "1", "--order", "11"), "between 1 and 10"),
        (("x", "--at", "1", "--order", "2", "--method", "forward"), "--method does not apply"),
        (("x", "x**2", "--at", "1", "--order", "2"), "several expressions does not apply"),
        (("x", "--at", "1", "--order", "2", "--direction", "1"), "--direction does not apply"),
        (("x", "--at", "1", "--order", "0"), "--order"),
    ],
)
def test_order_refusals(args: tuple[str, ...], fragment: str) -> None:
    assert_one_line_error(gradcli("grad", *args), fragment)


# --- --eps per variable --------------------------------------------------------------------------


def test_eps_per_variable_in_json() -> None:
    result = gradcli("grad", "x*y", "--at", "1,2", "--eps", "x=1e-4", "--format", "json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["eps"]["x"] == 1e-4 and record["eps"]["y"] != 1e-4


def test_eps_unknown_variable_lists_the_variables() -> None:
    assert_one_line_error(gradcli("grad", "x*y", "--at", "1,2", "--eps", "z=1e-4"), "--eps names z", "x, y")


def test_eps_bad_step() -> None:
    assert_one_line_error(gradcli("grad", "x*y", "--at", "1,2", "--eps", "x=-1"), "positive")


# --- grids --------------------------------------------------------------------------------------


def test_grad_grid_rows() -> None:
    result = gradcli("grad", "x*y", "--at", "x=0:1:3,y=2", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        "0.0,2.0,0.0,2.0,0.0",
        "0.5,2.0,1.0,2.0,0.5",
        "1.0,2.0,2.0,2.0,1.0",
    ]


def test_grad_grid_too_big() -> None:
    assert_one_line_error(
        gradcli("grad", "x*y", "--at", "x=0:1:1000,y=0:1:1000"), "1,000,000 points", "--at -"
    )
