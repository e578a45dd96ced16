"""Plots: the sampled curves, the terminal drawing (fits the width), and image files."""

from __future__ import annotations

import struct
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.analysis.health import healthy_range, slope_of
from gradcli.cli import main
from gradcli.derive.gradient import compute
from gradcli.errors import OptionError, PointsError
from gradcli.language.parse import parse
from gradcli.plot import parse_size, sample, save_figure, terminal_plot
from gradcli.points.spec import Span
from gradcli.registry import FUNCTIONS

from .test_terminal import panels


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), prog_name="gradcli", env=env)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_sampled_curves_are_the_pipelines_values_and_backprop():
    c = sample(parse("tanh(w*x)"), "x", Span(-2.0, 3.0, None), {"w": 2.0}, points=11)
    assert c.x.tolist() == np.linspace(-2, 3, 11).tolist()
    r = compute(parse("tanh(w*x)"), np.column_stack([np.full(11, 2.0), c.x]), "backprop")
    assert c.f.tolist() == r.value.tolist()
    assert c.slope.tolist() == r.exact[:, 1].tolist()  # variables are w, x


def test_vanishing_region_agrees_with_the_healthy_range():
    c = sample(parse("sigmoid(x)"), None, Span(-20.0, 20.0, None), points=401)
    ((lo, hi),) = healthy_range(slope_of(FUNCTIONS["sigmoid"]), 1e-6).above_vanish
    inside = (c.x > lo) & (c.x < hi)
    assert np.array_equal(c.vanishing, ~inside)
    assert c.vanishing_spans() == [
        (-20.0, float(c.x[~inside & (c.x < 0)][-1])),
        (float(c.x[~inside & (c.x > 0)][0]), 20.0),
    ]


@pytest.mark.parametrize("columns", [60, 80, 132])
def test_terminal_plot_fits_the_width_and_names_both_curves(columns):
    result = run("plot", "sigmoid(x)", "--range", "-20:20", env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "f = sigmoid(x)" in text and "df/dx (backprop)" in text
    assert "|df/dx| < 1e-06 (vanishing)" in text
    assert all(len(line) <= columns for line in text.splitlines())
    assert max(len(line) for line in text.splitlines()) >= columns - 25  # uses the width
    assert "\x1b[" not in text  # piped: plain text, no colour codes


def test_plot_with_other_variables_fixed():
    result = run("plot", "tanh(w*x)", "--var", "x", "--range", "-5:5", "--at", "w=2", "--points", "50")
    assert result.exit_code == 0, result.output
    assert "f = tanh(w*x), w=2.0" in result.stdout and "df/dx (backprop)" in result.stdout


def test_plot_without_a_vanishing_region_says_so():
    text = terminal_plot(sample(parse("x**2"), None, Span(1.0, 2.0, None), points=20), 80)
    assert "no vanishing region here" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plot", "a*b"), "say which variable to plot against with --wrt"),
        (("plot", "a*b", "--var", "c"), "--wrt c: the expression does not use c"),
        (("plot", "a*b", "--var", "a"), "--at misses b"),
        (("plot", "a*b", "--var", "a", "--at", "c=1"), "--at names c, not in the expression"),
        (("plot", "a*b", "--var", "a", "--at", "1"), "--at '1' needs names"),
        (("plot", "x", "--range", "5:1"), "range '5:1' must go up"),
        (("plot", "x", "--range", "1:2:3"), "range '1:2:3' is not start:stop"),
        (("plot", "x", "--output", "f.jpg"), "cannot tell the image format of 'f.jpg'"),
        (("plot", "x", "--size", "big"), "size 'big' is not WIDTHxHEIGHT in pixels"),
        (("plot", "x", "--size", "5x5"), "must be 16 to 10,000 pixels"),
        (("plot", "x", "--points", "1"), "--points"),
        (("plot", "3"), "the expression has no variables: there is nothing to plot against"),
        (("plot", "pi*2", "--var", "x"), "the expression has no variables"),
    ],
)
def test_plot_errors_are_one_line_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("gradcli: error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_output_png_has_the_asked_size(tmp_path):
    path = tmp_path / "sigmoid.png"
    result = run("plot", "sigmoid(x)", "--output", str(path), "--size", "640x360", "--points", "50")
    assert result.exit_code == 0, result.output
    assert png_size(path.read_bytes()) == (640, 360)
    assert result.stdout == ""


def test_output_svg_and_pdf(tmp_path):
    c = sample(parse("relu(x)"), None, Span(-3.0, 3.0, None), points=30)
    save_figure(c, str(tmp_path / "r.svg"))
    save_figure(c, str(tmp_path / "r.pdf"), (300, 200))
    assert b"<svg" in (tmp_path / "r.svg").read_bytes()[:500]
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_output_to_an_unwritable_place_is_a_one_line_error(tmp_path):
    result = run("plot", "x", "--output", str(tmp_path / "missing" / "x.png"), "--points", "5")
    assert result.exit_code == 74
    assert "gradcli: error: cannot write" in result.stderr


def test_missing_plot_extra_names_it(monkeypatch, tmp_path):
    # simulate an install without matplotlib: its modules cannot be imported
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    result = run("plot", "x", "--output", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert result.stderr == (
        "gradcli: error: --output needs matplotlib, which is not installed — pip install 'gradcli[plot]'\n"
    )
    assert not (tmp_path / "x.png").exists()


def test_core_errors_raise_gradcli_errors():
    with pytest.raises(PointsError, match="--at gives x, the variable being plotted"):
        sample(parse("x*y"), "x", Span(0.0, 1.0, None), {"x": 1.0, "y": 2.0})
    with pytest.raises(OptionError, match="--points must be from 2"):
        sample(parse("x"), None, Span(0.0, 1.0, None), points=1)
    assert parse_size("800X500") == (800, 500)


def test_terminal_plot_uses_colour_only_when_asked(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    c = sample(parse("tanh(x)"), None, Span(-5.0, 5.0, None), points=40)
    assert "\x1b[" in terminal_plot(c, 80, color=True)
    assert "\x1b[" not in terminal_plot(c, 80, color=False)


def test_axis_labels_of_a_tiny_range_are_distinct():
    # plotille's own labels rounded anything within 1e-8 of a whole number, so every tick read 0
    text = terminal_plot(sample(parse("x"), None, Span(0.0, 1e-9, None), points=20), 60)
    top, bottom = panels(text)
    assert bottom["labels"].split() == ["0", "2e-10", "4e-10", "6e-10", "8e-10", "1e-09"]
    assert [r[0] for r in top["rows"] if r[0]] == ["1e-09", "5e-10", "0"]


def test_axis_labels_of_tiny_values_are_not_zero():
    text = terminal_plot(sample(parse("x**2"), None, Span(1e-300, 2e-300, None), points=20), 60)
    _, bottom = panels(text)  # df/dx = 2x: 2e-300 to 4e-300
    labels = [r[0] for r in bottom["rows"] if r[0]]
    assert len(labels) >= 2 and all(float(label) > 0 for label in labels), labels


def test_plot_over_a_partly_undefined_range_says_where_nothing_is_drawn():
    c = sample(parse("log(x)"), None, Span(-1.0, 1.0, None), points=200)
    text = " ".join(terminal_plot(c, 200).split())
    last_undefined = float(c.x[c.x <= 0][-1])
    assert f"f is not finite (not drawn) at x = -1.0..{last_undefined!r}" in text
    assert "at every sampled x where it is finite (no vanishing region here)" in text
    result = run("plot", "log(x)", "--range", "-1:1")
    assert result.exit_code == 0 and "not finite (not drawn)" in result.stdout


def test_plot_where_only_the_slope_is_undefined_says_so():
    text = terminal_plot(sample(parse("sqrt(x)"), None, Span(0.0, 1.0, None), points=5), 80)
    assert "df/dx is not finite (not drawn) at x = 0.0" in text
    assert "f is not finite" not in text


def test_plot_where_f_is_nowhere_finite_is_one_line_exit_1(tmp_path):
    for extra in ((), ("--output", str(tmp_path / "s.png"))):
        result = run("plot", "sqrt(x)", "--range", "-1:-0.5", *extra)
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        assert result.stderr == (
            "gradcli: error: f is not finite at any of the 200 sampled x from -1.0 to -0.5, so there is "
            "nothing to plot — choose a --range where f is defined\n"
        )
    assert not (tmp_path / "s.png").exists()


def test_sweep_plot_says_when_exact_steps_are_not_drawn():
    result = run("sweep", "2*x", "--at", "1", "--method", "complex", "--plot")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("complex ")]
    zero = sum(1 for line in rows if line.split()[3] == "0")
    assert zero == len(rows) == 16
    assert f"{zero} of {len(rows)} steps have an error of exactly 0 and are not drawn" in " ".join(
        result.stdout.split()
    )
    plain = run("sweep", "exp(x)", "--at", "1", "--plot").stdout
    assert "exactly 0" not in plain


def test_plot_to_an_output_without_braille_is_one_line_exit_2():
    import subprocess

    env = {k: v for k, v in __import__("os").environ.items() if k != "GRADCLI_DEBUG"}
    env["PYTHONIOENCODING"] = "latin-1"
    proc = subprocess.run(
        [sys.executable, "-m", "gradcli", "plot", "x", "--points", "5"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == b""
    err = proc.stderr.decode("latin-1")
    assert err.count("\n") == 1
    assert err.startswith("gradcli: error: the output's encoding (iso8859-1) cannot show the plot's braille")
    assert "--output FILE.png" in err


def test_the_vanish_threshold_is_written_at_full_precision():
    text = " ".join(
        run("plot", "sigmoid(x)", "--vanish", "1.23456789e-6", "--range", "-20:20").stdout.split()
    )
    assert "|df/dx| < 1.23456789e-06 (vanishing)" in text
    table = run("sigmoid", "--at", "20", "--vanish", "1.23456789e-6").stdout
    assert "|f'(x)| >= 1.23456789e-06 (--vanish)" in table
    assert "below the --vanish threshold 1.23456789e-06" in " ".join(table.split())


# --- values too large to draw, and sizes in other digits (issue: hardening) ---------------------


def test_values_near_the_float64_limit_are_drawn_scaled_not_crashed():
    # was: ValueError inside plotille (exit 70); the y span overflowed float64
    result = run("plot", "x*1e308", "--width", "80")
    assert result.exit_code == 0, result.output
    assert "values are drawn divided by 1e+308 (too large to draw as they are)" in result.stdout
    assert "f is not finite (not drawn) at x = -10.0..-1.8592964824120592" in result.stdout


def test_scaling_leaves_ordinary_values_alone():
    c = sample(parse("x*1e100"), None, Span(-1.0, 1.0, None), points=5)
    assert "divided by" not in terminal_plot(c, 80)


def test_an_image_of_values_near_the_float64_limit_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "big.png"
    result = run("plot", "x*1e308", "--output", str(path), "--size", "320x200")
    assert result.exit_code == 0, result.output
    assert png_size(path.read_bytes()) == (320, 200)


@pytest.mark.parametrize(
    "size", ["²x500", "800x５00", "٨00x500", "1_000x500", "+800x500", "800x500x2", "x500"]
)
def test_sizes_take_ascii_digits_only(size):
    # was: '²'.isdigit() is True and int('²') raised ValueError (exit 70)
    with pytest.raises(OptionError, match="is not WIDTHxHEIGHT in pixels"):
        parse_size(size)
    result = run("plot", "x", "--size", size, "--output", "never.png")
    assert result.exit_code == 2
    assert result.stderr.startswith("gradcli: error: size ") and "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["softsign", "--at", "0", "--at", "5e-324", "--plot"],
        ["plot", "x", "--range", "0:5e-324"],
        ["plot", "--points", "2", "(3.5-a)/(1e308+5e-324)*(5e-324-0)^1e-8/1e16"],
        ["plot", "(sec(pi-1^max(2, w_3))*(w_3*5e-324))"],  # a constant, subnormal slope (fuzz)
    ],
)
def test_a_range_narrower_than_float_cells_is_widened_not_a_crash(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "⠀" in result.output or "|" in result.output  # a drawing came out


def test_plot_checks_live_in_the_library_not_the_command():
    from gradcli.errors import NotFiniteError
    from gradcli.language.parse import parse
    from gradcli.plot import plot_curves
    from gradcli.points.spec import parse_span, parse_spec

    with pytest.raises(NotFiniteError, match="f is not finite at any of the 200 sampled x") as info:
        plot_curves(parse("log(x)"), None, parse_span("-2:-1", with_count=False))
    assert info.value.exit_code == 1
    with pytest.raises(PointsError, match="needs names"):
        plot_curves(parse("w*x"), "x", parse_span("0:1", with_count=False), parse_spec("2"))
    curves = plot_curves(parse("w*x"), "x", parse_span("0:1", with_count=False), parse_spec("w=2"), points=3)
    assert curves.slope.tolist() == [2.0, 2.0, 2.0]


def test_a_terminal_plot_of_many_samples_draws_few_but_keeps_every_peak():
    from gradcli.plot.curves import Curves
    from gradcli.plot.terminal import _MOST, _thin

    x = np.linspace(0, 1, 100_000)
    f = np.sin(40 * x)
    f[77_777] = 5.0  # a one-sample spike
    slope = np.cos(40 * x)
    thin = _thin(Curves("f", "x", {}, x, f, slope, 1e-6))
    assert len(thin.x) <= _MOST and np.all(np.diff(thin.x) > 0)
    assert thin.f.max() == 5.0 and thin.f.min() == f.min() and thin.slope.min() == slope.min()


@pytest.mark.parametrize(
    "args",
    [
        ["plot", "x", "--output", "{tmp}/no/such/dir/x.png"],
        ["sweep", "exp(x)", "--at", "1", "--output", "{tmp}/a-directory.png"],
    ],
)
def test_an_unwritable_output_file_is_an_output_failure(tmp_path, args):
    (tmp_path / "a-directory.png").mkdir()
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 74
    assert result.stderr.startswith("gradcli: error: cannot write ") and len(result.stderr.splitlines()) == 1
