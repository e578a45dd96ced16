"""A grammar of gradcli inputs: expressions, points, stream lines and option combinations.

One grammar, two drivers: every generator takes a :class:`Draw`, which is either
:class:`RandomDraw` (a seeded ``random.Random``: fast, for ``benchmarks/fuzz.py``) or
:class:`HypothesisDraw` (hypothesis's ``data.draw``, so a failing case shrinks).

A :class:`Case` is the argument list of one ``gradcli`` run and its stdin; a streamed case
also knows, from the grammar alone, which of its lines are points (``good``) and which must be
reported as bad (``bad``), so the contract can check both without trusting gradcli's reader.
The options come from the command-line interface itself (Click's parameters, by name and
type), so the grammar follows the commands as they change.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import click

from gradcli.cli import main
from gradcli.registry import FUNCTIONS


class Draw(Protocol):
    def choice(self, options: Sequence[Any]) -> Any: ...
    def integer(self, low: int, high: int) -> int: ...
    def chance(self, percent: int) -> bool: ...


class RandomDraw:
    """Draws from a seeded ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.random.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def chance(self, percent: int) -> bool:
        return self.random.randrange(100) < percent


class HypothesisDraw:
    """Draws through hypothesis (``st.data()``), so failures shrink toward simpler choices."""

    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self.data, self.st = data, st

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.data.draw(self.st.integers(0, len(options) - 1))]

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(self.st.integers(low, high))

    def chance(self, percent: int) -> bool:
        return self.data.draw(self.st.integers(0, 99)) >= 100 - percent


@dataclass
class Case:
    """One run: ``gradcli *args`` with ``stdin``; for streams, the 1-based good and bad lines."""

    args: list[str]
    stdin: str | None = None
    good: list[int] = field(default_factory=list)
    bad: list[int] = field(default_factory=list)
    stream: bool = False

    def shell(self) -> str:
        import shlex

        text = "gradcli " + " ".join(shlex.quote(a) for a in self.args)
        if self.stdin is not None:
            text = f"printf %s {shlex.quote(self.stdin)} | {text}"
        return text


# --- values ---------------------------------------------------------------------------------

GOOD_NUMBERS = [
    "0", "-0", "-0.0", "1", "-1", "2", "0.5", "-2.5", ".5", "3.", "1e-8", "-1e-8", "1e3", "2E-3",
    "+7", "1e16", "-1e16", "1e100", "1e-100", "1e-300", "5e-324", "1e-310", "1e300", "1.7976931348623157e308",
    "0.1", "20", "-20", "700", "-745", "1e10", "1e12", "1e150", "1e160", "1e200", "007.5", "0e0",
    "1." + "1" * 5000,
]  # fmt: skip
GOOD_CONSTANTS = [
    "pi",
    "-pi",
    "pi/2",
    "e",
    "-e",
    "sqrt(2)",
    "exp(1)",
    "log(2)",
    "2^10",
    "(1+2)*3",
    "atan2(1,2)",
]
BAD_VALUES = [
    "inf", "-inf", "nan", "NaN", "Infinity", "1e400", "-1e999", "1e-400", "0." + "0" * 400 + "1",
    "1_000", "0x10", "\u0663", "\uff15", "\u00b2", "\u22121", "abc", "x+1", "1/0", "exp(1000)", "sqrt(-1)",
    "1 2", "1e5e", "1e", "e5", "'3'", "1#2", "__import__('os')", "9" * 400, "1" * 5000 + "x",
]  # fmt: skip


def number(d: Draw) -> str:
    """A plain number: from the edge list, or a random float64 across magnitudes."""
    if d.chance(50):
        return d.choice(GOOD_NUMBERS)
    mantissa = d.integer(-(10**6), 10**6) / 10 ** d.integer(0, 6)
    return repr(mantissa * 10.0 ** d.integer(-320, 300)) if d.chance(30) else repr(mantissa)


def good_value(d: Draw, constants: bool = True) -> str:
    if constants and d.chance(10):
        return d.choice(GOOD_CONSTANTS)
    return number(d)


def value(d: Draw) -> str:
    """A value for the command line: mostly good, sometimes one the grammar refuses."""
    return d.choice(BAD_VALUES) if d.chance(12) else good_value(d)


def is_finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


# --- expressions ----------------------------------------------------------------------------

VARIABLES = ["x", "y", "z", "a", "b", "x1", "x2", "x10", "w_3"]
LITERALS = ["0", "1", "2", "0.5", "3.5", "1e-8", "1e308", "1e-320", "5e-324", "1e16", "pi", "e", "100", "700"]
BINARY = ["+", "-", "*", "/", "**", "^"]
HOSTILE = [
    "#", "\n", "__import__('os')", "x.real", "x[0]", "lambda: 1", "'a'", "1_000", "0x1f", "1j", "1e-400",
    "1e999", "x if x else 1", "x < 1", "[x]", "{x}", "f'x'", "\u2212", "\u00b2", "\x00", "\x1b", "\t", ";",
    "%", "//", "@", "&", "~", "not x", "min()", "sin(x, y)", "sigmod(x)", "2x", "x = 1", "**", "(", ")",
]  # fmt: skip
FUNCTION_NAMES = sorted(FUNCTIONS)


def expression(d: Draw, budget: int = 12) -> str:
    """A random expression of the language (a tree of at most ``budget`` nodes), often mutated."""
    text = _tree(d, budget)
    roll = d.integer(0, 99)
    if roll < 8:  # a hostile piece spliced in
        cut = d.integer(0, len(text))
        text = text[:cut] + d.choice(HOSTILE) + text[cut:]
    elif roll < 11:  # a long flat chain
        text = d.choice(BINARY[:4]).join([_tree(d, 2)] * d.integer(50, 1200))
    elif roll < 13:  # deep nesting
        depth = d.integer(50, 700)
        text = d.choice(["-", "sin(", "(", "x**"]) * depth + "x" + (")" * depth if d.chance(50) else "")
    elif roll < 15:  # n-ary min/max with many arguments
        text = f"{d.choice(['min', 'max'])}({','.join([_tree(d, 2)] * d.integer(2, 300))})"
    elif roll < 17:  # character soup
        text = "".join(d.choice("xy12+-*/^().,e ") for _ in range(d.integer(0, 20)))
    return text


def _tree(d: Draw, budget: int) -> str:
    if budget <= 1 or d.chance(25):
        return d.choice(VARIABLES) if d.chance(60) else d.choice(LITERALS)
    kind = d.integer(0, 9)
    if kind < 4:
        left = _tree(d, budget // 2)
        right = _tree(d, budget - budget // 2 - 1)
        text = f"{left}{d.choice(BINARY)}{right}"
        return f"({text})" if d.chance(40) else text
    if kind < 5:
        return f"-{_tree(d, budget - 1)}"
    name = d.choice(FUNCTION_NAMES)
    op = FUNCTIONS[name]
    high = op.max_args if op.max_args is not None else op.min_args + 3
    n = d.integer(op.min_args, high) if not d.chance(3) else d.integer(0, 4)
    per = max(1, (budget - 1) // max(n, 1))
    return f"{name}({', '.join(_tree(d, per) for _ in range(n))})"


def variables_of(text: str) -> list[str]:
    """The expression's variables as gradcli orders them, or a guess if it does not parse."""
    from gradcli.errors import GradcliError
    from gradcli.language.parse import parse

    try:
        return list(parse(text).variables)
    except GradcliError:
        return [v for v in VARIABLES if v in text][:3]


# --- points ---------------------------------------------------------------------------------


def point(d: Draw, names: Sequence[str]) -> str:
    """One ``--at`` value for an expression of ``names``: named, positional or p=(...)."""
    k = len(names) + (d.integer(-1, 1) if d.chance(8) else 0)
    values = [value(d) for _ in range(max(k, 0))]
    form = d.integer(0, 9)
    if form < 4 and names:
        pairs = [f"{n}={v}" for n, v in zip(names, values)]
        if d.chance(5):
            pairs.append(f"{d.choice(VARIABLES)}={value(d)}")
        return ",".join(pairs[::-1] if d.chance(30) else pairs)
    if form < 8:
        return ",".join(values)
    if form < 9:
        return f"p=({','.join(values)})"
    return d.choice(["", " ", "=", ",", "-", "p=", "x=", "1,,2", "a=1,2", "(1", "1)"])


def one_value(d: Draw) -> str:
    """An ``--at`` of a one-variable command: a value, ``x=value`` or a range START:STOP:COUNT."""
    roll = d.integer(0, 9)
    if roll < 5:
        return value(d)
    if roll < 6:
        return f"x={value(d)}"
    count = d.choice(["2", "3", "11", "100", "5"])
    if d.chance(15):
        count = d.choice(["1", "0", "100001", "\u00b2", "2.0", "-3", "", "1e3", "\uff12"])
    return f"{value(d)}:{value(d)}" + (f":{count}" if d.chance(90) else "")


# --- streams --------------------------------------------------------------------------------

STREAM_EXPRESSIONS = ["x", "sin(x)*y", "x*y+z", "log(x)+y", "x1+2*x2+3*x10", "exp(x)", "sqrt(x)*y"]


JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def json_value(text: str) -> str:
    """A value's text as JSON: a number as written where JSON allows it, else a string."""
    return text if JSON_NUMBER.fullmatch(text) else json.dumps(text)


def json_stream(d: Draw) -> tuple[str, str, list[int], list[int]]:
    """:func:`stream`'s result for JSON Lines: objects (a pass-through key now and then) or arrays."""
    expr = d.choice(STREAM_EXPRESSIONS)
    names = variables_of(expr)
    arrays = d.chance(25)
    space = d.choice(["", " "])
    with_id = d.chance(40)
    lines: list[str] = []
    good: list[int] = []
    bad: list[int] = []
    for _ in range(d.integer(1, 12)):
        if d.chance(8):
            lines.append(d.choice(["", "# a comment", "   "]))
            continue
        values = {n: json_value(good_value(d)) for n in names}
        is_bad = d.chance(20) and bool(good or bad)  # the first line sets the layout
        if is_bad:
            values[d.choice(names)] = d.choice(
                [json.dumps(v) for v in BAD_VALUES] + ["null", "true", "NaN", "[]"]
            )
        if arrays:
            line = "[" + f",{space}".join(values[n] for n in names) + "]"
        else:
            pairs = [f'"{n}":{space}{values[n]}' for n in names]
            if with_id and (d.chance(70) or not (good or bad)):  # (a key the first line lacks is bad)
                pairs.insert(
                    d.integer(0, len(pairs)),
                    f'"id":{space}{d.choice(["7", json.dumps("p, 1"), "null", "[1.50]"])}',
                )
            line = "{" + f",{space}".join(pairs) + "}"
        if is_bad and d.chance(30):
            line = d.choice([line[:-1], line + line, '{"x": 1, "x": 1}' if not arrays else "[1"])
        lines.append(line)
        (bad if is_bad else good).append(len(lines))
    if not good and not bad:
        lines.append(
            "[" + ",".join("-0.0" for _ in names) + "]" if arrays else json.dumps(dict.fromkeys(names, 1))
        )
        good.append(len(lines))
    return expr, "\n".join(lines) + "\n", good, bad


def stream(d: Draw) -> tuple[str, str, list[int], list[int]]:
    """An expression, stream text, and the 1-based numbers of its good and bad lines."""
    if d.chance(15):
        return json_stream(d)
    expr = d.choice(STREAM_EXPRESSIONS)
    names = variables_of(expr)
    sep = d.choice([",", ",", "\t", " "])
    header = d.chance(20) and sep != " "
    named = not header and d.chance(25)
    order = list(names)
    lines: list[str] = []
    good: list[int] = []
    bad: list[int] = []
    if header:
        order = [*names, "id"] if d.chance(50) else names[::-1]
        lines.append(sep.join(order))
    refusable = [v for v in BAD_VALUES if sep not in v and (sep != " " or "\t" not in v)]
    for _ in range(d.integer(1, 12)):
        roll = d.integer(0, 99)
        if roll < 8:
            lines.append(d.choice(["", "# a comment", "   ", "#1,2,3"]))
            continue
        fields = {n: good_value(d, constants=sep == ",") for n in names}
        fields["id"] = d.choice(["a", "point 7", "", "x"]) if sep != " " else "a"
        is_bad = roll >= 78 and (header or bool(good) or bool(bad))  # the first line sets the layout
        if is_bad:
            if d.chance(60):
                fields[d.choice(names)] = d.choice(refusable)
            elif named:
                lines.append(",".join(f"{n}={fields[n]}" for n in names[:-1]) or "q=1")
                bad.append(len(lines))
                continue
            else:
                lines.append(sep.join(fields[n] for n in order) + sep + "1")
                bad.append(len(lines))
                continue
        if named:
            line = ",".join(f"{n}={fields[n]}" for n in (names if d.chance(50) else names[::-1]))
        else:
            line = sep.join(fields[n] for n in order)
            if not header and not good and not bad and all(fields[n].isidentifier() for n in order):
                line = sep.join("+" + fields[n] for n in order)  # bare names only: the header rule
        if not line.strip() or (sep == " " and any(" " in fields[n] for n in names)):
            continue
        lines.append(line)
        (bad if is_bad else good).append(len(lines))
    text = "\n".join(lines) + ("\n" if d.chance(90) else "")
    if not good and not bad:
        lines.append(sep.join("-0.0" if n in names else "a" for n in order))
        good.append(len(lines))
        text = "\n".join(lines) + "\n"
    return expr, text, good, bad


# --- options --------------------------------------------------------------------------------

_SKIP = {"--help", "--version", "--input", "--output"}


def commands() -> dict[str, click.Command]:
    ctx = click.Context(main)
    return {name: main.get_command(ctx, name) for name in main.list_commands(ctx)}  # type: ignore[misc]


def option_value(d: Draw, option: click.Option, names: Sequence[str], one_variable: bool) -> str:
    """A value for ``option``, by its name first, else by its type."""
    name = option.opts[0]
    kind = option.type
    if name == "--at":
        return one_value(d) if one_variable else point(d, names)
    if name == "--vars":
        order = list(names)
        if d.chance(80):
            order = sorted(order, key=lambda _: d.integer(0, 9))
        else:
            order = [*order[:-1], d.choice(VARIABLES)]
        return ",".join(order)
    if name in ("--var", "--wrt"):
        return d.choice([*names, *names, "q", ""]) if names else "x"
    if name == "--precision":
        if d.chance(10):
            return d.choice(["5", "700", "x", ""])
        return d.choice(["auto", "auto", "off", "30"])
    if name == "--order":
        return d.choice(["1", "2", "3", "11", "0"]) if d.chance(20) else d.choice(["1", "2", "3"])
    if name == "--jobs":
        return d.choice(["1", "1", "1", "0", "-1"])
    if name == "--eps":
        if d.chance(15):
            return d.choice(["1e-300", "0", "-1", "inf", "1e-20", "1e308", value(d)])
        return d.choice(["auto", "0.01", "1e-3", "1e-6", "0.1"])
    if name == "--direction":
        return ",".join(
            value(d) for _ in range(max(1, len(names) + (d.integer(-1, 1) if d.chance(10) else 0)))
        )
    if name in ("--range",):
        return f"{value(d)}:{value(d)}"
    if name == "--size":
        return d.choice(["800x500", "16x16", "\u00b2x500", "10001x5", "x", "800X500"])
    if isinstance(kind, click.Choice):
        return d.choice(list(kind.choices)) if d.chance(95) else "nope"
    type_name = getattr(kind, "name", "").lower()
    if "integer" in type_name:
        if d.chance(15):
            return d.choice(["0", "-3", "100000", "1.5", "x", "\u0663"])
        return d.choice(["1", "2", "10", "50"])
    if "float" in type_name:
        if d.chance(15):
            return d.choice(["0", "1e300", "-1", "nan", "inf", "x", "1e-400", value(d)])
        return d.choice(["1e-6", "1", "0.01", "1e-12", "100"])
    return d.choice(["1", "x", "", "1,2"])


# Options gradcli refuses where they would do nothing (--jobs without a stream, --no-header
# without csv/tsv, --quiet is harmless): left out of most cases, so that most runs get past the
# refusal and exercise the computation; one case in ten keeps them, to test the refusals.
_MOSTLY_LEFT_OUT = {"--jobs", "--on-error", "--no-header"}


def _idle(d: Draw, options: Sequence[click.Option]) -> set[str]:
    if d.chance(10):
        return set()
    return {o.opts[0] for o in options if o.opts[0] in _MOSTLY_LEFT_OUT}


def command_case(d: Draw) -> Case:
    """A run of one command with a random expression and a random set of its options."""
    table = commands()
    name = d.choice(sorted(table))
    command = table[name]
    args = [name]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    exprs: list[str] = []
    for argument in arguments:
        count = 1 if argument.nargs == 1 else (1 if d.chance(80) else d.integer(0, 3))
        exprs += [expression(d) for _ in range(count)]
    names: list[str] = []
    for text in exprs:
        names += [v for v in variables_of(text) if v not in names]
    one_variable = not arguments and any(
        p.opts[0] == "--at" for p in command.params if isinstance(p, click.Option)
    )
    if one_variable:
        names = ["x"]
    options = [
        p
        for p in command.params
        if isinstance(p, click.Option) and p.opts[0] not in _SKIP and (not p.hidden or d.chance(10))
    ]
    idle = _idle(d, options)
    for option in options:
        if option.opts[0] in idle:
            continue
        if d.chance(35 if option.opts[0] != "--at" else 70):
            repeat = d.integer(1, 2) if option.multiple else 1
            for _ in range(repeat):
                if option.is_flag:
                    args.append(option.opts[0])
                else:
                    args += [option.opts[0], option_value(d, option, names, one_variable)]
    args += ["--", *exprs] if exprs and d.chance(5) else exprs
    return Case(args)


def stream_case(d: Draw) -> Case:
    """``grad EXPR --at - --format json`` over a stream whose good and bad lines are known."""
    expr, text, good, bad = stream(d)
    args = ["grad", expr, "--at", "-", "--format", "json", "--jobs", "1"]
    if d.chance(30):
        args += [
            "--method",
            d.choice(["central", "forward", "five-point", "richardson", "complex", "backprop"]),
        ]
    return Case(args, text, good, bad, stream=True)


def case(d: Draw) -> Case:
    """Any case: a command with options (80%) or a stream with known good and bad lines (20%)."""
    return stream_case(d) if d.chance(20) else command_case(d)
