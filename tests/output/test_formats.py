"""The plain writers (gradcli.output): numbers, JSON text identical to the json module's, CSV/TSV shape."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.derive.gradient import grad
from gradcli.output import jsonl
from gradcli.output import numbers as numbers_module
from gradcli.output.delimited import write_delimited
from gradcli.output.jsonl import dumps, write_json
from gradcli.output.numbers import number, number_rows, numbers

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_dumps_writes_what_the_json_module_writes(value: object) -> None:
    assert dumps(value) == json.dumps(value, allow_nan=False)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_dumps_refuses_non_finite_numbers(bad: float) -> None:
    with pytest.raises(ValueError):
        dumps({"x": bad})


def test_dumps_refuses_unknown_types() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})


def test_json_lines_one_object_per_point_and_nulls_for_non_finite() -> None:
    out = io.StringIO()
    write_json(grad("log(x)", ["x=1", "x=-1"], method="forward", eps=0.01), out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["value"] == 0.0 and first["gradient"]["x"] == (math.log(1.01) - 0.0) / 0.01
    assert second["value"] is None and second["gradient"] == {"x": None}
    assert [w["kind"] for w in second["warnings"]] == ["nonfinite"]


@pytest.mark.parametrize("sep", [",", "\t"])
def test_delimited_header_rows_and_empty_fields(sep: str) -> None:
    out = io.StringIO()
    write_delimited(grad("log(a-b)", ["a=3,b=1", "a=1,b=3"], method="backprop"), out, sep)
    lines = out.getvalue().splitlines()
    assert lines[0] == sep.join(["a", "b", "f", "grad_a", "grad_b"])
    assert lines[1].split(sep) == ["3.0", "1.0", repr(math.log(2.0)), "0.5", "-0.5"]
    assert lines[2].split(sep) == ["1.0", "3.0", "", "", ""]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(),
            st.floats(1e-5, 1e17),
            st.floats(1e-12, 1e-2),
            st.sampled_from(
                [0.0, -0.0, 1e-4, 9.999999999999999e-05, 1e16, 9999999999999998.0, 5e-324, 1e-9, 9.99e-10]
            ),
        ),
        min_size=0,
        max_size=200,
    )
)
def test_numbers_is_number_of_each_and_empty_where_not_finite(values: list[float]) -> None:
    expected = [number(x) if math.isfinite(x) else "" for x in values]
    assert numbers(values) == expected


def test_numbers_without_orjson_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    values = np.random.default_rng(1).standard_normal(500) * 10.0 ** np.arange(-250, 250)
    values[::7] = np.nan
    with_fast = numbers(values)
    assert numbers(np.vstack([values, values]).T[:, 1]) == with_fast  # a strided view too
    monkeypatch.setattr(numbers_module, "_orjson", lambda: None)
    assert numbers(values) == with_fast


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 40),
    st.integers(1, 6),
    st.lists(st.one_of(st.floats(), st.floats(-1e6, 1e6)), min_size=240, max_size=240),
    st.sampled_from([",", "\t"]),
)
def test_number_rows_is_numbers_of_each_row_joined(n: int, k: int, pool: list[float], sep: str) -> None:
    matrix = np.array(pool[: n * k], dtype=np.float64).reshape(n, k)
    expected = [sep.join(number(x) if math.isfinite(x) else "" for x in row) for row in matrix.tolist()]
    assert number_rows(matrix, sep) == expected


def test_orjson_text_is_trusted_exactly_where_it_is_laid_out_as_repr() -> None:
    """Over every magnitude (random bit patterns and the powers of ten beside their neighbours),
    the numbers written through orjson are repr's text, and most of them come from orjson."""
    rng = np.random.default_rng(7)
    values = rng.integers(0, 2**63, 20000, dtype=np.int64).view(np.float64)
    tens = 10.0 ** np.arange(-323, 308)
    values = np.concatenate([values, -values, tens, np.nextafter(tens, 0), np.nextafter(tens, np.inf)])
    assert numbers(values) == [number(x) if math.isfinite(x) else "" for x in values.tolist()]
    assert number_rows(values.reshape(-1, 1), ",") == numbers(values)
    fast = pytest.importorskip("orjson")
    assert numbers_module._odd(values, fast).mean() < 0.05  # orjson writes 1e-9 <= |x| < 1e-4 otherwise


def test_with_an_orjson_that_lays_numbers_out_otherwise_only_plain_decimals_are_trusted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = pytest.importorskip("orjson")
    monkeypatch.setattr(numbers_module, "_layout", {})
    monkeypatch.setattr(numbers_module, "PROBES", (*numbers_module.PROBES, 1.5e-7))  # orjson: 1.5e-7
    values = np.array([1e-13, 1.5e-7, 0.5, 1e20, np.nan])
    assert numbers_module._odd(values, fast).tolist() == [True, True, False, True, True]
    assert numbers(np.repeat(values, 20)) == [
        number(x) if math.isfinite(x) else "" for x in np.repeat(values, 20)
    ]


def test_number_rows_without_orjson_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    matrix = np.random.default_rng(2).standard_normal((300, 4)) * 10.0 ** np.arange(-150, 150)[:, None]
    matrix[::11, 2] = np.inf
    with_fast = number_rows(matrix, ",")
    monkeypatch.setattr(numbers_module, "_orjson", lambda: None)
    assert number_rows(matrix, ",") == with_fast


@pytest.mark.parametrize(
    ("text", "at", "method", "eps"),
    [
        ("3*(a+b*c)", ["a=5,b=3,c=2", "1,2,3", "-1e-300,7e15,1e16"], "forward", 0.01),
        ("sigmoid(x)", ["1", "20", "40", "-800"], "central", None),
        ("abs(x)+relu(y)", ["0,0", "1,-1"], "backward", None),
        ("x/(x-1)", ["1", "2"], "backprop", None),
        ("log(x)*y", ["-1,2", "3,1e-320"], "forward", 1e-8),
        ("x*y", [f"{i / 7},{10.0 ** (i - 150)!r}" for i in range(300)], "central", None),  # orjson's path
        ("x**2", [f"{i / 9 - 2}" for i in range(70)], "richardson", None),
    ],
)
def test_json_lines_is_records_with_a_line_number(
    text: str, at: list[str], method: str, eps: float | None
) -> None:
    result = grad(text, at, method=method, eps=eps)
    lines = [3 * i + 7 for i in range(len(at))]
    expected = "".join(
        dumps({"line": line, **record}) + "\n" for line, record in zip(lines, jsonl.records(result))
    )
    assert jsonl.json_lines(result, lines) == expected


# --- the one header check (gradcli.output.delimited.header) --------------------------------------


def test_header_names_the_inputs_then_f_and_the_gradient() -> None:
    from gradcli.output.delimited import header

    assert header(("a", "b")) == ["a", "b", "f", "grad_a", "grad_b"]
    assert header(("a",), direction=True) == ["a", "f", "grad_a", "grad_u"]
    assert header(("x", "y"), several=True) == ["expr", "x", "y", "f", "grad_x", "grad_y"]
    assert header(("x",), ["id", "x", "label"]) == ["id", "x", "label", "f", "grad_x"]


@pytest.mark.parametrize(
    ("variables", "inputs", "several", "direction", "clash", "what"),
    [
        (("f",), None, False, False, "f", "variable"),
        (("x", "grad_x"), None, False, False, "grad_x", "variable"),
        (("expr", "x"), None, True, False, "expr", "variable"),
        (("grad_u",), None, False, True, "grad_u", "variable"),
        (("x",), ["id", "x", "f"], False, False, "f", "input column"),
        (("x",), ["x", "grad_x"], False, False, "grad_x", "input column"),
    ],
)
def test_header_refuses_a_column_named_twice(variables, inputs, several, direction, clash, what) -> None:
    from gradcli.errors import OptionError
    from gradcli.output.delimited import header

    with pytest.raises(
        OptionError, match=f"^the {what} '{clash}' has the name of an output column of --format tsv"
    ):
        header(variables, inputs, several=several, direction=direction, fmt="tsv")


def test_a_jacobian_row_quotes_an_expression_with_commas_in_csv_only() -> None:
    from gradcli.output.delimited import quote

    assert quote("min(x,y)", ",") == '"min(x,y)"' and quote('a"b', ",") == '"a""b"'
    assert quote("min(x,y)", "\t") == "min(x,y)" and quote("x*y", ",") == "x*y"


def test_functions_records_all_have_one_shape() -> None:
    from gradcli.output.jsonl import CATALOGUE_FIELDS, catalogue_records

    rows = [{"name": "sin", "usage": "sin(x)", "derivative": "cos(x)", "doc": "sine", "kind": "function"}]
    records = catalogue_records(rows, {"pi": math.pi})
    assert [tuple(r) for r in records] == [CATALOGUE_FIELDS] * 2
    assert records[1]["kind"] == "constant" and records[1]["value"] == math.pi


def test_strip_trailing_removes_spaces_before_each_newline_only() -> None:
    from gradcli.table.base import StripTrailing

    out = io.StringIO()
    writer = StripTrailing(out)
    writer.write("a  \nb ")
    writer.write(" c   \n\x1b[1mbold   \x1b[0m\n   ")
    writer.flush()
    assert out.getvalue() == "a\nb  c\n\x1b[1mbold\x1b[0m\n"
