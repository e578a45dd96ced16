"""Points of any size: the step advice and every figure beside it are overflow-safe (no crash)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.cli import main
from gradcli.derive.finite_diff import balancing_step, error_at_best_step
from gradcli.derive.gradient import grad


@pytest.mark.parametrize(
    ("h", "t", "r", "order"),
    [
        (6e154, 1.0, 1e-300, 2),  # h**order overflows
        (2e139, 1e-300, 1e-300, 2),  # c2 / c1 divides by an underflowed 0
        (7e304, 1e-300, 1e-306, 4),
        (1e-300, 1e300, 1e-300, 4),
        (5e-324, 1.0, 1.0, 1),
    ],
)
def test_step_advice_never_overflows(h, t, r, order):
    best = balancing_step(h, t, r, order)
    total = error_at_best_step(h, t, r, order)
    assert (best is None) == (total is None)
    if best is not None:
        assert np.isfinite(best) and best > 0 and np.isfinite(total)


def test_step_advice_matches_the_closed_form():
    h, t, r, p = 1e-3, 1e-8, 1e-12, 2
    c1, c2 = t / h**p, r * h
    best = (c2 / (p * c1)) ** (1 / (p + 1))
    assert balancing_step(h, t, r, p) == pytest.approx(best, rel=1e-12)
    assert error_at_best_step(h, t, r, p) == pytest.approx(c1 * best**p + c2 / best, rel=1e-12)


@pytest.mark.parametrize("x", ["1e160", "1e150", "-1e308", "1.7976931348623157e308", "5e-324"])
@pytest.mark.parametrize("method", ["forward", "central", "five-point", "richardson", "complex"])
def test_library_huge_and_tiny_points_do_not_crash(x, method):
    r = grad("sin(x)", f"x={x}", method=method)
    assert r.diff is not None and r.diff.gradient.shape == (1, 1)


@pytest.mark.parametrize(
    "args", [["--at", "x=1e160"], ["--at", "x=1e150"], ["--at", "x=-1e308", "--method", "five-point"]]
)
def test_cli_huge_point_keeps_its_row(args):
    result = CliRunner().invoke(main, ["grad", "sin(x)", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.splitlines()[0])
    assert record["exact"]["x"] == pytest.approx(np.cos(float(record["point"]["x"])), rel=1e-15)


def test_cli_stream_keeps_every_good_row_around_a_huge_point():
    result = CliRunner().invoke(
        main, ["grad", "sin(x)", "--at", "-", "--format", "csv"], input="1\n2\n1e160\n3\n"
    )
    assert result.exit_code in (0, 1), result.output
    rows = result.stdout.splitlines()
    assert rows[0] == "x,f,grad_x"
    assert [row.split(",")[0] for row in rows[1:]] == ["1", "2", "1e160", "3"]


@pytest.mark.parametrize("method", ["forward", "backward", "central", "five-point", "richardson"])
@pytest.mark.parametrize("eps", [None, "1e308", "5e-324", "0.5"])
def test_cli_largest_float_with_any_step_is_not_an_internal_error(method, eps):
    # the float spacing at 1.7976931348623157e308 overflowed np.spacing, and the warning's
    # details carried inf into JSON (exit 70)
    args = ["grad", "sqrt(x)", "--at", "x=1.7976931348623157e308", "--method", method, "--format", "json"]
    result = CliRunner().invoke(main, [*args, *(["--eps", eps] if eps else [])])
    assert result.exit_code in (0, 1), result.output
    json.loads(result.stdout.splitlines()[0])


def test_ulp_is_finite_at_the_largest_float():
    from gradcli.derive.steps import representable, ulp

    top = np.array([np.finfo(np.float64).max])
    assert ulp(top)[0] == 2.0**971
    assert np.isfinite(representable(top, np.array([1e308])))[0]


def test_cli_sweep_at_huge_points_keeps_going():
    for x in ("1e308", "1.7976931348623157e308", "1e160", "5e-324"):
        result = CliRunner().invoke(main, ["sweep", "sin(x)", "--at", f"x={x}", "--format", "json"])
        assert result.exit_code in (0, 1), result.output
