"""Plots of f and df/dx (backprop) over a range of one variable, and of a step-size sweep.

    curves     the numbers: sampling, spans where the gradient vanishes, values too large to draw
    terminal   text for a terminal: f and df/dx on stacked panels, a sweep's errors
    canvas     the braille (or one glyph a character) grid the terminal plots draw on
    ticks      nice tick values and their shortest labels
    image      PNG, SVG, PDF (matplotlib, the optional ``plot`` extra); ``--size`` reading

Only this package imports matplotlib, when an image is asked for. The old names stay importable
from here (``from gradcli.plot import sample``), each module loaded on first use.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "Curves": "curves",
    "DEFAULT_POINTS": "curves",
    "sample": "curves",
    "plot_curves": "curves",
    "plot_span": "curves",
    "terminal_plot": "terminal",
    "sweep_terminal_plot": "terminal",
    "save_figure": "image",
    "save_sweep_figure": "image",
    "parse_size": "image",
    "DEFAULT_SIZE": "image",
    "FORMATS": "image",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gradcli.plot' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
