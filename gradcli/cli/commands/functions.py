"""``gradcli functions``: the catalogue of operators, functions and constants."""

from __future__ import annotations

import click

from ..io import emit, write
from ..options import format_option


@click.command()
@format_option("table", "json", help="Output format (json: JSON Lines).")
def functions(fmt: str) -> None:
    """List the functions and operators expressions may use, with their derivatives.

    \b
    Examples:
      gradcli functions
      gradcli functions --format json
    """
    from ...analysis.catalogue import catalogue, constants

    rows, named = catalogue(), constants()
    if fmt == "json":
        from ...output.formats import dumps

        write("".join(dumps(row) + "\n" for row in [*rows, {"constants": named}]))
        return
    from ...table import render_functions, stdout_console

    console = stdout_console()
    emit(lambda: render_functions(rows, named, console))
