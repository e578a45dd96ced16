"""``gradcli diff``: the symbolic derivative, written as gradcli input."""

from __future__ import annotations

import click

from ..group import ExpressionCommand
from ..io import write
from ..options import format_option, wrt_option


@click.command(cls=ExpressionCommand)
@click.argument("expression")
@wrt_option("The variable to differentiate by. Default: every variable.")
@format_option("text", "json", help="Output format: text (gradcli input) or json.")
def diff(expression: str, wrt: str | None, fmt: str) -> None:
    """Symbolic derivative of EXPRESSION, written as gradcli input.

    With --wrt, prints df/dNAME alone (ready to pass back to gradcli); without it, one
    line per variable. Built from each function's rule in the registry and simplified
    (constants folded, no x*1 or 0+x); evaluating it gives backprop's gradient.

    \b
    Examples:
      gradcli diff "3*(a+b*c)" --wrt c
      gradcli diff "x**2*sin(y)"
      gradcli diff "sigmoid(w*x+b)" --format json
    """
    from ...language.parse import parse
    from ...language.symbolic import derivative_texts

    expr = parse(expression)
    texts = derivative_texts(expr, wrt)
    if fmt == "json":
        from ...output.formats import dumps

        write(dumps({"expr": expr.text, "derivatives": texts}) + "\n")
    elif wrt is not None:
        write(texts[wrt] + "\n")
    elif not texts:
        write("f has no variables: it is constant\n")
    else:
        write("".join(f"df/d{name} = {text}\n" for name, text in texts.items()))
