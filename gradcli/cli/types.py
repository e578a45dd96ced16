"""Every option type of the command line: values are converted and checked at the edge, and a
bad one is a usage error (exit 2) naming the option, before any work starts."""

from __future__ import annotations

import math
from typing import Any

import click

from ..errors import PointsError
from ..points.spec import PointSpec, Span, parse_span, parse_spec, parse_values

STDIN = "-"


class PointType(click.ParamType):
    """``--at``: ``a=5,b=3,c=2``, ``5,3,2`` or ``p=5,3,2``, a grid ``x=0:1:5,y=2``; ``-`` streams points from stdin."""

    name = "POINT"

    def convert(self, value: Any, param: Any, ctx: Any) -> PointSpec:
        if isinstance(value, PointSpec):
            return value
        if str(value).strip() == STDIN:
            return PointSpec(STDIN, None, ())
        try:
            return parse_spec(str(value), grid=True)
        except PointsError as exc:
            self.fail(str(exc), param, ctx)


class ValuesType(click.ParamType):
    """``--at`` of a one-variable command: ``20``, ``x=20``, ``pi/2``, a range ``-10:10:21``, or
    several, ``-1,0,1``."""

    name = "X|START:STOP:COUNT"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[float, ...]:
        if isinstance(value, tuple):
            return value
        if str(value).strip() == STDIN:  # --at -: x values stream from stdin
            return (STDIN,)  # type: ignore[return-value]
        try:
            return parse_values(str(value))
        except PointsError as exc:
            self.fail(str(exc), param, ctx)


class SpanType(click.ParamType):
    """``--range START:STOP``: the x range of a plot (START < STOP)."""

    name = "START:STOP"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, Span):
            return value
        try:
            span = parse_span(str(value), with_count=False)
        except PointsError as exc:
            self.fail(str(exc), param, ctx)
        if span.stop < span.start:
            self.fail(f"range '{value}' must go up: START < STOP", param, ctx)
        return span


class EpsType(click.ParamType):
    """``--eps``: ``auto`` (None), a positive finite number, or per-variable steps ``x=1e-4,y=1e-6``."""

    name = "EPS|auto"

    def convert(self, value: Any, param: Any, ctx: Any) -> float | dict[str, float] | None:
        if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
            return None
        if isinstance(value, str) and "=" in value:  # per variable: x=1e-4,y=1e-6
            from ..points.spec import parse_eps

            try:
                return parse_eps(value)
            except PointsError as exc:
                self.fail(str(exc), param, ctx)
        number = positive(value)
        if number is None:
            self.fail(f"{value!r} is not a positive finite number (or 'auto')", param, ctx)
        return number


class PositiveFloat(click.ParamType):
    """A positive finite number (``--vanish``, ``--explode``)."""

    name = "FLOAT"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        number = positive(value)
        if number is None:
            self.fail(f"{value!r} is not a positive finite number", param, ctx)
        return number


class VanishFloat(PositiveFloat):
    """``--vanish``: a positive finite number, or 0 for no vanishing warning at all."""

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        try:
            if float(value) == 0:
                return 0.0
        except (TypeError, ValueError):
            pass
        number = positive(value)
        if number is None:
            self.fail(f"{value!r} is not a positive finite number or 0", param, ctx)
        return number


class InputPath(click.ParamType):
    """``--input FILE`` (``-``: stdin): a file name, opened and checked where it is read.

    (Not :class:`click.Path`, whose constructor asks gettext for its name and so imports
    ``locale`` on every run; a file that cannot be read is reported when it is opened.)
    """

    name = "file"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        return str(value)

    def shell_complete(self, ctx: Any, param: Any, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(incomplete, type="file")]


class PrecisionType(click.ParamType):
    """``--precision``: auto, off, or a number of significant digits (see gradcli.derive.precise)."""

    name = "auto|N|off"

    def convert(self, value: Any, param: Any, ctx: Any) -> str | int:
        from ..derive.precise import check_precision
        from ..errors import OptionError

        try:
            return check_precision(value if isinstance(value, int) else str(value))
        except OptionError as exc:
            self.fail(str(exc), param, ctx)


class StepRangeType(click.ParamType):
    """``--steps``: two positive steps, ``1e-1:1e-15`` (largest and smallest, either order)."""

    name = "FROM:TO"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[float, float]:
        if isinstance(value, tuple):
            return value
        parts = str(value).split(":")
        numbers = [positive(part) for part in parts]
        if len(parts) != 2 or None in numbers:
            self.fail(f"{value!r} is not two positive numbers FROM:TO, e.g. 1e-1:1e-15", param, ctx)
        return numbers[0], numbers[1]  # type: ignore[return-value]


class NamesType(click.ParamType):
    """``--vars b,a,c``: variable names, in the order positional values bind to them."""

    name = "NAMES"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        return tuple(v.strip() for v in str(value).split(",") if v.strip())


def positive(value: Any) -> float | None:
    """``value`` as a positive finite float, or None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None
