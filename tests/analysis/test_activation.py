"""Activation commands (generated from the registry) through the CLI, and their core."""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess

import mpmath as mp
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry.test_ops import REFERENCE  # the mpmath oracle for every registry entry
from rich.console import Console

from gradcli.analysis.activation import evaluate_activation, expression_text
from gradcli.analysis.health import healthy_range, slope_of
from gradcli.cli import main
from gradcli.errors import OptionError
from gradcli.registry import ACTIVATIONS, FUNCTIONS
from gradcli.table import render_activation

mp.mp.dps = 50
SEED = 0.1965664984852067, 2.0601298444944405e-09  # the seed note's forward differences


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), prog_name="gradcli", env=env)


def lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_seed_numbers():
    result = run(
        "sigmoid", "--at", "1", "--at", "20", "--method", "forward", "--eps", "0.001", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    records = lines(result)
    assert [r["gradient"]["x"] for r in records] == list(SEED)
    assert [r["point"]["x"] for r in records] == [1.0, 20.0]
    assert records[0]["function"] == "sigmoid"
    healthy = records[0]["healthy"]
    h = healthy_range(slope_of(FUNCTIONS["sigmoid"]), 1e-6)
    assert healthy["above_vanish"] == [list(h.above_vanish[0])]
    assert 13.8 < healthy["above_vanish"][0][1] < 13.82
    assert [w["kind"] for w in records[1]["warnings"]] == ["vanishing"]


def test_sigmoid_at_20_explains_the_vanishing_gradient_for_a_learner():
    result = run("sigmoid", "--at", "20")
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())  # Rich may wrap long lines
    assert "sigmoid'(20.0) = 2.061153613941849e-09 is below the --vanish threshold 1e-06" in out
    assert "sigmoid is saturated here" in out
    assert "gradient vanishes" in out
    assert "-13.815508557961275 < x < 13.815508557961275" in out
    assert "the usual advice -1 < x < 1 is inside both" in out


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_command_matches_mpmath_over_a_wide_range(name):
    xs = [-800.0, -40.0, -17.5, -2.5, -0.5, 0.25, 1.75, 6.5, 40.0, 800.0, 1e300]
    args = [name, *(f"--at={x!r}" for x in xs), "--method", "backprop", "--format", "json"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    records = lines(result)
    assert len(records) == len(xs)
    ref = REFERENCE[(name, 1)]
    for x, record in zip(xs, records):
        true_f, true_d = ref.f(mp.mpf(x)), ref.partials[0](mp.mpf(x))
        for got, true in ((record["value"], true_f), (record["exact"]["x"], true_d)):
            assert got is not None, (name, x)
            assert abs(mp.mpf(got) - true) <= 1e-13 * abs(true) + 1e-300, (name, x, got, true)


def test_relu_dead_side_zero_and_kink():
    result = run("relu", "--at", "-3", "--at", "0", "--at", "2", "--format", "json")
    records = lines(result)
    kinds = [[w["kind"] for w in r["warnings"]] for r in records]
    assert kinds == [["vanishing"], ["nondifferentiable"], []]
    assert "relu'(-3.0) is exactly 0" in records[0]["warnings"][0]["message"]
    assert records[1]["warnings"][0]["left"] == 0.0 and records[1]["warnings"][0]["right"] == 1.0
    healthy = records[0]["healthy"]
    assert healthy["above_vanish"] == [[0.0, None]] and healthy["dead_left"] is True
    table = run("relu", "--at", "-3").stdout
    assert "no vanishing side for large x" in table and "(dead)" in table


def test_alpha_is_passed_to_the_function():
    records = lines(run("leaky_relu", "--alpha", "0.1", "--at", "-2", "--format", "json"))
    assert records[0]["expr"] == "leaky_relu(x, 0.1)"
    assert records[0]["value"] == -0.2 and records[0]["exact"]["x"] == 0.1
    records = lines(run("elu", "--alpha", "2", "--at", "-1", "--format", "json", "--method", "backprop"))
    assert records[0]["value"] == 2 * math.expm1(-1.0)
    assert records[0]["exact"]["x"] == 2 * math.exp(-1.0)
    default = lines(run("leaky_relu", "--at", "-2", "--format", "json"))
    assert default[0]["expr"] == "leaky_relu(x, 0.01)" and default[0]["exact"]["x"] == 0.01


def test_alpha_only_where_the_function_has_one():
    result = run("sigmoid", "--alpha", "2", "--at", "1")
    assert result.exit_code == 2
    assert result.stderr.startswith("gradcli: error: sigmoid has no --alpha")
    result = run("elu", "--alpha", "nan", "--at", "1")
    assert result.exit_code == 2
    assert "gradcli: error: --alpha must be a finite number" in result.stderr
    with pytest.raises(OptionError, match="sigmoid takes no parameter"):
        evaluate_activation("sigmoid", [1.0], param=2.0)


def test_ranges_and_the_default_range():
    records = lines(run("tanh", "--at", "-10:10:21", "--format", "json"))
    assert [r["point"]["x"] for r in records] == [float(v) for v in range(-10, 11)]
    records = lines(run("tanh", "--format", "json"))
    assert len(records) == 21 and records[0]["point"]["x"] == -10.0
    records = lines(run("tanh", "--at", "5", "--at", "-1:1:3", "--format", "json"))
    assert [r["point"]["x"] for r in records] == [5.0, -1.0, 0.0, 1.0]


def test_a_bad_range_is_one_line_exit_2():
    result = run("sigmoid", "--at", "-10:10:1")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "gradcli: error: Invalid value for '--at': count '1' in range '-10:10:1'" in result.stderr


def test_swish_is_silu():
    a = lines(run("swish", "--at", "1.5", "--format", "json"))[0]
    b = lines(run("silu", "--at", "1.5", "--format", "json"))[0]
    assert a["value"] == b["value"] and a["exact"] == b["exact"]
    assert a["expr"] == "swish(x)"


def test_csv_puts_the_healthy_range_on_stderr():
    result = run("softsign", "--at", "1", "--format", "csv")
    header, row = result.stdout.splitlines()
    assert header == "x,f,grad_x,health" and row.startswith("1.0,0.5,") and row.endswith(",healthy")
    assert abs(float(row.split(",")[2]) - 0.25) < 1e-9
    assert (
        "gradcli: note: |f'(x)| >= 1e-06 (--vanish) for -999.0000000000001 < x < 999.0000000000001"
        in result.stderr
    )


def test_strict_makes_a_warning_fail():
    assert run("sigmoid", "--at", "20", "--strict").exit_code == 1
    assert run("sigmoid", "--at", "1", "--strict", "--method", "backprop").exit_code == 0


def test_plot_needs_the_table_format():
    result = run("sigmoid", "--plot", "--format", "json")
    assert result.exit_code == 2
    assert "--plot draws in the terminal" in result.stderr


def test_activation_plot_draws_over_the_at_range():
    result = run("gelu", "--at", "-4:4:5", "--plot", env={"COLUMNS": "90"})
    assert result.exit_code == 0, result.output
    assert "healthy range of gelu" in result.stdout
    assert "f = gelu(x)" in result.stdout and "df/dx (backprop)" in result.stdout


def test_activations_work_inside_expressions():
    result = run("grad", "relu(w*x+b)", "--at", "w=2,x=3,b=-1", "--method", "backprop", "--format", "json")
    assert lines(result)[0]["exact"] == {"b": 1.0, "w": 3.0, "x": 2.0}


def test_expression_text_keeps_the_parameter_exact():
    assert expression_text(ACTIVATIONS["elu"], (0.1,)) == "elu(x, 0.1)"
    assert expression_text(ACTIVATIONS["gelu"]) == "gelu(x)"


@pytest.mark.skipif(shutil.which("gradcli") is None, reason="gradcli is not installed")
def test_installed_command_runs_for_real():
    done = subprocess.run(["gradcli", "sigmoid", "--at", "20"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "vanishing" in done.stdout and done.stderr == ""


AT_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-0.0", "1e-320", "1e308", "pi", "", "abc", "-", "1e999", "x=", "p=2"]),
    st.builds(
        lambda a, b, n: f"{a}:{b}:{n}",
        st.sampled_from(["-1e308", "-3", "0", "pi", "x"]),
        st.sampled_from(["1e308", "3", "0", "", "nan"]),
        st.sampled_from(["2", "5", "0", "1.5", ""]),
    ),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(ACTIVATIONS)),
    st.lists(AT_VALUES, max_size=2),
    st.sampled_from(["central", "forward", "backprop"]),
    st.sampled_from(["table", "json", "csv"]),
    st.sampled_from([None, "0.5", "-2", "nan", "1e308", "x"]),
)
def test_any_activation_input_gives_a_result_or_one_line_error(name, ats, method, fmt, alpha):
    args = [name, "--method", method, "--format", fmt]
    for at in ats:
        args.append(f"--at={at}")
    if alpha is not None and ACTIVATIONS[name].param:
        args.append(f"--alpha={alpha}")
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), (args, result.output)
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


RELU_TABLE = """\
function  relu(x)
method    backprop (exact, reverse mode)
   x   f(x)   f' backprop   status
─────────────────────────────────────
-3.0    0.0           0.0   vanishing
 2.0    2.0           1.0   ok
x = -3.0: vanishing: relu'(-3.0) is exactly 0: relu is flat here, so a gradient
step cannot move x at all; it is at least 1e-06 only for 0.0 < x

healthy range of relu (found numerically from its derivative):
  |f'(x)| >= 1e-06 (--vanish) for 0.0 < x
  |f'(x)| >= 10% of its peak 1.0 for 0.0 < x
  no vanishing side for large x: f' does not fade there
  left of that f' is exactly 0: a unit pushed there stops learning (dead), not
  only slowly
  the usual advice -1 < x < 1 is not inside both: there |f'| is 0 to 1 (0% to
  100% of the peak)
"""


def test_activation_table_golden_text_at_80_columns():
    console = Console(file=io.StringIO(), width=80, color_system=None)
    render_activation(evaluate_activation("relu", [-3.0, 2.0], "backprop"), console)
    got = "\n".join(line.rstrip() for line in console.file.getvalue().splitlines()) + "\n"
    assert got == RELU_TABLE


def test_activation_output_writes_an_image(tmp_path):
    path = tmp_path / "tanh.png"
    result = run("tanh", "--at", "-3:3:7", "--output", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(lines(result)) == 7
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert f"wrote {path}" in result.stderr


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if not a.param])
def test_alpha_on_an_activation_without_one_names_those_that_take_it(name):
    result = run(name, "--alpha", "2", "--at", "1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"gradcli: error: {name.replace('_', '-')} has no --alpha: only leaky-relu and elu take one "
        f"(see 'gradcli {name} --help')\n"
    )
    assert "--alpha" not in run(name, "--help").stdout


def test_alpha_still_works_where_it_belongs():
    result = run("leaky_relu", "--alpha", "0.2", "--at", "-1", "--format", "json")
    assert result.exit_code == 0
    (record,) = lines(result)
    assert record["value"] == -0.2 and record["exact"] == {"x": 0.2}


def test_input_help_of_an_activation_speaks_of_x_values():
    text = " ".join(run("tanh", "--help").stdout.split())
    assert "Read x values from FILE, one per line" in text
    assert "a=5,b=3,c=2" not in text


def test_csv_warnings_of_an_activation_name_x_as_its_table_does():
    result = run(
        "sigmoid", "--at", "1", "--at", "20", "--method", "forward", "--eps", "0.001", "--format", "csv"
    )
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("gradcli: warning:")]
    assert [w.split(": ")[2] for w in warnings] == ["x = 1.0", "x = 20.0"]
    assert "point 1" not in result.stderr


def test_a_slope_that_jumps_across_zero_is_not_said_to_be_zero():
    # leaky_relu with alpha -1 is |x|: f' jumps from -1 to 1 at 0 and is never 0
    text = run("leaky_relu", "--alpha=-1", "--at", "1", "--method", "backprop").stdout
    assert "f' is 0 at" not in text and "changes sign" not in text
    gelu = run("gelu", "--at", "1", "--method", "backprop").stdout  # a smooth turn: f' does pass 0
    assert "f' changes sign at x = " in gelu


# --- each x's verdict: the same for --at values and for a stream ------------------------------

VERDICT_XS = ["-40", "-1", "0", "0.5", "3", "13", "14", "20", "40", "700", "1e300"]


@pytest.mark.parametrize(
    ("name", "extra", "xs", "expected"),
    [
        ("sigmoid", (), [0.0, 20.0, -40.0], ["healthy", "vanishing", "vanishing"]),
        ("relu", (), [-1.0, 0.0, 2.0], ["vanishing", "nondifferentiable", "healthy"]),
        ("leaky_relu", (1e7,), [-1.0, 1.0], ["exploding", "healthy"]),
    ],
)
def test_verdicts_follow_the_gradient_warnings(name, extra, xs, expected):
    from gradcli.analysis.activation import verdicts

    param = extra[0] if extra else None
    run_ = evaluate_activation(name, xs, method="backprop", param=param)
    assert verdicts(run_.result) == expected


def _verdict_column(text: str, sep: str) -> list[str]:
    rows = [line.split(sep) for line in text.splitlines()]
    assert rows[0][-1] == "health"
    return [row[-1] for row in rows[1:]]


@pytest.mark.parametrize(
    ("name", "options"), [("sigmoid", ()), ("relu", ()), ("leaky-relu", ("--alpha", "1e7"))]
)
@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_a_stream_says_each_verdict_the_batch_says(name, options, fmt, tmp_path):
    from conftest import gradcli

    batch = gradcli(name, *[a for x in VERDICT_XS for a in ("--at", x)], *options, "--format", fmt)
    streamed = gradcli(name, "--at", "-", *options, "--format", fmt, input="\n".join(VERDICT_XS) + "\n")
    path = tmp_path / "xs.csv"
    path.write_text("x,label\n" + "".join(f"{x},p{i}\n" for i, x in enumerate(VERDICT_XS)))
    filed = gradcli(name, "--input", str(path), *options, "--format", fmt)
    if fmt == "json":
        said = [[r["health"] for r in lines(r)] for r in (batch, streamed, filed)]
        assert all(list(r)[-1] == "health" for r in lines(streamed))  # the last key, after "warnings"
    else:
        sep = "," if fmt == "csv" else "\t"
        said = [_verdict_column(r.stdout, sep) for r in (batch, streamed, filed)]
    assert said[0] == said[1] == said[2]
    assert len(said[0]) == len(VERDICT_XS)
    assert {"healthy", "vanishing"} <= set(said[0]) or {"healthy", "exploding"} <= set(said[0])


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_streamed_activation_words_its_warnings_as_the_batch_does(fmt):
    """A vanishing warning reads the same streamed as for --at values (sigmoid'(20.0) = ...),
    less the healthy range, which only the batch searches for."""
    from conftest import gradcli

    batch = gradcli("sigmoid", "--at", "20", "--format", fmt)
    streamed = gradcli("sigmoid", "--at", "-", "--format", fmt, input="20\n")
    if fmt == "json":
        told = [[w["message"] for w in next(iter(lines(r)))["warnings"]] for r in (batch, streamed)]
    else:
        told = [[line.split(": vanishing: ", 1)[1] for line in r.stderr.splitlines() if ": vanishing: " in line]
                for r in (batch, streamed)]  # fmt: skip
    (said,), (streamed_said,) = told
    assert streamed_said.startswith("sigmoid'(20.0) = 2.06")
    assert said == streamed_said + said[len(streamed_said) :]  # the batch adds the healthy range
    assert said[len(streamed_said) :].startswith("; it is at least 1e-06 only for -13.8")


def test_parallel_workers_write_the_same_verdicts(tmp_path, monkeypatch):
    from gradcli import pipeline
    from gradcli.analysis.activation import verdicts

    xs = [x / 100.0 for x in range(-3000, 3000)]
    path = tmp_path / "xs.txt"
    path.write_text("".join(f"{x!r}\n" for x in xs))
    pools = []
    make_pool = pipeline._pool
    monkeypatch.setattr(pipeline, "_pool", lambda jobs, *rest: pools.append(jobs) or make_pool(jobs, *rest))
    texts = {}
    for fmt in ("csv", "json"):
        for jobs in (1, 2):
            out = io.StringIO()
            with open(path, "rb", buffering=0) as source:
                pipeline.run(
                    "sigmoid(x)", source, out, method="central", eps=None, vanish=1e-6, explode=1e6,
                    fmt=fmt, jobs=jobs, chunk_bytes=4096, health=True,
                )  # fmt: skip
            texts[fmt, jobs] = out.getvalue()
    assert pools == [2, 2]  # the parallel runs did use workers
    batch = verdicts(evaluate_activation("sigmoid", xs).result)
    assert _verdict_column(texts["csv", 2], ",") == batch
    assert [json.loads(line)["health"] for line in texts["json", 2].splitlines()] == batch
    assert texts["csv", 1] == texts["csv", 2] and texts["json", 1] == texts["json", 2]
    assert batch.count("vanishing") > 1000 and batch.count("healthy") > 1000


def test_an_input_column_called_health_is_refused_as_a_repeated_column():
    from conftest import assert_one_line_error, gradcli

    assert_one_line_error(
        gradcli("relu", "--at", "-", "--format", "csv", input="x,health\n-1,ok\n"),
        "the input column 'health' has the name of an output column of --format csv",
    )
    kept = gradcli("relu", "--at", "-", "--format", "json", input="x,health\n-1,ok\n")
    assert [(r["columns"], r["health"]) for r in lines(kept)] == [({"health": "ok"}, "vanishing")]
