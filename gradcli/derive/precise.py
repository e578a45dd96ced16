"""High precision where float64 cannot decide: value and backprop again, in mpmath, per point.

``precision`` (``compute``/``grad``, ``--precision``) is one of

* ``"auto"`` (the default): the points where backprop's rounding-error bound
  (:mod:`gradcli.derive.bound`) shows lost digits, i.e. some variable has a bound above
  ``LOST`` (1e-12) times |gradient|, a non-finite bound, or a gradient of 0 with a bound that
  is not 0, are evaluated again in mpmath. (The bound is conservative, a few times the
  typical error: at 1e-15 most points of ordinary expressions would qualify, and a point in
  mpmath costs about 2 ms, against about 1 us in float64; at 1e-12, 0 to 3% of the points of
  the expressions measured, those near a zero of the gradient, where cancellation is real.)
  At most ``MAX_AUTO`` points of one call are re-evaluated, and at most ``NODE_BUDGET``
  divided by the expression's number of nodes (a point costs about 0.2 ms a node): those whose
  bound is largest against the gradient (a stream passes ``allow`` to :func:`refine` instead:
  the first such points of each block of lines, :mod:`gradcli.pipeline`); the others keep
  float64 and the bound that says what they lost. Outside a stream, re-evaluation also stops
  after ``AUTO_SECONDS`` of it (worst points first): a node costs 0.01 to 5 ms in mpmath,
  depending on the function and the digits needed (gamma at 660 digits: 4 ms), so a count
  alone cannot bound the time. Only a call that reaches this limit depends on the machine's
  speed, and its other points keep float64 and their bound. Method: value and gradient (the same reverse sweep,
  with the registry's derivative rules in high precision) at p and p + ``STEP`` digits, where p
  starts from the digits the bound says were lost plus a margin; when the two agree to
  2**-64 relative (well below float64's 2**-53) the higher one is taken, else p doubles, up to
  ``MAX_DIGITS``; a point that does not settle by then keeps the last value and is marked
  ``converged=False``. Every other point stays float64, and mpmath is not even imported.
* an int N (at least ``MIN_DIGITS``): every point at N digits (and N + ``STEP`` to bound its
  error), whatever the bound says.
* ``"off"``: float64 only.

The gradient reported is then the high-precision result rounded to float64; its bound is the
difference between the two precisions plus the rounding to float64 (half an ulp), or, where
the true gradient is below float64's range, the gradient itself (0 is then off by all of it).
Points and number literals are taken as the float64 numbers they are, ``pi`` and ``e`` as the
true constants; the forms come from the registry (:mod:`gradcli.language.precise`). An expression
with a function that has no high-precision form stays float64 under ``"auto"``, and is refused
(:class:`~gradcli.language.precise.UnsupportedPrecision`, exit 2) under N digits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import OptionError
from ..language.evaluate import Values
from ..language.nodes import Expression
from .bound import bounded_backprop

AUTO = "auto"
OFF = "off"
DEFAULT_PRECISION = AUTO
LOST = 1e-12  # bound/|gradient| above this: about 4 of float64's 16 digits lost
STEP = 20
MIN_DIGITS = 20
MAX_DIGITS = 640
MAX_AUTO = 1000  # points one call re-evaluates under auto (about 1-2 ms each): the worst ones
NODE_BUDGET = 6000  # and at most this many (points x expression nodes), at about 0.2 ms each
AUTO_SECONDS = 2.0  # and for at most this long in one call (a stream's budget is by lines only)
AGREE = 2.0**-64
TINY_NORMAL = 2.2250738585072014e-308  # the smallest normal float64

Precision = str | int
Allow = Callable[[np.ndarray, int], np.ndarray]  # (lossy points in order, the cap) -> those re-evaluated


class Precise(NamedTuple):
    """How one point's value and gradient were re-evaluated.

    ``digits``: the precision of the result taken; ``converged``: whether two precisions
    agreed; ``gradient``: the high-precision gradient as text, one per variable: the repr of
    its float64 rounding, or, outside float64's normal range, 17 significant digits with any
    exponent (e.g. "5.0759588975494568e-435"); ``value`` f likewise;
    ``lost``: per variable, how many of float64's 16 digits backprop had lost (16: all);
    ``note``: one line for people.
    """

    digits: int
    converged: bool
    gradient: tuple[str, ...]
    value: str
    lost: tuple[float, ...]
    note: str


def check_precision(precision: Any) -> Precision:
    """``precision`` validated: "auto", "off", or an int number of digits (OptionError if not)."""
    if isinstance(precision, str):
        text = precision.strip().lower()
        if text in (AUTO, OFF):
            return text
        try:
            precision = int(text)
        except ValueError:
            raise OptionError(
                f"precision must be auto, off or a number of digits, not {precision!r}",
                hint=f"e.g. --precision 50 (digits, {MIN_DIGITS} to {MAX_DIGITS})",
            ) from None
    if isinstance(precision, bool) or not isinstance(precision, (int, np.integer)):
        raise OptionError(f"precision must be auto, off or a number of digits, not {precision!r}")
    if not MIN_DIGITS <= precision <= MAX_DIGITS:
        raise OptionError(f"precision must be between {MIN_DIGITS} and {MAX_DIGITS} digits, not {precision}")
    return int(precision)


def lost_digits(grad: np.ndarray, bound: np.ndarray, value_ok: np.ndarray) -> np.ndarray:
    """Points (n,) where the bound says float64 backprop lost digits (where f is finite): also
    where it is 0 or infinite and its bound is not 0 (an infinite slope met by a value that
    underflowed: ``cbrt(x*x)`` at 1e-200, whose derivative is -6.7e66 / 1e-134**(1/3), not inf)."""
    with np.errstate(all="ignore"):
        loose = ~(bound <= LOST * np.abs(grad)) | (((grad == 0) | np.isinf(grad)) & (bound > 0))
    if loose.ndim == 2:
        loose = loose.any(axis=0)
    return loose & value_ok


def _sweep(expr: Expression, point: Sequence[float], dps: int) -> Any:
    """f and its gradient at one point in mpmath at ``dps`` digits (NaN outside the domain), the
    digits its sums need and the sums that cancelled to exactly 0
    (:func:`gradcli.language.precise.sweep`)."""
    from ..language.precise import sweep

    return sweep(expr, [float(x) for x in point], dps)


def _agree(a: list, b: list) -> bool:
    import mpmath as mp

    for x, y in zip(a, b):
        if mp.isnan(x) or mp.isnan(y):
            return False
        if x != y and not abs(x - y) <= AGREE * abs(y):
            return False
    return True


def _float(x: Any) -> float:
    import mpmath as mp

    if mp.isnan(x):
        return math.nan
    try:
        return float(x)  # mpmath rounds to nearest; out of range gives inf or 0
    except OverflowError:
        return math.copysign(math.inf, x)


def _up(e: Any) -> float:
    """A float64 at least ``e`` (>= 0): the smallest subnormal for an error below float64's range."""
    if e == 0:
        return 0.0
    up = float(e * (1 + 2.0**-50))
    return up if up > 0 else math.ulp(0.0)


def _text(x: Any) -> str:
    import mpmath as mp

    if mp.isnan(x):
        return "nan"
    if x == 0:
        return "0.0"
    s = mp.nstr(x, 17, min_fixed=-4, max_fixed=17, strip_zeros=False)
    return s


def _start(g: np.ndarray, b: np.ndarray) -> int:
    """Digits to start from: float64's 17 plus those the bound says were lost, plus a margin."""
    with np.errstate(all="ignore"):
        ratio = np.where(g != 0, b / np.abs(g), np.inf)
    worst = float(np.max(ratio)) if ratio.size else 0.0
    if not math.isfinite(worst):
        return 40
    return int(min(MAX_DIGITS // 2, max(30, 27 + math.log10(max(worst, 1e-17)) + 16)))


def reevaluate(
    expr: Expression,
    point: Sequence[float],
    grad: np.ndarray,
    bound: np.ndarray,
    digits: int | None,
    until: float = math.inf,
) -> tuple[float, np.ndarray, np.ndarray, Precise] | None:
    """One point's value, gradient and gradient bound in high precision (no more digits are
    taken after ``until``, a ``time.monotonic`` time: the point is then not converged).

    None where f is not defined there, or where some intermediate value lies beyond
    10**+-5,050,000 (:class:`~gradcli.language.precise.BeyondRange`): the float64 result and its
    bound then stand, so the cost of a point stays bounded.

    ``grad``, ``bound``: float64 backprop's gradient and bound at the point (k,);
    ``digits`` None: auto (see the module docstring), else that many digits.
    """
    import mpmath as mp

    from ..language.precise import BeyondRange

    p = _start(grad, bound) if digits is None else digits
    while True:
        try:
            first, second = _sweep(expr, point, p), _sweep(expr, point, p + STEP)
            (f1, g1, needed, zeroed), (f2, g2) = first, second[:2]
        except BeyondRange:
            return None  # an intermediate past 10**+-5,050,000: float64 and its bound stand
        if mp.isnan(f2) or any(mp.isnan(x) for x in g2):
            return None
        # Two precisions agreeing is not enough where the sweep adds terms further apart than
        # either holds: both lose the same small terms (x + x/x at 1e-100 read 0 at 60 and 80
        # digits; its derivative is 1). Such a sweep is taken again with room for them.
        # Terms that cancel to exactly 0 may have lost every digit (expm1(x)/x at 1e-70 reads 0
        # at 60 and 80 digits, 0.5 at 120; terms that round alike at both precisions prove
        # nothing: x - asinh(x) at 1e-31 adds 1 and -(1 - 5e-63)): the point is taken again at
        # the most digits, and a 0 is taken as exact only there (x*x - 2*x at 1).
        cancelled = bool(zeroed)
        roomy = p + STEP >= MAX_DIGITS if cancelled else p >= needed + STEP
        converged = roomy and _agree(g1, g2) and _agree([f1], [f2])
        if (
            converged
            or digits is not None
            or (2 * p > MAX_DIGITS and not cancelled)
            or p + STEP >= MAX_DIGITS
        ):
            break
        if until < math.inf and time.monotonic() > until:
            break  # out of time: what two precisions agree on is all there is
        if cancelled:  # straight to the most digits: only they can confirm an exact 0
            p = MAX_DIGITS - STEP
        else:
            p = max(2 * p, min(MAX_DIGITS // 2, int(needed) + 2 * STEP))
    taken = p + STEP
    out = np.array([_float(x) for x in g2])
    with mp.workdps(taken):
        err = []
        for x, y, o in zip(g1, g2, out):
            e = abs(x - y) + abs(y - mp.mpf(o))  # the two precisions' gap + the rounding to float64
            if not converged:
                e = max(e, abs(y))  # no agreement: nothing is known
            err.append(_up(e))
        if not converged and any(e == 0 for e in err):
            err = [math.inf if e == 0 else e for e in err]
    lost = [_lost(float(x64), y, o) for x64, y, o in zip(grad, g2, out)]
    texts = tuple(
        _text(y) if not TINY_NORMAL <= abs(o) < math.inf else repr(float(o)) for y, o in zip(g2, out)
    )
    tiny = [t for t, y, o in zip(texts, g2, out) if y != 0 and abs(o) < TINY_NORMAL]
    huge = [_text(y) for y, o in zip(g2, out) if math.isinf(o) and mp.isfinite(y)]
    zero = all(y == 0 for y in g2)
    failed = any(math.isnan(float(x)) for x in grad)
    note = _note(taken, converged, lost, digits is not None, tiny, zero, huge, failed)
    if digits is not None and not converged:
        note = _unsettled(taken, needed, cancelled)
    value = _float(f2)
    value_text = _text(f2) if not TINY_NORMAL <= abs(value) < math.inf else repr(value)
    return value, out, np.array(err), Precise(taken, converged, texts, value_text, tuple(lost), note)


def _lost(x64: float, y: Any, y64: float) -> float:
    """How many of float64's 16 digits ``x64`` lost against the true ``y`` (``y64`` rounded)."""
    if y == 0:
        return 0.0 if x64 == 0 else 16.0
    if math.isnan(x64):
        return 16.0  # float64 gave nothing
    if TINY_NORMAL <= abs(y64) < math.inf:
        y64 = float(y64)  # (a Python float: a difference beyond float64 is inf, without a numpy warning)
        rel = abs(x64 - y64) / abs(y64)  # the rounding of y to y64 is far below what is measured
    else:
        import mpmath as mp

        rel = float(abs(mp.mpf(x64) - y) / abs(y))
    if rel >= 1:
        return 16.0
    return max(0.0, min(16.0, 16 + math.log10(rel))) if rel > 0 else 0.0


def _note(
    digits: int,
    converged: bool,
    lost: Sequence[float],
    forced: bool,
    tiny: Sequence[str],
    zero: bool,
    huge: Sequence[str] = (),
    failed: bool = False,
) -> str:
    head = f"re-evaluated at {digits} digits"
    if zero and converged:
        return f"{head}: the gradient is exactly 0"
    if huge and converged:
        return f"{head}: the gradient {', '.join(huge)} is beyond float64's range (shown as inf)"
    if failed and converged:
        return (
            f"{head}: float64 backprop gave nan (a value on its way overflowed or underflowed); "
            "the reference is the high-precision one"
        )
    if tiny and converged:
        return f"{head}: the gradient {', '.join(tiny)} is below float64's normal range, where it rounds to 0 or loses digits"
    if not converged and not forced:
        return (
            f"{head}, the most tried: two precisions still disagree, so the reference gradient is "
            "uncertain here"
        )
    worst = max(lost) if lost else 0.0
    if forced and worst < 1:
        return f"{head} (--precision {digits - STEP}): float64 backprop agreed to its last digits"
    if worst >= 15.5:
        return f"{head}: float64 backprop lost all digits to cancellation"
    if worst >= 1:
        return f"{head}: float64 backprop lost about {worst:.0f} of its 16 digits to rounding"
    return (
        f"{head}: float64 backprop turned out right to its last digits, though its bound could not promise it"
    )


def _unsettled(digits: int, needed: float, cancelled: bool) -> str:
    """The note for ``--precision N`` where its digits could not settle the point, naming the
    digits that may: those its sums cancel across (terms that cancel to 0 at too few digits
    prove nothing), else the most, where terms cancel to exactly 0 (only they confirm a 0)."""
    if needed + STEP > digits - STEP:
        why, more = f"its sums cancel across about {needed:.0f} digits", math.ceil(needed) + STEP
    elif cancelled:
        why, more = "terms cancel to exactly 0, which only the most digits can confirm", MAX_DIGITS
    else:
        why, more = "two precisions disagree", 2 * digits
    more = min(MAX_DIGITS - STEP, more)
    most = ", the most" if more == MAX_DIGITS - STEP else ""
    return (
        f"re-evaluated at {digits} digits (--precision {digits - STEP}), which do not settle this "
        f"point: {why} (--precision {more}{most}, or auto, may)"
    )


def _worst(todo: np.ndarray, grad: np.ndarray, bound: np.ndarray, most: int) -> np.ndarray:
    """The ``most`` points of ``todo`` whose bound is largest against |gradient| (ties: the
    first), in input order."""
    with np.errstate(all="ignore"):
        ratio = np.where(np.abs(grad) > 0, bound / np.abs(grad), np.inf)
    worst = np.nan_to_num(ratio, nan=np.inf).max(axis=0)[todo]
    return np.sort(todo[np.argsort(-worst, kind="stable")[:most]])


def refine(
    expr: Expression,
    points: np.ndarray,
    value: np.ndarray,
    grad: np.ndarray,
    bound: np.ndarray,
    precision: Precision,
    allow: Allow | None = None,
    deadline: float | None = None,
    undefined: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Precise | None]]:
    """Value, gradient and bound with the points float64 cannot decide done in high precision.

    Returns new arrays (the inputs are not changed) and, per point, its :class:`Precise`
    record, or None where the point stayed float64 (or f is not defined there). Under auto,
    ``allow`` (a stream's budget, which spans its chunks) is called once, when the expression
    has variables, with the lossy points in order (perhaps none) and the cap, and picks those
    re-evaluated, in place of the worst ``cap`` of this call. ``deadline`` (``time.monotonic``)
    replaces this call's own ``AUTO_SECONDS`` where several calls share one budget (the gradient
    and each row of a Hessian). ``undefined``: points where the float64 value is not finite are
    taken too (a derivative's formula whose float64 evaluation overflows or underflows on the way,
    as 1/x's third derivative at 1e-60, is NaN there while its value is -6e240).
    """
    n = value.shape[0]
    records: list[Precise | None] = [None] * n
    if precision == OFF or grad.shape[0] == 0:
        return value, grad, bound, records
    ok = np.isfinite(value) | (undefined & np.all(np.isfinite(points), axis=1))
    todo = np.flatnonzero(ok if precision != AUTO else lost_digits(grad, bound, ok))
    most = min(MAX_AUTO, max(1, NODE_BUDGET // max(len(expr.nodes), 1)))
    if precision == AUTO and allow is not None:
        todo = allow(todo, most)
    elif precision == AUTO and todo.size > most:
        todo = _worst(todo, grad, bound, most)
    if not todo.size:
        return value, grad, bound, records
    from ..language.precise import UnsupportedPrecision, supported

    try:
        supported(expr)
    except UnsupportedPrecision:
        if precision != AUTO:
            raise  # --precision N: refused with the function's name
        return value, grad, bound, records  # auto: float64, with its bound, is all there is
    value, grad, bound = value.copy(), grad.copy(), bound.copy()
    digits = None if precision == AUTO else int(precision)
    until = math.inf  # untimed: a stream's budget counts lines, --precision N does every point
    if precision == AUTO and allow is None:
        until = deadline if deadline is not None else time.monotonic() + AUTO_SECONDS
    for p in todo:
        if until < math.inf and time.monotonic() > until:
            break  # the rest keep float64 and their bound
        done = reevaluate(expr, points[p], grad[:, p], bound[:, p], digits, until)
        if done is None:
            continue
        value[p], grad[:, p], bound[:, p], records[p] = done
    return value, grad, bound, records


def reference_gradient(
    expr: Expression,
    points: np.ndarray,
    values: Values,
    precision: Precision,
    deadline: float | None = None,
) -> tuple[np.ndarray, np.ndarray, list[Precise | None]]:
    """Backprop's gradient (k, n) at ``points`` (n, k), from the forward pass ``values``, with
    its rounding bound (:func:`gradcli.derive.bound.bounded_backprop`), and the points where
    the bound shows lost digits taken again in high precision (:func:`refine`): the reference
    the commands that are not ``grad`` (hessian, --order, sweep) measure against."""
    n = points.shape[0]
    with np.errstate(all="ignore"):
        bounded = bounded_backprop(expr, values, n)
    f = np.broadcast_to(np.asarray(values[-1], dtype=np.float64), (n,))
    _, grad, bound, records = refine(
        expr, points, f, bounded.grad, bounded.bound, precision, None, deadline, undefined=True
    )
    return grad, bound, records
