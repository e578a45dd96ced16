"""``gradcli grad --order N``: the N-th derivative of a one-variable expression."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from ...points.spec import PointSpec
from ..common import bind_points
from ..io import emit


def nth_derivative(
    expressions: Sequence[str],
    points: Sequence[PointSpec],
    order: Sequence[str] | None,
    nth: int,
    method: str,
    eps: float | None,
    precision: str | int,
    fmt: str,
    direction: str | None,
    input_path: str | None,
) -> NoReturn:
    """Refuse the options that do not apply, compute, write, exit 0 (or 1 where not finite)."""
    from ...derive.gradient import DEFAULT_METHOD

    refused = [
        ("several expressions", len(expressions) > 1),
        ("--direction", direction is not None),
        ("--method", method != DEFAULT_METHOD),
        ("--input or --at -", input_path is not None or any(p.text == "-" for p in points)),
    ]
    for what, given in refused:
        if given:
            raise click.UsageError(
                f"--order {nth} takes one expression at --at points; {what} does not apply"
            )
    import numpy as np

    from ...derive.higher import check_order, higher
    from ...derive.precise import check_precision
    from ...language.parse import parse

    expr = parse(expressions[0])
    check_order(expr, nth)
    at = bind_points(expr, points, order)
    result = higher(expr, at, nth, eps, check_precision(precision))
    if fmt == "table":
        from ...table import stdout_console
        from ...table.higher import render_higher

        console = stdout_console()
        emit(lambda: render_higher(result, console))
    elif fmt == "json":
        from ...output.higher import write_higher_json

        emit(lambda: write_higher_json(result, sys.stdout))
    else:
        from ...output.higher import write_higher_delimited

        emit(lambda: write_higher_delimited(result, sys.stdout, fmt))
    finite = np.isfinite(result.exact).all() and np.isfinite(result.fd).all()
    sys.exit(0 if finite else 1)
