"""Why a gradient is small or zero, told only as far as it is known.

:func:`explain` sorts each (variable, point) whose backprop gradient is below ``vanish``, or
whose rounding-error bound leaves it uncertain, into one of:

``uncertain``   the bound is comparable to |gradient| (at least ``UNCERTAIN`` times it) or
                unknown: float64 cannot tell how, or whether, f changes with the variable.
``constant``    exactly 0 everywhere: df/dv simplifies to 0 symbolically (``x-x``, ``0*x``), and
                no argument of an op that can jump there (sign's x, where's c, pow's exponent,
                atan2's) depends on v: those have a zero derivative where they are
                differentiable, and still change f.
``flat``        exactly 0 (bound 0, or confirmed in high precision) because a piecewise-constant
                op stops every path to the variable: relu's dead side, sign, hard_sigmoid beyond
                +-3, the argument min/max does not pick. f is constant around the point.
``stationary``  exactly 0 although some path stays alive: the slopes cancel or vanish at this
                very point (``x**2`` at 0, ``cos`` at 0). Its kind comes from second derivatives
                (symbolic, then backprop; up to ``MAX_KIND_VARIABLES`` variables): a minimum,
                maximum or saddle, or inconclusive.
``underflow``   not 0, but below float64's normal range (high precision gives its value).
``saturated``   small because a saturating function sits on its flat tail on the way (sigmoid,
                tanh, erf, exp on its left tail, ... with a local slope below ``vanish``).
``small``       small for another reason: a small factor (``1e-9*x``), near a stationary point.

Only ``flat`` and ``stationary`` say "exactly 0", and only when the gradient is 0 with a zero
bound (float64 exact) or the high-precision value is 0.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..language.evaluate import Values, forward
from ..language.nodes import Call, Expression
from .backprop import kinks, slopes
from .bound import bounded_backprop, frobenius
from .sides import sides

UNCERTAIN = 0.1  # a bound of at least this times |gradient|: not even its first digit is sure
TINY_NORMAL = 2.2250738585072014e-308
MAX_KIND_VARIABLES = 3
MAX_SYMBOLIC_VARIABLES = 20
FLAT_OPS = frozenset({"relu", "sign", "hard_sigmoid", "min", "max", "leaky_relu", "elu", "where"})
SATURATING = frozenset(
    {"sigmoid", "tanh", "erf", "erfc", "atan", "softsign", "softplus", "exp", "elu", "selu", "gelu"}
    | {"silu", "swish", "mish", "log1p", "expm1"}
)


class Small(NamedTuple):
    """One verdict: its reason (see the module docstring) and what backs it."""

    reason: str
    where: str = ""  # the node that flattens or saturates f, as written
    kind: str = ""  # stationary: "a local minimum", ...
    high: str = ""  # underflow: the high-precision value as text


def _take(v: Any, idx: np.ndarray) -> Any:
    return v[idx] if np.ndim(v) else v


def explain(
    expr: Expression,
    values: Values,
    exact: np.ndarray,
    bound: np.ndarray | None,
    precise: list | None,
    usable: np.ndarray,
    vanish: float,
) -> dict[tuple[int, int], Small]:
    """Verdicts keyed by (variable, point) for the usable entries that are small or uncertain."""
    k = exact.shape[0]
    size = np.abs(exact)
    b = np.zeros_like(exact) if bound is None else bound
    out: dict[tuple[int, int], Small] = {}
    with np.errstate(all="ignore"):
        sure = b < UNCERTAIN * size
        zero = (exact == 0) & (b == 0)
    zeros: list[tuple[int, int]] = []
    small: list[tuple[int, int]] = []
    for v in range(k):
        for p in np.flatnonzero(usable[v] & ((size[v] < vanish) | ~sure[v])).tolist():
            rec = precise[p] if precise is not None else None
            high = rec.gradient[v] if rec is not None and rec.converged else ""
            if size[v, p] < TINY_NORMAL and high and high not in ("0.0", "-0.0"):
                out[(v, p)] = Small("underflow", high=high)
                small.append((v, p))
            elif zero[v, p]:
                zeros.append((v, p))
            elif not sure[v, p]:
                out[(v, p)] = Small("uncertain")
            else:
                small.append((v, p))
    if zeros:
        out.update(_zeros(expr, values, exact, zeros))
    if small:
        sat = _saturated(expr, values, small, vanish)
        for key in small:
            where = sat.get(key, "")
            if key in out:  # underflow: say if saturation is the cause
                out[key] = out[key]._replace(where=where)
            else:
                out[key] = Small("saturated", where=where) if where else Small("small")
    return out


def _saturated(expr: Expression, values: Values, keys: list[tuple[int, int]], vanish: float) -> dict:
    """(v, p) -> the first saturating node on its flat tail (|local slope| < vanish) that uses v."""
    points = np.array(sorted({p for _, p in keys}))
    found: dict[tuple[int, int], str] = {}
    with np.errstate(all="ignore"):
        for i, node in enumerate(expr.nodes):
            if type(node) is not Call or node.op.name not in SATURATING or not expr.depends[i]:
                continue
            args = [_take(values[j], points) for j in node.args]
            slope = np.abs(np.broadcast_to(node.op.partials(args, _take(values[i], points))[0], points.shape))
            tail = dict(zip(points.tolist(), (slope < vanish).tolist()))
            for v, p in keys:
                if (v, p) not in found and tail[p] and expr.uses[i] >> v & 1:
                    found[(v, p)] = node.text
    return found


def _zeros(expr: Expression, values: Values, exact: np.ndarray, keys: list[tuple[int, int]]) -> dict:
    """Flat or stationary, for gradient entries that are exactly 0."""
    points = np.array(sorted({p for _, p in keys}))
    sub = [_take(x, points) for x in values]
    local = slopes(expr, sub)
    nodes = expr.nodes
    m = len(points)
    alive: list = [None] * len(nodes)
    alive[-1] = np.ones(m, dtype=bool)
    stopper: list = [None] * len(nodes)  # per node: text of a flattening node above it, per point
    with np.errstate(all="ignore"):
        for i in range(len(nodes) - 1, -1, -1):
            node = nodes[i]
            if alive[i] is None or type(node) is not Call or not expr.depends[i]:
                continue
            flat_op: Any = node.op.name in FLAT_OPS
            if flat_op and node.op.kink is not None:  # on its kink it is flat on one side at most
                flat_op = ~np.broadcast_to(
                    np.asarray(node.op.kink([sub[j] for j in node.args]), dtype=bool), (m,)
                )
            for j, slope in zip(node.args, local[i]):
                if not expr.depends[j]:
                    continue
                stops = flat_op & (np.broadcast_to(np.asarray(slope), (m,)) == 0)
                through = alive[i] & ~stops
                alive[j] = through if alive[j] is None else alive[j] | through
                # what stopped each point: this node where it stops it, else what stopped its
                # parent (for every point alike, so a point's words do not depend on its neighbours)
                if np.any(stops & alive[i]) or stopper[i] is not None:
                    mark = np.where(stops & alive[i], node.text, "")
                    if stopper[i] is not None:
                        mark = np.where(mark == "", stopper[i], mark)
                    stopper[j] = mark if stopper[j] is None else np.where(stopper[j] == "", mark, stopper[j])
    row = {p: r for r, p in enumerate(points.tolist())}
    out: dict[tuple[int, int], Small] = {}
    stationary: list[tuple[int, int]] = []
    terms = _symbolic(expr)
    jumpers = 0  # bit v: an op that jumps depends on variable v
    for node in nodes:
        if type(node) is Call:
            for k in node.op.jumps:
                if k < len(node.args):
                    jumpers |= expr.uses[node.args[k]]
    for v, p in keys:
        slot = expr.var_nodes[v]
        r = row[p]
        if terms is not None and terms[v].op is None and terms[v].value == 0 and not jumpers >> v & 1:
            out[(v, p)] = Small("constant")
        elif alive[slot] is not None and alive[slot][r]:
            stationary.append((v, p))
        else:
            where = str(stopper[slot][r]) if stopper[slot] is not None else ""
            out[(v, p)] = Small("flat", where=where)
    if stationary:
        kinds = _kinds(expr, values, exact, stationary, terms)
        for key in stationary:
            out[key] = Small("stationary", kind=kinds.get(key, ""))
    return out


def _symbolic(expr: Expression) -> list | None:
    """The symbolic first derivatives (simplified terms), or None where they cannot be had."""
    if len(expr.variables) > MAX_SYMBOLIC_VARIABLES:
        return None
    try:
        from ..language.symbolic import Algebra, derivatives

        return derivatives(expr, Algebra())
    except Exception:  # no symbolic rule for some op: say less, never fail
        return None


def _kind_one_sided(name: str, left: float, right: float, along: str) -> str:
    """The kind of a stationary point where df/dx has a kink, from the exact one-sided d2f/dx2:
    near it df/dx is about ``right * t`` to the right and ``left * t`` to the left (t signed)."""
    second = f"d2f/d{name}2 is {left!r} from the left and {right!r} from the right"
    if np.isnan(left) or np.isnan(right):  # (an infinite side still has its sign: x*cbrt(x) at 0)
        return f"df/d{name} has a kink here and d2f/d{name}2 is not defined on both sides, so its kind is not told"
    if left > 0 and right > 0:
        return f"{second} (df/d{name} has a kink here): a{' local' if not along else ''} minimum{along}"
    if left < 0 and right < 0:
        return f"{second} (df/d{name} has a kink here): a{' local' if not along else ''} maximum{along}"
    if left * right < 0:
        way = "rises" if right > 0 else "falls"
        return f"{second} (df/d{name} has a kink here): no extremum{along}, f {way} through it"
    return f"{second} (df/d{name} has a kink here): second derivatives do not tell its kind"


def _kinds(
    expr: Expression, values: Values, exact: np.ndarray, keys: list[tuple[int, int]], terms: list | None
) -> dict:
    """What kind of stationary point, from second derivatives (symbolic, then backprop)."""
    names = expr.variables
    k = len(names)
    if k > MAX_KIND_VARIABLES or terms is None:
        return {}
    from ..language.symbolic import to_expression

    rows = to_expression(terms, names)
    points = np.array(sorted({p for _, p in keys}))
    cols = [_take(values[expr.var_nodes[v]], points) for v in range(k)]
    cols = [np.broadcast_to(np.asarray(c, dtype=np.float64), points.shape) for c in cols]
    hess = np.zeros((len(points), k, k))
    hess_bound = np.zeros((len(points), k, k))  # backprop's rounding bound on each entry
    m = len(points)
    kinked = np.zeros((k, m), dtype=bool)  # df/dv itself sits on a kink: backprop's d2 is its rule there
    row_values = []
    with np.errstate(all="ignore"):
        for i, row in enumerate(rows):
            row_values.append(forward(row, cols))
            row_grad = bounded_backprop(row, row_values[i], m)
            hess[:, i, :] = row_grad.grad.T
            hess_bound[:, i, :] = row_grad.bound.T
            for _, mask in kinks(row, row_values[i], m):
                kinked[i] |= mask
    one_sided: dict[int, Any] = {}  # v -> the exact one-sided d2f/dv2 where df/dv is on a kink
    out = {}
    for v, p in keys:
        r = list(points).index(p)
        h = hess[r]
        if k > 1 and np.all(exact[:, p] == 0):
            if kinked[:, r].any():
                out[(v, p)] = (
                    "every partial derivative is 0, and the first derivatives have a kink here, so "
                    "second derivatives do not tell its kind"
                )
                continue
            if not np.all(np.isfinite(h)):
                continue
            lam = np.linalg.eigvalsh(h / 2 + h.T / 2)
            norm, scale = frobenius(hess_bound[r])
            with np.errstate(over="ignore"):
                spread = float(np.ldexp(norm, scale))  # moves no eigenvalue further (inf: beyond float64)
            if not np.isfinite(spread) or np.any(np.abs(lam) <= spread):
                out[(v, p)] = (
                    "every partial derivative is 0, and rounding leaves the sign of some eigenvalue "
                    "of the Hessian unknown, so second derivatives do not tell its kind"
                )
            elif np.all(lam > 0):
                out[(v, p)] = (
                    "every partial derivative is 0 and the Hessian is positive definite: a local minimum"
                )
            elif np.all(lam < 0):
                out[(v, p)] = (
                    "every partial derivative is 0 and the Hessian is negative definite: a local maximum"
                )
            elif np.any(lam > 0) and np.any(lam < 0):
                out[(v, p)] = (
                    "every partial derivative is 0 and the Hessian has eigenvalues of both signs: a saddle point"
                )
            else:
                out[(v, p)] = (
                    "every partial derivative is 0 and the Hessian is singular: second derivatives do not tell its kind"
                )
            continue
        name = names[v]
        along = f" along {name}" if k > 1 else ""
        if kinked[v, r]:
            if v not in one_sided:
                one_sided[v] = sides(rows[v], row_values[v], v, m)
            left, right = float(one_sided[v].left[r]) + 0.0, float(one_sided[v].right[r]) + 0.0
            out[(v, p)] = _kind_one_sided(name, left, right, along)
            continue
        c, b = float(h[v, v]) + 0.0, float(hess_bound[r, v, v])  # (+ 0.0: a zero is said as 0.0, never -0.0)
        if not np.isfinite(c):
            continue
        second = f"d2f/d{name}2 = {c!r}"
        if c != 0 and not abs(c) > b:  # (a NaN bound: unknown)
            out[(v, p)] = (
                f"{second} +/- {b:.2g} (rounding), so its sign is not known, and second derivatives "
                "do not tell its kind"
            )
        elif c > 0:
            out[(v, p)] = f"{second} > 0: a{' local' if not along else ''} minimum{along}"
        elif c < 0:
            out[(v, p)] = f"{second} < 0: a{' local' if not along else ''} maximum{along}"
        else:
            out[(v, p)] = (
                f"{second} too, so second derivatives do not tell its kind (an inflection, a "
                f"higher-order extremum, or f constant in {name})"
            )
    return out
