"""Parse expression text into gradcli's own small expression tree, refusing everything else.

``parse(text)`` is the only door from user text to computation. It reads the text with
``ast.parse(..., mode="eval")`` (never eval, exec or compile), then walks the syntax tree
iteratively and admits only the node types in ``_BUILDERS``: numbers, names, ``+ - * / **``
(and ``^`` for ``**``), unary ``+ -`` and calls of registry functions by bare name. Anything
else is refused with its name, column and, where one exists, a hint. Literals become float64
at parse time, so nothing ever runs on Python's unbounded integers.

The result is an :class:`Expression`: its nodes in evaluation order (children before parents,
the last node is f, each variable appears once however often it is used) and its variables in
natural order (``x1, x2, x10``: digit runs compare as numbers; see ``nodes.natural_key``).
Size is bounded by ``MAX_LENGTH``, ``MAX_NODES`` and ``MAX_DEPTH`` (nesting, where a chain
``a+b-c+d`` is one level); an expression is one line, with no ``#`` comments.
"""

from __future__ import annotations

import ast
import warnings
from types import FrameType

from ..errors import ExpressionError, quote, short
from ..registry import CONSTANTS, FUNCTIONS, OPERATORS
from .nodes import MAX_DEPTH, MAX_NODES, Call, Const, Expression, Node, Var, natural_order
from .text import caret_as_power, check_text, suggest, syntax_error, usage

# Node types refused with a sentence of their own (anything not in _BUILDERS is refused too).
_REFUSED: dict[type, tuple[str, str | None]] = {
    ast.Attribute: ("attribute access is not allowed", None),
    ast.Subscript: ("subscripts are not allowed", None),
    ast.Lambda: ("lambda is not allowed", None),
    ast.Compare: ("comparisons are not supported", "gradcli differentiates arithmetic only"),
    ast.BoolOp: ("'and'/'or' are not supported", "gradcli differentiates arithmetic only"),
    ast.IfExp: ("conditional expressions are not supported", "use min, max, abs or relu"),
    ast.Tuple: ("tuples are not allowed", "separate --at values, not the expression, with commas"),
    ast.List: ("lists are not allowed", None),
    ast.Dict: ("dicts are not allowed", None),
    ast.Set: ("sets are not allowed", None),
    ast.ListComp: ("comprehensions are not allowed", None),
    ast.SetComp: ("comprehensions are not allowed", None),
    ast.DictComp: ("comprehensions are not allowed", None),
    ast.GeneratorExp: ("generator expressions are not allowed", None),
    ast.JoinedStr: ("strings are not allowed", None),
    ast.Starred: ("starred arguments are not allowed", None),
    ast.NamedExpr: ("assignment is not allowed", None),
    ast.Await: ("await is not allowed", None),
    ast.Yield: ("yield is not allowed", None),
    ast.YieldFrom: ("yield is not allowed", None),
    ast.Slice: ("slices are not allowed", None),
}

_OPERATOR_NAMES: dict[type, tuple[str, str | None]] = {
    ast.Mod: ("the % operator is not supported", None),
    ast.FloorDiv: ("the // operator is not supported", "write / for division"),
    ast.MatMult: ("the @ operator is not supported", None),
    ast.BitAnd: ("the & operator is not supported", None),
    ast.BitOr: ("the | operator is not supported", None),
    ast.LShift: ("the << operator is not supported", None),
    ast.RShift: ("the >> operator is not supported", None),
    ast.Invert: ("the ~ operator is not supported", None),
    ast.Not: ("'not' is not supported", None),
}

# Left-to-right chains: a+b-c+d (or a*b/c*d) nests one level deep, not one per operator.
_CHAINS = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1}
_PARSER_HEADROOM = 2_000  # frames of recursion ast.parse may use on top of the caller's

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.BitXor: "**"}
_UNARY = {ast.USub: "neg", ast.UAdd: "pos"}

_DOUBLE_UNDERSCORE = "__"

_Located = ast.expr | ast.keyword  # the nodes a message can point at: they carry columns


def parse(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression`, or raise :class:`ExpressionError`.

    Guarantees: no user text reaches eval/exec/compile; only registry functions, ``pi``, ``e``
    and plain variable names are admitted; every literal is a finite float64; the result has
    at most ``MAX_NODES`` nodes nested at most ``MAX_DEPTH`` deep. Runs in time linear in the
    text and never recurses over the user's tree.
    """
    check_text(text)
    # ast reports columns per line; newlines and tabs become spaces so columns stay true.
    flat = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    indent = len(flat) - len(flat.lstrip())  # Python reads leading spaces as an indent: skip them
    python, where = caret_as_power(flat[indent:])
    where = [i + indent for i in where]
    tree = _ast_parse(flat, python, where)
    return _Builder(flat, where).build(tree.body)


def _ast_parse(text: str, python: str, where: list[int]) -> ast.Expression:
    """``ast.parse`` in eval mode, its every failure an :class:`ExpressionError`.

    CPython builds the syntax tree recursively, one level per operator of a chain: a sum of
    3,000 terms exceeds the default recursion limit although it is 3,000 operations, within
    ``MAX_NODES``. So the limit is raised by ``_PARSER_HEADROOM`` frames while Python parses
    (enough for any chain ``MAX_LENGTH`` characters allow), and restored after; what still
    fails (RecursionError, MemoryError: nesting thousands deep) is refused as too deeply nested.
    """
    import sys

    limit = sys.getrecursionlimit()
    frame: FrameType | None = sys._getframe()
    depth = 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    try:
        sys.setrecursionlimit(max(limit, depth + _PARSER_HEADROOM))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for 1if: the error says it all
            return ast.parse(python, mode="eval")
    except SyntaxError as exc:
        raise syntax_error(text, exc, where) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            "expression is nested too deeply for the parser",
            text,
            hint=f"gradcli takes at most {MAX_DEPTH} levels of nesting",
        ) from None
    except ValueError as exc:  # e.g. a NUL byte, or an integer literal Python will not convert
        raise ExpressionError(f"expression is not valid: {exc}", text) from None
    finally:
        sys.setrecursionlimit(limit)


class _Builder:
    """Turns an admitted ``ast`` tree into nodes, children first, without recursion."""

    def __init__(self, text: str, where: list[int]) -> None:
        self.text = text
        self.where = where  # offset in the parsed text -> offset in the user's text
        self.nodes: list[Node] = []
        self.depth: list[int] = []  # nesting: a chain of + and - (or * and /) is one level
        self.chain: list[int | None] = []  # which left-to-right chain a node continues, if any
        self.chain_of_next: int | None = None
        self.var_slots: dict[str, int] = {}  # variable name -> node index (one node per name)

    def fail(self, message: str, node: _Located, hint: str | None = None) -> ExpressionError:
        if getattr(node, "col_offset", None) is None:
            return ExpressionError(message, self.text, hint=hint)
        start, end = self.span(node)
        return ExpressionError(message, self.text, start + 1, end - start, hint)

    def span(self, node: _Located) -> tuple[int, int]:
        """Where ``node`` stands in the user's text: [start, end)."""
        start = self.where[node.col_offset]
        end = node.end_col_offset or node.col_offset + 1
        return start, self.where[end - 1] + 1

    def segment(self, node: _Located) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def column(self, node: _Located) -> int:
        return self.where[node.col_offset] + 1

    def build(self, root: ast.expr) -> Expression:
        done: dict[int, int] = {}  # id(ast node) -> node index
        stack: list[tuple[ast.expr, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if not expanded:
                children = self.children(node)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(children))
                continue
            done[id(node)] = self.add(node, [done[id(c)] for c in self.children(node)])
            if len(self.nodes) > MAX_NODES:
                raise ExpressionError(
                    f"expression has more than {MAX_NODES:,} operations and operands", self.text
                )
        names = natural_order(self.var_slots)
        order = {name: i for i, name in enumerate(names)}
        nodes = tuple(Var(n.name, order[n.name], n.column) if isinstance(n, Var) else n for n in self.nodes)
        return Expression(self.text, nodes, tuple(names))

    def children(self, node: ast.expr) -> list[ast.expr]:
        """The sub-expressions of an admitted node; refuses any node that is not admitted."""
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self.operator_error(node, node.op)
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                raise self.operator_error(node, node.op)
            return [node.operand]
        if isinstance(node, ast.Call):
            self.check_call(node)
            return list(node.args)
        if isinstance(node, (ast.Constant, ast.Name)):
            return []
        kind = type(node)
        what, hint = _REFUSED.get(kind, (f"{kind.__name__} is not allowed", None))
        raise self.fail(what, node, hint)

    def operator_error(self, node: ast.expr, op: ast.AST) -> ExpressionError:
        what, hint = _OPERATOR_NAMES.get(type(op), (f"{type(op).__name__} is not supported", None))
        return self.fail(what, node, hint)

    def check_call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                raise self.fail("attribute access is not allowed", func)
            raise self.fail("only functions named directly can be called", func)
        name = func.id
        op = FUNCTIONS.get(name)
        if op is None:
            if name in CONSTANTS:
                raise self.fail(f"'{name}' is a constant, not a function", func, hint=f"write {name}*(...)")
            raise self.fail(f"unknown function {quote(name)}", func, hint=suggest(name))
        if node.keywords:
            kw = node.keywords[0]
            raise self.fail("keyword arguments are not allowed", kw, hint="pass arguments by position")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail("starred arguments are not allowed", arg)
        n = len(node.args)
        if n < op.min_args or (op.max_args is not None and n > op.max_args):
            raise self.fail(
                f"{name}() takes {op.arity_text()}, not {n}",
                node,
                hint=f"usage: {usage(op, name)}",
            )

    def add(self, node: ast.expr, args: list[int]) -> int:
        """Appends an admitted node (see ``children``), its arguments' indices ``args``."""
        if isinstance(node, ast.Constant):
            return self.push(Const(self.literal(node), self.segment(node), self.column(node)), 0)
        if isinstance(node, ast.Name):
            return self.name(node)
        chain = None
        if isinstance(node, ast.BinOp):
            op = OPERATORS[_BINARY[type(node.op)]]
            chain = _CHAINS.get(type(node.op))
        elif isinstance(node, ast.UnaryOp):
            op = OPERATORS[_UNARY[type(node.op)]]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):  # as check_call made sure
            op = FUNCTIONS[node.func.id]
        else:  # children() refused it already
            raise TypeError(f"not an admitted node: {type(node).__name__}")
        depth = 1 + max(self.depth[i] for i in args)
        if chain is not None and self.chain[args[0]] == chain:  # a+b+c: one level, however long
            depth = max(self.depth[args[0]], 1 + self.depth[args[1]])
        if depth > MAX_DEPTH:
            raise self.fail(f"expression is nested more than {MAX_DEPTH} levels deep", node)
        self.chain_of_next = chain
        return self.push(Call(op, tuple(args), self.segment(node), self.column(node)), depth)

    def push(self, node: Node, depth: int) -> int:
        self.nodes.append(node)
        self.depth.append(depth)
        self.chain.append(self.chain_of_next)
        self.chain_of_next = None
        return len(self.nodes) - 1

    def literal(self, node: ast.Constant) -> float:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.fail(f"{value!r} is not a number", node)
        if isinstance(value, (str, bytes)):
            raise self.fail("strings are not allowed", node)
        if isinstance(value, complex):
            raise self.fail("complex numbers are not supported", node)
        written = self.segment(node)
        if "_" in written:
            raise self.fail(
                f"digit separators ('_') are not allowed in a number: {quote(written)}",
                node,
                hint=f"write {short(written.replace('_', ''))}",
            )
        if written[:2].lower() in ("0x", "0o", "0b"):
            raise self.fail(
                f"{quote(written)} is not a decimal number", node, hint="numbers are written in decimal"
            )
        try:
            number = float(value)
        except OverflowError:
            number = float("inf")
        if number != number or number in (float("inf"), float("-inf")):
            raise self.fail(
                f"literal {quote(written)} is not a finite float64 number",
                node,
                hint="the largest is about 1.8e308",
            )
        if number == 0.0 and any(ch in "123456789" for ch in written.lower().partition("e")[0]):
            raise self.fail(
                f"literal {quote(written)} underflows to 0 in float64",
                node,
                hint="the smallest positive number is about 4.9e-324",
            )
        return number

    def name(self, node: ast.Name) -> int:
        name = node.id
        if name in CONSTANTS:
            return self.push(Const(CONSTANTS[name], name, self.column(node)), 0)
        if name in FUNCTIONS:
            raise self.fail(f"'{name}' is a function", node, hint=f"call it, as in {name}(x)")
        if name.startswith(_DOUBLE_UNDERSCORE):
            raise self.fail(
                f"{quote(name)} is not a valid variable name", node, hint="names may not start with '__'"
            )
        if name not in self.var_slots:
            # The index is fixed once every name is known (see build); 0 stands in until then.
            self.var_slots[name] = self.push(Var(name, 0, self.column(node)), 0)
        return self.var_slots[name]


__all__ = ["Expression", "parse"]  # Expression: what parse returns (gradcli.Expression is taken from here)
