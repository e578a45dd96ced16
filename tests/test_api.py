"""The Python API: the examples in the docstrings and in docs/guide/python-api.md run as shown."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import gradcli
import gradcli.api
import gradcli.derive.gradient

API_GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide" / "python-api.md"


@pytest.mark.parametrize("module", [gradcli, gradcli.api, gradcli.derive.gradient])
def test_docstring_examples(module: object) -> None:
    failures, tried = doctest.testmod(module, verbose=False)
    assert tried > 0 and failures == 0


def test_api_guide_examples() -> None:
    """Every python block of the guide, run in order in one namespace (as a reader would)."""
    blocks = re.findall(r"```python\n(.*?)```", API_GUIDE.read_text(), re.S)
    assert len(blocks) >= 4
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, "python-api", str(API_GUIDE), 0)
    runner = doctest.DocTestRunner(verbose=False)
    runner.run(test)
    assert runner.tries >= 15 and runner.failures == 0


def test_records_are_the_json_lines_the_cli_writes() -> None:
    import json

    from click.testing import CliRunner

    from gradcli.cli import main

    at = ["x=1,y=2", "x=0,y=-1", "x=-1,y=3"]
    out = (
        CliRunner()
        .invoke(
            main,
            ["grad", "log(x)*y + sqrt(abs(y))", *(a for p in at for a in ("--at", p)), "--format", "json"],
        )
        .stdout
    )
    cli = [json.loads(line) for line in out.splitlines()]
    assert gradcli.grad("log(x)*y + sqrt(abs(y))", at).records() == cli
    assert cli[1]["value"] is None  # log(0): the record says so, as the CLI does


def test_every_per_variable_array_is_points_by_variables() -> None:
    import numpy as np

    r = gradcli.grad("x*exp(y)", {"x": [1.0, 2.0, 3.0], "y": 0.5})
    for name in (
        "points",
        "gradient",
        "exact",
        "exact_bound",
        "error",
        "rel_error",
        "step",
        "error_estimate",
    ):
        assert getattr(r, name).shape == (3, 2), name
    assert r.gradient_at(2) == {"x": r.gradient[2, 0], "y": r.gradient[2, 1]}
    np.testing.assert_array_equal(r.exact[:, 1], [1.0 * np.exp(0.5), 2.0 * np.exp(0.5), 3.0 * np.exp(0.5)])


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ({"x": [1.0, 2.0], "y": [1.0, 2.0, 3.0]}, "do not broadcast"),
        ({"x": 1.0, "z": 2.0}, "names 'z'"),
        ([[1.0, 2.0, 3.0]], "do not fit 2 variables"),
        ("x=1", "gives no value for y"),
    ],
)
def test_bad_points_are_the_command_lines_errors(at: object, message: str) -> None:
    with pytest.raises(gradcli.PointsError, match=message):
        gradcli.grad("x*y", at)  # type: ignore[arg-type]


def test_public_names_resolve_lazily() -> None:
    for name in gradcli.__all__:
        assert getattr(gradcli, name) is not None
    with pytest.raises(AttributeError):
        _ = gradcli.no_such_name  # type: ignore[attr-defined]


def test_compute_over_an_array_of_points() -> None:
    import numpy as np

    expr = gradcli.parse("x*y")
    points = np.array([[1.0, 2.0], [3.0, 4.0]])
    result = gradcli.compute(expr, points, method="backprop")
    assert result.exact.tolist() == [[2.0, 1.0], [4.0, 3.0]]  # (n, k): a row per point
    assert result.value.tolist() == [2.0, 12.0]
