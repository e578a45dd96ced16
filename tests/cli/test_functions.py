"""gradcli functions: the catalogue as a table and as JSON Lines."""

from __future__ import annotations

from conftest import assert_one_line_error, gradcli, strict_json

from gradcli.registry import CONSTANTS, FUNCTIONS, OPERATORS


def test_functions_table_lists_every_registry_function():
    result = gradcli("functions", env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for name, op in FUNCTIONS.items():
        usage = op.signature.split("  ")[0]
        assert usage in result.stdout, name
    assert "pi" in result.stdout and repr(CONSTANTS["pi"]) in result.stdout


def test_functions_json_one_object_per_function():
    result = gradcli("functions", "--format", "json")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    objects = [strict_json(line) for line in lines]
    fields = {"name", "kind", "usage", "derivative", "not_differentiable", "doc", "value"}
    assert all(set(o) == fields for o in objects)  # one shape: the constants are records too
    constants = [o for o in objects if o["kind"] == "constant"]
    assert {o["name"]: o["value"] for o in constants} == CONSTANTS and objects[-len(CONSTANTS) :] == constants
    rows = [o for o in objects if o["kind"] != "constant"]
    assert {o["kind"] for o in rows} == {"operator", "function"}
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names))
    expected = {op.name for op in OPERATORS.values()} | {op.name for op in FUNCTIONS.values()}
    assert set(names) == expected
    for name in FUNCTIONS:
        assert name in names
    by_name = {row["name"]: row for row in rows}
    for name, op in FUNCTIONS.items():
        row = by_name[name]
        assert row["value"] is None
        assert row["usage"] == op.signature
        assert row["derivative"] == op.derivative
        assert row["doc"] == op.doc
        assert row["not_differentiable"] == (op.kink_doc or None)
    assert by_name["abs"]["not_differentiable"]
    assert by_name["exp"]["not_differentiable"] is None


def test_functions_bad_format():
    assert_one_line_error(gradcli("functions", "--format", "csv"), "--format")


def test_the_json_is_the_librarys_catalogue():
    from gradcli.analysis.catalogue import catalogue, constants
    from gradcli.output.jsonl import catalogue_records

    objects = [strict_json(line) for line in gradcli("functions --format json").stdout.splitlines()]
    assert objects == catalogue_records(catalogue(), constants())


# --- one entry ------------------------------------------------------------------------------------


def test_functions_name_shows_one_entry() -> None:
    result = gradcli("functions", "leaky_relu")
    assert result.exit_code == 0
    out = result.stdout
    for fragment in (
        "leaky_relu(x, alpha)",
        "d/dalpha = min(x,0)",
        "at x = 0",
        "alpha, default 0.01",
        "every real number",
    ):
        assert fragment in out


def test_functions_name_json_domain_from_the_registry() -> None:
    import json

    result = gradcli("functions", "log", "--format", "json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["domain"].startswith("x > 0")
    assert record["symbolic"]["1"] == {"x": "1/x"}
    assert record["symbolic"]["2"]["base"] == "-log(x)/(base*log(base)**2)"


def test_functions_operator_by_symbol_or_name() -> None:
    assert "y != 0" in gradcli("functions", "/").stdout
    assert gradcli("functions", "div").stdout == gradcli("functions", "/").stdout


def test_functions_unknown_name_suggests() -> None:
    from conftest import assert_one_line_error

    assert_one_line_error(gradcli("functions", "lgo"), "'lgo'", "did you mean log")


def test_functions_name_shows_a_period_from_the_registry() -> None:
    import json
    import math

    assert "2*pi (6.283185307179586)" in gradcli("functions", "sin").stdout
    assert "pi (3.141592653589793)" in gradcli("functions", "cot").stdout
    assert "period" not in gradcli("functions", "exp").stdout
    assert json.loads(gradcli("functions", "tan", "--format", "json").stdout)["period"] == math.pi
    assert json.loads(gradcli("functions", "exp", "--format", "json").stdout)["period"] is None
