"""Table widths: piped output honours COLUMNS, a narrow terminal gets tables that fit, every
number whole; without COLUMNS a pipe gets the wide layout, and the catalogue stays readable."""

from __future__ import annotations

import pytest
from conftest import gradcli
from rich.cells import cell_len

NARROW_RUNS = [
    'grad "3*(a+b*c)" --at a=5,b=3,c=2',
    'grad "x*y" "x+y" --at x=1,y=2',
    "sigmoid --at 1",
    "sigmoid --at -3:3:4",
    'hessian "x^2*y" --at x=1,y=2',
    'sweep "exp(x)" --at x=1',
    'trace "x*y+sin(x)" --at x=1,y=2',
    "functions",
    "functions exp",
    'grad "sin(x)" --at x=1 --order 2',
]


def widest(text: str) -> int:
    return max(cell_len(line) for line in text.splitlines())


@pytest.mark.parametrize("command", NARROW_RUNS)
def test_forty_columns_get_output_that_fits(command):
    result = gradcli(command, env={"COLUMNS": "40"})
    assert result.exit_code in (0, 1), result.stderr
    assert widest(result.stdout) <= 40


def test_a_table_too_wide_even_trimmed_is_written_a_block_per_row_with_every_column():
    out = gradcli("sigmoid --at 1 --at 2", env={"COLUMNS": "40"}).stdout
    blocks = ["x = " + b.split("\n\n")[0] for b in out.split("\nx = ")[1:]]
    assert [b.splitlines()[0] for b in blocks] == ["x = 1.0", "x = 2.0"]
    labels = [line.split("  ")[1] for line in blocks[0].splitlines()[1:]]
    assert labels[:3] == ["f(x)", "f' central", "f' backprop"] and labels[-1].startswith("status")
    assert "  f' backprop  0.19661193324148188" in blocks[0]  # full precision, whole
    assert "left out" not in out


def test_a_pipe_without_columns_gets_the_wide_table_whole():
    out = gradcli('grad "3*(a+b*c)" --at a=5,b=3,c=2', env={"COLUMNS": ""}).stdout
    header = next(line for line in out.splitlines() if line.startswith("var"))
    assert header.split() == [
        "var",
        "central",
        "backprop",
        "eps",
        "abs",
        "err",
        "rel",
        "err",
        "estimate",
        "status",
    ]


def test_the_catalogue_piped_is_a_light_table_of_at_most_120_columns():
    out = gradcli("functions", env={"COLUMNS": ""}).stdout
    assert widest(out) <= 120
    assert not set("┏┃┡│└━") & set(out)  # the light rule of every gradcli table, no box
    narrow = gradcli("functions", env={"COLUMNS": "40"}).stdout
    assert "exp(x)\n  derivative  exp(x)\n  is          e to the power x\n" in narrow
