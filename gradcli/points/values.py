"""The one value reader: what ``--at``, streamed lines, ranges and sizes accept as a value.

A **value** is either

* a plain number: ASCII digits with an optional sign, decimal point and exponent
  (``5``, ``-3``, ``.5``, ``2.``, ``1e-8``, ``+6.02E23``), read by ``float``; or
* a constant expression of gradcli's language (``pi/2``, ``-e``, ``sqrt(2)``, ``atan2(1,2)``),
  evaluated in float64;

and it must be a finite float64 that does not underflow: a number written non-zero that float64
rounds to 0 (``1e-400``) is refused, as one that overflows (``1e400``) is. Subnormal values
(``1e-310``) are float64 numbers and are accepted. Everything else is refused: ``inf``, ``nan``,
digit separators (``1_000``), digits other than ASCII 0-9 (Arabic-Indic, full-width,
superscripts), hexadecimal, names. The language's own literals follow the same grammar.

A **whole number** (a range's count, a size's width or height) is ASCII digits only.

Errors are :class:`~gradcli.errors.PointsError` (sizes: :class:`~gradcli.errors.OptionError`);
each quotes the value through :func:`gradcli.errors.quote`, so a 5,000-digit value gives a
short line. stdlib only, plus the language for constant expressions (imported when first needed).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import OptionError, PointsError, quote

# ASCII only: [0-9], never \\d (which matches any Unicode digit).
NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
NUMBER_BYTES = b"0123456789.eE+-"  # every character a plain number can hold
_NON_FINITE = frozenset({"inf", "infinity", "nan"})
_compiled: dict[str, Any] = {}  # patterns compiled on first use: start-up matters


def _pattern(name: str, text: str) -> Any:
    found = _compiled.get(name)
    if found is None:
        import re

        found = _compiled[name] = re.compile(text)
    return found


def is_number(text: str) -> bool:
    """Whether ``text`` (already stripped) is a plain number in the grammar above."""
    return _pattern("number", NUMBER_PATTERN).fullmatch(text) is not None


def written_as_value(text: str) -> bool:
    """Whether a field (already stripped) is written as a value rather than as a name.

    A plain number, a spelling of inf or nan (a value, though not a finite one), or a constant
    expression that is not a bare name (``pi/2``, ``-e``, ``+pi``, ``sqrt(2)``). A bare name
    (an identifier, ``e`` and ``pi`` included) is not: on a stream's first line it names a
    column. Anything else (``point id``, ``x+1``) is neither a value nor a bare name.
    """
    if is_number(text) or spells_non_finite(text):
        return True
    if not text or text.isidentifier() or not text.isascii():
        return False
    from ..errors import ExpressionError
    from ..language.parse import parse

    try:
        return not parse(text).variables
    except ExpressionError:
        return False


def underflows(text: str, value: float) -> bool:
    """Whether the plain number ``text`` is written non-zero but ``value`` (its float) is 0."""
    if value != 0.0:
        return False
    mantissa = text.partition("e")[0].partition("E")[0]
    return any(ch in "123456789" for ch in mantissa)


def spells_non_finite(text: str) -> bool:
    """Whether ``text`` spells infinity or NaN as ``float`` would read it (``inf``, ``-NaN``...)."""
    return text.lstrip("+-").lower() in _NON_FINITE


def read_value(text: str, before: str = "value ", after: str = "", empty: str | None = None) -> float:
    """``text`` as a float64 in the value grammar (module docstring), or :class:`PointsError`.

    The error reads ``{before}'{text}'{after} is not a number`` (or ``... is not a finite
    number``, ``... underflows to 0 in float64``), with the value quoted short; an empty
    ``text`` gives ``empty`` as the message when one is given.
    """
    piece = text.strip()
    if not piece and empty is not None:
        raise PointsError(empty)
    if is_number(piece):
        value = float(piece)
        if math.isinf(value):
            raise PointsError(
                f"{before}{quote(piece)}{after} is not a finite number", hint="the largest is about 1.8e308"
            )
        if underflows(piece, value):
            raise PointsError(
                f"{before}{quote(piece)}{after} underflows to 0 in float64",
                hint="the smallest positive value is about 4.9e-324",
            )
        return value
    if spells_non_finite(piece):
        raise PointsError(f"{before}{quote(piece)}{after} is not a finite number")
    return _constant(piece, before, after)


def _constant(piece: str, before: str, after: str) -> float:
    """A constant expression's value; the language's parser refuses all but its own grammar."""
    from ..errors import ExpressionError
    from ..language.evaluate import evaluate_constant
    from ..language.parse import parse

    not_a_number = f"{before}{quote(piece)}{after} is not a number"
    if not piece.isascii():
        ch = next(ch for ch in piece if not ch.isascii())
        hint = "values are plain ASCII: digits 0-9, e.g. 1.5e-3"
        if ch.isdigit() or ch.isnumeric():
            hint = f"{ch!r} is not an ASCII digit; {hint}"
        raise PointsError(not_a_number, hint=hint)
    if not piece:
        raise PointsError(not_a_number)
    try:
        expr = parse(piece)
    except ExpressionError as exc:
        raise PointsError(not_a_number, hint=exc.hint if exc.hint and "_" in piece else None) from None
    if expr.variables:  # a bare word is just not a number; x+1 reads as an attempt at one
        no_variables = "values may use pi, e and functions, but no variables"
        raise PointsError(not_a_number, hint=None if piece.isidentifier() else no_variables)
    value = evaluate_constant(expr)
    if not math.isfinite(value):
        raise PointsError(f"{before}{quote(piece)}{after} is not a finite number")
    return value


def read_whole(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high`` (ASCII digits only), else None."""
    piece = text.strip()
    if not piece or not piece.isascii() or not piece.isdigit() or len(piece) > len(str(high)):
        return None
    number = int(piece)
    return number if low <= number <= high else None


SIZE_LIMITS = (16, 10_000)  # pixels each way


def read_size(text: str, low: int = SIZE_LIMITS[0], high: int = SIZE_LIMITS[1]) -> tuple[int, int]:
    """``800x500`` -> (800, 500): WIDTHxHEIGHT in whole pixels, each from ``low`` to ``high``.

    The ``x`` may be upper case; spaces around each number are allowed. Anything else (non-ASCII
    digits, signs, decimals) raises :class:`OptionError` quoting the size.
    """
    w, sep, h = text.lower().partition("x")
    plain = sep and all(p.strip().isascii() and p.strip().isdigit() for p in (w, h))
    if not plain:
        raise OptionError(f"size {quote(text)} is not WIDTHxHEIGHT in pixels", hint="e.g. --size 800x500")
    width, height = read_whole(w, low, high), read_whole(h, low, high)
    if width is None or height is None:
        raise OptionError(f"size {quote(text)} must be {low} to {high:,} pixels each way")
    return width, height


__all__ = [
    "NUMBER_BYTES",
    "NUMBER_PATTERN",
    "SIZE_LIMITS",
    "is_number",
    "read_size",
    "read_value",
    "read_whole",
    "spells_non_finite",
    "underflows",
    "written_as_value",
]
