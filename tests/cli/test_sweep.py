"""gradcli sweep on the command line (the numerics are tested in tests/analysis/test_sweep.py)."""

from __future__ import annotations

from conftest import gradcli


def test_sweep_where_the_exact_derivative_is_not_finite_says_so():
    result = gradcli("sweep", "sqrt(x)", "--at", "0")
    assert result.exit_code == 0
    assert result.stderr == (
        "gradcli: warning: df/dx is inf here (backprop), so no step's error can be measured "
        "('gradcli grad' says why)\n"
    )
    assert gradcli("sweep", "sqrt(x)", "--at", "1").stderr == ""


def test_sweeps_input_checks_live_in_the_library():
    import numpy as np
    import pytest

    from gradcli.analysis.sweep import check_sweep
    from gradcli.errors import OptionError, PointsError
    from gradcli.language.parse import parse

    assert check_sweep(parse("a*b"), np.array([[1.0, 2.0]]), "b") == 1
    assert check_sweep(parse("a*b"), np.array([[1.0, 2.0]])) == 0
    with pytest.raises(OptionError, match="unknown --wrt 'z'"):
        check_sweep(parse("a*b"), np.array([[1.0, 2.0]]), "z")
    with pytest.raises(PointsError, match="sweep takes one point, not 2"):
        check_sweep(parse("x"), np.array([[1.0], [2.0]]))
    with pytest.raises(OptionError, match="no variables"):
        check_sweep(parse("2+3"), np.zeros((1, 0)))


def test_steps_is_the_step_range_and_range_its_old_spelling():
    new = gradcli('sweep "exp(x)" --at 1 --steps 1e-2:1e-4 --format json')
    old = gradcli('sweep "exp(x)" --at 1 --range 1e-2:1e-4 --format json')
    assert new.exit_code == 0 and new.stdout == old.stdout
    import json

    assert [json.loads(line)["eps"] for line in new.stdout.splitlines()][:3] == [0.01, 0.001, 0.0001]
