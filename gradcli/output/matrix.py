"""JSON Lines for results beyond one gradient: ``gradcli hessian``, ``gradcli grad`` with several
expressions (the Jacobian) and with ``--direction``. No Rich. (Their CSV/TSV rows are in
:mod:`gradcli.output.delimited`.)

Several expressions write, for each point, one record per expression, in the shape of
``gradcli grad``'s own records (:func:`gradcli.output.jsonl.records`) over the union of the
expressions' variables: for a variable an expression does not use, ``gradient``, ``exact``,
``error`` and ``rel_error`` are 0 and ``eps`` and ``error_estimate`` null. ``--direction`` adds
``direction`` (the unit vector, by variable) and ``directional`` (``gradient`` by the method,
``exact`` by backprop, ``error``) to each record. A Hessian record holds matrices as lists of rows.
"""

from __future__ import annotations

from typing import Any, TextIO

import numpy as np

from ..analysis.hessian import HessianResult
from ..analysis.jacobian import Directional, JacobianResult
from ..derive.gradient import GradResult
from .delimited import SEPARATORS, write_delimited, write_jacobian_delimited
from .jsonl import dumps, precision_fields, records
from .numbers import finite


def _rows(m: np.ndarray | None) -> list[list[float | None]] | None:
    if m is None:
        return None
    return [[finite(v) for v in row] for row in m]


def hessian_records(result: HessianResult) -> list[dict[str, Any]]:
    """One JSON-ready object per point (fields documented in the README)."""
    names = result.variables
    out = []
    for p in range(len(result.value)):
        out.append(
            {
                "expr": result.expr.text,
                "point": {v: float(x) for v, x in zip(names, result.points[p])},
                "value": finite(result.value[p]),
                "variables": list(names),
                "gradient": {v: finite(g) for v, g in zip(names, result.gradient[p])},
                "gradient_bound": None
                if result.gradient_bound is None
                else {v: finite(b) for v, b in zip(names, result.gradient_bound[p])},
                "method": result.method,
                "eps": None if result.step is None else {v: finite(h) for v, h in zip(names, result.step[p])},
                "hessian": _rows(result.exact[p]),
                "hessian_bound": _rows(None if result.bound is None else result.bound[p]),
                "finite_difference": _rows(None if result.fd is None else result.fd[p]),
                "error": _rows(None if result.error is None else result.error[p]),
                "error_estimate": _rows(None if result.error_estimate is None else result.error_estimate[p]),
                "eigenvalues": [finite(v) for v in result.eigenvalues[p]],
                "kind": result.kinds[p],
                "verdict": result.verdicts[p],
                "digits": result.digits[p] if result.digits else None,
                "note": result.notes[p] if result.notes else None,
            }
        )
    return out


def write_hessian_json(result: HessianResult, out: TextIO) -> None:
    for record in hessian_records(result):
        out.write(dumps(record) + "\n")


# --- several expressions (the Jacobian) and --direction --------------------------------------------


def _directional_fields(d: Directional, p: int) -> dict[str, float | None]:
    return {
        "gradient": finite(d.diff[p]) if d.diff is not None else None,
        "exact": finite(d.exact[p]),
        "exact_bound": finite(d.exact_bound[p]) if d.exact_bound is not None else None,
        "error": finite(d.error[p]) if d.error is not None else None,
    }


def _widened(r: GradResult, names: tuple[str, ...], p: int, table: Any, unused: float | None) -> Any:
    """``table[p, v]`` of ``r`` by each of ``names`` (``unused`` where r has no such variable)."""
    if table is None:
        return None
    own = {name: finite(table[p, v]) for v, name in enumerate(r.variables)}
    return {name: own.get(name, unused) for name in names}


def jacobian_records(jr: JacobianResult, directions: list[Directional] | None = None) -> list[dict[str, Any]]:
    """For each point, one ``gradcli grad``-shaped record per expression (see the module docstring)."""
    names = jr.variables
    unit = dict(zip(names, _union_unit(jr, directions))) if directions is not None else None
    out = []
    for p in range(jr.points.shape[0]):
        point = {v: float(x) for v, x in zip(names, jr.points[p])}
        for i, r in enumerate(jr.results):
            record: dict[str, Any] = {
                "expr": r.expr.text,
                "point": point,
                "value": finite(r.value[p]),
                "method": r.method,
                "eps": _widened(r, names, p, r.step, None),
                "gradient": _widened(r, names, p, r.gradient, 0.0),
                "exact": _widened(r, names, p, r.exact, 0.0),
                "exact_bound": _widened(r, names, p, r.exact_bound, 0.0),
                "error": _widened(r, names, p, r.error, 0.0),
                "rel_error": _widened(r, names, p, r.rel_error, 0.0),
                "error_estimate": _widened(r, names, p, r.error_estimate, None),
                **precision_fields(r, p),
                "warnings": [w.as_dict() for w in r.warnings[p]],
            }
            if directions is not None:
                record["direction"] = unit
                record["directional"] = _directional_fields(directions[i], p)
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


def write_direction(result: GradResult, d: Directional, out: TextIO, fmt: str) -> None:
    """``gradcli grad --direction`` for one expression, as json, csv or tsv: grad's own records
    or rows, with the direction and the derivative along it added (CSV: a last column grad_u)."""
    if fmt == "json":
        for p, record in enumerate(records(result)):
            out.write(dumps(direction_record(record, result.variables, d, p)) + "\n")
        return
    along = d.exact if d.diff is None else d.diff
    write_delimited(result, out, SEPARATORS[fmt], along=along)


def direction_record(
    record: dict[str, Any], names: tuple[str, ...], d: Directional, p: int
) -> dict[str, Any]:
    """A ``gradcli grad`` JSON record with the direction and the derivative along it added."""
    return {**record, "direction": dict(zip(names, d.unit)), "directional": _directional_fields(d, p)}


__all__ = [
    "direction_record",
    "hessian_records",
    "jacobian_records",
    "write_direction",
    "write_hessian_json",
    "write_jacobian_delimited",
    "write_jacobian_json",
]
