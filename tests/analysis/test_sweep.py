"""The step-size sweep: its grid, where its minimum falls, its marks, and the command."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from gradcli.analysis.sweep import steps, sweep
from gradcli.cli import main
from gradcli.derive.finite_diff import EPS_MACHINE
from gradcli.errors import OptionError
from gradcli.language.parse import parse
from gradcli.table import render_sweep


def test_default_grid_is_the_decades_a_user_types():
    grid = steps(1e-1, 1e-15)
    assert grid == [float(f"1e-{i}") for i in range(1, 16)]
    assert steps(1e-15, 1e-1) == grid  # either order
    assert steps(1e-2, 1e-3, 2) == [1e-2, float("0.00316227766017"), 1e-3]


def test_steps_include_both_ends_and_keep_the_decade_grid_between():
    # the smallest step was dropped, and the grid hung from the largest: 0.3, 0.139
    assert steps(0.3, 0.1, 3) == [0.3, float("0.215443469003"), 0.1]
    assert steps(2e-3, 1.5e-3) == [2e-3, 1.5e-3]
    assert steps(0.5, 0.5, 20) == [0.5]
    assert steps(0.25, 2e-5) == [0.25, 0.1, 0.01, 0.001, 1e-4, 2e-5]
    with pytest.raises(OptionError, match="the range has 1001 steps"):
        steps(1.0, 1e-50, 20)


@pytest.mark.parametrize(
    ("start", "stop", "per"), [(0.0, 1e-3, 1), (1e-1, -1.0, 1), (math.inf, 1.0, 1), (1, 1e-3, 0)]
)
def test_bad_ranges_are_refused(start, stop, per):
    with pytest.raises(OptionError):
        steps(start, stop, per)


def _best(result, method):
    [row] = [r for r in result.rows if r.method == method and "best" in r.marks]
    return row.eps


@pytest.mark.parametrize(
    ("method", "theory"),
    [
        # error h/2 |f''| + 2 eps_m |f| / h is least at h = 2 sqrt(eps_m |f| / |f''|) = 3e-8
        ("forward", 2 * math.sqrt(EPS_MACHINE)),
        # h**2/6 |f'''| + eps_m |f| / h: least at h = (3 eps_m)**(1/3) = 8.7e-6
        ("central", (3 * EPS_MACHINE) ** (1 / 3)),
        # h**4/30 |f^(5)| + 1.5 eps_m |f| / h: least at h = (11.25 eps_m)**(1/5) = 1.2e-3
        ("five-point", (11.25 * EPS_MACHINE) ** (1 / 5)),
    ],
)
def test_the_minimum_lies_where_theory_puts_it(method, theory):
    # exp at 1 (every derivative is e): the best step of a fine sweep is within a factor of 4
    # of the balance of truncation and rounding error
    result = sweep(parse("exp(x)"), np.array([1.0]), 0, [method], steps(1e-1, 1e-15, 4))
    best = _best(result, method)
    assert theory / 4 <= best <= theory * 4, (best, theory)


def test_the_curve_is_v_shaped():
    # truncation: the error falls by 100x per decade for central at large steps; rounding:
    # it grows at small ones
    result = sweep(parse("exp(x)"), np.array([1.0]), 0, ["central"], steps(1e-1, 1e-15))
    errors = {r.eps: r.error for r in result.rows}
    assert errors[1e-1] / errors[1e-2] == pytest.approx(100, rel=0.01)
    assert errors[1e-2] / errors[1e-3] == pytest.approx(100, rel=0.01)
    assert errors[1e-15] > errors[1e-12] > errors[1e-9] > errors[1e-5]


def test_marks_best_auto_and_the_users_eps():
    result = sweep(parse("sigmoid(x)"), np.array([1.0]), 0, ["forward", "central"], steps(1e-1, 1e-3), 0.0123)
    for method in ("forward", "central"):
        rows = [r for r in result.rows if r.method == method]
        assert [r.eps for r in rows] == sorted((r.eps for r in rows), reverse=True)
        assert sum("best" in r.marks for r in rows) == 1
        assert [r.eps for r in rows if "eps" in r.marks] == [0.0123]
        [auto] = [r for r in rows if "auto" in r.marks]
        # the auto step reads f (refined from its own estimates): no grid step beats it by 10x
        assert auto.error <= 10 * min(r.error for r in rows), method
        assert EPS_MACHINE ** (0.5 if method == "forward" else 1 / 3) / 10 <= auto.eps <= 1e-1
        best = min(rows, key=lambda r: r.error)
        assert "best" in best.marks
    assert result.exact == pytest.approx(0.19661193324148188, rel=1e-15)


def test_render_sweep_shows_every_row_and_mark():
    result = sweep(parse("exp(x)"), np.array([1.0]), 0, ["central"], steps(1e-1, 1e-3))
    out = io.StringIO()
    render_sweep(result, Console(file=out, width=100, color_system=None))
    text = out.getvalue()
    assert "df/dx       2.718281828459045 (backprop)" in text
    assert "best" in text and "auto" in text
    assert text.count("central") == len(result.rows)


def _invoke(*args):
    return CliRunner().invoke(main, list(args), prog_name="gradcli")


def test_cli_sweep_json_lines():
    r = _invoke(
        "sweep", "a*b**2", "--at", "a=1,b=2", "--var", "b", "--range", "1e-2:1e-4", "--format", "json"
    )
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["eps"] for row in rows if not row["marks"] or "auto" not in row["marks"]][:3] == [
        0.01,
        0.001,
        0.0001,
    ]
    assert all(row["var"] == "b" and row["exact"] == 4.0 and row["method"] == "central" for row in rows)
    assert all(abs(row["gradient"] - 4.0) == row["error"] for row in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x*y", "--at", "x=1,y=2", "--wrt", "z"), "unknown --wrt 'z'"),
        (("x", "--at", "1", "--at", "2"), "sweep takes one point, not 2"),
        (("2+3",), "no variables"),
        (("x", "--at", "1", "--range", "1e-3"), "is not two positive numbers"),
        (("x", "--at", "1", "--method", "backprop"), "Invalid value for '--method'"),
        (("x", "--at", "1", "--per-decade", "0"), "--per-decade"),
    ],
)
def test_cli_sweep_errors_are_one_line(args, message):
    r = _invoke("sweep", *args)
    assert r.exit_code == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("gradcli: error: ")


def test_cli_sweep_complex_refusal_is_a_usage_error():
    r = _invoke("sweep", "abs(x)", "--at", "0", "--method", "complex")
    assert r.exit_code == 2 and "is at its kink" in r.stderr


@pytest.mark.skipif(shutil.which("gradcli") is None, reason="gradcli is not installed on PATH")
def test_installed_gradcli_sweeps():
    done = subprocess.run(
        ["gradcli", "sweep", "exp(x)", "--at", "x=1", "--method", "forward", "--method", "five-point"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("best") == 2 and "five-point" in done.stdout and done.stderr == ""


def test_sweep_terminal_plot_draws_each_method_and_the_marks():
    from gradcli.plot import sweep_terminal_plot

    result = sweep(parse("exp(x)"), np.array([1.0]), 0, ["forward", "five-point"], steps(1e-1, 1e-12), 1e-3)
    text = sweep_terminal_plot(result, 80)
    assert "forward |error|" in text and "five-point |error|" in text
    assert "best" in text and "auto" in text and "your --eps" in text
    # largest step first; forward's auto step is refined near the textbook optimum ~ sqrt(eps_m)
    found = re.search(r"forward: your --eps 0\.001, auto (\S+), best (\S+)\n", text)
    assert found, text
    assert 1e-8 <= float(found.group(1)) <= 5e-8 and float(found.group(2)) <= 5e-8
    assert all(len(line) <= 80 for line in text.splitlines())


def test_cli_sweep_plot_and_image(tmp_path):
    r = _invoke("sweep", "exp(x)", "--at", "x=1", "--plot")
    assert r.exit_code == 0, r.output
    assert "central |error|" in r.stdout and "log10 eps" in r.stdout
    image = tmp_path / "sweep.png"
    r = _invoke("sweep", "exp(x)", "--at", "x=1", "--output", str(image), "--format", "json")
    assert r.exit_code == 0, r.output
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = _invoke("sweep", "exp(x)", "--at", "x=1", "--plot", "--format", "json")
    assert r.exit_code == 2 and "--plot draws in the terminal" in r.stderr


def test_cli_sweep_where_f_is_not_defined_exits_1():
    r = _invoke("sweep", "log(x)", "--at", "x=-1")
    assert r.exit_code == 1
    assert r.stderr == "gradcli: error: f is nan at this point, so there is no derivative to sweep\n"


@pytest.mark.parametrize("method", ["central", "five-point", "richardson", "complex"])
def test_the_auto_row_sits_at_the_eps_that_reproduces_it(method):
    # richardson's auto row sat at the step of the entry it chose (0.0078 for exp at 1), though
    # its --eps, like every grid row's, is the first step (0.125)
    result = sweep(parse("exp(x)"), np.array([1.0]), 0, [method], steps(1e-1, 1e-3))
    [auto] = [r for r in result.rows if "auto" in r.marks]
    again = sweep(parse("exp(x)"), np.array([1.0]), 0, [method], [auto.eps])
    [same] = [r for r in again.rows if r.eps == auto.eps and "auto" not in r.marks] or [again.rows[0]]
    assert same.gradient == auto.gradient
    if method == "richardson":
        assert auto.eps == pytest.approx(0.125, rel=1e-5)


@pytest.mark.parametrize("method", ["forward", "backward", "central", "five-point", "richardson", "complex"])
def test_a_sweep_row_is_the_method_run_at_that_step_alone(method):
    """The sweep takes every step in one vectorised pass; each row must still be exactly what
    the method gives at that step on its own (same bits), so the pass changes cost, not numbers."""
    from gradcli.derive.methods import finite_difference
    from gradcli.language.evaluate import columns, forward

    expr = parse("a*exp(b*a)+sqrt(a)*sin(3*b)")
    point = np.array([[0.3, 2.0]])
    cols = columns(point)
    f0 = np.atleast_1d(np.asarray(forward(expr, cols)[-1], dtype=np.float64))
    grid = steps(1e-1, 1e-12, 2)
    result = sweep(expr, point, 1, [method], grid, user_eps=3e-4)
    for row in result.rows:
        if "auto" in row.marks and row.eps not in grid and row.eps != 3e-4:
            continue  # the auto row is the auto run, taken whole
        alone = finite_difference(expr, cols, f0, method, row.eps)
        assert row.gradient == float(alone.gradient[1, 0]), row
        assert row.estimate == float(alone.error_estimate[1, 0]) or (
            math.isnan(row.estimate) and math.isnan(float(alone.error_estimate[1, 0]))
        ), row


def test_a_long_sweep_evaluates_once_per_probe_not_once_per_step(monkeypatch):
    """141 steps of five-point on one point: the expression is evaluated a handful of times
    over all steps at once (each probe of the stencil), not 141 times that many."""
    import gradcli.language.evaluate as evaluate

    calls = []
    real = evaluate.forward
    monkeypatch.setattr(evaluate, "forward", lambda *a, **k: calls.append(1) or real(*a, **k))
    expr = parse("sigmoid(a)*sigmoid(a)*tanh(a)")
    sweep(expr, np.array([[-1e-8]]), 0, ["five-point"], steps(1e-1, 1e-15, 10))
    assert len(calls) < 60


def test_the_reference_is_taken_again_in_high_precision_where_backprop_lost_digits():
    # (exp(x)-1)/x at 1e-5: f' = 1/2 + x/3 + ..., which float64 backprop gives as 0.5000043
    expr = parse("(exp(x)-1)/x")
    truth = 0.5 + 1e-5 / 3 + 1e-10 / 8 + 1e-15 / 30
    auto = sweep(expr, np.array([1e-5]), 0, ["central"], steps(1e-2, 1e-4))
    assert auto.exact == pytest.approx(truth, rel=1e-15) and auto.exact_bound < 1e-15
    assert auto.note is not None and "digits" in auto.note
    for row in auto.rows:  # each error is against the true derivative, to its last digits
        assert row.error == pytest.approx(abs(row.gradient - truth), rel=1e-6, abs=1e-15)
    off = sweep(expr, np.array([1e-5]), 0, ["central"], steps(1e-2, 1e-4), precision="off")
    assert abs(off.exact - truth) > 1e-7 and abs(off.exact - truth) <= off.exact_bound and off.note is None
    out = CliRunner().invoke(main, ["sweep", "(exp(x)-1)/x", "--at", "x=1e-5", "--steps", "1e-2:1e-4"])
    assert out.exit_code == 0 and "note: re-evaluated at" in out.stdout
