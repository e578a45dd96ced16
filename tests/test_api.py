"""The Python API: the examples in the docstrings and in docs/guide/python-api.md run as shown."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import gradcli
import gradcli.derive.gradient

API_GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide" / "python-api.md"


@pytest.mark.parametrize("module", [gradcli, gradcli.derive.gradient])
def test_docstring_examples(module: object) -> None:
    failures, tried = doctest.testmod(module, verbose=False)
    assert tried > 0 and failures == 0


def test_api_guide_python_example() -> None:
    (block,) = re.findall(r"```python\n(.*?)```", API_GUIDE.read_text(), re.S)
    test = doctest.DocTestParser().get_doctest(block, {}, "python-api", str(API_GUIDE), 0)
    runner = doctest.DocTestRunner(verbose=False)
    runner.run(test)
    assert runner.tries > 0 and runner.failures == 0


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
    assert result.exact.tolist() == [[2.0, 4.0], [1.0, 3.0]]
    assert result.value.tolist() == [2.0, 12.0]
