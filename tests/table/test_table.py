"""Golden text for the Rich table renderer, and round-tripping of the number formatter."""

from __future__ import annotations

import io
import math
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from gradcli.derive.gradient import grad
from gradcli.output.numbers import number
from gradcli.table import plain_console, render


def rendered(result, width: int = 120) -> str:
    out = io.StringIO()
    render(result, plain_console(out, width))
    return out.getvalue()


def text(*lines: str) -> str:
    """The expected lines, as a pipe receives them: without trailing spaces."""
    return "\n".join(line.rstrip(" ") for line in lines) + "\n"


def test_seed_golden():
    result = grad("3*(a+b*c)", "a=5,b=3,c=2", method="forward", eps=0.01)
    assert rendered(result) == text(
        "expression  3*(a+b*c)                   ",
        "point       a=5.0, b=3.0, c=2.0         ",
        "f           33.0                        ",
        "method      forward difference, eps 0.01",
        "var              forward   backprop    abs err    rel err   estimate   status",
        "─────────────────────────────────────────────────────────────────────────────",
        "a     3.0000000000001137        3.0   1.14e-13   3.79e-14   7.59e-12   ok    ",
        "b      6.000000000000227        6.0   2.27e-13   3.79e-14   7.72e-12   ok    ",
        "c       8.99999999999963        9.0   3.69e-13   4.11e-14   7.84e-12   ok    ",
    )


def test_seed_has_no_escape_codes_and_no_folded_numbers_at_width_80():
    out = rendered(grad("3*(a+b*c)", "a=5,b=3,c=2", method="forward", eps=0.01), width=80)
    assert "\x1b" not in out
    for digits in ("3.0000000000001137", "6.000000000000227", "8.99999999999963"):
        assert digits in out


def test_multi_point_backprop_golden():
    result = grad("x*y", ["x=1,y=2", "x=-0.5,y=3"], method="backprop")
    assert rendered(result) == text(
        "expression  x*y                           ",
        "point       x=1.0, y=2.0                  ",
        "f           2.0                           ",
        "method      backprop (exact, reverse mode)",
        "var   backprop   status",
        "───────────────────────",
        "x          2.0   ok    ",
        "y          1.0   ok    ",
        "",
        "expression  x*y                           ",
        "point       x=-0.5, y=3.0                 ",
        "f           -1.5                          ",
        "method      backprop (exact, reverse mode)",
        "var   backprop   status",
        "───────────────────────",
        "x          3.0   ok    ",
        "y         -0.5   ok    ",
    )


def test_multi_point_with_warnings_golden():
    result = grad("sigmoid(x)", ["x=1", "x=20"], method="forward", eps=0.001)
    assert rendered(result) == text(
        "expression  sigmoid(x)                   ",
        "point       x=1.0                        ",
        "f           0.7310585786300049           ",
        "method      forward difference, eps 0.001",
        "var              forward              backprop    abs err    rel err   estimate   status    ",
        "────────────────────────────────────────────────────────────────────────────────────────────",
        "x     0.1965664984852067   0.19661193324148188   4.54e-05   0.000231   9.09e-05   inaccurate",
        "x: inaccurate: the forward difference 0.1965664984852067 (eps 0.001) misses backprop 0.19661193324148188 by 4.5e-05: eps",
        "is too large (truncation error, about 4.5e-05, dominates); an eps of about 9.7e-08 would do better",
        "",
        "expression  sigmoid(x)                   ",
        "point       x=20.0                       ",
        "f           0.9999999979388463           ",
        "method      forward difference, eps 0.001",
        "var                  forward                backprop    abs err    rel err   estimate   status   ",
        "─────────────────────────────────────────────────────────────────────────────────────────────────",
        "x     2.0601298444944405e-09   2.061153613941849e-09   1.02e-12   0.000497   3.11e-12   vanishing",
        "x: vanishing: df/dx = 2.061153613941849e-09 is below the --vanish threshold 1e-06: f is nearly flat in x here ",
        "(saturated: sigmoid(x) on its flat tail), so a gradient step barely moves x, and multiplied through further layers the ",
        "gradient vanishes",
    )


def test_auto_eps_column_and_kink_warning_golden():
    # the auto step reads f: linear in y, so its step grows until rounding stops improving
    result = grad("abs(x)+y", "x=0,y=2")
    assert rendered(result) == text(
        "expression  abs(x)+y                                          ",
        "point       x=0.0, y=2.0                                      ",
        "f           2.0                                               ",
        "method      central difference, eps auto (per variable, below)",
        "var   central   backprop        eps   abs err   rel err   estimate   status           ",
        "──────────────────────────────────────────────────────────────────────────────────────",
        "x         0.0        0.0   6.85e-05         0         0    1.3e-11   nondifferentiable",
        "y         1.0        1.0     0.0496         0         0   1.81e-14   ok               ",
        "x: nondifferentiable: f is not differentiable in x here (abs(x) at a kink): the derivative from the left is -1.0, from ",
        "the right 1.0; backprop reports 0.0",
    )


def test_nonfinite_golden():
    result = grad("log(a-b)", "a=1,b=2", method="forward", eps=0.5)
    assert rendered(result) == text(
        "expression  log(a-b)                   ",
        "point       a=1.0, b=2.0               ",
        "f           nan                        ",
        "method      forward difference, eps 0.5",
        "var   forward   backprop   abs err   rel err   estimate   status   ",
        "───────────────────────────────────────────────────────────────────",
        "a         nan        nan       nan       nan        nan   nonfinite",
        "b         nan        nan       nan       nan        nan   nonfinite",
        "nonfinite: f is nan: log of a negative number in log(a-b), where a-b = -1.0",
    )


def test_render_does_not_change_the_result():
    result = grad("sigmoid(x)", ["x=1", "x=20"], method="forward", eps=0.001)
    before = (result.gradient.copy(), result.exact.copy(), [list(w) for w in result.warnings])
    rendered(result)
    assert np.array_equal(result.gradient, before[0])
    assert np.array_equal(result.exact, before[1])
    assert [list(w) for w in result.warnings] == before[2]


# --- number ------------------------------------------------------------------------------------------


@settings(database=None, max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
@example(0.0)
@example(-0.0)
@example(5e-324)
@example(-5e-324)
@example(2.225073858507201e-308)  # largest subnormal
@example(2.2250738585072014e-308)  # smallest normal
@example(sys.float_info.max)
@example(3.0000000000001137)
@example(0.1)
@example(1e16)
@example(123456789012345680.0)
def test_number_round_trips(x):
    s = number(x)
    assert float(s) == x
    assert math.copysign(1.0, float(s)) == math.copysign(1.0, x)
    assert number(np.float64(x)) == s
    assert " " not in s and "," not in s


@settings(database=None, max_examples=100, deadline=None)
@given(st.floats(min_value=-2.3e-308, max_value=2.3e-308, allow_subnormal=True))
def test_number_round_trips_subnormals(x):
    assert float(number(x)) == x


@pytest.mark.parametrize(
    "x, expected",
    [
        (float("nan"), "nan"),
        (np.nan, "nan"),
        (float("inf"), "inf"),
        (np.inf, "inf"),
        (float("-inf"), "-inf"),
        (-np.inf, "-inf"),
        (np.float64("nan"), "nan"),
    ],
)
def test_number_non_finite(x, expected):
    assert number(x) == expected


def test_number_is_shortest_repr():
    assert number(33.0) == "33.0"
    assert number(0.1 + 0.2) == "0.30000000000000004"
    assert number(2.0601298444944405e-09) == "2.0601298444944405e-09"


def test_progress_bar_draws_on_a_terminal_and_clears_itself() -> None:
    from gradcli.table import ProgressBar

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    bar = ProgressBar(1000, console)
    bar.advance(500)
    bar.close()
    drawn = out.getvalue()
    assert "reading" in drawn and "50%" in drawn


# --- narrow consoles: numbers and words whole, columns left out by name --------------------------


def _numbers(result) -> list[str]:
    return [number(g) for g in result.gradient.ravel()] + [number(g) for g in result.exact.ravel()]


def test_narrow_console_leaves_out_columns_and_never_folds_a_number():
    result = grad("sigmoid(x)*y", ["x=20,y=1"], eps={"x": 0.1})  # too long a step: inaccurate
    out = rendered(result, width=66)
    lines = out.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 66
    for digits in _numbers(result):  # each number whole, on one line
        assert digits in out, digits
    assert "…" not in out
    header = next(line for line in lines if line.startswith("var"))
    assert "rel err" not in header and "estimate" not in header
    assert "(left out to fit 66 columns: rel err, estimate, eps, abs err;" in " ".join(lines)
    assert "vanishing," in out and "inaccurate" in out  # the status wraps between words


def test_wide_console_leaves_nothing_out():
    out = rendered(grad("sigmoid(x)*y", ["x=20,y=1"]), width=120)
    assert "left out" not in out
    assert "rel err" in out and "estimate" in out and "eps" in out


def test_activation_table_at_80_columns_keeps_whole_numbers():
    from gradcli.analysis.activation import evaluate_activation
    from gradcli.table import render_activation

    run = evaluate_activation("sigmoid", [1.0, 20.0], "central")
    out = io.StringIO()
    render_activation(run, Console(file=out, width=80, color_system=None))
    text_out = out.getvalue()
    for value in (*run.result.diff.gradient[0], *run.result.exact[0]):
        assert number(value) in text_out
    assert "…" not in text_out
    assert max(len(line.rstrip()) for line in text_out.splitlines()) <= 80
    assert "left out to fit 80 columns" in text_out


def test_table_too_wide_for_any_layout_runs_past_the_edge_rather_than_cutting():
    from gradcli.analysis.jacobian import jacobian
    from gradcli.table import render_jacobian

    exprs = [gradcli_parse("sigmoid(x)*y"), gradcli_parse("x*exp(y)")]
    jr = jacobian(exprs, np.array([[20.123456789, 1.3]]), "central", None, 1e-6, 1e6)
    out = io.StringIO()
    render_jacobian(jr, Console(file=out, width=60, color_system=None))
    text_out = out.getvalue()
    assert "…" not in text_out
    assert "sigmoid(x)*y" in text_out
    for value in jr.exact.ravel():
        assert number(value) in text_out


def gradcli_parse(text):
    from gradcli.language.parse import parse

    return parse(text)


def test_sweep_table_on_a_narrow_console_keeps_numbers_and_wraps_the_marks():
    from gradcli.analysis.sweep import steps, sweep
    from gradcli.language.parse import parse
    from gradcli.table import render_sweep

    result = sweep(parse("exp(x)"), np.array([1.0]), 0, ("forward",), steps(1e-1, 1e-3, 1), 1e-3)
    out = io.StringIO()
    render_sweep(result, Console(file=out, width=62, color_system=None))
    text_out = out.getvalue()
    assert max(len(line.rstrip()) for line in text_out.splitlines()) <= 62
    for row in result.rows:
        assert number(row.gradient) in text_out
    assert "estimate" in text_out.splitlines()[-2] + text_out.splitlines()[-1]  # named as left out


def test_a_long_expression_folds_in_its_column_instead_of_widening_the_table():
    from gradcli.analysis.jacobian import jacobian
    from gradcli.table import render_jacobian

    text = "+".join(f"sin({i}*x)" for i in range(1, 40))  # 400 characters, no space to wrap at
    jr = jacobian([gradcli_parse(text), gradcli_parse("x")], np.array([[1.0]]), "central", None, 1e-6, 1e6)
    out = io.StringIO()
    render_jacobian(jr, Console(file=out, width=80, color_system=None))
    lines = out.getvalue().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    for value in jr.exact.ravel():
        assert number(value) in out.getvalue()


# --- the row writer: Rich's own layout, in linear time, without trailing spaces ----------------


def _rich_text(table, width: int, color: bool) -> str:
    out = io.StringIO()
    console = Console(
        file=out, width=width, color_system="truecolor" if color else None, force_terminal=color
    )
    console.print(table)
    return out.getvalue()


def _sample_table():
    from rich.table import Table
    from rich.text import Text

    from gradcli.table.base import row_table, status

    table: Table = row_table()
    table.add_column("var", style="bold", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("note")
    table.add_row("x", "3.0000000000001137", status([]))
    table.add_row("long_name", "-1e-300", Text("vanishing, inaccurate", style="yellow"))
    table.add_row("é", "nan", "ok")
    return table


@pytest.mark.parametrize("color", [False, True])
def test_the_row_writer_draws_what_rich_draws(color: bool) -> None:
    import re

    from rich.console import Console as RichConsole

    from gradcli.table.layout import print_table

    out = io.StringIO()
    console = RichConsole(
        file=out, width=80, color_system="truecolor" if color else None, force_terminal=color
    )
    print_table(console, _sample_table())
    ansi = re.compile(r"\x1b\[[0-9;]*m")

    def plain(text: str) -> list[str]:
        return [line.rstrip(" ") for line in ansi.sub("", text).splitlines()]

    assert plain(out.getvalue()) == plain(_rich_text(_sample_table(), 80, color))
    if color:  # the styles are drawn too: bold header and names, coloured status
        assert "\x1b[1m" in out.getvalue() and "\x1b[32m" in out.getvalue()


def test_piped_tables_have_no_trailing_spaces() -> None:
    import subprocess

    for args in (
        ["grad", "3*(a+b*c)", "--at", "5,3,2"],
        ["sigmoid", "--at", "-20:20:9"],
        ["trace", "x*x", "--at", "2"],
    ):
        done = subprocess.run([sys.executable, "-m", "gradcli", *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert len(lines) > 5 and not [line for line in lines if line != line.rstrip()]


def test_a_table_of_many_rows_is_written_in_linear_time() -> None:
    import time

    from gradcli.analysis.activation import evaluate_activation
    from gradcli.table import render_activation

    def seconds(n: int) -> float:
        run = evaluate_activation("sigmoid", np.linspace(-100.0, 100.0, n).tolist())
        out = io.StringIO()
        start = time.perf_counter()
        render_activation(run, plain_console(out, 160))
        elapsed = time.perf_counter() - start
        lines = out.getvalue().splitlines()
        assert (
            sum(
                1
                for line in lines
                if line.lstrip().startswith(("-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
            )
            >= n
        )
        assert sum(1 for line in lines if line.startswith("x = ")) <= 20  # the rest counted in one line
        assert any(line.startswith("... and ") and "more warnings" in line for line in lines)
        return elapsed

    small, large = seconds(2_000), seconds(20_000)
    assert large < 15 * small + 0.5  # was quadratic: each row re-read every error estimate
