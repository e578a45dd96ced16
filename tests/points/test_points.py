"""Points: parse_spec (one --at value) and bind (specs -> float64 rows), with every error."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from gradcli.cli import main
from gradcli.errors import OptionError, PointsError
from gradcli.language.parse import parse
from gradcli.points import reader
from gradcli.points.spec import PointSpec, Span, bind, check_order, parse_span, parse_spec, parse_values
from gradcli.points.values import read_size, read_value

ABC = ("a", "b", "c")
LISTING = "the expression's variables are a, b, c"


def point(spec: str, variables=ABC, order=None) -> list[float]:
    rows = bind([parse_spec(spec)], variables, order)
    assert rows.shape == (1, len(variables))
    assert rows.dtype == np.float64
    return rows[0].tolist()


# --- accepted forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        "a=5,b=3,c=2",
        "c=2,a=5,b=3",
        "b=3,c=2,a=5",
        " a = 5 , b = 3 , c = 2 ",
        "5,3,2",
        " 5 , 3 , 2 ",
        "p=5,3,2",
        "p = 5, 3, 2",
        "p=(5,3,2)",
        "(5,3,2)",
        " p = ( 5 , 3 , 2 ) ",
    ],
)
def test_every_form_binds_a5_b3_c2(spec):
    assert point(spec) == [5.0, 3.0, 2.0]


def test_named_spec_keeps_names_and_values_in_written_order():
    spec = parse_spec("c=2,a=5,b=3")
    assert spec == PointSpec("c=2,a=5,b=3", ("c", "a", "b"), (2.0, 5.0, 3.0))


@pytest.mark.parametrize("text", ["5,3,2", "p=5,3,2", "p=(5,3,2)", "(5,3,2)"])
def test_positional_specs_have_no_names(text):
    spec = parse_spec(text)
    assert spec.names is None
    assert spec.values == (5.0, 3.0, 2.0)
    assert spec.text == text


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("-1,-2.5,-3", [-1.0, -2.5, -3.0]),
        ("a=-1,b=-0.5,c=-0", [-1.0, -0.5, 0.0]),
        ("1e-8,2E3,-3.5e+2", [1e-8, 2000.0, -350.0]),
        ("a=1e-300,b=1.5e300,c=-1e-8", [1e-300, 1.5e300, -1e-8]),
        ("+1,.5,3.", [1.0, 0.5, 3.0]),
        ("007.5,0e0,-.0", [7.5, 0.0, -0.0]),
    ],
)
def test_negative_and_scientific_values(spec, expected):
    assert point(spec) == expected


def test_negative_zero_keeps_its_sign():
    assert math.copysign(1.0, point("a=-0.0,b=0,c=0")[0]) == -1.0


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("pi/2,-e,sqrt(2)", [math.pi / 2, -math.e, math.sqrt(2)]),
        ("a=pi/2,b=-e,c=sqrt(2)", [math.pi / 2, -math.e, math.sqrt(2)]),
        ("atan2(1,2),1,2", [math.atan2(1, 2), 1.0, 2.0]),
        ("a=atan2(1,2),b=hypot(3,4),c=min(1,2,3)", [math.atan2(1, 2), 5.0, 1.0]),
        ("p=(atan2(1,2),max(1,2),2)", [math.atan2(1, 2), 2.0, 2.0]),
        ("(1),(2)*(3),2^3", [1.0, 6.0, 8.0]),
        ("(1+2)*3,log(e),exp(0)", [9.0, 1.0, 1.0]),
    ],
)
def test_constant_expression_values(spec, expected):
    assert point(spec) == pytest.approx(expected, rel=1e-15, abs=0)


def test_function_call_commas_do_not_split_the_point():
    spec = parse_spec("atan2(1,2),min(3,4,5)")
    assert spec.values == (math.atan2(1, 2), 3.0)


def test_single_variable_forms():
    assert point("-3", ("x",)) == [-3.0]
    assert point("x=-3", ("x",)) == [-3.0]
    assert point("(-3)", ("x",)) == [-3.0]
    assert point("p=(-3)", ("x",)) == [-3.0]


def test_point_label_with_a_single_value():
    # p=5,3 is positional for f(x, y), and p=(5) for f(x); so p=5 should be too when the
    # expression has no variable named p.
    assert point("p=5,3", ("x", "y")) == [5.0, 3.0]
    assert point("p=-3", ("x",)) == [-3.0]


def test_variable_named_p_can_be_named():
    assert point("p=5,q=3", ("p", "q")) == [5.0, 3.0]
    assert point("q=3,p=5", ("p", "q")) == [5.0, 3.0]


def test_bind_columns_follow_the_expression_variables():
    expr = parse("c*a - b")
    assert expr.variables == ABC
    rows = bind([parse_spec("b=1,c=2,a=3"), parse_spec("4,5,6")], expr.variables)
    assert rows.tolist() == [[3.0, 1.0, 2.0], [4.0, 5.0, 6.0]]
    assert rows.dtype == np.float64


def test_bind_no_specs_gives_no_rows():
    assert bind([], ABC).shape == (0, 3)


def test_bind_an_expression_without_variables():
    rows = bind([PointSpec("", (), ())], ())
    assert rows.shape == (1, 0)


# --- --vars order ------------------------------------------------------------------------------


def test_positional_values_bind_in_vars_order():
    order = check_order(["c", "a", "b"], ABC)
    assert order == ("c", "a", "b")
    assert point("5,3,2", ABC, order) == [3.0, 2.0, 5.0]  # c=5, a=3, b=2


def test_vars_order_does_not_change_named_points():
    assert point("a=5,b=3,c=2", ABC, ("c", "b", "a")) == [5.0, 3.0, 2.0]


def test_vars_order_columns_stay_alphabetical():
    rows = bind([parse_spec("1,2"), parse_spec("y=7,x=8")], ("x", "y"), check_order(("y", "x"), ("x", "y")))
    assert rows.tolist() == [[2.0, 1.0], [8.0, 7.0]]


def test_wrong_count_names_the_vars_order():
    with pytest.raises(PointsError, match=re.escape("(positional values bind in the order c, a, b)")):
        bind([parse_spec("5,3")], ABC, ("c", "a", "b"))


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (("a", "b"), "--vars leaves out c"),
        (("b",), "--vars leaves out a, c"),
        (("a", "b", "c", "d"), "--vars names 'd', which is not in the expression"),
        (("a", "x", "b", "c"), "--vars names 'x', which is not in the expression"),
        (("a", "a", "b", "c"), "--vars names 'a' twice"),
        ((), "--vars leaves out a, b, c"),
    ],
)
def test_check_order_errors_list_the_variables(order, message):
    with pytest.raises(PointsError, match=f"^{re.escape(message)} — {re.escape(LISTING)}$"):
        check_order(order, ABC)


def test_check_order_without_variables():
    assert check_order((), ()) == ()
    with pytest.raises(
        PointsError,
        match=r"^--vars names 'x', which is not in the expression — the expression has no variables$",
    ):
        check_order(("x",), ())


# --- binding errors: each names the variables --------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("a=5,b=3", "point 'a=5,b=3' gives no value for c"),
        ("c=1", "point 'c=1' gives no value for a, b"),
        ("a=5,b=3,c=2,d=1", "point 'a=5,b=3,c=2,d=1' names 'd', which is not in the expression"),
        ("x=1,a=5,b=3,c=2", "point 'x=1,a=5,b=3,c=2' names 'x', which is not in the expression"),
        ("p=5,b=3,c=2", "point 'p=5,b=3,c=2' names 'p', which is not in the expression"),
        ("a=5,a=3,c=2", "point 'a=5,a=3,c=2' gives 'a' twice"),
        ("a=5,b=3,c=2,b=3", "point 'a=5,b=3,c=2,b=3' gives 'b' twice"),
        ("5,3", "point '5,3' has 2 values but the expression has 3 variables"),
        ("5,3,2,1", "point '5,3,2,1' has 4 values but the expression has 3 variables"),
        ("5", "point '5' has 1 value but the expression has 3 variables"),
        ("p=(5,3,2,1)", "point 'p=(5,3,2,1)' has 4 values but the expression has 3 variables"),
    ],
)
def test_bind_errors_name_the_variables(spec, message):
    with pytest.raises(PointsError) as info:
        bind([parse_spec(spec)], ABC)
    text = str(info.value)
    assert text.startswith(message + " — ")
    assert LISTING in text


def test_wrong_count_says_how_positional_values_bind():
    with pytest.raises(
        PointsError, match=re.escape(f"{LISTING} (positional values bind in the order a, b, c)")
    ):
        bind([parse_spec("5,3")], ABC)


def test_wrong_count_with_one_variable_is_singular():
    with pytest.raises(
        PointsError,
        match=r"^point '5,3' has 2 values but the expression has 1 variable — the expression's variables are x \(",
    ):
        bind([parse_spec("5,3")], ("x",))


def test_values_for_an_expression_without_variables():
    with pytest.raises(
        PointsError, match=r"has 1 value but the expression has 0 variables — the expression has no variables"
    ):
        bind([parse_spec("5")], ())
    with pytest.raises(
        PointsError, match=r"names 'x', which is not in the expression — the expression has no variables"
    ):
        bind([parse_spec("x=5")], ())


def test_the_bad_point_among_several_is_named():
    with pytest.raises(PointsError, match=r"^point 'a=1' gives no value for b, c"):
        bind([parse_spec("1,2,3"), parse_spec("a=1"), parse_spec("4,5,6")], ABC)


# --- spec errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        # not finite
        ("inf,1,2", "value 'inf' in point 'inf,1,2' is not a finite number"),
        ("-inf,1,2", "value '-inf' in point '-inf,1,2' is not a finite number"),
        ("a=Infinity,b=1,c=2", "value 'Infinity' in point 'a=Infinity,b=1,c=2' is not a finite number"),
        ("nan,1,2", "value 'nan' in point 'nan,1,2' is not a finite number"),
        ("a=1,b=NaN,c=2", "value 'NaN' in point 'a=1,b=NaN,c=2' is not a finite number"),
        ("1e999,1,2", "value '1e999' in point '1e999,1,2' is not a finite number"),
        ("a=-1e999,b=1,c=2", "value '-1e999' in point 'a=-1e999,b=1,c=2' is not a finite number"),
        ("exp(1000),1,2", "value 'exp(1000)' in point 'exp(1000),1,2' is not a finite number"),
        ("1/0,1,2", "value '1/0' in point '1/0,1,2' is not a finite number"),
        ("sqrt(-1),1,2", "value 'sqrt(-1)' in point 'sqrt(-1),1,2' is not a finite number"),
        # not a number
        ("abc,1,2", "value 'abc' in point 'abc,1,2' is not a number"),
        ("x+1,1,2", "value 'x+1' in point 'x+1,1,2' is not a number"),
        ("a=b,b=1,c=2", "value 'b' in point 'a=b,b=1,c=2' is not a number"),
        ("1,2,foo(3)", "value 'foo(3)' in point '1,2,foo(3)' is not a number"),
        ("1,2,'3'", "value ''3'' in point '1,2,'3'' is not a number"),
        ("a=5;b=3", "value '5;b=3' in point 'a=5;b=3' is not a number"),
        ("1,2,__import__('os')", "value '__import__('os')' in point '1,2,__import__('os')' is not a number"),
        # one grammar for every value: no digit separators, hex, or digits other than ASCII 0-9
        ("1_000,1,2", "value '1_000' in point '1_000,1,2' is not a number — write 1000"),
        ("0x10,1,2", "value '0x10' in point '0x10,1,2' is not a number"),
        ("\u0663,1,2", "value '\u0663' in point '\u0663,1,2' is not a number"),
        ("\uff11,1,2", "value '\uff11' in point '\uff11,1,2' is not a number"),
        # underflow, as overflow, is refused
        ("1e-400,1,2", "value '1e-400' in point '1e-400,1,2' underflows to 0 in float64"),
        (
            "a=-0.1e-330,b=1,c=2",
            "value '-0.1e-330' in point 'a=-0.1e-330,b=1,c=2' underflows to 0 in float64",
        ),
        # empty
        ("", "empty point"),
        ("   ", "empty point"),
        ("5,,2", "point '5,,2' has an empty value"),
        ("5,3,", "point '5,3,' has an empty value"),
        ("a=,b=3,c=2", "point 'a=,b=3,c=2' has an empty value"),
        ("()", "point '()' has an empty value"),
        # mixed named and bare
        ("a=5,3,2", "point 'a=5,3,2' mixes name=value pairs with bare values"),
        ("5,b=3,2", "point '5,b=3,2' mixes name=value pairs with bare values"),
        ("5,3,c=2", "point '5,3,c=2' mixes name=value pairs with bare values"),
        ("q=5,3,2", "point 'q=5,3,2' mixes name=value pairs with bare values"),
        # not a name
        ("1=5,b=3,c=2", "'1' in point '1=5,b=3,c=2' is not a variable name"),
        ("=5,b=3,c=2", "'' in point '=5,b=3,c=2' is not a variable name"),
    ],
)
def test_spec_errors(spec, message):
    with pytest.raises(PointsError) as info:
        parse_spec(spec)
    assert str(info.value) == message or str(info.value).startswith(message + " — ")
    assert info.value.exit_code == 2


def test_variable_in_a_value_says_values_take_no_variables():
    with pytest.raises(PointsError, match=r"— values may use pi, e and functions, but no variables$"):
        parse_spec("x+1,1,2")


def test_empty_point_says_what_to_write():
    with pytest.raises(PointsError, match=r"^empty point — write --at a=5,b=3,c=2 or --at 5,3,2$"):
        parse_spec("")


def test_mixed_point_says_how_to_fix_it():
    with pytest.raises(PointsError, match=re.escape("— give every value a name (a=5,b=3) or none (5,3)")):
        parse_spec("a=5,3,2")


@pytest.mark.parametrize("spec", ["x\u2212y", "1,2,\u22123", "a=\u03c0"])
def test_non_ascii_values_are_points_errors(spec):
    with pytest.raises(PointsError, match=r"is not a number"):
        parse_spec(spec)


# --- ranges start:stop:count (one-variable commands) -------------------------------------------


def test_range_is_inclusive_and_evenly_spaced():
    assert parse_values("-10:10:5") == (-10.0, -5.0, 0.0, 5.0, 10.0)
    assert parse_values("x=0:1:3") == (0.0, 0.5, 1.0)
    assert parse_values("-pi:pi:3") == (-math.pi, 0.0, math.pi)
    assert parse_values("3:1:3") == (3.0, 2.0, 1.0)  # descending is fine


def test_single_values_in_every_form():
    assert parse_values("20") == (20.0,)
    assert parse_values("x=-3") == (-3.0,)
    assert parse_values("p=1e-8") == (1e-08,)
    assert parse_values("pi/2") == (math.pi / 2,)


def test_several_values_separated_by_commas():
    # (a user's first try at several x; a comma inside parentheses is the function's own)
    assert parse_values("-1,0,1") == (-1.0, 0.0, 1.0)
    assert parse_values("x=-1, 0:1:3") == (-1.0, 0.0, 0.5, 1.0)
    assert parse_values("max(1,2)") == (2.0,)
    assert parse_values("max(1,2),-3") == (2.0, -3.0)
    with pytest.raises(PointsError, match="has an empty value"):
        parse_values("1,,2")


def test_span_without_count_for_plot_ranges():
    span = parse_span("-10:10", with_count=False)
    assert span == Span(-10.0, 10.0, None)
    assert span.values(3) == (-10.0, 0.0, 10.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1:2:1", r"count '1' in range '1:2:1' is not a whole number from 2 to 100,000"),
        ("1:2:2.5", r"count '2.5' .* is not a whole number"),
        ("1:2:100001", r"count '100001' .* is not a whole number"),
        ("1:1:3", r"range '1:1:3' starts and stops at the same value"),
        ("a:2:3", r"value 'a' in point 'a:2:3' is not a number"),
        ("1:2:3:4", r"range '1:2:3:4' is not start:stop:count"),
        ("1:inf:3", r"value 'inf' in point '1:inf:3' is not a finite number"),
        ("1:2", r"range '1:2' is not start:stop:count"),
        ("-1e308:1e308:3", r"range '-1e308:1e308:3' is wider than float64 can space evenly"),
        ("x=", r"empty point"),
    ],
)
def test_bad_ranges_are_refused_with_the_piece(text, message):
    with pytest.raises(PointsError, match=message):
        parse_values(text)


def test_plot_range_refuses_a_count():
    with pytest.raises(PointsError, match=r"range '-1:1:3' is not start:stop"):
        parse_span("-1:1:3", with_count=False)


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.integers(2, 500),
)
def test_any_range_has_count_values_from_start_to_stop(start, stop, count):
    spaced = np.linspace(start, stop, count)
    if start == stop or len(set(spaced.tolist())) < count:  # too fine for float64: refused
        with pytest.raises(PointsError):
            parse_values(f"{start!r}:{stop!r}:{count}")
        return
    values = parse_values(f"{start!r}:{stop!r}:{count}")
    assert len(values) == count
    assert values[0] == start and values[-1] == stop
    steps = np.diff(values)
    assert np.all(steps > 0) if stop > start else np.all(steps < 0)


# --- one value grammar: --at, streams, ranges and sizes accept the same values ----------------


GRAMMAR_CASES = [
    # accepted: plain numbers and constant expressions
    ("5", 5.0),
    ("-2.5e-3", -2.5e-3),
    ("+.5", 0.5),
    ("3.", 3.0),
    ("-0", -0.0),
    ("1e-310", 1e-310),  # subnormal: a float64 number
    ("pi/2", math.pi / 2),
    ("-e", -math.e),
    ("sqrt(2)", math.sqrt(2)),
    ("atan2(1,2)", math.atan2(1, 2)),
    # refused, everywhere
    ("1_000", None),
    ("0x10", None),
    ("\u0663", None),  # ARABIC-INDIC DIGIT THREE
    ("\uff15", None),  # FULLWIDTH DIGIT FIVE
    ("\u00b2", None),  # SUPERSCRIPT TWO
    ("1e400", None),
    ("1e-400", None),
    ("0." + "0" * 400 + "1", None),
    ("inf", None),
    ("-Infinity", None),
    ("nan", None),
    ("x", None),
    ("1 # note", None),
    ("", None),
]


def _at(text: str) -> float | None:
    try:
        return point(f"a={text}", ("a",))[0]
    except PointsError:
        return None


def _streamed(text: str, *, named: bool) -> float | None:
    line = f"a={text}" if named else text
    try:
        layout = reader.detect(line, ("a",))
    except PointsError:  # a bare name on the first line is a header, here without a column a
        return None
    block = reader.parse_chunk(line + "\n", 1, layout, ",")
    assert len(block.points) + len(block.bad) == (1 if text else 0) or not text
    return block.points[0, 0] if len(block.points) else None


def _range_start(text: str) -> float | None:
    try:
        return parse_span(f"{text}:7:2").start
    except PointsError:
        return None


@pytest.mark.parametrize(("text", "value"), GRAMMAR_CASES, ids=[repr(c[0])[:20] for c in GRAMMAR_CASES])
def test_at_streams_and_ranges_accept_the_same_values(text, value):
    found = [_at(text), _streamed(text, named=True), _range_start(text)]
    if text:
        found.append(_streamed(text, named=False))
    if value is None:
        assert found == [None] * len(found)
    else:
        assert [np.float64(v).view(np.int64) for v in found] == [np.float64(value).view(np.int64)] * len(
            found
        )


def test_a_streamed_constant_expression_is_read_as_at_reads_it():
    result = CliRunner().invoke(main, ["grad", "sin(x)", "--at", "-", "--format", "csv"], input="x=pi/2\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("pi/2,1.0,")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1_000", "x = '1_000' is not a number — write 1000"),
        ("\u0663", "x = '\u0663' is not a number — '\u0663' is not an ASCII digit"),
        ("1e-400", "x = '1e-400' underflows to 0 in float64"),
        (
            "0." + "0" * 400 + "1",
            "x = '0.000000000000000000...00000000000000000001' underflows to 0 in float64",
        ),
    ],
)
def test_a_bad_streamed_value_is_a_reported_line_with_its_number(value, message):
    result = CliRunner().invoke(main, ["grad", "x", "--at", "-", "--format", "csv"], input=f"1\n{value}\n3\n")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["x,f,grad_x", "1,1.0,1.0", "3,3.0,1.0"]
    assert f"line 2: {message}" in result.stderr


@pytest.mark.parametrize(
    "at", ["x=1_000", "x=\u0663", "1e-400", "0:1:\u00b2", "0:1:\uff12", "0:1:2.0", "0:\u0661:5"]
)
def test_a_bad_value_or_count_on_the_command_line_is_a_usage_error(at):
    command = ["grad", "x", "--at", at] if "=" in at or "e" in at else ["sigmoid", "--at", at]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("text", "size"), [("800x500", (800, 500)), (" 16 X 10000 ", (16, 10_000))])
def test_sizes_are_whole_ascii_pixels(text, size):
    assert read_size(text) == size


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("\u00b2x500", "size '\u00b2x500' is not WIDTHxHEIGHT in pixels"),
        ("800x\uff15\uff10\uff10", "is not WIDTHxHEIGHT in pixels"),
        ("800.0x500", "is not WIDTHxHEIGHT in pixels"),
        ("+800x500", "is not WIDTHxHEIGHT in pixels"),
        ("800", "is not WIDTHxHEIGHT in pixels"),
        ("15x500", "size '15x500' must be 16 to 10,000 pixels each way"),
        ("800x" + "9" * 5000, "size '800x9999999999999999...99999999999999999999' must be 16 to 10,000"),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_bad_sizes_are_option_errors(text, message):
    with pytest.raises(OptionError, match=re.escape(message)):
        read_size(text)


def test_a_5000_digit_value_gives_a_short_error_line():
    with pytest.raises(PointsError) as info:
        read_value("1" * 5000 + "x", "value ", " in point '...'")
    assert len(str(info.value)) < 200
    result = CliRunner().invoke(main, ["grad", "x", "--at", "x=" + "9" * 5000 + "e9999"])
    assert result.exit_code == 2 and len(result.stderr) < 300, result.stderr


def test_a_range_finer_than_float64_is_refused_not_repeated():
    with pytest.raises(PointsError, match=r"finer than float64 can hold: its 3 values would not all differ"):
        parse_values("0:5e-324:3")
    assert parse_values("0:1e-323:3") == (0.0, 5e-324, 1e-323)
