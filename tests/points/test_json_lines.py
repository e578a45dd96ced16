"""Points given as JSON Lines: layouts, values read as CSV reads them, bad lines, pass-through
rows, and the chunk path, the line-by-line path and the orjson-free path agreeing."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.errors import PointsError
from gradcli.points import json_lines
from gradcli.points import reader as stream
from gradcli.points.reader import JSON_ARRAY, JSON_OBJECT, JSON_ROWS, detect, parse_chunk, parse_line

ABC = ("a", "b", "c")


def bits(values) -> list[int]:
    return np.asarray(values, dtype=np.float64).view(np.int64).tolist()


def test_an_object_line_makes_its_keys_the_columns_in_the_order_written() -> None:
    layout = detect('{"id": "p1", "c": 2, "a": 5, "b": 3}', ABC)
    assert layout.kind == JSON_OBJECT
    assert layout.columns == ("id", "c", "a", "b") and layout.index == (2, 3, 1)


def test_an_array_line_binds_in_vars_order() -> None:
    layout = detect("[5, 3, 2]", ABC, order=("c", "a", "b"))
    assert layout.kind == JSON_ARRAY and layout.columns == ("c", "a", "b")
    assert parse_line("[5, 3, 2]", layout, ",") == ([3.0, 2.0, 5.0], "5,3,2")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"a": 5, "b": 3}', "the first line's JSON object has no key 'c'"),
        ('{"a": 5, "b": 3', "starts as JSON but is not valid JSON"),
    ],
)
def test_a_first_line_that_cannot_decide_the_layout_is_refused(line: str, message: str) -> None:
    with pytest.raises(PointsError, match=message):
        detect(line, ABC)


OBJECTS = detect('{"id": 1, "a": 5, "b": 3, "c": 2}', ABC)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"a": 1, "b": 2, "c": 3, "z": 1}', "the key 'z' is not among the first line's keys"),
        ('{"a": 1, "a": 2, "b": 2, "c": 3}', "the key 'a' is given twice in one object"),
        ('{"a" : 1, "a" : 2, "b": 2, "c": 3, "id": "\\":"}', "the key 'a' is given twice in one object"),
        ('{"a": NaN, "b": 2, "c": 3}', "NaN is not JSON"),
        ('{"a": -Infinity, "b": 2, "c": 3}', "-Infinity is not JSON"),
        ('{"a": null, "b": 2, "c": 3}', "a = null is not a number"),
        ('{"a": true, "b": 2, "c": 3}', "a = true is not a number"),
        ('{"a": [1], "b": 2, "c": 3}', "a = a JSON array is not a number"),
        ('{"a": "x", "b": 2, "c": 3}', "a = 'x' is not a number"),
        ('{"b": 2, "c": 3}', "no value for a"),
        ("[1, 2, 3]", "a JSON array, not an object like the first line's"),
        ('{"a": 1, "b": 2', "not valid JSON: Expecting ',' delimiter"),
        ('{"a": 1e400, "b": 2, "c": 3}', "a = '1e400' is not a finite number"),
        ('{"a": 1e-400, "b": 2, "c": 3}', "a = '1e-400' underflows to 0 in float64"),
        ('{"a": 1, "b": 2, "c": 3, "id": 1e400}', "id = '1e400' is beyond float64's range"),
        ('{"a": 1, "b": 2, "c": 3, "id": "\\ud800"}', "id holds a lone UTF-16 surrogate"),
    ],
)
def test_bad_object_lines_say_what_is_wrong(line: str, reason: str) -> None:
    with pytest.raises(PointsError) as caught:
        parse_line(line, OBJECTS, ",")
    assert reason in str(caught.value)
    block = parse_chunk(f'{{"id": 0, "a": 5, "b": 3, "c": 2}}\n{line}\n', 1, OBJECTS, ",")
    assert len(block.points) == 1 and [b.line for b in block.bad] == [2] and reason in block.bad[0].reason


@pytest.mark.parametrize(
    ("line", "reason"), [("[1, 2]", "2 values but the expression has 3"), ("{}", "a JSON object")]
)
def test_bad_array_lines_say_what_is_wrong(line: str, reason: str) -> None:
    with pytest.raises(PointsError, match=reason):
        parse_line(line, detect("[5, 3, 2]", ABC), ",")


@pytest.mark.parametrize(
    "text", ["5", "-0", "-0.0", "0e5", "1e-310", "4.9e-324", "123456789012345678901234567890", "1.5E2"]
)
def test_a_json_number_is_the_value_its_text_is_in_csv(text: str) -> None:
    csv = parse_line(f"{text},1,1", detect("1,1,1", ABC), ",")[0][0]
    got = parse_chunk(f'{{"a": {text}, "b": 1, "c": 1}}\n', 1, detect('{"a": 1, "b": 1, "c": 1}', ABC), ",")
    assert bits(got.points[:, 0]) == bits([csv]) and not got.bad


def test_a_string_holding_a_value_is_read_as_csv_reads_it() -> None:
    layout = detect('{"a": 1, "b": 1, "c": 1}', ABC)
    assert parse_line('{"a": "pi/2", "b": " 5 ", "c": "-e"}', layout, ",")[0] == [np.pi / 2, 5.0, -np.e]


def test_rows_hold_each_value_in_one_form_quoted_where_csv_and_tsv_need_it() -> None:
    layout = detect('{"id": 1, "a": 5, "b": 3, "c": 2, "tags": []}', ABC)
    line = '{"id": "x,y\\"z\\tw", "a": 1E2, "b": 2, "c": -0, "tags": [1.50, {"k": null}]}'
    assert parse_line(line, layout, ",")[1] == '"x,y""z\tw",100.0,2,0,"[1.5, {""k"": null}]"'
    assert parse_line(line, layout, "\t")[1] == '"x,y""z\tw"\t100.0\t2\t0\t[1.5, {"k": null}]'
    assert parse_line(line, layout, JSON_ROWS)[1] == '{"id": "x,y\\"z\\tw", "tags": [1.5, {"k": null}]}'
    short = '{"a": 1, "b": 2, "c": 3}'  # pass-through keys left out are null
    assert parse_line(short, layout, ",")[1] == ",1,2,3,"
    assert parse_line(short, layout, JSON_ROWS)[1] == '{"id": null, "tags": null}'


# --- the three paths agree ----------------------------------------------------------------------

KEYS = ("id", "a", "b", "c", "note")
numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 0.0, -0.0]),
)
texts = st.text(alphabet=st.sampled_from(list('ab,":\t\\{}é ')), max_size=6)
others = st.one_of(numbers, texts, st.none(), st.booleans(), st.lists(numbers, max_size=2))


def _number_text(x: int | float) -> str:
    return repr(x) if isinstance(x, float) else str(x)


@st.composite
def object_lines(draw: st.DrawFn) -> str:
    """One JSON object line, written in one of several styles, now and then bad or odd."""
    pairs = []
    for key in KEYS:
        if draw(st.integers(0, 19)) == 0:
            continue  # a key left out
        value = draw(numbers if key in ABC and draw(st.integers(0, 9)) else others)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            written = draw(st.sampled_from([_number_text(value), f"{value:.3e}", f"{value!r}".upper()]))
            if written in ("NAN", "INF") or "INF" in written:
                written = _number_text(value)
        else:
            written = json.dumps(value)
        pairs.append((json.dumps(key), written))
    if pairs and draw(st.integers(0, 14)) == 0:
        pairs.append(pairs[0])  # a key written twice
    colon = draw(st.sampled_from([":", ": ", " : "]))
    comma = draw(st.sampled_from([",", ", "]))
    return "{" + comma.join(f"{k}{colon}{v}" for k, v in pairs) + "}"


def _paths(text: str, layout, out_sep: str, monkeypatch: pytest.MonkeyPatch) -> list:
    chunk = parse_chunk(text, 1, layout, out_sep)
    lines = text.split("\n")[:-1]
    by_line = stream._slow(lines, 1, layout, out_sep)
    with monkeypatch.context() as m:
        m.setattr(json_lines, "_orjson", lambda: None)
        plain = parse_chunk(text, 1, layout, out_sep)
    return [(bits(b.points), b.rows, b.lines, b.bad) for b in (chunk, by_line, plain)]


@settings(max_examples=300)
@given(st.lists(object_lines(), min_size=1, max_size=8), st.sampled_from([",", "\t", JSON_ROWS]))
def test_the_chunk_path_the_line_path_and_python_json_agree(lines: list[str], out_sep: str) -> None:
    layout = detect('{"id": 0, "a": 1, "b": 1, "c": 1, "note": 0}', ABC)
    monkeypatch = pytest.MonkeyPatch()
    try:
        chunk, by_line, plain = _paths("\n".join(lines) + "\n", layout, out_sep, monkeypatch)
    finally:
        monkeypatch.undo()
    assert chunk == by_line == plain


def test_a_clean_chunk_takes_the_chunk_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read at once (parse_line is not called), zeros read from their text, the same points."""
    layout = detect('{"id": 0, "a": 1, "b": 1, "c": 1}', ABC)
    text = '{"id": 7, "a": -0, "b": 2.5, "c": 1e3}\n{"id": "q", "a": 1, "b": 0.0, "c": 3}\n'
    block = parse_chunk(text, 1, layout, ",")
    assert bits(block.points) == bits([[-0.0, 2.5, 1000.0], [1.0, 0.0, 3.0]])
    assert block.rows == ["7,0,2.5,1000.0", "q,1,0.0,3"]
    calls: list[str] = []
    monkeypatch.setattr(stream, "parse_line", lambda *a: calls.append(a[0]))
    assert bits(parse_chunk(text.replace("-0", "-1"), 1, layout, ",").points)[0] == bits([-1.0, 2.5, 1000.0])
    assert calls == []


def test_arrays_agree_on_every_path(monkeypatch: pytest.MonkeyPatch) -> None:
    layout = detect("[1, 1, 1]", ABC)
    text = "[5, 3, 2]\n[-0, 1e-320, 7]\n[1, 2]\n[1, null, 3]\n[1e-400, 1, 1]\n"
    chunk, by_line, plain = _paths(text, layout, ",", monkeypatch)
    assert chunk == by_line == plain
    assert chunk[2] == [1, 2] and [b.line for b in chunk[3]] == [3, 4, 5]


@pytest.mark.parametrize("out_sep", [",", "\t", JSON_ROWS])
def test_a_given_float_writer_writes_the_rows_repr_writes(out_sep: str) -> None:
    """The pipeline hands parse_chunk output.numbers' writer (orjson where it agrees with repr):
    64 lines and more take it, and the rows are the line path's, numbers orjson lays out
    otherwise (1e-5, 1.5e-7) included."""
    from gradcli.output.numbers import numbers

    rng = np.random.default_rng(7)
    values = [float(x) for x in rng.choice([1e-5, -1.5e-7, 3.0, 1e22, 2.5e-300, 0.1], 300)]
    values[5], values[9] = -0.0, 0.0
    layout = detect('{"a": 1, "b": 1, "c": 1, "w": 0.5}', ABC)
    lines = [
        json.dumps({"a": values[i], "b": values[i + 1], "c": 1.25, "w": values[i + 2]})
        for i in range(0, 297, 3)
    ]
    text = "\n".join(lines) + "\n"
    written: list[int] = []

    def write(column):
        written.append(len(column))
        return numbers(column)

    chunk = parse_chunk(text, 1, layout, out_sep, write=write)
    by_line = stream._slow(lines, 1, layout, out_sep)
    assert written and min(written) >= 64  # the writer was used, at its fast size
    assert chunk.rows == by_line.rows and bits(chunk.points) == bits(by_line.points)
    assert any("1e-05" in row for row in chunk.rows) and any("-1.5e-07" in row for row in chunk.rows)
