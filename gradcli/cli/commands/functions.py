"""``gradcli functions``: the catalogue of operators, functions and constants."""

from __future__ import annotations

import click

from ..io import emit, write
from ..options import format_option


@click.command()
@click.argument("name", required=False)
@format_option("table", "json", help="Output format (json: JSON Lines).")
def functions(name: str | None, fmt: str) -> None:
    """List the functions and operators expressions may use, with their derivatives; with NAME,
    one of them in full: usage, derivative rule, domain, kinks and parameters.

    \b
    Examples:
      gradcli functions
      gradcli functions --format json
      gradcli functions log
      gradcli functions leaky_relu --format json
    """
    if name is not None:
        from ...analysis.catalogue import entry

        record = entry(name)
        if fmt == "json":
            from ...output.jsonl import dumps

            write(dumps(record) + "\n")
            return
        from ...table import stdout_console
        from ...table.functions import render_function

        console = stdout_console()
        emit(lambda: render_function(record, console))
        return
    from ...analysis.catalogue import catalogue, constants

    rows, named = catalogue(), constants()
    if fmt == "json":
        from ...output.jsonl import catalogue_records, dumps

        write("".join(dumps(record) + "\n" for record in catalogue_records(rows, named)))
        return
    from ...table import render_functions, stdout_console

    console = stdout_console()
    emit(lambda: render_functions(rows, named, console))
