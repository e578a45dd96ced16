"""The terminal plot's layout: f above df/dx on panels sharing the x axis, nice tick labels, a glyph
per curve when piped, no trailing blanks, no colour codes when piped, and inputs with nothing to span."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import gradcli
from hypothesis import given
from hypothesis import strategies as st

from gradcli.analysis.sweep import steps, sweep
from gradcli.language.parse import parse
from gradcli.plot import sample, sweep_terminal_plot, terminal_plot
from gradcli.plot.curves import Curves
from gradcli.points.spec import Span

BRAILLE = re.compile("[\u2801-\u28ff]")


def panels(text: str) -> list[dict]:
    """Each panel of a plot: its title, rows (y label, axis character, drawing), axis line, and
    under the last one the x labels."""
    lines = text.splitlines()
    axes = [i for i, line in enumerate(lines) if re.match(r"^ +\+[-+v]+( \S.*)?$", line)]
    column = lines[axes[0]].index("+")
    found, start = [], 0
    for end in axes:
        rows = [i for i in range(start, end) if lines[i][column : column + 1] in ("+", "|")]
        found.append(
            {
                "title": lines[rows[0] - 1],
                "rows": [(lines[i][:column].strip(), lines[i][column], lines[i][column + 1 :]) for i in rows],
                "axis": lines[end],
            }
        )
        start = end + 1
    found[-1]["labels"] = lines[axes[-1] + 1]
    return found


def test_f_and_its_derivative_are_two_titled_panels_sharing_the_x_axis():
    # before: one canvas with both curves and one y axis
    text = gradcli("plot", "sigmoid(x)", "--range", "-6:6", "--width", "72").stdout
    top, bottom = panels(text)
    assert top["title"] == "⠤⠤ f = sigmoid(x)"
    assert bottom["title"] == "** df/dx (backprop)"
    lines = text.splitlines()
    assert lines.index(top["title"]) < lines.index(top["axis"]) < lines.index(bottom["title"])
    # each its own y range: f reaches 1, df/dx at most 0.25
    assert [r[0] for r in top["rows"] if r[0]] == ["1", "0.5", "0"]
    assert [r[0] for r in bottom["rows"] if r[0]] == ["0.2", "0.1", "0"]
    # the same width and the same tick columns, x labels centred under the ticks
    assert top["axis"] == bottom["axis"].removesuffix(" x")
    ticks = [m.start() for m in re.finditer(r"\+", top["axis"])][1:]  # after the corner
    labels = bottom["labels"]
    assert labels.split() == ["-6", "-4", "-2", "0", "2", "4", "6"]
    centres = [m.start() + (len(m.group()) - 1) // 2 for m in re.finditer(r"\S+", labels)]
    assert centres == ticks
    assert "(no vanishing region here)" in lines[-1]


def test_each_panel_has_its_own_y_axis_in_one_gutter():
    text = gradcli("plot", "x**3", "--range", "-2:2", "--width", "60").stdout
    top, bottom = panels(text)
    assert [r[0] for r in top["rows"] if r[0]] == ["10", "0", "-10"]
    assert [r[0] for r in bottom["rows"] if r[0]] == ["10", "5", "0"]
    column = {line.index(" |") for line in text.splitlines() if " |" in line}
    assert len(column) == 1


@pytest.mark.parametrize(("lines", "most"), [(14, 13), (24, 23), (50, 49), (None, 23)])
def test_the_plot_fits_the_terminal_height(lines, most):
    env = {"LINES": str(lines)} if lines else {"LINES": ""}  # piped without LINES: 24 lines
    result = gradcli("plot", "tanh(x)", "--range", "-3:3", "--width", "70", env=env)
    assert result.exit_code == 0
    assert most - 3 <= len(result.stdout.splitlines()) <= most


def test_piped_curves_have_distinct_glyphs_and_the_legend_shows_them():
    text = gradcli("plot", "tanh(x)", "--range", "-3:3", "--width", "70").stdout
    top, bottom = panels(text)
    f_cells = "".join(r[2] for r in top["rows"])
    d_cells = "".join(r[2] for r in bottom["rows"])
    assert BRAILLE.search(f_cells) and "*" not in f_cells
    assert "*" in d_cells and not BRAILLE.search(d_cells)
    assert top["title"].startswith("⠤⠤ ") and bottom["title"].startswith("** ")


def test_with_colour_each_curve_keeps_braille_in_its_own_colour():
    text = gradcli("--color", "always", "plot", "tanh(x)", "--range", "-3:3", "--width", "70").stdout
    assert "\x1b[34m" in text and "\x1b[31m" in text  # f blue, df/dx red
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "*" not in plain and plain.count("⠤⠤ ") == 2


@pytest.mark.parametrize(
    "env",
    [{}, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}],
)
def test_no_colour_codes_when_piped_or_refused(env):
    for args in (
        ("plot", "tanh(x)", "--range", "-3:3"),
        ("sweep", "exp(x)", "--at", "1", "--method", "central", "--method", "forward", "--plot"),
        ("sigmoid", "--at", "-4:4:3", "--plot"),
    ):
        result = gradcli(*args, env=env)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout
    never = gradcli("--color", "never", "plot", "tanh(x)", env={"FORCE_COLOR": "1"})
    assert "\x1b" not in never.stdout and "** df/dx" in never.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("plot", "sigmoid(x)", "--range", "-20:20"),
        ("plot", "log(x)", "--range", "-1:1", "--width", "50"),
        ("plot", "x*1e308"),
        ("sweep", "exp(x)", "--at", "1", "--method", "central", "--method", "forward", "--plot"),
        ("gelu", "--at", "-4:4:5", "--plot"),
        ("--color", "always", "plot", "tanh(x)"),
    ],
)
def test_no_line_ends_in_blanks(args):
    # before: every canvas row was padded to the full width with blank braille (U+2800)
    text = gradcli(*args).stdout
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line == line.rstrip(" \u2800"), repr(line)
        assert "\u2800" not in line


def test_sweep_curves_have_distinct_glyphs_when_piped():
    result = sweep(
        parse("exp(x)"), np.array([1.0]), 0, ["central", "forward", "backward"], steps(1e-1, 1e-12)
    )
    text = sweep_terminal_plot(result, 80)
    legend = next(line for line in text.splitlines() if "central |error|" in line)
    assert "⠤⠤ central |error|" in legend and "** forward |error|" in legend
    assert "## backward |error|" in legend and "o best" in legend and "^ auto" in legend
    body = "\n".join(line.partition(" |")[2] for line in text.splitlines() if " |" in line)
    assert BRAILLE.search(body) and "*" in body and "#" in body
    coloured = sweep_terminal_plot(result, 80, color=True)
    assert "**" not in re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    axis = next(line for line in text.splitlines() if line.rstrip().endswith("log10 eps"))
    labels = text.splitlines()[text.splitlines().index(axis) + 1].split()
    assert labels == ["-12", "-10", "-8", "-6", "-4", "-2"]


def curves(x, f, slope) -> Curves:
    return Curves("f", "x", {}, np.array(x, float), np.array(f, float), np.array(slope, float), 1e-6)


@pytest.mark.parametrize(
    "c",
    [
        curves([1.0], [2.0], [0.0]),  # a single sample
        curves([0.0, 1.0], [3.0, 3.0], [0.0, 0.0]),  # constant f, vanishing everywhere
        curves([0.0, 1.0], [np.nan, 1.0], [np.nan, np.nan]),  # df/dx nowhere finite
        curves([0.0, 5e-324], [0.0, 5e-324], [1.0, 1.0]),  # a range narrower than a float cell
        curves([-1e308, 1e308], [1e300, -1e300], [1e-300, 1e-300]),
        curves([1.0, 2.0], [1e-320, 2e-320], [1e-320, 1e-320]),  # subnormal values
    ],
)
@pytest.mark.parametrize("color", [False, True])
def test_degenerate_inputs_still_draw(c, color):
    text = terminal_plot(c, 60, 20, color=color)
    top, bottom = panels(re.sub(r"\x1b\[[0-9;]*m", "", text))
    assert top["title"].endswith("f = f") and "df/dx (backprop)" in bottom["title"]
    assert all(len(line) <= 60 for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines())


def test_a_constant_is_drawn_between_nice_ticks():
    c = sample(parse("x*0+3"), None, Span(-1.0, 1.0, None))
    top, bottom = panels(terminal_plot(c, 60, 24))
    values = [float(r[0]) for r in top["rows"] if r[0]]
    assert values[-1] < 3 < values[0]
    line = next(r for r in top["rows"] if BRAILLE.search(r[2]))
    assert BRAILLE.sub("", line[2]).strip() == ""
    assert "v" * 10 in bottom["axis"]  # df/dx = 0: vanishing everywhere, marked on the axis


values = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(
    st.lists(st.tuples(values, values), min_size=1, max_size=40),
    st.floats(-1e300, 1e300),
    st.floats(1e-300, 1e300),
    st.integers(40, 160),
    st.integers(5, 60),
    st.booleans(),
)
def test_any_curves_draw_within_the_width_without_trailing_blanks(
    samples, start, width, columns, rows, color
):
    f, slope = (np.array(v, float) for v in zip(*samples))
    x = np.linspace(start, start + width, len(f)) if len(f) > 1 else np.array([start])
    if not np.isfinite(x).all():
        return
    text = terminal_plot(curves(x, f, slope), columns, rows, color=color)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert color or "\x1b" not in text
    for line in plain.splitlines():
        assert len(line) <= columns and line == line.rstrip(" \u2800"), repr(line)
    assert len(panels(plain)) == 2
