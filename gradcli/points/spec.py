"""Points: ``--at`` specs, and binding them to an expression's variables as float64 rows.

A spec is one of

* named: ``a=5,b=3,c=2`` (any order);
* positional: ``5,3,2`` or ``p=5,3,2`` (``p=`` as in the note's p=(5,3,2); parentheses are
  optional): the values bind to the variables in natural order (``x1, x2, x10``), or in ``--vars``
  order.

A value is a plain number (``-3``, ``1e-8``) or a constant expression of gradcli's language
(``pi/2``, ``-e``, ``sqrt(2)``), read by the one value reader, :mod:`gradcli.points.values`.

Commands of one variable (the activation commands, ``plot``) also take ranges
``start:stop:count`` (:func:`parse_span`, :func:`parse_values`): count evenly spaced values,
both ends included, as ``numpy.linspace`` gives them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import PointsError, quote, short
from .values import read_value, read_whole

POINT_LABEL = "p"
_WRAPPED = r"^(?:p\s*=\s*)?\((.*)\)$"  # compiled on first use: start-up matters


class PointSpec(NamedTuple):
    """One ``--at`` value, parsed but not yet bound: names are None when positional.

    ``axes``, for a grid (``x=0:1:5,y=2``), holds each name's values (one for a plain value,
    ``count`` for a range); ``values`` is then the grid's first point. :func:`bind` expands the
    cartesian product, the first name varying slowest.
    """

    text: str
    names: tuple[str, ...] | None
    values: tuple[float, ...]
    axes: tuple[tuple[float, ...], ...] | None = None

    def size(self) -> int:
        """How many points this spec stands for."""
        return math.prod(len(a) for a in self.axes) if self.axes is not None else 1


MAX_GRID = 10_000  # points in all the --at grids of one run; beyond, stream them (--at -)


def parse_spec(text: str, grid: bool = False) -> PointSpec:
    """Parse one ``--at`` value; raises :class:`PointsError` with the offending piece.

    ``grid``: a named value may be a range ``start:stop:count`` (``x=0:1:5,y=2``), read by
    :func:`parse_span`; the spec then stands for the cartesian product (see :class:`PointSpec`).
    """
    body = text.strip()
    if not body:
        raise PointsError("empty point", hint="write --at a=5,b=3,c=2 or --at 5,3,2")
    wrapped = re.match(_WRAPPED, body) if body.endswith(")") else None
    if wrapped and _balanced(wrapped.group(1)):  # p=(5,3,2) or (5,3,2)
        return PointSpec(text, None, tuple(_number(v, text) for v in _split(wrapped.group(1))))
    items = _split(body)
    keyed = ["=" in item for item in items]
    if all(keyed):
        names, axes = [], []
        for item in items:
            name, _, value = item.partition("=")
            name = name.strip()
            if not name.isidentifier():
                raise PointsError(f"{quote(name)} in point {quote(text)} is not a variable name")
            names.append(name)
            axes.append(
                parse_span(value.strip(), with_count=True).values()
                if grid and ":" in value
                else (_number(value, text),)
            )
        spec = PointSpec(text, tuple(names), tuple(a[0] for a in axes))
        if any(len(a) > 1 for a in axes):
            spec = spec._replace(axes=tuple(axes))
            _cap(spec.size(), f"point {quote(text)}")
        return spec
    if any(keyed[1:]) or (keyed[0] and not _is_label(items[0])):
        raise PointsError(
            f"point {quote(text)} mixes name=value pairs with bare values",
            hint="give every value a name (a=5,b=3) or none (5,3)",
        )
    if keyed[0]:  # p=5,3,2
        items[0] = items[0].partition("=")[2]
    return PointSpec(text, None, tuple(_number(item, text) for item in items))


MAX_COUNT = 100_000  # points in one range: enough for any plot or table, small enough for memory


class Span(NamedTuple):
    """A range ``start:stop`` or ``start:stop:count``; count None when it was not given."""

    start: float
    stop: float
    count: int | None  # type: ignore[assignment]  # (shadows tuple.count, by design: the span's count)

    def values(self, count: int | None = None) -> tuple[float, ...]:
        """``count`` (default: the span's own) evenly spaced values, both ends included."""
        n = count if count is not None else self.count
        if n is None:
            raise ValueError("a span without a count needs one")
        return tuple(float(v) for v in np.linspace(self.start, self.stop, n))


def parse_span(text: str, with_count: bool | None = None) -> Span:
    """Parse ``start:stop[:count]`` (ends may be constant expressions: ``-pi:pi:9``).

    ``with_count`` True requires the count, False forbids it, None allows either. The count is a
    whole number from 2 to ``MAX_COUNT``; start and stop are finite and differ, and the count's
    evenly spaced values all differ as float64 numbers. Raises
    :class:`PointsError` naming the bad piece.
    """
    parts = text.split(":")
    shape = (
        "start:stop:count" if with_count else "start:stop" if with_count is False else "start:stop[:count]"
    )
    if (
        len(parts) not in (2, 3)
        or (with_count and len(parts) != 3)
        or (with_count is False and len(parts) != 2)
    ):
        raise PointsError(f"range {quote(text)} is not {shape}", hint="e.g. -10:10:21 (both ends included)")
    start, stop = (_number(piece, text) for piece in parts[:2])
    if start == stop:
        raise PointsError(f"range {quote(text)} starts and stops at the same value", hint="e.g. -10:10:21")
    if not math.isfinite(stop - start):
        raise PointsError(f"range {quote(text)} is wider than float64 can space evenly", hint="narrow it")
    count = None
    if len(parts) == 3:
        count = read_whole(parts[2], 2, MAX_COUNT)
        if count is None:
            raise PointsError(
                f"count {quote(parts[2].strip())} in range {quote(text)} is not a whole number"
                f" from 2 to {MAX_COUNT:,}",
                hint="e.g. -10:10:21 gives 21 values, both ends included",
            )
        steps = np.diff(np.linspace(start, stop, count))
        if not (np.all(steps > 0) if stop > start else np.all(steps < 0)):
            raise PointsError(
                f"range {quote(text)} is finer than float64 can hold: its {count:,} values would not all differ",
                hint="use fewer values or a wider range",
            )
    return Span(start, stop, count)


def parse_values(text: str, name: str = "x") -> tuple[float, ...]:
    """One ``--at`` of a one-variable command: ``20``, ``x=20``, ``pi/2``, a range ``-10:10:21``,
    or several of them separated by commas (``-1,0,1``; a comma inside parentheses, as in
    ``max(1,2)``, separates nothing)."""
    body = text.strip()
    label, eq, rest = body.partition("=")
    if eq and label.strip() in (name, POINT_LABEL):
        body = rest.strip()
    if not body:
        raise PointsError("empty point", hint="write --at 20 or a range --at -10:10:21")
    parts = _split(body)
    if len(parts) > 1:
        if any(not part.strip() for part in parts):
            raise PointsError(f"point {quote(text)} has an empty value", hint="write --at -1,0,1")
        return tuple(v for part in parts for v in parse_values(part, name))
    if ":" in body:
        return parse_span(body, with_count=True).values()
    return (_number(body, text),)


def _balanced(inner: str) -> bool:
    depth = 0
    for ch in inner:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _is_label(item: str) -> bool:
    return item.partition("=")[0].strip() == POINT_LABEL


def _split(body: str) -> list[str]:
    """Split on commas that are not inside parentheses (so atan2(1,2) stays one value)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth <= 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts


def _number(text: str, spec: str) -> float:
    """One value of the point ``spec``, read by the one value reader (:mod:`.values`)."""
    return read_value(
        text, "value ", f" in point {quote(spec)}", empty=f"point {quote(spec)} has an empty value"
    )


def _cap(size: int, what: str) -> None:
    if size > MAX_GRID:
        raise PointsError(
            f"{what} is a grid of {size:,} points, more than {MAX_GRID:,}",
            hint="use fewer points per range, or stream the points: --at - (one per line on stdin)",
        )


def expand(specs: Sequence[PointSpec]) -> list[PointSpec]:
    """Each grid spec as its points (the cartesian product, the first name slowest), in order."""
    if all(spec.axes is None for spec in specs):
        return list(specs)
    _cap(sum(spec.size() for spec in specs), "--at")
    out: list[PointSpec] = []
    for spec in specs:
        if spec.axes is None:
            out.append(spec)
            continue
        from itertools import product

        out.extend(PointSpec(spec.text, spec.names, values) for values in product(*spec.axes))
    return out


def bind(
    specs: Sequence[PointSpec], variables: Sequence[str], order: Sequence[str] | None = None
) -> np.ndarray:
    """Rows of float64 values, one per spec, columns in ``variables`` order.

    Every variable gets exactly one value: a missing, unknown or repeated name, or a wrong
    count of positional values, raises :class:`PointsError` naming the variables.
    """
    specs = expand(specs)
    variables = tuple(variables)
    positional = tuple(order) if order is not None else variables
    listing = _listing(variables)
    rows = np.empty((len(specs), len(variables)), dtype=np.float64)
    column = {name: i for i, name in enumerate(variables)}
    for r, spec in enumerate(specs):
        if spec.names == (POINT_LABEL,) and POINT_LABEL not in column:
            spec = PointSpec(spec.text, None, spec.values)  # p=-3: the label, not a variable
        if spec.names is None:
            if len(spec.values) != len(positional):
                raise PointsError(
                    f"point {quote(spec.text)} has {len(spec.values)} value{'s' * (len(spec.values) != 1)}"
                    f" but the expression has {len(variables)} variable{'s' * (len(variables) != 1)}",
                    hint=(
                        f"{listing} (positional values bind in the order {short(', '.join(positional), width=200)})"
                        if positional
                        else f"{listing}: give no --at"
                    ),
                )
            for name, value in zip(positional, spec.values):
                rows[r, column[name]] = value
            continue
        seen: set[str] = set()
        for name, value in zip(spec.names, spec.values):
            if name not in column:
                raise PointsError(
                    f"point {quote(spec.text)} names {quote(name)}, which is not in the expression",
                    hint=listing,
                )
            if name in seen:
                raise PointsError(f"point {quote(spec.text)} gives {quote(name)} twice", hint=listing)
            seen.add(name)
            rows[r, column[name]] = value
        missing = [name for name in variables if name not in seen]
        if missing:
            raise PointsError(
                f"point {quote(spec.text)} gives no value for {short(', '.join(missing), width=200)}",
                hint=listing,
            )
    return rows


def check_order(order: Sequence[str], variables: Sequence[str]) -> tuple[str, ...]:
    """Validate ``--vars``: each of the expression's variables exactly once."""
    listing = _listing(variables)
    seen: set[str] = set()
    for name in order:
        if name not in variables:
            raise PointsError(f"--vars names {quote(name)}, which is not in the expression", hint=listing)
        if name in seen:
            raise PointsError(f"--vars names {quote(name)} twice", hint=listing)
        seen.add(name)
    missing = [name for name in variables if name not in seen]
    if missing:
        raise PointsError(f"--vars leaves out {short(', '.join(missing), width=200)}", hint=listing)
    return tuple(order)


def _listing(variables: Sequence[str]) -> str:
    if not variables:
        return "the expression has no variables"
    return f"the expression's variables are {short(', '.join(map(short, variables)), width=200)}"


def parse_eps(text: str) -> float | dict[str, float] | None:
    """``--eps``: ``auto`` (None), one positive step for every variable, or per-variable steps
    ``x=1e-4,y=1e-6`` (a mapping; variables not named keep the automatic step)."""
    body = text.strip()
    if body.lower() == "auto":
        return None
    if "=" not in body:
        return _step(body, text)
    steps: dict[str, float] = {}
    for item in _split(body):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise PointsError(f"--eps item {quote(item)} is not NAME=STEP", hint="e.g. --eps x=1e-4,y=1e-6")
        if name in steps:
            raise PointsError(f"--eps names {name} twice")
        steps[name] = _step(value, text)
    return steps


def _step(value: str, text: str) -> float:
    number = read_value(
        value, "step ", f" in --eps {quote(text)}", empty=f"--eps {quote(text)} has an empty step"
    )
    if not (math.isfinite(number) and number > 0):
        raise PointsError(f"--eps step {quote(value.strip())} is not a positive finite number (or 'auto')")
    return number


At = str | Sequence[str] | Mapping[str, Any] | np.ndarray | Sequence[Sequence[float]]


def points_from(at: At, variables: Sequence[str], order: Sequence[str] | None = None) -> np.ndarray:
    """The points of the Python API's ``at``, an (n, k) float64 array, columns in ``variables`` order.

    ``at`` is a ``--at`` string (``"a=5,b=3,c=2"``, ``"x=0:1:5"``) or a list of them, read
    exactly as the command line reads them; a mapping name -> value, where values may be numbers
    or arrays (broadcast together: ``{"x": np.linspace(0, 1, 5), "y": 2}`` is 5 points); or an
    (n, k) array of numbers (a 1-d array is one point, or n values of the one variable). Unknown, missing or repeated names and
    wrong shapes raise :class:`PointsError`, as on the command line.
    """
    variables = tuple(variables)
    if isinstance(at, str):
        at = [at]
    if isinstance(at, Mapping):
        names = list(at)
        arrays = [np.asarray(at[name], dtype=np.float64) for name in names]
        try:
            arrays = list(np.broadcast_arrays(*arrays)) if arrays else []
        except ValueError:
            shapes = ", ".join(f"{name}: {a.shape}" for name, a in zip(names, arrays))
            raise PointsError(f"the values' shapes do not broadcast together ({shapes})") from None
        first = tuple(float(a.flat[0]) if a.size else math.nan for a in arrays)
        text = ",".join(f"{name}={value!r}" for name, value in zip(names, first))
        bind([PointSpec(text, tuple(names), first)], variables)  # the names' checks, as for --at
        size = arrays[0].size if arrays else 1
        out = np.empty((size, len(variables)), dtype=np.float64)
        for name, a in zip(names, arrays):
            out[:, variables.index(name)] = a.ravel()
        return out
    if isinstance(at, np.ndarray) or (len(at) and not isinstance(at[0], str)):
        out = np.array(at, dtype=np.float64)
        out = out.reshape(-1, 1) if out.ndim == 1 and len(variables) == 1 else np.atleast_2d(out)
        if out.ndim != 2 or out.shape[1] != len(variables):
            raise PointsError(
                f"points of shape {np.shape(at)} do not fit {len(variables)} variable"
                f"{'s' * (len(variables) != 1)}",
                hint=f"{_listing(variables)}: give an (n, {len(variables)}) array",
            )
        return out
    positional = check_order(order, variables) if order is not None else None
    return bind([parse_spec(str(text), grid=True) for text in at], variables, positional)
