"""Whatever a user types, gradcli answers with a result or one line of error, never a crash.

Random expressions (built from the language's own pieces, plus arbitrary text) and random
points go through the real command; the exit status must be 0, 1 or 2, never 70 (an internal
error), and no traceback may appear.
"""

from __future__ import annotations

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcli.cli import main
from gradcli.ops import FUNCTIONS

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
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2), (args, result.output)
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
