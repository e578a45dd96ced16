"""CSV and TSV for sweep and hessian: the columns, full-precision numbers, the one header check."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import assert_one_line_error, gradcli, records


def _csv(text: str, sep: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=sep))


def test_sweep_csv_rows_match_its_json_records():
    args = 'sweep "exp(x)" --at x=1 --method central --method forward --steps 1e-1:1e-6'
    rows = _csv(gradcli(args + " --format csv").stdout)
    recs = records(gradcli(args + " --format json"))
    assert len(rows) == len(recs) > 6
    for row, rec in zip(rows, recs):
        assert float(row["x"]) == rec["point"]["x"]
        assert row["var"] == rec["var"] and row["method"] == rec["method"]
        for name in ("eps", "gradient", "exact", "error", "error_estimate"):
            assert float(row[name]) == rec[name]  # full round-trip precision
        assert row["marks"].split() == rec["marks"]


def test_hessian_csv_is_the_matrix_row_by_row_and_tsv_has_no_quotes():
    args = 'hessian "x**3 - 3*x*y**2" --at x=1,y=0.5 --at x=0,y=1'
    rows = _csv(gradcli(args + " --format csv").stdout)
    recs = records(gradcli(args + " --format json"))
    assert len(rows) == 2
    for row, rec in zip(rows, recs):
        for i, a in enumerate("xy"):
            for j, b in enumerate("xy"):
                assert float(row[f"d2f_d{a}_d{b}"]) == rec["hessian"][i][j]
                assert float(row[f"fd_d{a}_d{b}"]) == rec["finite_difference"][i][j]
        assert row["kind"] == rec["kind"]
    tsv = gradcli(args + " --format tsv").stdout
    assert '"' not in tsv and tsv.splitlines()[0].split("\t")[:3] == ["x", "y", "f"]


def test_hessian_csv_with_backprop_has_no_finite_difference_columns():
    header = gradcli('hessian "x*y" --at 1,2 --method backprop --format csv').stdout.splitlines()[0]
    assert header == "x,y,f,d2f_dx_dx,d2f_dx_dy,d2f_dy_dx,d2f_dy_dy,kind"


@pytest.mark.parametrize(
    ("args", "column"),
    [('hessian "f*x" --at 1,2 --format csv', "f"), ('sweep "method*x" --at 1,2 --format tsv', "method")],
)
def test_a_variable_named_like_an_output_column_is_refused(args, column):
    assert_one_line_error(gradcli(args), f"the variable '{column}' has the name of an output column")


def test_json_is_unchanged_by_the_new_formats():
    line = gradcli('hessian "x*y" --at 1,2 --format json').stdout.splitlines()[0]
    assert json.loads(line)["hessian"] == [[0.0, 1.0], [1.0, 0.0]]
