"""gradcli sweep on the command line (the numerics are tested in tests/test_sweep.py)."""

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
