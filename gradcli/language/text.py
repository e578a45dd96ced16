"""The text around the parser: what may be in an expression, ``^`` as ``**``, and what a refusal says.

Everything here works on the user's text and Python's ``SyntaxError``, never on a syntax tree
(:mod:`gradcli.language.parse` is the one module that reads ``ast``): the checks made before
parsing (length, plain ASCII, one line, no ``#`` comment), the spelling of ``^`` as ``**`` with
a map back to the user's columns, and the messages with hints for a syntax error, an unknown
function (did you mean ...) and a function's usage.
"""

from __future__ import annotations

from ..errors import ExpressionError, quote, short
from ..registry import FUNCTIONS, Op
from .nodes import MAX_LENGTH

# Hints for the non-ASCII characters people paste most often.
_UNICODE_HINTS = {
    "\u2212": "write - instead",  # MINUS SIGN
    "\u2013": "write - instead",  # EN DASH
    "\u2014": "write - instead",  # EM DASH
    "\u2010": "write - instead",  # HYPHEN
    "\u00d7": "write * instead",  # MULTIPLICATION SIGN
    "\u00b7": "write * instead",  # MIDDLE DOT
    "\u22c5": "write * instead",  # DOT OPERATOR
    "\u2217": "write * instead",  # ASTERISK OPERATOR
    "\u00f7": "write / instead",  # DIVISION SIGN
    "\u2215": "write / instead",  # DIVISION SLASH
    "\u00b2": "write **2 instead",  # SUPERSCRIPT TWO
    "\u00b3": "write **3 instead",  # SUPERSCRIPT THREE
    "\u03c0": "write pi instead",  # GREEK SMALL LETTER PI
    "\u221a": "write sqrt(x) instead",  # SQUARE ROOT
    "\u00a0": "replace it with an ordinary space",  # NO-BREAK SPACE
    "\u2018": "gradcli expressions take no quotes",
    "\u2019": "gradcli expressions take no quotes",
    "\u201c": "gradcli expressions take no quotes",
    "\u201d": "gradcli expressions take no quotes",
}

# A number written straight against a name, like 2x or 3.5e: implied multiplication.
_IMPLIED_PRODUCT = r"(?<![\w.])((?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)([A-Za-z_]\w*)"
_ALLOWED_CONTROL = "\t\r\n"


def caret_as_power(text: str) -> tuple[str, list[int]]:
    """Spell ``^`` as ``**`` (so it gets the power's precedence and right-to-left grouping).

    Returns the text for Python's parser and, for each of its offsets (and one past the end),
    the offset in ``text`` it came from, so columns and node texts stay the user's own.
    """
    if "^" not in text:
        return text, list(range(len(text) + 1))
    where: list[int] = []
    for i, ch in enumerate(text):
        where.extend((i, i) if ch == "^" else (i,))
    where.append(len(text))
    return text.replace("^", "**"), where


def check_text(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}", text
        )
    if not text.isascii() or not text.replace("\t", " ").replace("\r", " ").replace("\n", " ").isprintable():
        _refuse_character(text)
    if not text.strip():
        raise ExpressionError("expression is empty", text, hint='try, e.g., "3*(a+b*c)"')
    body = text.strip()
    breaks = [i for i in (body.find("\n"), body.find("\r")) if i >= 0]
    if breaks:  # an expression is one line of mathematics: nothing after a line break is ignored
        column = text.index(body) + min(breaks) + 1
        raise ExpressionError(
            "an expression is one line: it holds a line break",
            text,
            column,
            hint="write the whole expression on one line",
        )
    if "#" in text:  # Python would read the rest as a comment and ignore it
        raise ExpressionError(
            "'#' is not allowed: an expression holds no comments", text, text.index("#") + 1
        )


def _refuse_character(text: str) -> None:
    for i, ch in enumerate(text):
        if not ch.isascii() or (not ch.isprintable() and ch not in _ALLOWED_CONTROL):
            import unicodedata

            name = unicodedata.name(ch, "control character")
            raise ExpressionError(
                f"character {ch!r} (U+{ord(ch):04X} {name}) is not allowed",
                text,
                i + 1,
                hint=_UNICODE_HINTS.get(ch, "expressions are plain ASCII"),
            )


def syntax_error(text: str, exc: SyntaxError, where: list[int]) -> ExpressionError:
    import re

    match = re.search(_IMPLIED_PRODUCT, text) if exc.msg.startswith("invalid") else None
    if match:
        number, name = match.groups()
        return ExpressionError(
            f"{quote(number + name)} is not valid",
            text,
            match.start() + 1,
            len(match.group(0)),
            hint=f"write {short(number)}*{short(name)}",
        )
    message = exc.msg.split(".", 1)[0] if exc.msg.startswith("invalid syntax") else exc.msg
    if "Exceeds the limit" in message:
        return ExpressionError(
            "a number literal has too many digits", text, hint="use scientific notation, e.g. 1e300"
        )
    if "too many nested parentheses" in message:
        return ExpressionError(
            "parentheses are nested too deeply", text, hint="Python's parser allows 200 levels"
        )
    if not exc.offset or exc.offset > len(where) - 1:  # Python reports no place: it ran out
        return ExpressionError(
            "expression ends too early",
            text,
            max(len(text.rstrip()), 1),
            hint="is an operand or ')' missing?",
        )
    start = exc.offset - 1
    column = where[start] + 1
    length = 1
    if exc.end_offset and exc.end_lineno == exc.lineno and exc.end_offset > exc.offset:
        length = where[min(exc.end_offset - 1, len(where) - 1)] - where[start]
    piece = text[column - 1 : column - 1 + length]
    if message.startswith("'(' was never closed"):
        return ExpressionError("'(' is never closed", text, column, 1, hint="add the ')' it needs")
    if message.startswith("unmatched ')'"):
        return ExpressionError(
            "')' closes no '('",
            text,
            column,
            1,
            hint="remove it, or add the '(' it closes",
        )
    detail = f" near {quote(piece)}" if piece.strip() else ""
    hint = "is an operator missing, as in x*y?" if "forgot a comma" in exc.msg else None
    before = re.search(r"([\w.]+)\s+$", text[: column - 1])
    if before and message.startswith("invalid syntax"):
        word = before.group(1)
        if word in FUNCTIONS:  # sin x: a call needs parentheses
            argument = re.match(r"[\w.]+", text[column - 1 :])
            inner = argument.group(0) if argument else "x"
            hint = f"a function takes its arguments in parentheses: write {short(word)}({short(inner)})"
        else:
            hint = "is an operator missing, as in x*y?"
    return ExpressionError(f"{message}{detail}", text, column, length, hint)


def usage(op: Op, name: str) -> str:
    forms = op.signature.split("  ")
    return next((form for form in forms if form.startswith(f"{name}(")), forms[0])


def suggest(name: str) -> str | None:
    import difflib

    close = difflib.get_close_matches(name.lower(), [*FUNCTIONS], n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "run 'gradcli functions' for the list"
