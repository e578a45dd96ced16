"""Streamed input: layouts, lines -> points (fast and line-by-line paths agree), bad lines, chunking."""

from __future__ import annotations

import io
import math
import os
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.errors import PointsError
from gradcli.points import reader as stream
from gradcli.points.reader import HEADER, NAMED, POSITIONAL, detect, parse_chunk, read_chunks

ABC = ("a", "b", "c")


def bits(values) -> list[int]:
    return np.asarray(values, dtype=np.float64).view(np.int64).tolist()


@pytest.mark.parametrize(
    ("line", "kind", "sep"),
    [
        ("5,3,2", POSITIONAL, ","),
        ("5\t3\t2", POSITIONAL, "\t"),
        ("5 3  2", POSITIONAL, None),
        ("a=5,b=3,c=2", NAMED, ","),
        ("c,id,a,b", HEADER, ","),
        ("a\tb\tc", HEADER, "\t"),
    ],
)
def test_detect_layout_from_the_first_line(line: str, kind: str, sep: str | None) -> None:
    layout = detect(line, ABC)
    assert (layout.kind, layout.sep) == (kind, sep)


def test_a_header_binds_columns_by_name_in_any_order() -> None:
    layout = detect("c,id,a,b", ABC)
    assert layout.columns == ("c", "id", "a", "b")
    assert layout.index == (2, 3, 0)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("e,pi,x,y", HEADER),  # bare names, constants' names included, are column names
        ("pi,e,id,x,y", HEADER),
        ("pi,1", POSITIONAL),  # a number makes the line data
        ("pi/2,1", POSITIONAL),
        ("pi/2,e", POSITIONAL),  # a constant expression other than a bare name is a value
        ("+pi,-e", POSITIONAL),
        ("sqrt(2),e", POSITIONAL),
        ("nan,inf", POSITIONAL),  # bad values, not names
        ("x,inf", POSITIONAL),
        ("x+1,2", POSITIONAL),  # no bare name: data, so the bad value is reported on its line
    ],
)
def test_the_one_header_rule(line: str, kind: str) -> None:
    assert detect(line, ("x", "y")).kind == kind


def test_a_header_may_hold_names_that_are_not_identifiers() -> None:
    assert detect("point id,x,y", ("x", "y")).columns == ("point id", "x", "y")
    assert detect("x,y,log(x)", ("x", "y")).kind == HEADER  # has a variable: no value


@pytest.mark.parametrize("line", ["e,pi", "pi", "e"])
def test_constants_names_alone_are_a_header_that_names_no_variable(line: str) -> None:
    with pytest.raises(PointsError, match=f"the header line '{line}' has no column for x") as caught:
        detect(line, ("x", "y"))
    assert caught.value.hint == (
        "the expression's variables are x, y; a first line of names only is the header "
        "(write +pi to read a constant as a value)"
    )


def test_constants_named_in_a_header_pass_through() -> None:
    layout = detect("e,x,pi", ("x",))
    block = parse_chunk("1,2,3\n", 2, layout, ",")
    assert (layout.kind, layout.index, block.points.tolist(), block.rows) == (
        HEADER,
        (1,),
        [[2.0]],
        ["1,2,3"],
    )


@pytest.mark.parametrize(
    ("header", "fragment"),
    [("a,b", "has no column for c"), ("a,b,c,b", "has more than one column for b"), ("x,y,z", "for a")],
)
def test_a_header_must_name_each_variable_once(header: str, fragment: str) -> None:
    with pytest.raises(PointsError, match=fragment):
        detect(header, ABC)


def test_an_expression_without_variables_has_nothing_to_stream() -> None:
    with pytest.raises(PointsError, match="no variables"):
        detect("1,2", ())


def test_positional_binds_in_vars_order() -> None:
    layout = detect("1,2,3", ABC, order=("c", "b", "a"))
    block = parse_chunk("1,2,3\n", 1, layout, ",")
    assert block.points.tolist() == [[3.0, 2.0, 1.0]]
    assert block.rows == ["1,2,3"]


@pytest.mark.parametrize(
    "text",
    [
        "5,3,2\n1,2,3\n",
        "5\t3\t2\n1\t2\t3\n",
        "5 3 2\n  1   2 3  \n",
        "a=5,b=3,c=2\nc=3, b=2, a=1\n",
        "a=5 b=3 c=2\n1,2,3\n",  # forms may change from line to line (not under a header)
        "5,3,2\r\n1,2,3\r\n",
        "5,3,2\n1,2,3",  # no final newline
    ],
)
def test_every_form_gives_the_same_points(text: str) -> None:
    first = text.split("\n")[0].rstrip("\r")
    block = parse_chunk(text, 1, detect(first, ABC), ",")
    assert block.points.tolist() == [[5.0, 3.0, 2.0], [1.0, 2.0, 3.0]]
    assert block.lines == [1, 2]
    assert block.bad == []


def test_header_rows_pass_extra_columns_through_untouched() -> None:
    text = 'c,id,a,b\n2,"first",5,3\n3,second,1,2\n'
    layout = detect("c,id,a,b", ABC)
    block = parse_chunk(text, 1, layout, ",", skip=1)
    assert block.points.tolist() == [[5.0, 3.0, 2.0], [1.0, 2.0, 3.0]]
    assert block.rows == ['2,"first",5,3', "3,second,1,2"]
    assert block.lines == [2, 3]
    tsv = parse_chunk(text, 1, layout, "\t", skip=1)
    assert tsv.rows == ["2\tfirst\t5\t3", "3\tsecond\t1\t2"]


def test_bad_lines_are_named_and_good_lines_kept() -> None:
    text = "5,3,2\n\n# comment\n1,2\nx,1,1\n1,2,inf\n1,2,3\n7,8,9,10\nnan,1,1\n4,4,4\n"
    block = parse_chunk(text, 10, detect("5,3,2", ABC), ",")
    assert block.points.tolist() == [[5.0, 3.0, 2.0], [1.0, 2.0, 3.0], [4.0, 4.0, 4.0]]
    assert block.lines == [10, 16, 19]
    assert [b.line for b in block.bad] == [13, 14, 15, 17, 18]
    reasons = [b.reason for b in block.bad]
    assert "2 values but the expression has 3 variables" in reasons[0]
    assert "a = 'x' is not a number" in reasons[1]
    assert "c = 'inf' is not a finite number" in reasons[2]
    assert "4 values" in reasons[3]
    assert "not a finite number" in reasons[4]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("a=1,b=2", "no value for c"),
        ("a=1,b=2,c=3,d=4", "unknown name 'd'"),
        ("a=1,a=2,c=3", "'a' is given twice"),
        ("a=1,2,c=3", "'2' is not a name=value pair"),
    ],
)
def test_named_line_errors(line: str, fragment: str) -> None:
    block = parse_chunk(line + "\n", 1, detect("a=1,b=2,c=3", ABC), ",")
    assert block.points.shape == (0, 3)
    assert fragment in block.bad[0].reason


def test_lines_that_make_up_each_others_count_are_still_caught() -> None:
    text = "1,2\n3,4,5,6\n" * 40  # 6 values per 2 lines, as if every line had 3
    block = parse_chunk(text, 1, detect("1,2,3", ABC), ",")
    assert block.points.shape == (0, 3) and len(block.bad) == 80
    assert not stream._regular(text.rstrip("\n"), ",", 3, 80)
    assert stream._regular("1,2,3\n4,5,6", ",", 3, 2)


def test_header_lines_must_have_every_column() -> None:
    layout = detect("a,b,c,id", ABC)
    block = parse_chunk("1,2,3\n1,2,3,x\n", 2, layout, ",")
    assert block.lines == [3]
    assert "3 values but the header has 4 columns" in block.bad[0].reason


number_text = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(
        [
            "-0",
            "0",
            "-0.0",
            "1e5",
            "1E-5",
            "+1",
            ".5",
            "5.",
            "1_0",
            "-0e0",
            " 7 ",
            "00",
            "0x1",
            "-1e-400",
            "9007199254740993",
            "18446744073709551616",
        ]
    ),
)


def plain_number(text: str) -> bool:
    """The value grammar's plain numbers, written out here independently: ASCII digits with sign,
    point and exponent; finite; not written non-zero yet read as 0 (an underflow)."""
    text = text.strip()
    if not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", text):
        return False
    value = float(text)
    return math.isfinite(value) and (value != 0 or not re.search("[1-9]", re.split("[eE]", text)[0]))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(number_text, number_text, number_text), min_size=1, max_size=30),
    st.sampled_from([",", "\t", " ", "   "]),
)
def test_fast_and_line_by_line_paths_read_the_same_bits(rows, sep: str) -> None:
    text = "".join(sep.join(row) + "\n" for row in rows)
    layout = detect(sep.join(["1", "2", "3"]), ABC)
    lines = text.split("\n")[:-1]
    fast = stream._fast(lines, "\n".join(lines), 1, layout, ",")
    if sep.strip() == "":  # words: a value with spaces around it is more than one word
        rows = [tuple(v.strip() for v in row) for row in rows]
    slow = stream._slow(lines, 1, layout, ",")
    expected, good = [], []
    for number, row in enumerate(rows, 1):
        if all(plain_number(v) for v in row):
            expected.append([float(v) for v in row])
            good.append(number)
    assert bits(slow.points) == bits(expected)
    assert slow.lines == good
    assert len(slow.bad) == len(rows) - len(good)
    if fast is not None:
        assert bits(fast.points) == bits(expected) and fast.rows == slow.rows
    else:
        assert slow.bad  # the fast path gives up only where a line is bad
    assert bits(parse_chunk(text, 1, layout, ",").points) == bits(expected)


def test_without_orjson_the_fast_path_uses_float(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "_orjson", lambda: None)
    block = stream._fast(["-0,1e5,1e1", "2,3,4"], "-0,1e5,1e1\n2,3,4", 1, detect("1,2,3", ABC), ",")
    assert block is not None
    assert bits(block.points) == bits([[-0.0, 1e5, 10.0], [2.0, 3.0, 4.0]])


def test_read_chunks_from_memory_cuts_at_newlines() -> None:
    data = b"".join(b"%d,1,2\n" % i for i in range(1000)) + b"9,9,9"
    chunks = list(read_chunks(io.BytesIO(data), chunk_bytes=100))
    assert "".join(c.text for c in chunks) == data.decode()
    assert all(c.text.endswith("\n") for c in chunks[:-1])
    firsts = [c.first for c in chunks]
    counted = [1]
    for c in chunks[:-1]:
        counted.append(counted[-1] + c.text.count("\n"))
    assert firsts == counted


def test_read_chunks_from_a_pipe_hands_out_what_has_arrived() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb", buffering=0) as source:
        os.write(write_fd, b"1,2,3\n4,5")
        chunks = read_chunks(source)
        first = next(chunks)  # does not wait for more input, nor for the pipe to close
        assert first.text == "1,2,3\n" and not first.more
        os.write(write_fd, b",6\n")
        os.close(write_fd)
        rest = list(chunks)
    assert "".join(c.text for c in rest) == "4,5,6\n"
    assert rest[0].first == 2


def test_undecodable_bytes_are_a_bad_line_not_a_crash() -> None:
    text = next(read_chunks(io.BytesIO(b"1,2,\xff\n1,2,3\n"))).text
    block = parse_chunk(text, 1, detect("1,2,3", ABC), ",")
    assert block.lines == [2] and block.bad[0].line == 1


class Dribble:
    """A source that hands out a few bytes per read, so lines and marks are split across reads."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = data, size

    def read(self, n: int) -> bytes:
        piece, self.data = self.data[: min(n, self.size)], self.data[min(n, self.size) :]
        return piece


@pytest.mark.parametrize("size", [1, 2, 4, 1 << 16])
def test_a_byte_order_mark_at_the_start_is_not_data(size: int) -> None:
    data = b"\xef\xbb\xbfa,b,c\n5,3,2\n"
    chunks = list(read_chunks(Dribble(data, size), chunk_bytes=4))
    assert "".join(c.text for c in chunks) == "a,b,c\n5,3,2\n"
    assert sum(c.nbytes for c in chunks) == len(data)  # the progress bar still counts its bytes
    assert chunks[0].first == 1


def test_a_byte_order_mark_later_in_the_stream_is_still_a_bad_value() -> None:
    text = "".join(c.text for c in read_chunks(io.BytesIO("1,2,3\n\ufeff4,5,6\n".encode())))
    block = parse_chunk(text, 1, detect("1,2,3", ABC), ",")
    assert block.lines == [1] and block.bad[0].line == 2


def test_a_line_longer_than_a_chunk_is_read_in_linear_time() -> None:
    """A file with no newlines (a stray binary or one-line dump) must not be re-copied on every read."""
    import time

    def seconds(data: bytes) -> float:
        start = time.perf_counter()
        assert sum(len(c.text) for c in read_chunks(io.BytesIO(data), chunk_bytes=1 << 16)) == len(data)
        return time.perf_counter() - start

    size = 32 << 20
    short = seconds(b"1,2,3\n" * (size // 6))
    long = seconds(b"1,2,3," * (size // 6))
    assert long < 10 * short + 0.5  # it was quadratic: 32 MiB in one line took 7 s, not 0.1 s


@pytest.mark.parametrize(
    ("line", "columns"),
    [
        ('"a","b","c"', ("a", "b", "c")),  # R's write.csv, spreadsheets
        ('"","c","a","b"', ("", "c", "a", "b")),  # R's row-names column has an empty name
        ("point id,a,b,c", ("point id", "a", "b", "c")),
        ("a , b , c", ("a", "b", "c")),
    ],
)
def test_a_header_may_quote_its_names_and_name_other_columns_anyhow(line: str, columns: tuple) -> None:
    layout = detect(line, ABC)
    assert (layout.kind, layout.columns) == (HEADER, columns)
    assert [columns[i] for i in layout.index] == list(ABC)


@pytest.mark.parametrize("line", [",,", "pi/2,1,2", "sqrt(2),1,2", '"5","3","2"', "x,1,2"])
def test_a_line_with_a_number_or_no_name_is_values_not_a_header(line: str) -> None:
    assert detect(line, ABC).kind == POSITIONAL


def test_quoted_values_are_read_without_their_quotes() -> None:
    layout = detect('"","a","b","c"', ABC)
    block = parse_chunk('"","a","b","c"\n"1",5,"3",2\n"2",1,2,"x"\n', 1, layout, ",", skip=1)
    assert block.points.tolist() == [[5.0, 3.0, 2.0]]
    assert block.rows == ['"1",5,"3",2']  # the input columns as written
    assert block.bad == [stream.BadLine(3, "c = 'x' is not a number", '"2",1,2,"x"')]


def test_a_failing_read_is_a_gradcli_error_naming_the_file(tmp_path) -> None:
    """An I/O error while reading (EISDIR here, EIO on a bad disk) is one line, not an internal error."""
    from gradcli.errors import GradcliError

    class Broken:
        name = str(tmp_path / "points.csv")

        def __init__(self) -> None:
            self.fd = os.open(tmp_path, os.O_RDONLY)  # os.read on a directory fails

        def fileno(self) -> int:
            return self.fd

    source = Broken()
    try:
        with pytest.raises(GradcliError, match=r"^cannot read '.*points\.csv': Is a directory$"):
            list(read_chunks(source))
    finally:
        os.close(source.fd)


def test_a_non_blocking_pipe_is_waited_on_not_a_crash() -> None:
    """Whatever started gradcli may have left stdin non-blocking: reads wait for data all the same."""
    import fcntl
    import threading
    import time

    read_fd, write_fd = os.pipe()
    fcntl.fcntl(read_fd, fcntl.F_SETFL, fcntl.fcntl(read_fd, fcntl.F_GETFL) | os.O_NONBLOCK)

    def produce() -> None:
        time.sleep(0.2)
        os.write(write_fd, b"1,2,3\n")
        time.sleep(0.2)
        os.write(write_fd, b"4,5,6\n")
        os.close(write_fd)

    threading.Thread(target=produce).start()
    with os.fdopen(read_fd, "rb", buffering=0) as source:
        assert "".join(c.text for c in read_chunks(source)) == "1,2,3\n4,5,6\n"


def test_a_quoted_field_may_hold_the_separator() -> None:
    layout = detect('"name","a","b","c"', ABC)
    text = '"Smith, J",5,3,2\n"Doe",1,2,3\n"x,y",5,3\n'
    block = parse_chunk(text, 2, layout, ",")
    assert block.points.tolist() == [[5.0, 3.0, 2.0], [1.0, 2.0, 3.0]]
    assert block.rows == ['"Smith, J",5,3,2', '"Doe",1,2,3']  # as written
    assert block.bad == [
        stream.BadLine(4, "3 values but the header has 4 columns — the header is name,a,b,c", '"x,y",5,3')
    ]
    tsv = parse_chunk(text, 2, layout, "\t")
    assert tsv.rows == ["Smith, J\t5\t3\t2", "Doe\t1\t2\t3"]  # TSV: no CSV quoting


def test_quotes_that_line_up_with_the_separators_are_not_split_there() -> None:
    """`"x,y",5,3,2` under a five-column header has five commas' worth of fields only if split naively."""
    layout = detect("id,note,a,b,c", ABC)
    block = parse_chunk('"x,y",5,3,2\n', 2, layout, ",")
    assert block.lines == [] and block.bad[0].reason.startswith("4 values but the header has 5 columns")


def test_a_field_holding_the_output_separator_is_quoted() -> None:
    """TSV in, CSV out: `x,y` must stay one column."""
    layout = detect("name\ta\tb\tc", ABC)
    block = parse_chunk('x,y\t5\t3\t2\nplain\t1\t2\t3\n"q"\t1\t2\t3\n', 2, layout, ",")
    assert block.rows == ['"x,y",5,3,2', "plain,1,2,3", '"q",1,2,3']


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_input_is_refused_in_one_line_not_read_as_garbage(encoding: str) -> None:
    """Excel's "Unicode Text" is UTF-16 with a byte order mark; every line would be a bad line."""
    from gradcli.errors import GradcliError

    data = ("\ufeff" if encoding != "utf-16" else "") + "a\tb\tc\r\n5\t3\t2\r\n"
    with pytest.raises(GradcliError, match=r"^the input is UTF-16 text .* — convert it first: iconv"):
        list(read_chunks(io.BytesIO(data.encode(encoding))))


def test_lines_ended_by_cr_alone_are_named_as_the_cause() -> None:
    """Classic Mac OS line endings: the whole file is one line, and the message says why."""
    block = parse_chunk("5,3,2\r1,2,3\r", 1, detect("5,3,2", ABC), ",")
    assert block.lines == []
    assert block.bad[0].reason.startswith(
        "5 values but the expression has 3 variables — it holds a carriage return"
    )
    assert "tr '\\r' '\\n'" in block.bad[0].reason


def test_a_repeated_header_is_skipped_not_a_bad_line() -> None:
    # cat a.csv b.csv: the second file's header reappears mid-stream
    layout = detect("id,a,b,c", ABC)
    block = parse_chunk('id,a,b,c\n1,5,3,2\nid,a,b,c\n"id","a","b","c"\n2,6,3,2\n', 1, layout, ",", skip=1)
    assert block.points.tolist() == [[5.0, 3.0, 2.0], [6.0, 3.0, 2.0]]
    assert block.lines == [2, 5] and block.bad == []


def test_a_header_line_unlike_the_first_is_still_a_bad_line() -> None:
    layout = detect("id,a,b,c", ABC)
    block = parse_chunk("id,a,b,c\n1,5,3,2\nid,a,c,b\n", 1, layout, ",", skip=1)
    assert [bad.line for bad in block.bad] == [3]


def test_tsv_rows_carry_no_csv_quoting() -> None:
    layout = detect("id,a,b,c", ABC)
    text = 'id,a,b,c\n"Smith, J",5,3,2\n"say ""hi""",1,2,3\n'
    assert parse_chunk(text, 1, layout, "\t", skip=1).rows == ["Smith, J\t5\t3\t2", 'say "hi"\t1\t2\t3']
    assert parse_chunk(text, 1, layout, ",", skip=1).rows == ['"Smith, J",5,3,2', '"say ""hi""",1,2,3']


def test_a_stream_headed_by_constants_names_is_refused_in_one_line() -> None:
    from conftest import assert_one_line_error, gradcli

    line = assert_one_line_error(gradcli('grad "x*y" --at - --format csv', input="e,pi\n1,2\n"))
    assert line == (
        "gradcli: error: the header line 'e,pi' has no column for x — the expression's variables are "
        "x, y; a first line of names only is the header (write +pi to read a constant as a value)"
    )
    kept = gradcli('grad "x*y" --at - --format csv', input="e,x,pi,y\n1,2,3,4\n")
    assert kept.stdout.splitlines() == ["e,x,pi,y,f,grad_x,grad_y", "1,2,3,4,8.0,4.0,2.0"]
    data = gradcli('grad "x*y" --at - --format csv --method backprop', input="+pi,1\npi/2,1\n")
    assert data.stdout.splitlines()[1:] == [
        "+pi,1,3.141592653589793,1.0,3.141592653589793",
        "pi/2,1,1.5707963267948966,1.0,1.5707963267948966",
    ]
