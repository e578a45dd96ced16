"""Refusals are features: everything gradcli's parser rejects, with its message and column.

parse() is the only door from user text to computation, so each row here is a promise: this
text is refused with this message, at this column, as an ExpressionError and nothing else.
"""

from __future__ import annotations

import ast
import builtins
import re
import string
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradcli.language.evaluate  # imported here so the no-eval test below sees no import-time exec
import gradcli.language.parse
import gradcli.points.spec
from gradcli.cli import main
from gradcli.errors import ExpressionError
from gradcli.language.parse import Expression, parse
from gradcli.points.spec import parse_spec

E = re.escape

REFUSED = [
    # names, attributes, subscripts, lambdas
    ("__import__('os')", E("unknown function '__import__' (column 1)"), 1),
    ("(1).__class__", E("attribute access is not allowed (column 1)"), 1),
    ("x.real", E("attribute access is not allowed (column 1)"), 1),
    ("x.y(1)", E("attribute access is not allowed"), 1),
    ("x[0]", E("subscripts are not allowed (column 1)"), 1),
    ("x[1:2]", E("subscripts are not allowed"), 1),
    ("lambda: 1", E("lambda is not allowed (column 1)"), 1),
    ("__x", E("'__x' is not a valid variable name (column 1) — names may not start with '__'"), 1),
    ("y + __builtins__", E("'__builtins__' is not a valid variable name (column 5)"), 5),
    # strings and containers
    ("'a'", E("strings are not allowed (column 1)"), 1),
    ("f'{x}'", E("strings are not allowed (column 1)"), 1),
    ("b'x'", E("strings are not allowed (column 1)"), 1),
    ("x + 'a'", E("strings are not allowed (column 5)"), 5),
    ("[x]", E("lists are not allowed (column 1)"), 1),
    ("(x, y)", E("tuples are not allowed (column 1) — separate --at values"), 1),
    ("x,", E("tuples are not allowed"), 1),
    ("{x}", E("sets are not allowed (column 1)"), 1),
    ("{x: 1}", E("dicts are not allowed (column 1)"), 1),
    ("[x for x in y]", E("comprehensions are not allowed (column 1)"), 1),
    ("(x for x in y)", E("generator expressions are not allowed"), 1),
    # control flow and logic
    (
        "x if y else z",
        E("conditional expressions are not supported (column 1) — use min, max, abs or relu"),
        1,
    ),
    ("x < y", E("comparisons are not supported (column 1) — gradcli differentiates arithmetic only"), 1),
    ("x == y", E("comparisons are not supported"), 1),
    ("x and y", E("'and'/'or' are not supported (column 1)"), 1),
    ("x or y", E("'and'/'or' are not supported"), 1),
    ("not x", E("'not' is not supported (column 1)"), 1),
    # operators gradcli does not differentiate
    ("x % 2", E("the % operator is not supported (column 1)"), 1),
    ("x // 2", E("the // operator is not supported (column 1) — write / for division"), 1),
    ("x @ y", E("the @ operator is not supported (column 1)"), 1),
    ("x & y", E("the & operator is not supported (column 1)"), 1),
    ("x | y", E("the | operator is not supported (column 1)"), 1),
    ("x << 1", E("the << operator is not supported (column 1)"), 1),
    ("x >> 1", E("the >> operator is not supported (column 1)"), 1),
    ("~x", E("the ~ operator is not supported (column 1)"), 1),
    ("1 + x % 2", E("the % operator is not supported (column 5)"), 5),
    ("(y := 1)", E("assignment is not allowed (column 2)"), 2),
    # calls
    ("exp(x, base=2)", E("keyword arguments are not allowed (column 8) — pass arguments by position"), 8),
    ("log(x, base=2)", E("keyword arguments are not allowed (column 8) — pass arguments by position"), 8),
    ("min(*x)", E("starred arguments are not allowed (column 5)"), 5),
    ("sigmod(x)", E("unknown function 'sigmod' (column 1) — did you mean 'sigmoid'?"), 1),
    ("x + sqr(x)", E("unknown function 'sqr' (column 5) — did you mean 'sqrt'?"), 5),
    ("foo(x)", E("unknown function 'foo' (column 1) — run 'gradcli functions' for the list"), 1),
    ("x(2)", E("unknown function 'x' (column 1)"), 1),
    ("1(2)", E("only functions named directly can be called (column 1)"), 1),
    ("exp", E("'exp' is a function (column 1) — call it, as in exp(x)"), 1),
    ("x**2 + sin", E("'sin' is a function (column 8) — call it, as in sin(x)"), 8),
    ("pi(2)", E("'pi' is a constant, not a function (column 1) — write pi*(...)"), 1),
    ("e(x)", E("'e' is a constant, not a function (column 1)"), 1),
    # literals that are not finite float64 numbers
    ("True*x", E("True is not a number (column 1)"), 1),
    ("False", E("False is not a number (column 1)"), 1),
    ("None", E("None is not a number (column 1)"), 1),
    ("...", E("Ellipsis is not a number (column 1)"), 1),
    ("1j*x", E("complex numbers are not supported (column 1)"), 1),
    (
        "1e999*x",
        E("literal '1e999' is not a finite float64 number (column 1) — the largest is about 1.8e308"),
        1,
    ),
    ("x + 2e308", E("literal '2e308' is not a finite float64 number (column 5)"), 5),
    ("1" + "0" * 400, r"^literal '10{19}\.\.\.0{20}' is not a finite float64 number \(column 1\)", 1),
    # syntax errors
    ("2x", E("'2x' is not valid (column 1) — write 2*x"), 1),
    ("3.5y", E("'3.5y' is not valid (column 1) — write 3.5*y"), 1),
    ("1 + 2x", E("'2x' is not valid (column 5) — write 2*x"), 5),
    ("x +* 2", E("invalid syntax near '*' (column 4)"), 4),
    ("x;y", E("invalid syntax near ';' (column 2)"), 2),
    ("import os", E("invalid syntax near 'import' (column 1)"), 1),
    ("x = 1", E("invalid syntax near '=' (column 3)"), 3),
    ("(x + 1", E("'(' is never closed (column 1) — add the ')' it needs"), 1),
    # empty
    ("", E('expression is empty — try, e.g., "3*(a+b*c)"'), None),
    ("   ", E("expression is empty"), None),
    ("\t\n \r", E("expression is empty"), None),
    # non-ASCII, with a hint for the usual suspects
    (
        "x \u2212 y",
        E("character '\u2212' (U+2212 MINUS SIGN) is not allowed (column 3) — write - instead"),
        3,
    ),
    ("\u2212x", E("(U+2212 MINUS SIGN) is not allowed (column 1) — write - instead"), 1),
    (
        "x \u00d7 y",
        E("character '\u00d7' (U+00D7 MULTIPLICATION SIGN) is not allowed (column 3) — write * instead"),
        3,
    ),
    (
        "x \u00b7 y",
        E("character '\u00b7' (U+00B7 MIDDLE DOT) is not allowed (column 3) — write * instead"),
        3,
    ),
    (
        "x\u00b2",
        E("character '\u00b2' (U+00B2 SUPERSCRIPT TWO) is not allowed (column 2) — write **2 instead"),
        2,
    ),
    (
        "2*\u03c0",
        E("character '\u03c0' (U+03C0 GREEK SMALL LETTER PI) is not allowed (column 3) — write pi instead"),
        3,
    ),
    ("x \u00f7 y", E("(U+00F7 DIVISION SIGN) is not allowed (column 3) — write / instead"), 3),
    ("\u221ax", E("(U+221A SQUARE ROOT) is not allowed (column 1) — write sqrt(x) instead"), 1),
    (
        "x\u00a0+ y",
        E("(U+00A0 NO-BREAK SPACE) is not allowed (column 2) — replace it with an ordinary space"),
        2,
    ),
    (
        "\u00e9t\u00e9",
        E("(U+00E9 LATIN SMALL LETTER E WITH ACUTE) is not allowed (column 1) — expressions are plain ASCII"),
        1,
    ),
    ("x\x00", E("character '\\x00' (U+0000 control character) is not allowed (column 2)"), 2),
    ("x + \x07", E("character '\\x07' (U+0007 control character) is not allowed (column 5)"), 5),
    ("\x1b[31mx", E("(U+001B control character) is not allowed (column 1)"), 1),
]


@pytest.mark.parametrize(("text", "message", "column"), REFUSED, ids=[repr(r[0])[:40] for r in REFUSED])
def test_refused(text, message, column):
    try:
        parse(text)
    except ExpressionError as err:
        assert re.search(message, str(err)), f"{str(err)!r} does not match {message!r}"
        assert err.column == column
        if column is not None:
            assert 1 <= err.column <= len(text)
        if column is not None:  # a window of at most 80 characters of the text, caret under the fault
            shown, marks = err.caret().splitlines()
            assert len(shown) <= 2 + 80 + 6
            under = text[err.column - 1]
            assert shown[marks.index("^")] == (under if under.isprintable() else "?")
        else:
            assert err.caret() is None
        assert err.exit_code == 2
    except BaseException as exc:
        pytest.fail(f"{type(exc).__name__} escaped parse({text!r}): {exc}")
    else:
        pytest.fail(f"parse({text!r}) was accepted")


def test_caret_points_at_the_offending_piece():
    with pytest.raises(ExpressionError) as info:
        parse("x + sigmod(x)")
    assert info.value.caret() == "  x + sigmod(x)\n      ^^^^^^"


def test_implied_product_caret_covers_number_and_name():
    with pytest.raises(ExpressionError) as info:
        parse("1 + 3.5y")
    assert (info.value.column, info.value.length) == (5, 4)


def test_column_counts_characters_across_tabs():
    with pytest.raises(ExpressionError) as info:
        parse("x +\t\tfoo(x)")
    assert info.value.column == 6
    assert info.value.message == "unknown function 'foo'"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("x # note\n__import__('os')", "an expression is one line: it holds a line break", 9),
        ("x +\n\tfoo(x)", "an expression is one line: it holds a line break", 4),
        ("  x\r\ny", "an expression is one line: it holds a line break", 4),
        ("x # note", "'#' is not allowed: an expression holds no comments", 3),
        ("x+1#", "'#' is not allowed: an expression holds no comments", 4),
    ],
)
def test_an_expression_is_one_line_with_no_comments(text, message, column):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert (info.value.message, info.value.column) == (message, column)


def test_a_comment_with_code_after_it_is_a_usage_error_not_a_result():
    result = CliRunner().invoke(main, ["grad", "x # note\n__import__('os')", "--at", "x=1"])
    assert result.exit_code == 2
    assert "one line" in result.stderr and "column 9" in result.stderr


@pytest.mark.parametrize("text", ["x\n", "\n x \r\n", "\tx\t"])
def test_line_breaks_around_the_expression_are_only_whitespace(text):
    assert parse(text).variables == ("x",)


# --- nothing but ExpressionError, and fast -----------------------------------------------------


def _parse_or_refuse(text: str) -> None:
    start = time.perf_counter()
    try:
        result = parse(text)
    except ExpressionError as err:
        assert isinstance(err.message, str) and err.message
        assert err.column is None or 1 <= err.column <= max(len(text), 1)
    else:
        assert isinstance(result, Expression)
    assert time.perf_counter() - start < 1.0


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_is_parsed_or_refused(text):
    _parse_or_refuse(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable, max_size=60))
def test_arbitrary_ascii_is_parsed_or_refused(text):
    _parse_or_refuse(text)


TOKENS = [
    *"xy12+-*/^(),.=:[]{}%<@'\"\\#!~&|;_ \t\n",
    *["**", "//", "1e3", "2.5", "1_0", "0x1f", "1j", "pi", "e", "sin", "min", "log", "atan2", "pow"],
    *["lambda", "if", "else", "not", "and", "for", "in", "__", "__class__", "import", "f'", "b'", ":="],
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_token_soup_is_parsed_or_refused(text):
    _parse_or_refuse(text)


@pytest.mark.parametrize(
    "text",
    [
        "1if x else 2",  # tokenizer: "invalid decimal literal"
        "'\\d'",  # tokenizer: "invalid escape sequence"
    ],
)
def test_refusals_do_not_leak_python_warnings(text):
    # Under the default warning filters these print "<unknown>:1: SyntaxWarning: ..." on stderr,
    # and under -W error the refusal message changes; a refusal should be one clean error.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ExpressionError):
            parse(text)
    assert [str(w.message) for w in caught] == []


# --- no eval, exec or compile ------------------------------------------------------------------

VALID = ["3*(a+b*c)", "-x**2", "x^2", "sigmoid(w*x + b)", "log(x, 2) + pi*e", "min(a, b, c)", "1000*x"]
INVALID = [row[0] for row in REFUSED] + [
    "1_000*x",
    "__import__('os').system('echo hi')",
    "open('/etc/passwd')",
]


def test_parse_never_calls_eval_exec_or_compile(monkeypatch):
    calls = []
    real_compile = builtins.compile

    def forbidden(name):
        def refuse(*args, **kwargs):
            raise AssertionError(f"{name} called")

        return refuse

    def only_ast(source, filename, mode, flags=0, *args, **kwargs):
        # ast.parse is compile(..., flags=PyCF_ONLY_AST): a syntax tree, never code.
        calls.append(flags)
        if not flags & ast.PyCF_ONLY_AST:
            raise AssertionError("compile called to make code")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden("eval"))
    monkeypatch.setattr(builtins, "exec", forbidden("exec"))
    monkeypatch.setattr(builtins, "compile", only_ast)

    for text in VALID:
        assert isinstance(parse(text), Expression)
    for text in INVALID:
        with pytest.raises(ExpressionError):
            parse(text)
    spec = parse_spec("pi/2,-e,sqrt(2)")
    assert len(spec.values) == 3
    assert calls, "the guard never saw ast.parse, so it proved nothing"
    assert all(flags & ast.PyCF_ONLY_AST for flags in calls)


@pytest.mark.parametrize("module", [gradcli.language.parse, gradcli.points.spec], ids=lambda m: m.__name__)
def test_source_names_no_eval_exec_compile_or_import(module):
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    attrs = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    banned = {"eval", "exec", "compile", "__import__", "globals", "locals"}
    assert not (names & banned)
    assert not (attrs & {"eval", "exec", "compile", "literal_eval"})


# --- errors quote a short window of the input, never the whole of it ----------------------------

from gradcli.errors import quote, window  # noqa: E402


def test_quote_keeps_short_text_whole_and_cuts_long_text_around_the_fault():
    assert quote("pi/2") == "'pi/2'"
    assert quote("1" * 30 + "x" + "2" * 30) == "'" + "1" * 20 + "..." + "2" * 20 + "'"
    text = "0" * 100 + "#" + "0" * 100
    assert quote(text, column=101) == "'..." + "0" * 20 + "#" + "0" * 19 + "...'"
    assert quote("a\nb\x1b[31m") == "'a\\nb\\x1b[31m'"


def test_window_keeps_the_caret_column_on_the_fault():
    text = "x+" * 3000 + "foo(x)"
    piece, column = window(text, 6001)
    assert piece[column - 1 : column + 2] == "foo" and len(piece) <= 86


LONG = 5_000


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["grad", "x", "--at", "x=" + "9" * LONG], None),
        (["grad", "x", "--at", "x=" + "1" * LONG + "y"], None),
        (["grad", "x", "--at", "1," * LONG + "1"], None),
        (["grad", "x", "--at", "y" * LONG + "=1"], None),
        (["grad", "f" * LONG + "(x)", "--at", "1"], None),
        (["grad", "2" * 4_000 + "x", "--at", "1"], None),
        (["grad", "x+" * 2_000 + "foo(x)", "--at", "1"], None),
        (["grad", "x" * LONG + "+y", "--at", "1"], None),
        (["grad", "x_" + "1" * LONG + "+y", "--at", "1"], None),
        (["grad", "__" + "a" * LONG, "--at", "1"], None),
        (["grad", "x*1_" + "0" * LONG, "--at", "1"], None),
        (["sigmoid", "--at", "0:1:" + "9" * LONG], None),
        (["grad", "x", "--at", "-"], "1\n" + "z" * LONG + "\n"),
        (["grad", "x", "--at", "-"], "x=" + "1" * LONG + "q\n"),
        (["grad", "x+y", "--at", "-"], "x," + "y" * LONG + "\n1,2\n"),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_an_error_line_quotes_at_most_a_short_window_of_a_long_input(args, stdin):
    result = CliRunner().invoke(main, args, input=stdin)
    assert result.exit_code in (1, 2), result.output[:500]
    for line in result.stderr.splitlines():
        assert len(line) <= 400, line[:500]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sin x", "a function takes its arguments in parentheses: write sin(x)"),
        ("ln 2", "write ln(2)"),
        ("a b", "is an operator missing, as in x*y?"),
        ("2 x", "is an operator missing, as in x*y?"),
        ("(x", "'(' is never closed (column 1) — add the ')' it needs"),
        ("sin(x))", "')' closes no '(' (column 7) — remove it, or add the '(' it closes"),
    ],
)
def test_syntax_errors_come_with_a_hint(text, message):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert message in str(info.value)
