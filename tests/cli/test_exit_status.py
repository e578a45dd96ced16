"""The one exit-status rule (exit 1 if f is not finite somewhere, or --strict and a warning), the
same from Python (gradcli.exit_status) as from every command."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import gradcli as run

import gradcli
from gradcli.analysis.hessian import hessian
from gradcli.analysis.jacobian import jacobian
from gradcli.analysis.trace import trace
from gradcli.errors import EXIT_NOT_FINITE, EXIT_OK
from gradcli.language.parse import parse


def test_exported_from_the_package():
    from gradcli.analysis.status import exit_status

    assert gradcli.exit_status is exit_status


@pytest.mark.parametrize(
    ("expr", "at", "strict", "status"),
    [
        ("x*x", "x=1", False, EXIT_OK),
        ("log(x)", "x=-1", False, EXIT_NOT_FINITE),  # f not finite
        ("asin(x)", "x=1", False, EXIT_OK),  # only the gradient is not finite: a warning
        ("asin(x)", "x=1", True, EXIT_NOT_FINITE),  # ... which --strict makes an exit 1
        ("sigmoid(x)", "x=20", False, EXIT_OK),
        ("sigmoid(x)", "x=20", True, EXIT_NOT_FINITE),  # vanishing
    ],
)
def test_grad_results_and_the_command_agree(expr, at, strict, status):
    result = gradcli.grad(expr, at, method="backprop")
    assert gradcli.exit_status(result, strict=strict) == status
    flags = ["--strict"] if strict else []
    assert (
        run("grad", expr, "--at", at, "--method", "backprop", "--format", "json", *flags).exit_code == status
    )


def test_a_jacobian_is_strict_over_every_row():
    points = np.array([[1.0, 20.0]])
    jr = jacobian([parse("x*y"), parse("sigmoid(y)")], points, "backprop", None, 1e-6, 1e6)
    assert gradcli.exit_status(jr) == EXIT_OK
    assert gradcli.exit_status(jr, strict=True) == EXIT_NOT_FINITE  # sigmoid'(20) vanishes
    assert run("grad", "x*y", "sigmoid(y)", "--at", "x=1,y=20", "--strict", "--format", "json").exit_code == 1
    bad = jacobian([parse("x*y"), parse("log(y)")], np.array([[1.0, -1.0]]), "backprop", None, 1e-6, 1e6)
    assert gradcli.exit_status(bad) == EXIT_NOT_FINITE


def test_hessians_and_traces():
    assert gradcli.exit_status(hessian(parse("x**2"), np.array([[1.0]]))) == EXIT_OK
    assert gradcli.exit_status(hessian(parse("log(x)"), np.array([[-1.0]]))) == EXIT_NOT_FINITE
    assert gradcli.exit_status(trace(parse("x*x"), np.array([[1.0]]))) == EXIT_OK
    assert gradcli.exit_status(trace(parse("sqrt(x)"), np.array([[1.0], [-1.0]]))) == EXIT_NOT_FINITE
    assert run("trace", "sqrt(x)", "--at", "1", "--at", "-1", "--format", "json").exit_code == 1
    assert run("hessian", "log(x)", "--at", "-1", "--format", "json").exit_code == 1


def test_a_stream_summary():
    done = SimpleNamespace(points=2, bad=0, nonfinite=0, warnings=0, shown=0, stopped_at=None)
    assert gradcli.exit_status(done, strict=True) == EXIT_OK
    assert gradcli.exit_status(SimpleNamespace(nonfinite=1, warnings=0)) == EXIT_NOT_FINITE
    assert gradcli.exit_status(SimpleNamespace(nonfinite=0, warnings=3)) == EXIT_OK
    assert gradcli.exit_status(SimpleNamespace(nonfinite=0, warnings=3), strict=True) == EXIT_NOT_FINITE
    streamed = run(
        "grad", "sigmoid(x)", "--at", "-", "--format", "csv", "--strict", "--jobs", "1", input="1\n20\n"
    )
    assert streamed.exit_code == 1
