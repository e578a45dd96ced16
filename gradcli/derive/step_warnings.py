"""The finite difference's own warnings: ``step`` (the step used is not the one asked for),
``unconverged`` (its error cannot be known) and ``inaccurate`` (it misses backprop by more than
its method achieves with a good step; says why and, where a step helps, suggests one)."""

from __future__ import annotations

import math

import numpy as np

from .finite_diff import METHODS as STENCILS
from .finite_diff import Differences, balancing_step, error_at_best_step
from .warning import BEST_FACTOR, INACCURATE_FACTOR, TRUSTED, GradWarning, _json, _num, _threshold


def _step_notes(
    diff: Differences, v: int, name: str, usable: np.ndarray, estimates: np.ndarray
) -> list[tuple[int, GradWarning]]:
    """``step`` where the step used is not the one asked for; ``unconverged`` where the error is unknown.
    ``estimates`` is ``diff.error_estimate``, computed once by the caller for every variable."""
    out = []
    g, h = diff.gradient[v], diff.step[v]
    if diff.asked is not None:
        for p in np.flatnonzero(usable & np.isfinite(diff.asked[v])).tolist():
            asked, used = float(diff.asked[v, p]), float(h[p])
            x = _point_at(diff, v, p)
            spacing = math.ulp(x) if x is not None else 0.0
            if used < asked:
                why = (
                    "f is smooth only over a shorter length here (a pole, domain edge, kink, steep "
                    f"curvature or float64 overflow within about {_short(used * 2 * _reach(diff.method))}, seen by pilot "
                    "differences or in the expression's piecewise functions), and every probe of the "
                    "stencil must stay on the smooth side"
                )
            elif x is not None and asked < spacing:
                why = (
                    f"it is below the float spacing at {name} = {_num(x)} ({_num(spacing)}), the "
                    f"least step {name} can take"
                )
            else:
                # x is a float here: every method that records ``asked`` records the points too
                why = f"{name} + eps is not exact in float64 at {name} = {_num(x)}: the nearest step it takes exactly is used"  # type: ignore[arg-type]
            out.append(
                (
                    p,
                    GradWarning(
                        name,
                        "step",
                        f"--eps {_threshold(asked)} is not the step used for d/d{name}: {why}; the "
                        f"{diff.method} difference used eps {_num(used)}",
                        {"asked_eps": _json(asked), "used_eps": _json(used)},
                    ),
                )
            )
    estimate = estimates[v]
    for p in np.flatnonzero(usable & np.isfinite(g) & ~np.isfinite(estimate)).tolist():
        x = _point_at(diff, v, p)
        if not np.isfinite(diff.rounding[v, p]):
            why = (
                "the rounding error of f itself is not known here: a value computed with rounding "
                "passes through an infinite slope (acos at a computed 1, sqrt at a computed 0), or "
                "a pole or domain edge lies within its rounding error (sec at a computed pi/2), "
                "so f may be off by any amount"
            )
        elif diff.unresolved is not None and diff.unresolved[v, p] and x is not None:
            why = (
                f"f varies faster than any step float64 can take at {name} = {_num(x)} resolves "
                f"(the spacing there is {_num(math.ulp(x))}), or an edge is closer than that"
            )
        elif diff.method == "richardson":
            why = "the extrapolation did not converge (its steps never agreed)"
        elif np.isfinite(diff.rounding[v, p]) and np.isfinite(np.nan_to_num(diff.truncation[v, p], nan=0.0)):
            why = f"f's rounding error divided by the step ({float(h[p]):.3g}) is beyond float64's range"
        else:
            why = "a probe of its truncation estimate left f's domain"
        out.append(
            (
                p,
                GradWarning(
                    name,
                    "unconverged",
                    f"the {diff.method} difference {_num(g[p])} (eps {float(h[p]):.3g}) has no error "
                    f"estimate: {why}; use --method complex or backprop",
                ),
            )
        )
    return out


def _point_at(diff: Differences, v: int, p: int) -> float | None:
    """Variable v's value at point p (None where the method did not record the points)."""
    return None if diff.points is None else float(diff.points[v, p])


def _reach(method: str) -> int:
    from .finite_diff import REACH

    return REACH.get(method, 1)


def _short(x: float) -> str:
    return f"{x:.3g}"


def _inaccurate(
    diff: Differences,
    v: int,
    name: str,
    exact: np.ndarray,
    usable: np.ndarray,
    estimates: np.ndarray,
) -> list[tuple[int, GradWarning]]:
    g = diff.gradient[v]
    rounding = diff.rounding[v]
    with np.errstate(all="ignore"):
        err = np.abs(g - exact)
        estimate = rounding + np.nan_to_num(diff.truncation[v], nan=0.0)
        suspect = np.where(exact == 0, err > INACCURATE_FACTOR * estimate, err > TRUSTED * np.abs(exact))
        known = np.isfinite(estimates[v]) | ~np.isfinite(g)
        # (unknown: "unconverged" says so)
    out = []
    for p in np.flatnonzero(usable & known & (suspect | ~np.isfinite(g))).tolist():
        verdict = _why_inaccurate(diff, v, p, float(exact[p]), float(rounding[p]), name)
        if verdict is not None:
            message, suggested = verdict
            details = {"suggested_eps": suggested} if suggested is not None else None
            out.append((p, GradWarning(name, "inaccurate", message, details)))
    return out


def _why_inaccurate(
    diff: Differences, v: int, p: int, exact: float, r: float, name: str = "x"
) -> tuple[str, float | None] | None:
    """Why the difference at (v, p) is off, and a better step; None if it is as good as any.

    ``r`` is the method's own rounding estimate at this step (see :mod:`gradcli.rounding`).
    """
    method = diff.method
    g = float(diff.gradient[v, p])
    h = float(diff.step[v, p])
    t = float(diff.truncation[v, p])
    head = f"the {method} difference {_num(g)} (eps {h:.3g})"
    if not np.isfinite(g):
        return (
            f"{head} is not finite: the step reaches where f is not defined or blows up "
            "(a domain edge or pole within eps); try a smaller --eps, or --method backprop",
            None,
        )
    err = abs(g - exact)
    miss = f"misses backprop {_num(exact)} by {err:.2g}"
    if method not in STENCILS:
        return _why_adaptive(diff, v, p, exact, err, f"{head} {miss}"), None
    known = np.isfinite(t)
    best = balancing_step(h, t, r, diff.order)
    reachable = error_at_best_step(h, t, r, diff.order)
    x = _point_at(diff, v, p) if best is not None else None
    spacing = math.ulp(x) if x is not None else 0.0
    floor = ""
    if best is not None and x is not None and best < spacing:  # no step below the float spacing exists at x
        best = reachable = None
        floor = f"; no smaller step exists at {name} = {_num(x)} (the float spacing there is {_num(spacing)})"
    if exact != 0 and (g == 0 or r >= abs(exact)):
        if diff.auto or reachable is None or reachable > TRUSTED * abs(exact):
            advice, suggested = "no step recovers it in float64; use --method complex or backprop", None
        else:
            advice, suggested = f"try --eps {best:.2g}", best
        return (
            f"{head} {miss}: the step destroyed the answer, since over +/-eps f changes by less "
            f"than its own rounding error (about {r:.2g}); {advice}",
            suggested,
        )
    estimate = r + (t if known else 0.0)
    if err > INACCURATE_FACTOR * estimate and err > r:
        return (
            f"{head} {miss}, far beyond its own error estimate {estimate:.2g}: f is not smooth "
            "within eps of the point (a kink, pole or domain edge nearby); try a smaller --eps",
            None,
        )
    if reachable is not None and err <= BEST_FACTOR * reachable:
        return None  # as close as any step of this method gets here
    if diff.auto and not known and err <= BEST_FACTOR * r:
        # gradcli's step, truncation below rounding's noise there (the step grew while it was):
        # the error is of the rounding's size, as close as the method gets at this f
        return None
    if known and t >= r:
        cause = f"eps is too large (truncation error, about {t:.2g}, dominates)"
    else:
        cause = f"eps is too small (rounding error, about {r:.2g}, dominates)"
    if floor:
        return f"{head} {miss}: {cause}{floor}; use --method central, richardson or complex", None
    if diff.auto:
        # gradcli chose this step from the stencil's own estimates: it knows no better one
        limit = "truncation" if known and t >= r else "rounding in f"
        return (
            f"{head} {miss}: {limit} limits the {method} difference here, at the best step gradcli "
            "found (a longer one would leave f's smooth region or add truncation, a shorter one "
            "rounding); use --method richardson, complex or backprop for more digits",
            None,
        )
    if best is None:
        advice = "a smaller eps would do better" if known and t >= r else "a larger eps would do better"
        return f"{head} {miss}: {cause}; {advice}", None
    advice = f"an eps of about {best:.2g} would do better"
    if reachable is not None and reachable > TRUSTED * abs(exact):
        advice += f", though no step gets closer than about {reachable:.1g}; backprop is exact"
    return f"{head} {miss}: {cause}; {advice}", best


def _why_adaptive(diff: Differences, v: int, p: int, exact: float, err: float, said: str) -> str:
    """Why richardson or complex step is off: judged by the method's own error estimate."""
    g = float(diff.gradient[v, p])
    estimate = float(diff.error_estimate[v, p])
    other = "--method complex or backprop" if diff.method == "richardson" else "--method backprop"
    if exact != 0 and (g == 0 or estimate >= abs(exact)):
        return (
            f"{said}: the step destroyed the answer, since f changes by less than its own "
            f"rounding error over every step tried (error estimate {estimate:.2g}, no smaller "
            f"than the gradient); no step recovers it in float64; use {other}"
        )
    if err > INACCURATE_FACTOR * estimate:
        return (
            f"{said}, far beyond its own error estimate {estimate:.2g}: f is not smooth near the "
            f"point (a kink, pole or domain edge within the steps); use {other}"
        )
    if err > estimate:
        return (
            f"{said}, beyond its own error estimate {estimate:.2g}: f may not be smooth near the "
            f"point, or carry more rounding than estimated; use {other}"
        )
    # (complex step estimates no truncation: NaN, which is not larger)
    if float(diff.truncation[v, p]) > float(diff.rounding[v, p]):
        cause = (
            "the extrapolation stopped improving before rounding took over (f is not smooth near the point)"
        )
    else:
        cause = "rounding in f limits every finite difference here"
    return f"{said}, within its own error estimate {estimate:.2g}: {cause}; use {other}"
