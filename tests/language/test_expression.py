"""parse(): the expression language, the node order it produces, and its size limits."""

from __future__ import annotations

import itertools
import json
import math
import time

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from gradcli.cli import main
from gradcli.errors import ExpressionError
from gradcli.language.nodes import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    Call,
    Const,
    Expression,
    Var,
    natural_order,
)
from gradcli.language.parse import parse
from gradcli.registry import FUNCTIONS, OPERATORS


def tree(expr: Expression, i: int | None = None) -> str:
    """The expression as nested prefix text, e.g. ``add(x, mul(2.0, y))``: structure only."""
    if i is None:
        i = len(expr.nodes) - 1
    node = expr.nodes[i]
    if isinstance(node, Call):
        return f"{node.op.name}({', '.join(tree(expr, a) for a in node.args)})"
    if isinstance(node, Var):
        return node.name
    return repr(node.value)


def root(expr: Expression):
    return expr.nodes[-1]


def assert_evaluation_order(expr: Expression) -> None:
    """Children before parents, last node is the root, nothing unreachable, one Var per name."""
    used_by_later: set[int] = set()
    for i, node in enumerate(expr.nodes):
        if isinstance(node, Call):
            assert node.args, node
            assert all(0 <= a < i for a in node.args), (i, node.args)
            used_by_later.update(node.args)
    last = len(expr.nodes) - 1
    assert last not in used_by_later
    assert used_by_later == set(range(last)) or last == 0
    var_names = [n.name for n in expr.nodes if isinstance(n, Var)]
    assert sorted(var_names) == list(expr.variables)
    assert len(set(var_names)) == len(var_names)


def raises_fast(text: str, match: str, seconds: float = 1.0) -> ExpressionError:
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match=match) as info:
        parse(text)
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"took {elapsed:.2f}s"
    return info.value


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0.0),
        ("42", 42.0),
        ("2.5", 2.5),
        (".5", 0.5),
        ("3.", 3.0),
        ("1e3", 1000.0),
        ("1E3", 1000.0),
        ("1e-8", 1e-8),
        ("2.5e+2", 250.0),
        ("007.5", 7.5),
        ("1.7976931348623157e308", 1.7976931348623157e308),
        ("5e-324", 5e-324),
    ],
)
def test_number_literals_become_float64_constants(text, value):
    expr = parse(text)
    assert len(expr.nodes) == 1
    node = root(expr)
    assert isinstance(node, Const)
    assert type(node.value) is float
    assert node.value == value
    assert node.text == text
    assert node.column == 1
    assert expr.variables == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "1_000",
            r"^digit separators \('_'\) are not allowed in a number: '1_000' \(column 1\) — write 1000$",
        ),
        ("x*1_000.5", r"^digit separators .*'1_000\.5' \(column 3\) — write 1000\.5$"),
        ("0x10", r"^'0x10' is not a decimal number \(column 1\)"),
        ("x+0o7", r"^'0o7' is not a decimal number \(column 3\)"),
        ("0B1*x", r"^'0B1' is not a decimal number \(column 1\)"),
        ("1e-400*x", r"^literal '1e-400' underflows to 0 in float64 \(column 1\)"),
        ("x+0.0000001e-320", r"^literal '0\.0000001e-320' underflows to 0 in float64 \(column 3\)"),
    ],
)
def test_literals_follow_the_one_value_grammar(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse(text)


def test_zero_literals_and_subnormals_are_numbers_not_underflows():
    assert [root(parse(t)).value for t in ("0e-999", "0.000", "5e-324")] == [0.0, 0.0, 5e-324]


def test_big_integer_literal_is_a_float_not_a_python_int():
    node = root(parse("12345678901234567890123"))
    assert type(node.value) is float
    assert node.value == 1.2345678901234568e22


@pytest.mark.parametrize(("name", "value"), [("pi", math.pi), ("e", math.e)])
def test_constants(name, value):
    expr = parse(name)
    node = root(expr)
    assert isinstance(node, Const)
    assert node.value == value
    assert node.text == name
    assert expr.variables == ()


@pytest.mark.parametrize(
    ("text", "variables"),
    [
        ("x1+2*x2+3*x10", ("x1", "x2", "x10")),
        ("x10+x9+x100+x1", ("x1", "x9", "x10", "x100")),
        ("a2b10+a2b9+a10b1", ("a2b9", "a2b10", "a10b1")),
        ("x01+x1+x001", ("x001", "x01", "x1")),  # equal as numbers: by text, so the order is total
        ("b+B+a+_a", ("B", "_a", "a", "b")),  # letters as sorted() orders them
        ("y_10+y_2+y", ("y", "y_2", "y_10")),
        ("x" + "9" * 5_000 + "+x10", ("x10", "x" + "9" * 5_000)),  # beyond int()'s 4,300 digits
    ],
    ids=lambda v: repr(v)[:30],
)
def test_variables_are_in_natural_order(text, variables):
    assert parse(text).variables == variables


@given(st.lists(st.from_regex(r"[a-z]{1,2}[0-9]{0,3}", fullmatch=True), min_size=1, max_size=8))
def test_natural_order_is_a_total_order_that_sorts_numbers_by_value(names):
    ordered = natural_order(names)
    assert sorted(ordered) == sorted(set(names))
    assert natural_order(reversed(ordered)) == ordered
    for a, b in itertools.pairwise(ordered):
        stem_a, stem_b = a.rstrip("0123456789"), b.rstrip("0123456789")
        if stem_a == stem_b and a != stem_a and b != stem_b:
            assert int(a[len(stem_a) :]) <= int(b[len(stem_b) :])


def test_positional_values_bind_in_natural_order_and_the_output_names_them():
    result = CliRunner().invoke(main, ["grad", "x1+2*x2+3*x10", "--at", "1,2,3", "--format", "json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert list(record["point"].items()) == [("x1", 1.0), ("x2", 2.0), ("x10", 3.0)]
    assert record["value"] == 1 + 2 * 2 + 3 * 3


def test_constants_inside_an_expression_are_not_variables():
    expr = parse("2*pi*r + e**x")
    assert expr.variables == ("r", "x")
    consts = sorted(n.value for n in expr.nodes if isinstance(n, Const))
    assert consts == sorted([2.0, math.pi, math.e])


def test_capital_E_is_a_variable_not_eulers_number():
    expr = parse("E*e")
    assert expr.variables == ("E",)
    assert tree(expr) == f"mul(E, {math.e!r})"


# --- variables ---------------------------------------------------------------------------------


def test_variables_are_sorted_alphabetically():
    expr = parse("z + a*m - b")
    assert expr.variables == ("a", "b", "m", "z")
    for node in expr.nodes:
        if isinstance(node, Var):
            assert expr.variables[node.index] == node.name


def test_variables_are_deduplicated_one_node_per_name():
    expr = parse("x*x")
    assert expr.variables == ("x",)
    assert len(expr.nodes) == 2
    assert isinstance(expr.nodes[0], Var)
    assert root(expr).args == (0, 0)


def test_reused_variables_share_their_node():
    expr = parse("b*a + a*b + sin(a)")
    var_nodes = [i for i, n in enumerate(expr.nodes) if isinstance(n, Var)]
    assert len(var_nodes) == 2
    assert expr.variables == ("a", "b")
    assert [expr.nodes[i].name for i in expr.var_nodes] == ["a", "b"]
    assert expr.var_nodes == tuple(sorted(var_nodes, key=lambda i: expr.nodes[i].name))


def test_variable_column_is_its_first_occurrence():
    expr = parse("y + x + y")
    cols = {n.name: n.column for n in expr.nodes if isinstance(n, Var)}
    assert cols == {"y": 1, "x": 5}


def test_long_and_underscored_variable_names():
    expr = parse("learning_rate*w_1 + _b")
    assert expr.variables == ("_b", "learning_rate", "w_1")


def test_str_of_expression_is_its_text():
    assert str(parse("3*(a+b*c)")) == "3*(a+b*c)"


# --- operators and precedence ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a+b*c", "add(a, mul(b, c))"),
        ("a*b+c", "add(mul(a, b), c)"),
        ("(a+b)*c", "mul(add(a, b), c)"),
        ("a-b-c", "sub(sub(a, b), c)"),
        ("a/b/c", "div(div(a, b), c)"),
        ("a-b*c/d", "sub(a, div(mul(b, c), d))"),
        ("a**b**c", "pow(a, pow(b, c))"),
        ("a*b**c", "mul(a, pow(b, c))"),
        ("-x**2", "neg(pow(x, 2.0))"),
        ("-x*y", "mul(neg(x), y)"),
        ("-2**2", "neg(pow(2.0, 2.0))"),
        ("2*-x", "mul(2.0, neg(x))"),
        ("x**-1", "pow(x, neg(1.0))"),
        ("+x", "pos(x)"),
        ("--x", "neg(neg(x))"),
        ("-(a+b)", "neg(add(a, b))"),
        ("((x))", "x"),
    ],
)
def test_operator_precedence_and_associativity(text, expected):
    assert tree(parse(text)) == expected


def test_unary_minus_at_the_start_means_minus_the_power():
    expr = parse("-x**2")
    assert root(expr).op is OPERATORS["neg"]
    assert root(expr).column == 1
    assert tree(expr) == "neg(pow(x, 2.0))"


@pytest.mark.parametrize(
    "text",
    [
        "x^2",
        "x^y",
        "x^-1",
        "(x)^(2)",
        "x^2+1",
        "2*x^2",
        "-x^2",
        "x^2^3",
        "sin(x)^2 + cos(x)^2",
    ],
)
def test_caret_parses_the_same_as_double_star(text):
    assert tree(parse(text)) == tree(parse(text.replace("^", "**")))


def test_caret_is_power_not_exclusive_or():
    assert root(parse("x^2")).op is OPERATORS["**"]


def test_nine_to_the_nine_to_the_nine_parses_instantly():
    start = time.perf_counter()
    expr = parse("9**9**9**9")
    assert time.perf_counter() - start < 0.5
    assert tree(expr) == "pow(9.0, pow(9.0, pow(9.0, 9.0)))"


# --- calls -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sin(cos(x))", "sin(cos(x))"),
        ("sin(cos(exp(x)))", "sin(cos(exp(x)))"),
        ("max(min(a, b), log(c, 2))", "max(min(a, b), log(c, 2.0))"),
        ("exp(-x**2/2)", "exp(div(neg(pow(x, 2.0)), 2.0))"),
        ("atan2(sin(y), cos(x)) + 1", "add(atan2(sin(y), cos(x)), 1.0)"),
        ("pow(x, 2)", "pow(x, 2.0)"),
        ("hypot(3, 4)", "hypot(3.0, 4.0)"),
    ],
)
def test_nested_calls(text, expected):
    expr = parse(text)
    assert tree(expr) == expected
    assert_evaluation_order(expr)


def test_pow_function_is_the_power_operator():
    assert root(parse("pow(x, 2)")).op is root(parse("x**2")).op


def _arity_cases():
    for name, op in FUNCTIONS.items():
        top = op.max_args if op.max_args is not None else op.min_args + 3
        for n in range(op.min_args, top + 1):
            yield pytest.param(name, n, id=f"{name}-{n}")


@pytest.mark.parametrize(("name", "n"), list(_arity_cases()))
def test_every_registry_function_parses_with_its_arity(name, n):
    args = ", ".join(f"x{i}" for i in range(n))
    expr = parse(f"{name}({args})")
    node = root(expr)
    assert isinstance(node, Call)
    assert node.op is FUNCTIONS[name]
    assert len(node.args) == n
    assert expr.variables == tuple(sorted(f"x{i}" for i in range(n)))
    assert [expr.nodes[a].name for a in node.args] == [f"x{i}" for i in range(n)]
    assert node.text == f"{name}({args})"
    assert node.column == 1


def _wrong_arity_cases():
    for name, op in FUNCTIONS.items():
        if op.min_args > 0:
            yield pytest.param(name, op.min_args - 1, id=f"{name}-{op.min_args - 1}")
        if op.max_args is not None:
            yield pytest.param(name, op.max_args + 1, id=f"{name}-{op.max_args + 1}")


@pytest.mark.parametrize(("name", "n"), list(_wrong_arity_cases()))
def test_every_registry_function_refuses_a_wrong_argument_count(name, n):
    op = FUNCTIONS[name]
    args = ", ".join("x" for _ in range(n))
    text = f"y + {name}({args})"
    with pytest.raises(ExpressionError) as info:
        parse(text)
    err = info.value
    assert err.message == f"{name}() takes {op.arity_text()}, not {n}"
    assert err.column == 5
    assert err.length == len(text) - 4
    assert err.hint is not None and err.hint.startswith("usage: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sin()", r"^sin\(\) takes 1 argument, not 0 \(column 1\) — usage: sin\(x\)$"),
        ("sin(x, y)", r"^sin\(\) takes 1 argument, not 2 \(column 1\)"),
        ("atan2(x)", r"^atan2\(\) takes 2 arguments, not 1 \(column 1\) — usage: atan2\(y, x\)$"),
        ("hypot(x, y, z)", r"^hypot\(\) takes 2 arguments, not 3"),
        ("log()", r"^log\(\) takes 1 to 2 arguments, not 0"),
        ("log(x, 2, 3)", r"^log\(\) takes 1 to 2 arguments, not 3"),
        ("min(x)", r"^min\(\) takes 2 or more arguments, not 1 \(column 1\) — usage: min\(x, y, \.\.\.\)$"),
        ("max()", r"^max\(\) takes 2 or more arguments, not 0"),
    ],
)
def test_wrong_arity_messages(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse(text)


def test_min_and_max_take_many_arguments():
    expr = parse("min(" + ", ".join(f"v{i:03d}" for i in range(200)) + ")")
    assert len(root(expr).args) == 200
    assert len(expr.variables) == 200


# --- node order, depends, uses -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x",
        "3",
        "x*x",
        "3*(a+b*c)",
        "-x**2",
        "x*y + sin(x) + 3",
        "max(min(a, b), log(c, 2)) * a - b / (c + 1)",
        "sigmoid(w*x + b) * (1 - sigmoid(w*x + b))",
        "hypot(x, y) ^ 2 + pi*e",
    ],
)
def test_nodes_are_in_evaluation_order(text):
    assert_evaluation_order(parse(text))


def test_evaluation_order_concrete():
    expr = parse("x*y+sin(x)+3")
    kinds = [
        n.name if isinstance(n, Var) else (n.op.name if isinstance(n, Call) else n.value) for n in expr.nodes
    ]
    assert kinds == ["x", "y", "mul", "sin", "add", 3.0, "add"]
    assert [n.args for n in expr.nodes if isinstance(n, Call)] == [(0, 1), (0,), (2, 3), (4, 5)]
    assert [n.column for n in expr.nodes] == [1, 3, 1, 5, 1, 12, 1]
    assert [n.text for n in expr.nodes] == ["x", "y", "x*y", "sin(x)", "x*y+sin(x)", "3", "x*y+sin(x)+3"]


def test_depends_and_uses():
    expr = parse("x*y+sin(x)+3")
    #            x     y     x*y   sin   add   3      add
    assert expr.depends == (True, True, True, True, True, False, True)
    assert expr.uses == (0b01, 0b10, 0b11, 0b01, 0b11, 0, 0b11)


def test_depends_and_uses_with_constant_subtrees():
    expr = parse("c*exp(2*pi) + a")
    names = [tree(expr, i) for i in range(len(expr.nodes))]
    depends = dict(zip(names, expr.depends))
    uses = dict(zip(names, expr.uses))
    assert expr.variables == ("a", "c")
    assert depends["2.0"] is False
    assert depends[repr(math.pi)] is False
    assert depends[f"mul(2.0, {math.pi!r})"] is False
    assert depends[f"exp(mul(2.0, {math.pi!r}))"] is False
    assert depends["c"] is True
    assert uses["c"] == 0b10
    assert uses["a"] == 0b01
    assert uses[f"mul(c, exp(mul(2.0, {math.pi!r})))"] == 0b10
    assert expr.uses[-1] == 0b11
    assert expr.depends[-1] is True


def test_depends_and_uses_of_a_constant_expression():
    expr = parse("2*pi - sqrt(e)")
    assert expr.variables == ()
    assert not any(expr.depends)
    assert set(expr.uses) == {0}


def test_uses_bit_follows_alphabetical_index():
    expr = parse("z*a")
    assert expr.variables == ("a", "z")
    by_name = {n.name: expr.uses[i] for i, n in enumerate(expr.nodes) if isinstance(n, Var)}
    assert by_name == {"a": 1, "z": 2}


# --- limits ------------------------------------------------------------------------------------


def test_limit_constants():
    assert MAX_LENGTH == 10_000
    assert MAX_NODES == 5_000
    assert MAX_DEPTH == 500


def test_max_length_is_allowed():
    expr = parse("x" * MAX_LENGTH)
    assert expr.variables == ("x" * MAX_LENGTH,)


def test_over_max_length_names_the_limit():
    text = "x+" * 5_000 + "1"  # 10,001 characters
    err = raises_fast(text, r"^expression is 10,001 characters long; the limit is 10,000$")
    assert err.column is None


def test_length_is_checked_before_anything_else():
    raises_fast("'" + "\u2212" * 20_000, r"characters long; the limit is 10,000")


def test_max_nodes_is_allowed():
    # min(-1, ..., -1, 1): 2,499 negations of a constant, one constant, min: 5,000 nodes.
    expr = parse("min(" + "-1," * 2_499 + "1)")
    assert len(expr.nodes) == MAX_NODES


def test_over_max_nodes():
    text = "min(" + ",".join(["-1"] * 2_500) + ")"  # 5,001 nodes in 7,505 characters
    assert len(text) <= MAX_LENGTH
    raises_fast(text, r"^expression has more than 5,000 operations and operands$")


def test_far_over_max_nodes():
    text = "min(" + ",".join(["-" * 20 + "1"] * 300) + ")"  # 6,301 nodes
    raises_fast(text, r"more than 5,000 operations and operands")


def test_sum_of_400_terms_works():
    expr = parse("+".join(["x"] * 400))
    assert len(expr.nodes) == 400
    assert expr.variables == ("x",)
    assert_evaluation_order(expr)


@pytest.mark.parametrize(
    ("op", "terms"),
    [("+", 600), ("+", 4_999), ("*", 4_999), ("-", 3_000), ("/", 3_000)],
)
def test_a_flat_chain_is_one_level_deep_however_long(op, terms):
    # Limits measure what they name: a+b+c+... is not nested; 5,000 operations is the limit.
    start = time.perf_counter()
    expr = parse(op.join(["x"] * terms))
    assert time.perf_counter() - start < 5.0
    assert len(expr.nodes) == terms
    assert_evaluation_order(expr)


def test_mixed_chains_are_one_level_each():
    text = "+".join(["x*y/z"] * 1_000) + "-" + "*".join(["w"] * 700)
    expr = parse(text)
    assert len(expr.nodes) == 4 + 1_000 * 2 + 999 + 1 + 699


def test_a_flat_sum_over_5000_operations_names_the_operation_limit():
    text = "+".join(["1"] * 2_501)  # 2,501 constants and 2,500 additions
    raises_fast(text, r"^expression has more than 5,000 operations and operands$", seconds=5.0)


def test_nesting_is_counted_through_chains():
    # each power nests one level (x**(x**(...))), whatever chains sit between
    assert len(parse("**".join(["(x+y-x)"] * (MAX_DEPTH - 1))).nodes) > MAX_DEPTH
    raises_fast("**".join(["x"] * (MAX_DEPTH + 2)), r"^expression is nested more than 500 levels deep")
    raises_fast("**".join(["(x+y-x)"] * (MAX_DEPTH + 1)), r"^expression is nested more than 500 levels deep")


def test_unary_minus_chain_depth_limit():
    assert len(parse("-" * MAX_DEPTH + "x").nodes) == MAX_DEPTH + 1
    raises_fast("-" * (MAX_DEPTH + 1) + "x", r"nested more than 500 levels deep")


# --- failures inside Python's parser become ExpressionError ------------------------------------


def test_200_nested_parentheses_work():
    assert tree(parse("(" * 200 + "x" + ")" * 200)) == "x"


def test_201_nested_parentheses():
    err = raises_fast("(" * 201 + "x" + ")" * 201, r"^parentheses are nested too deeply")
    assert err.column is None


def test_100000_unary_minuses():
    raises_fast("-" * 100_000 + "x", r"^expression is 100,001 characters long; the limit is 10,000$")


def test_9000_unary_minuses_under_the_length_limit():
    raises_fast("-" * 9_000 + "x", r"^expression is nested too deeply for the parser")


def test_100000_digit_literal():
    raises_fast("1" * 100_000, r"^expression is 100,000 characters long; the limit is 10,000$")


def test_3000_deep_power_chain_fails_inside_ast_as_an_expression_error():
    text = "**".join(["x"] * 3_000)
    assert len(text) <= MAX_LENGTH
    raises_fast(text, r"^expression is nested too deeply for the parser — gradcli takes at most 500")


def test_parsing_leaves_the_recursion_limit_as_it_was():
    import sys

    limit = sys.getrecursionlimit()
    parse("+".join(["x"] * 4_000))
    with pytest.raises(ExpressionError):
        parse("-" * 9_000 + "x")
    assert sys.getrecursionlimit() == limit


def test_4300_digit_literal_is_not_a_finite_float():
    raises_fast("1" * 4_300, r"^literal '1{20}\.\.\.1{20}' is not a finite float64 number \(column 1\)")


def test_literal_over_pythons_digit_limit():
    # generous bound: the speed of long literals is tested just below
    raises_fast("1" * 4_301, r"^a number literal has too many digits — use scientific notation", seconds=5.0)


def test_long_literal_under_the_length_limit_is_refused_fast():
    # Linear time is promised; a long run of digits must not make the error path slow.
    raises_fast("1" * 9_999, r"^a number literal has too many digits", seconds=0.5)


@pytest.mark.parametrize(
    "text",
    [
        "(" * 201 + "x" + ")" * 201,
        "-" * 100_000 + "x",
        "-" * 9_000 + "x",
        "1" * 100_000,
        "+".join(["1"] * 3_000),
        "sin(" * 300 + "x" + ")" * 300,
        "[" * 300 + "]" * 300,
        "x" + "**x" * 3_000,
    ],
    ids=["parens", "minus100k", "minus9k", "digits100k", "sum6000nodes", "calls300", "lists300", "pow3000"],
)
def test_parser_failures_are_expression_errors_only(text):
    try:
        start = time.perf_counter()
        parse(text)
    except ExpressionError:
        assert time.perf_counter() - start < 1.0
    except BaseException as exc:  # RecursionError, MemoryError, ValueError, SyntaxError...
        pytest.fail(f"{type(exc).__name__} escaped parse(): {exc}")
    else:
        pytest.fail("parse() accepted it")
