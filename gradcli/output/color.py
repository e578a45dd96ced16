"""Whether output gets colour: one rule for tables, plots and everything else.

``--color always`` or ``never`` (:func:`use_color`) decides outright; otherwise (``auto``) a
non-empty ``NO_COLOR`` means no colour and no other styling (bold, italic) either, a non-empty
``FORCE_COLOR`` means colour, and else colour goes only to a terminal (https://no-color.org).
The stdlib only.
"""

from __future__ import annotations

import os
from typing import Any

MODES = ("auto", "always", "never")
_forced: bool | None = None  # set by --color: True always, False never, None auto


def use_color(mode: str) -> None:
    """Set the mode for the rest of the run: ``auto``, ``always`` or ``never``."""
    global _forced
    if mode not in MODES:
        raise ValueError(f"colour mode must be one of {', '.join(MODES)}, not {mode!r}")
    _forced = {"always": True, "never": False}.get(mode)


def wants_color(stream: Any) -> bool:
    """Whether text written to ``stream`` (a file object) should carry colour and styles."""
    if _forced is not None:
        return _forced
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
