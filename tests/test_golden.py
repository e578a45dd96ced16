"""Golden text: every table and plain format, compared character for character.

Each case names a file in ``tests/golden/``. Tables are drawn by their renderer on a fixed-width
console without colour (what a pipe receives: no trailing spaces); plain formats (JSON Lines,
CSV, TSV, dot) and the terminal plot come from the command itself, through Click's runner.
The cases avoid digits that depend on the platform's libm (polynomials and exact values, fixed
steps, the seed numbers), so the files hold on any machine. After a deliberate change of output,
``python scripts/update_golden.py`` rewrites the files; review the diff before committing.
"""

from __future__ import annotations

import io
import shlex
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

GOLDEN = Path(__file__).resolve().parent / "golden"
WIDTH = 100


def command(line: str) -> Callable[[], str]:
    """The stdout of ``gradcli <line>`` (exit 0 or 1: a non-finite value is part of a case)."""

    def render() -> str:
        from gradcli.cli import main

        result = CliRunner().invoke(main, shlex.split(line), prog_name="gradcli")
        assert result.exit_code in (0, 1), result.output
        return result.stdout

    return render


def table(draw: Callable[[object], None]) -> Callable[[], str]:
    """The text ``draw(console)`` writes on a plain console ``WIDTH`` columns wide."""

    def render() -> str:
        from gradcli.table import plain_console

        out = io.StringIO()
        draw(plain_console(out, WIDTH))
        return out.getvalue()

    return render


def _grad(text: str, at: list[str], method: str, eps: float | None = None):
    from gradcli.derive.gradient import grad

    return grad(text, at, method=method, eps=eps)


def _grad_table(console) -> None:
    from gradcli.table import render

    render(_grad("3*(a+b*c)", ["a=5,b=3,c=2"], "forward", 0.01), console)


def _grad_table_backprop(console) -> None:
    from gradcli.table import render

    render(_grad("1/x + y*y", ["x=0,y=1", "x=2,y=-3"], "backprop"), console)


def _activation_table(console) -> None:
    from gradcli.analysis.activation import evaluate_activation
    from gradcli.table import render_activation

    render_activation(evaluate_activation("relu", [-2.0, -1.0, 0.0, 1.0, 2.0], "forward", 0.5), console)


def _sweep_table(console) -> None:
    from gradcli.analysis.sweep import steps, sweep
    from gradcli.language.parse import parse
    from gradcli.table import render_sweep

    result = sweep(parse("x*x*x"), np.array([1.0]), 0, ("forward",), steps(1e-1, 1e-6, 1), 0.01)
    render_sweep(result, console)


def _trace_table(console) -> None:
    from gradcli.analysis.trace import trace
    from gradcli.language.parse import parse
    from gradcli.table import render_trace

    expr = parse("x*x+3*y")
    render_trace(trace(expr, np.array([[2.0, 1.0]]), 1e-6), console)


def _hessian_table(console) -> None:
    from gradcli.analysis.hessian import hessian
    from gradcli.language.parse import parse
    from gradcli.table import render_hessian

    expr = parse("x*x - y*y")
    render_hessian(hessian(expr, np.array([[0.0, 0.0]]), "forward", 0.5), console)


def _jacobian_table(console) -> None:
    from gradcli.analysis.jacobian import jacobian
    from gradcli.language.parse import parse
    from gradcli.table import render_jacobian

    exprs = [parse("x*y"), parse("x+z")]
    render_jacobian(jacobian(exprs, np.array([[1.0, 2.0, 3.0]]), "forward", 0.5, 1e-6, 1e6), console)


def _direction_table(console) -> None:
    from gradcli.analysis.jacobian import directional, parse_direction
    from gradcli.table import render_with_direction

    result = _grad("x*x+y*z", ["1,2,3"], "backprop")
    unit = parse_direction("1,2,2", result.variables, None)
    render_with_direction(result, directional(result, list(unit)), console)


def _functions_table(console) -> None:
    from gradcli.registry import CONSTANTS, FUNCTIONS, OPERATORS
    from gradcli.table import render_functions

    ops = [*OPERATORS.values(), *(f for f in FUNCTIONS.values() if f not in OPERATORS.values())]
    rows = [
        {
            "name": op.name,
            "usage": op.signature,
            "derivative": op.derivative,
            "not_differentiable": op.kink_doc or None,
            "doc": op.doc,
        }
        for op in ops
    ]
    render_functions(rows, CONSTANTS, console)


CASES: dict[str, Callable[[], str]] = {
    "grad_table": table(_grad_table),
    "grad_table_backprop": table(_grad_table_backprop),
    "grad_json": command(
        'grad "3*(a+b*c)" --at a=5,b=3,c=2 --at 1,2,3 --method forward --eps 0.01 --format json'
    ),
    "grad_csv": command(
        'grad "3*(a+b*c)" --at a=5,b=3,c=2 --at 1,2,3 --method forward --eps 0.01 --format csv'
    ),
    "grad_tsv": command('grad "1/x + y*y" --at x=0,y=1 --at x=2,y=-3 --method backprop --format tsv'),
    "grad_stream_csv": command(
        'grad "3*(a+b*c)" --input tests/golden/points.csv --method forward --eps 0.01 --format csv'
    ),
    "activation_table": table(_activation_table),
    "activation_json": command("relu --at -1:1:3 --method forward --eps 0.5 --format json"),
    "sweep_table": table(_sweep_table),
    "sweep_json": command(
        'sweep "x*x*x" --at x=1 --method forward --range 1e-1:1e-3 --eps 0.01 --format json'
    ),
    "trace_tree": table(_trace_table),
    "trace_json": command('trace "x*x+3*y" --at x=2,y=1 --format json'),
    "trace_dot": command('trace "x*x+3*y" --at x=2,y=1 --format dot'),
    "hessian_table": table(_hessian_table),
    "hessian_json": command('hessian "x*x - y*y" --at 0,0 --method forward --eps 0.5 --format json'),
    "jacobian_table": table(_jacobian_table),
    "jacobian_json": command('grad "x*y" "x+z" --at 1,2,3 --method forward --eps 0.5 --format json'),
    "jacobian_csv": command('grad "x*y" "min(x,z)" --at 1,2,3 --at 0,1,0 --method backprop --format csv'),
    "direction_table": table(_direction_table),
    "direction_json": command('grad "x*x+y*z" --at 1,2,3 --direction 1,2,2 --method backprop --format json'),
    "direction_csv": command('grad "x*x+y*z" --at 1,2,3 --direction 1,2,2 --method backprop --format csv'),
    "functions_table": table(_functions_table),
    "functions_json": command("functions --format json"),
    "plot_terminal": command('plot "x*x" --range -2:2 --points 41 --width 80'),
}


def path(name: str) -> Path:
    return GOLDEN / f"{name}.txt"


@pytest.fixture(autouse=True)
def _in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOLDEN.parent.parent)  # the stream case reads tests/golden/points.csv


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_is_the_golden_text(name: str) -> None:
    want = path(name).read_text(encoding="utf-8")
    got = CASES[name]()
    assert got == want, f"{name}: run python scripts/update_golden.py if the change is deliberate"


def test_every_golden_file_has_a_case() -> None:
    files = {p.stem for p in GOLDEN.glob("*.txt")}
    assert files == set(CASES)


def test_golden_text_has_no_trailing_spaces() -> None:
    for name in CASES:
        lines = path(name).read_text(encoding="utf-8").splitlines()
        assert not [line for line in lines if line != line.rstrip(" ")], name
