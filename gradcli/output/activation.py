"""An activation's results in words: its healthy range and its vanishing warnings. No Rich.

:func:`explain` rewrites the vanishing warnings of :func:`gradcli.analysis.activation.evaluate_activation`
in terms of the function and its healthy range, for a learner to act on; :func:`describe` states
that range in sentences (the same under a table and on stderr); :func:`health_record` gives
the JSON fields. Each x's verdict (:func:`gradcli.analysis.activation.verdicts`) is written
as the last CSV/TSV column ``health`` and the JSON key ``"health"`` after ``"warnings"``, by
:func:`write_activation` for ``--at`` values and by :func:`health_rows` / :func:`with_health`
for a stream's chunks, so both say the same. Numbers at full precision, where a user may
compare them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any, TextIO

from ..analysis.activation import ActivationResult, verdicts
from ..analysis.health import Health
from ..derive.diagnostics import GradWarning
from ..derive.gradient import GradResult
from .delimited import check_columns, header, output_columns, write_delimited
from .jsonl import dumps, records
from .numbers import number

HEALTH_COLUMN = "health"  # each x's verdict, after f and grad_x


def interval_text(lo: float, hi: float) -> str:
    """``-13.8 < x < 13.8``, ``0.0 < x``, ``x < 3.0`` or ``every x``, ends at full precision."""
    if lo == -math.inf and hi == math.inf:
        return "every x"
    if lo == -math.inf:
        return f"x < {number(hi)}"
    if hi == math.inf:
        return f"{number(lo)} < x"
    return f"{number(lo)} < x < {number(hi)}"


def set_text(intervals: Sequence[tuple[float, float]]) -> str:
    return " or ".join(interval_text(lo, hi) for lo, hi in intervals) if intervals else "no x"


def explain(run: ActivationResult) -> ActivationResult:
    """``run`` with each vanishing warning told in terms of the activation: its slope, the
    threshold, why it matters and where the slope is large enough. Other warnings are kept, and
    so are warnings already told so (explaining twice changes nothing)."""
    if run.health is None:
        return run
    result, health, name = run.result, run.health, run.name
    advice = ""
    if health.above_vanish:
        advice = f"; it is at least {number(health.vanish)} only for {set_text(health.above_vanish)}"
    told = f"{name}'("
    warnings: list[tuple[Any, ...]] = []
    for p, found in enumerate(result.warnings):
        if any(w.kind == "vanishing" and not w.message.startswith(told) for w in found):
            found = tuple(_in_words(w, name, result, p, health.vanish, advice) for w in found)
        warnings.append(found)
    return run._replace(result=result._replace(warnings=warnings))


def stream_words(result: GradResult, name: str, vanish: float) -> GradResult:
    """A streamed activation's chunk with each vanishing warning told as :func:`explain` tells
    it for ``--at`` values, without the healthy range (a stream does not search for it)."""
    if not any(w.kind == "vanishing" for found in result.warnings for w in found):
        return result
    warnings = [
        tuple(_in_words(w, name, result, p, vanish, "") for w in found) if found else found
        for p, found in enumerate(result.warnings)
    ]
    return result._replace(warnings=warnings)


def _in_words(
    w: GradWarning, name: str, result: GradResult, p: int, vanish: float, advice: str
) -> GradWarning:
    if w.kind != "vanishing":
        return w
    where = f"{name}'({number(result.points[p, 0])})"
    g = float(result.exact[p, 0])
    reason = (w.details or {}).get("reason")
    if reason in ("flat", "constant"):
        text = f"{where} is exactly 0: {name} is flat here, so a gradient step cannot move x at all{advice}"
    elif reason == "stationary":
        text = f"{where} is exactly 0 at this point only: {w.message}{advice}"
    elif reason == "underflow":
        high = (w.details or {}).get("high_precision")
        text = (
            f"{where} = {high} (in high precision) is below float64's range, so it shows as {number(g)}: "
            f"{name} is saturated here, so a gradient step barely moves x, and multiplied through further "
            f"layers the gradient vanishes{advice}"
        )
    elif reason in ("small", "uncertain"):
        text = f"{w.message}{advice}"
    else:
        text = (
            f"{where} = {number(g)} is below the --vanish threshold {number(vanish)}: {name} is "
            f"saturated here (f = {number(result.value[p])} barely changes with x), so a gradient "
            f"step barely moves x, and multiplied through further layers the gradient vanishes{advice}"
        )
    return w._replace(message=text)


def describe(health: Health, name: str) -> list[str]:
    """The healthy range in sentences, the same under a table and on stderr."""
    lines = [f"healthy range of {name} (found numerically from its derivative):"]
    if health.vanish > 0:
        lines.append(f"  |f'(x)| >= {number(health.vanish)} (--vanish) for {set_text(health.above_vanish)}")
    else:
        lines.append("  no vanishing threshold (--vanish 0)")
    if health.peak > 0:
        where = f" at x ≈ {health.peak_at:.6g}" if health.peak_at is not None else ""
        lines.append(
            f"  |f'(x)| >= 10% of its peak {number(health.peak)}{where} for {set_text(health.strong)}"
        )
    sides = []
    if health.above_vanish and health.above_vanish[-1][1] == math.inf:
        sides.append("for large x")
    if health.above_vanish and health.above_vanish[0][0] == -math.inf:
        sides.append("for very negative x")
    if sides and health.vanish > 0:
        lines.append(f"  no vanishing side {' or '.join(sides)}: f' does not fade there")
    if health.zero_left:
        lines.append(
            "  left of that f' is exactly 0: a unit pushed there stops learning (dead), not only slowly"
        )
    if health.zero_right:
        lines.append("  right of that f' is exactly 0: a unit pushed there stops learning (dead)")
    for z in health.zeros:
        lines.append(f"  f' changes sign at x = {number(z)}, where f turns (a minimum or maximum)")
    if health.peak > 0:
        low, high = health.unit_low / health.peak, health.unit_high / health.peak
        inside = all(
            any(lo < -1 and 1 < hi for lo, hi in intervals)
            for intervals in (health.above_vanish, health.strong)
        )
        lines.append(
            f"  the usual advice -1 < x < 1 is {'inside both' if inside else 'not inside both'}: there "
            f"|f'| is {health.unit_low:.3g} to {health.unit_high:.3g} ({low:.0%} to {high:.0%} of the peak)"
        )
    return lines


def health_record(health: Health) -> dict[str, Any]:
    """JSON-ready fields; an unbounded end is null."""

    def ends(intervals: Sequence[tuple[float, float]]) -> list[list[float | None]]:
        return [
            [lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None] for lo, hi in intervals
        ]

    return {
        "vanish": health.vanish,
        "above_vanish": ends(health.above_vanish),
        "peak": health.peak,
        "peak_at": health.peak_at,
        "strong": ends(health.strong),
        "strong_threshold": health.strong_threshold,
        "unit_range": {"low": health.unit_low, "high": health.unit_high},
        "dead_left": health.zero_left,
        "dead_right": health.zero_right,
        "slope_zeros": list(health.zeros),
    }


def activation_extra(run: ActivationResult) -> dict[str, Any]:
    """The fields an activation adds to each JSON record: ``function`` and ``healthy``."""
    return {"function": run.name, "healthy": health_record(run.health)}


def activation_header(
    variables: Sequence[str], inputs: Sequence[str] | None = None, fmt: str = "csv"
) -> list[str]:
    """The CSV/TSV columns of an activation: :func:`~gradcli.output.delimited.header`'s, then
    ``health``; an input column called ``health`` is refused as the header refuses a repeat."""
    columns = header(variables, inputs, fmt=fmt)
    check_columns(
        variables,
        list(variables if inputs is None else inputs),
        [*output_columns(variables), HEALTH_COLUMN],
        fmt,
    )
    return [*columns, HEALTH_COLUMN]


def health_rows(rows: Sequence[str], result: GradResult, sep: str) -> list[str]:
    """A stream's CSV/TSV ``rows`` (one per point of ``result``) with each point's verdict added."""
    return [f"{row}{sep}{verdict}" for row, verdict in zip(rows, verdicts(result))]


def with_health(text: str, result: GradResult) -> str:
    """JSON Lines ``text`` (one record per point of ``result``) with ``"health"`` last in each."""
    lines = text.splitlines()
    return "".join(f'{line[:-1]}, "health": "{v}"}}\n' for line, v in zip(lines, verdicts(result)))


def write_activation(run: ActivationResult, fmt: str, out: TextIO) -> None:
    """An activation at ``--at`` values in ``fmt`` (json, csv or tsv), each x with its verdict:
    JSON records add ``health``, ``function`` and ``healthy``; CSV/TSV rows end in ``health``."""
    result = run.result
    if fmt == "json":
        extra = activation_extra(run)
        for record, verdict in zip(records(result), verdicts(result)):
            out.write(dumps({**record, "health": verdict, **extra}) + "\n")
        return
    sep = "," if fmt == "csv" else "\t"
    out.write(sep.join(activation_header(result.variables, fmt=fmt)) + "\n")
    body = io.StringIO()
    write_delimited(result, body, sep, with_header=False)
    out.write("".join(row + "\n" for row in health_rows(body.getvalue().splitlines(), result, sep)))


__all__ = [
    "HEALTH_COLUMN",
    "activation_extra",
    "activation_header",
    "describe",
    "explain",
    "health_record",
    "health_rows",
    "interval_text",
    "set_text",
    "with_health",
    "write_activation",
]
