"""JSON Lines (and CSV/TSV) for matrix-shaped results: ``gradcli hessian``, ``gradcli grad`` with
several expressions (the Jacobian) or with ``--direction``. No Rich.

Matrices are lists of rows; NaN and inf become null; numbers at full precision.
"""

from __future__ import annotations

import math
from typing import Any, TextIO

import numpy as np

from ..analysis.hessian import HessianResult
from ..analysis.jacobian import Directional, JacobianResult
from ..derive.gradient import GradResult
from .formats import WRITERS, dumps, number, records


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _rows(m: np.ndarray | None) -> list[list[float | None]] | None:
    if m is None:
        return None
    return [[_finite(v) for v in row] for row in m]


def hessian_records(result: HessianResult) -> list[dict[str, Any]]:
    """One JSON-ready object per point (fields documented in the README)."""
    names = result.variables
    out = []
    for p in range(len(result.value)):
        out.append(
            {
                "expr": result.expr.text,
                "point": {v: float(x) for v, x in zip(names, result.points[p])},
                "value": _finite(result.value[p]),
                "variables": list(names),
                "gradient": {v: _finite(g) for v, g in zip(names, result.gradient[p])},
                "method": result.method,
                "eps": None
                if result.step is None
                else {v: _finite(h) for v, h in zip(names, result.step[p])},
                "hessian": _rows(result.exact[p]),
                "finite_difference": _rows(None if result.fd is None else result.fd[p]),
                "error": _rows(None if result.error is None else result.error[p]),
                "error_estimate": _rows(None if result.error_estimate is None else result.error_estimate[p]),
                "eigenvalues": [_finite(v) for v in result.eigenvalues[p]],
                "kind": result.kinds[p],
                "verdict": result.verdicts[p],
            }
        )
    return out


def write_hessian_json(result: HessianResult, out: TextIO) -> None:
    for record in hessian_records(result):
        out.write(dumps(record) + "\n")


# --- several expressions (the Jacobian) and --direction --------------------------------------------


def _directional_fields(d: Directional, p: int) -> dict[str, float | None]:
    return {
        "gradient": _finite(d.diff[p]) if d.diff is not None else None,
        "exact": _finite(d.exact[p]),
        "error": _finite(d.error[p]) if d.error is not None else None,
    }


def jacobian_records(jr: JacobianResult, directions: list[Directional] | None = None) -> list[dict[str, Any]]:
    """One JSON-ready object per point (fields documented in the README)."""
    names = jr.variables
    jac, exact, error = jr.jacobian, jr.exact, jr.error
    first = jr.results[0]
    out = []
    for p in range(jr.points.shape[0]):
        eps: list[list[float | None]] | None = None
        if first.diff is not None:  # each expression's own step per variable (null where unused)
            eps = []
            for r in jr.results:
                own = {name: r.diff.step[v, p] for v, name in enumerate(r.variables)}  # type: ignore[union-attr]
                eps.append([_finite(own[name]) if name in own else None for name in names])
        record: dict[str, Any] = {
            "exprs": [r.expr.text for r in jr.results],
            "point": {v: float(x) for v, x in zip(names, jr.points[p])},
            "variables": list(names),
            "value": [_finite(r.value[p]) for r in jr.results],
            "method": jr.method,
            "eps": eps,
            "jacobian": _rows(jac[p]),
            "exact": _rows(exact[p]),
            "error": _rows(None if error is None else error[p]),
            "warnings": [{"expr": i, **w.as_dict()} for i, r in enumerate(jr.results) for w in r.warnings[p]],
        }
        if directions is not None:
            record["direction"] = dict(zip(names, _union_unit(jr, directions)))
            record["directional"] = [_directional_fields(d, p) for d in directions]
        out.append(record)
    return out


def _union_unit(jr: JacobianResult, directions: list[Directional]) -> list[float]:
    unit = dict.fromkeys(jr.variables, 0.0)
    for r, d in zip(jr.results, directions):
        unit.update(zip(r.variables, d.unit))
    return [unit[name] for name in jr.variables]


def write_jacobian_json(jr: JacobianResult, out: TextIO, directions: list[Directional] | None = None) -> None:
    for record in jacobian_records(jr, directions):
        out.write(dumps(record) + "\n")


def _field(x: float) -> str:
    return number(x) if math.isfinite(x) else ""


def write_jacobian_delimited(
    jr: JacobianResult, out: TextIO, sep: str, directions: list[Directional] | None = None
) -> None:
    """Header ``<vars>, f1..fm, df1_d<var>..., dfm_d<var>`` (then ``dir1..dirm`` with --direction);
    one row per point, the Jacobian by the chosen method, row by row."""
    names = jr.variables
    m = len(jr.results)
    head = [*names, *(f"f{i + 1}" for i in range(m))]
    head += [f"df{i + 1}_d{name}" for i in range(m) for name in names]
    if directions is not None:
        head += [f"dir{i + 1}" for i in range(m)]
    out.write(sep.join(head) + "\n")
    jac = jr.jacobian
    for p in range(jr.points.shape[0]):
        fields = [number(x) for x in jr.points[p]]
        fields += [_field(r.value[p]) for r in jr.results]
        fields += [_field(jac[p, i, j]) for i in range(m) for j in range(len(names))]
        if directions is not None:
            fields += [_field(d.exact[p] if d.diff is None else d.diff[p]) for d in directions]
        out.write(sep.join(fields) + "\n")


def write_direction(result: GradResult, d: Directional, out: TextIO, fmt: str) -> None:
    """``gradcli grad --direction`` for one expression, as json, csv or tsv: grad's own records
    or rows, with the direction and the derivative along it added (CSV: a last column grad_u)."""
    if fmt == "json":
        for p, record in enumerate(records(result)):
            out.write(dumps(direction_record(record, result.variables, d, p)) + "\n")
        return
    import io

    sep = "," if fmt == "csv" else "\t"
    buffer = io.StringIO()
    WRITERS[fmt](result, buffer)
    lines = buffer.getvalue().splitlines()
    along = d.exact if d.diff is None else d.diff
    out.write(lines[0] + sep + "grad_u\n")
    for line, v in zip(lines[1:], along):
        out.write(line + sep + _field(v) + "\n")


def direction_record(
    record: dict[str, Any], names: tuple[str, ...], d: Directional, p: int
) -> dict[str, Any]:
    """A ``gradcli grad`` JSON record with the direction and the derivative along it added."""
    return {**record, "direction": dict(zip(names, d.unit)), "directional": _directional_fields(d, p)}
