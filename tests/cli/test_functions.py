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
    assert objects[-1] == {"constants": CONSTANTS}
    rows = objects[:-1]
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names))
    expected = {op.name for op in OPERATORS.values()} | {op.name for op in FUNCTIONS.values()}
    assert set(names) == expected
    for name in FUNCTIONS:
        assert name in names
    by_name = {row["name"]: row for row in rows}
    for name, op in FUNCTIONS.items():
        row = by_name[name]
        assert set(row) == {"name", "usage", "derivative", "not_differentiable", "doc"}
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

    objects = [strict_json(line) for line in gradcli("functions --format json").stdout.splitlines()]
    assert objects == [*catalogue(), {"constants": constants()}]
