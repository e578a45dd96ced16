"""Plots as images (PNG, SVG, PDF) with matplotlib on its Agg canvas: the optional ``plot`` extra,
imported only when an image is asked for. Also :func:`parse_size`, the ``--size WxH`` reader.
"""

from __future__ import annotations

import math
import os
from typing import Any

from ..analysis.sweep import Sweep
from ..errors import OptionError, OutputError
from .curves import SWEEP_MARKS, Curves, labels, scale_of, scale_text, sweep_curves

DEFAULT_SIZE = (800, 500)  # pixels, for --output
FORMATS = ("png", "svg", "pdf")
MAX_PIXELS = 10_000


def parse_size(text: str) -> tuple[int, int]:
    """``800x500`` -> (800, 500), each from 16 to 10,000 pixels; ASCII digits only (``²`` and other
    characters that ``str.isdigit`` accepts but ``int`` does not are refused, as is anything else)."""
    w, sep, h = text.lower().partition("x")
    w, h = w.strip(), h.strip()
    if not sep or not _digits(w) or not _digits(h):
        raise OptionError(f"size {text!r} is not WIDTHxHEIGHT in pixels", hint="e.g. --size 800x500")
    size = (int(w), int(h))
    if not all(16 <= v <= MAX_PIXELS for v in size):
        raise OptionError(f"size {text!r} must be 16 to 10,000 pixels each way")
    return size


def _digits(text: str) -> bool:
    return 0 < len(text) <= 6 and text.isascii() and text.isdigit()


def save_figure(c: Curves, path: str, size: tuple[int, int] = DEFAULT_SIZE) -> None:
    """Write f (top) and df/dx (bottom, vanishing region shaded) to ``path`` (.png, .svg or .pdf).

    The image is exactly ``size`` pixels (at 100 dpi for PNG). Needs matplotlib (the ``plot``
    extra): without it, :class:`OptionError` names the extra.
    """
    fig = _new_figure(path, size)
    f_label, d_label, v_label = labels(c)
    top, bottom = fig.subplots(2, 1, sharex=True)
    for ax, values, label, colour in ((top, c.f, f_label, "tab:blue"), (bottom, c.slope, d_label, "tab:red")):
        scale = scale_of(values)  # each on its own axes, each its own factor
        ax.plot(c.x, values / scale, color=colour, label=label)
        if scale != 1.0:
            ax.set_title(scale_text(scale), fontsize="small")
    step = (c.x[-1] - c.x[0]) / max(len(c.x) - 1, 1)
    for i, (a, b) in enumerate(c.vanishing_spans()):
        for ax in (top, bottom):
            ax.axvspan(a - step / 2, b + step / 2, color="gold", alpha=0.3, label=v_label if i == 0 else None)
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    bottom.set_xlabel(c.var)
    _save(fig, path)


def save_sweep_figure(result: Sweep, path: str, size: tuple[int, int] = DEFAULT_SIZE) -> None:
    """Write the sweep to ``path`` (.png, .svg or .pdf): |error| (solid) and the method's own
    estimate (dashed) against eps on log-log axes, best (o), auto (^) and your --eps (x) marked."""
    fig = _new_figure(path, size)
    ax = fig.subplots()
    for method, (eps, err, est) in sweep_curves(result).items():
        (line,) = ax.loglog(eps, err, label=f"{method} |error|")
        ax.loglog(eps, est, linestyle="--", color=line.get_color(), alpha=0.6, label=f"{method} estimate")
    for mark, marker in SWEEP_MARKS.items():
        hits = [r for r in result.rows if mark in r.marks and math.isfinite(r.error) and r.error > 0]
        if hits:
            label = {"best": "best", "auto": "auto", "eps": "your --eps"}[mark]
            ax.scatter(
                [r.eps for r in hits], [r.error for r in hits], marker=marker, color="black", label=label
            )
    ax.set_xlabel("eps")
    ax.set_ylabel(f"|error| of df/d{result.var}")
    ax.set_title(f"{result.expr.text}: step-size sweep", fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    _save(fig, path)


DPI = 100


def _image_format(path: str) -> str:
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in FORMATS:
        raise OptionError(
            f"cannot tell the image format of '{path}'", hint="end the name with .png, .svg or .pdf"
        )
    return suffix


def _new_figure(path: str, size: tuple[int, int]) -> Any:
    """An empty matplotlib figure of ``size`` pixels for ``path``; the format and the extra are
    checked before anything is drawn."""
    _image_format(path)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise OptionError(
            "--output needs matplotlib, which is not installed", hint="pip install 'gradcli[plot]'"
        ) from None
    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str) -> None:
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=DPI, format=_image_format(path))
    except OSError as exc:
        raise OutputError(f"cannot write '{path}': {exc.strerror or exc}") from None
