"""gradcli plot on the command line (more in tests/plot/test_plot.py)."""

from __future__ import annotations

from conftest import gradcli


def test_plot_size_metavar_says_the_shape():
    assert "--size WxH" in gradcli("plot", "--help").stdout
