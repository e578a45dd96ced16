"""What a warning is: its kinds, thresholds and the number spellings every message uses."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

KINDS = (
    "nonfinite",
    "nondifferentiable",
    "kink",
    "uncertain",
    "vanishing",
    "exploding",
    "step",
    "unconverged",
    "inaccurate",
)
DEFAULT_VANISH = 1e-6
DEFAULT_EXPLODE = 1e6
TRUSTED = 1e-6  # relative error that any gradient check accepts
INACCURATE_FACTOR = 100.0  # error beyond this many times the estimate: not explained by the step
BEST_FACTOR = 10.0  # within this factor of the best step's estimated error counts as fine


class GradWarning(NamedTuple):
    """One warning: which variable (None for the whole point), its kind, and what to do."""

    var: str | None
    kind: str
    message: str
    details: dict[str, Any] | None = None  # e.g. left/right, suggested_eps

    def as_dict(self) -> dict[str, Any]:
        return {"var": self.var, "kind": self.kind, "message": self.message, **(self.details or {})}


def _threshold(x: float) -> str:
    """A user's threshold as short as it reads back exactly: 1e-06, but 1.234567891e-06 in full."""
    short = f"{x:g}"
    return short if float(short) == x else repr(float(x))


def _num(x: float) -> str:
    return repr(float(x) + 0.0)  # + 0.0 turns -0.0 into 0.0


def _json(x: float) -> float | None:
    x = float(x) + 0.0
    return x if np.isfinite(x) else None


def _at(value: Any, p: int) -> float:
    """Point ``p``'s value of a node (an array over the points, or a scalar shared by all)."""
    return float(value[p]) if np.ndim(value) else float(value)
