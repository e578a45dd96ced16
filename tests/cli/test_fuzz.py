"""Whatever a user types, gradcli answers with a result or one line of error, never a crash.

Random expressions (built from the language's own pieces, plus arbitrary text) and random
points go through the real command; the exit status must be 0, 1 or 2, never 70 (an internal
error), and no traceback may appear.
"""

from __future__ import annotations

from conftest import gradcli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcli.registry import FUNCTIONS

PIECES = [
    *(f"{name}(" for name in FUNCTIONS),
    *"xyz",
    "pi",
    "e",
    "0",
    "1",
    "-1",
    "2.5",
    "1e308",
    "1e-320",
    "+",
    "-",
    "*",
    "/",
    "**",
    "^",
    "(",
    ")",
    ",",
    " ",
]
expressions = st.one_of(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=14).map("".join),
    st.text(max_size=30),
)
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-0.0", "1e-320", "pi", "", "abc", "-", "1e999"]),
)
points = st.one_of(
    st.lists(values, min_size=1, max_size=3).map(",".join),
    st.builds(lambda a, b: f"x={a},y={b},z={a}", values, values),
    st.text(max_size=12),
)
METHODS = ["central", "forward", "backward", "backprop"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    expressions,
    st.lists(points, max_size=2),
    st.sampled_from(METHODS),
    st.sampled_from(["table", "json", "csv", "tsv"]),
)
def test_any_input_gives_a_result_or_one_line_error(expr, ats, method, fmt) -> None:
    args = ["grad", expr, "--method", method, "--format", fmt]
    for at in ats:
        args += ["--at", at]
    result = gradcli(*args)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), (args, result.output)
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["diff", "trace", "hessian", "grad2", "direction"]),
    expressions,
    st.lists(points, max_size=2),
    st.sampled_from(METHODS),
    st.sampled_from(["table", "json", "csv", "dot", "text"]),
    points,
)
def test_derivative_commands_give_a_result_or_one_line_error(command, expr, ats, method, fmt, vector) -> None:
    if command == "diff":
        args = ["diff", expr, "--format", fmt if fmt in ("text", "json") else "text"]
    elif command == "trace":
        args = ["trace", expr, "--format", fmt if fmt in ("table", "json", "dot") else "dot"]
    elif command == "hessian":
        args = ["hessian", expr, "--method", method, "--format", fmt if fmt in ("table", "json") else "json"]
    else:
        args = [
            "grad",
            expr,
            "x*y",
            "--method",
            method,
            "--format",
            fmt if fmt in ("table", "json", "csv") else "csv",
        ]
        if command == "direction":
            args = [*args[:2], *args[3:], "--direction", vector]
    if command != "diff":
        for at in ats:
            args += ["--at", at]
    result = gradcli(*args)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), (args, result.output)
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
