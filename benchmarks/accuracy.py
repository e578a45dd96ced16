"""Accuracy of gradcli's derivatives against 60-digit truth, next to numdifftools and scipy.

    pip install -e ".[bench]" && python benchmarks/accuracy.py [--cases] [--suite NAME]

Three suites of (expression, point): ``smooth`` (from the easy to the badly scaled),
``cancellation`` (f itself loses digits: (exp(x)-1)/x at 1e-9, sin(x)/x at 1e-8, ...) and
``geography`` (poles, domain edges and kinks near the point, tiny and huge |x|: 1/x at 1e-20,
selu at 1e-300, sin at 1e12 and 1e20, ...). Truth: the expression is rebuilt from gradcli's
own parse tree in mpmath (60 significant digits) and differentiated there by ``mpmath.diff``
with a step far inside the distance to 0, so the benchmark needs no second copy of each
formula. Every method is run on the same float64 function (gradcli's forward pass):
gradcli's finite-difference methods and backprop through :func:`gradcli.compute`, and, where
installed, numdifftools' default ``Gradient`` and ``scipy.differentiate.derivative`` with
their defaults, one variable at a time.

Per method it prints, for all suites together and then for each: the median and largest
relative error of the gradient (max_i |g_i - t_i| over max_i |t_i|), how many cases come
under 1e-12 and 1e-8, the median number of function evaluations per gradient (peers counted
by a wrapper; gradcli by its own count, a complex evaluation counting as one), the coverage of
the method's own error estimate (cases where |g_i - t_i| <= estimate_i in every component;
target: at least 95% for every gradcli finite-difference method), and how many estimates
were unknown (inf: gradcli says so with an ``unconverged`` warning rather than a number).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import mpmath as mp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradcli.derive.gradient import compute
from gradcli.errors import OptionError
from gradcli.language.evaluate import value
from gradcli.language.nodes import Call, Const, Expression
from gradcli.language.parse import parse
from gradcli.registry import SELU_ALPHA, SELU_SCALE

DIGITS = 60
GRADCLI_METHODS = ("forward", "backward", "central", "five-point", "richardson", "complex", "backprop")

# (expression, point): at least 40 smooth cases, from the easy to the badly scaled.
CASES: list[tuple[str, dict[str, float]]] = [
    ("3*(a+b*c)", {"a": 5, "b": 3, "c": 2}),  # the seed
    ("sigmoid(x)", {"x": 1}),
    ("sigmoid(x)", {"x": 20}),
    ("sigmoid(x)", {"x": 40}),
    ("sigmoid(x)", {"x": -5}),
    ("tanh(x)", {"x": 10}),
    ("tanh(x)", {"x": 0.5}),
    ("softplus(x)", {"x": 800}),
    ("softplus(x)", {"x": -3}),
    ("softplus(x)", {"x": 2}),
    ("x**3 - 2*x*y + y**2", {"x": 1.5, "y": -0.7}),
    ("a*b*c + a**2*c - 3*b**3", {"a": 0.3, "b": 1.7, "c": -2.2}),
    ("(x - 1)**7", {"x": 1.25}),
    ("x**4*y**3*z**2 + x*y*z", {"x": 1.1, "y": 0.9, "z": 1.3}),
    ("exp(x)", {"x": 1}),
    ("exp(-x**2)", {"x": 0.8}),
    ("log(1 + exp(x*y))", {"x": 1, "y": 2}),
    ("exp(log(x)*y)", {"x": 2.5, "y": 1.5}),
    ("log(x**2 + 1)*exp(-y)", {"x": 0.4, "y": 0.3}),
    ("exp(sin(x))*log(2 + cos(y))", {"x": 0.7, "y": 2.1}),
    ("exp(x)/sqrt(sin(x)**3 + cos(x)**3)", {"x": 1.5}),  # the classic complex-step test
    ("sin(x)", {"x": 1e-8}),
    ("exp(x)", {"x": 1e-8}),
    ("x**2 + x", {"x": 1e-8}),
    ("log(x)", {"x": 1e8}),
    ("sqrt(x)", {"x": 1e8}),
    ("x**2", {"x": 1e8}),
    ("log(x)", {"x": 1e-3}),
    ("exp(x)", {"x": 50}),  # huge derivative
    ("exp(-x)", {"x": 30}),  # tiny derivative
    ("1/(x - 1)", {"x": 1.01}),  # near a pole
    ("tan(x)", {"x": 1.5}),  # near a pole
    ("sqrt(x)", {"x": 1e-4}),  # near a domain edge
    ("log(x)", {"x": 0.01}),  # near a domain edge
    ("asin(x)", {"x": 0.99}),  # near a domain edge
    ("atanh(x)", {"x": 0.9}),
    ("acosh(x)", {"x": 1.5}),
    ("atan(x)", {"x": 3}),
    ("sinh(x)*cosh(y)", {"x": 0.5, "y": 1.2}),
    ("hypot(x, y)", {"x": 3, "y": 4}),
    ("atan2(y, x)", {"x": -1, "y": 0.5}),
    ("x**y", {"x": 1.7, "y": 2.3}),
    ("log1p(x) - expm1(x)", {"x": 0.3}),
    ("log10(x) + log2(y)", {"x": 7, "y": 3}),
    ("cos(x)*sin(y)*exp(x*y)", {"x": 0.9, "y": -0.4}),
    ("sigmoid(a*x + b)", {"a": 2, "x": 1.5, "b": -1}),
    ("relu(x) + abs(y)", {"x": 0.7, "y": -1.3}),  # piecewise, away from the kinks
    ("max(x, y)*min(x, z)", {"x": 1, "y": 2, "z": 3}),
    (
        "a*b + c*d + e1*f + g*h + i*j + sin(a*c*e1*g*i) + exp(b*d*f*h*j/10)",
        {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4, "e1": 0.5, "f": 0.6, "g": 0.7, "h": 0.8, "i": 0.9, "j": 1.0},
    ),  # 10 variables
    ("log(1 + exp(x))", {"x": -20}),  # cancels inside f: 1 + exp(x) is rounded at the scale of 1
    (
        "log(1 + exp(x*y))",
        {"x": -3.39347991, "y": 4.69925413},
    ),  # the same, where the rounding drifts smoothly
    ("x**10", {"x": 1.3}),
    ("1/(1 + x**2)", {"x": 2}),
    ("sqrt(1 - x**2)", {"x": 0.6}),
]

# Cancellation inside f: the float64 f loses digits, and every difference of it inherits them.
CANCELLATION: list[tuple[str, dict[str, float]]] = [
    ("(exp(x)-1)/x", {"x": 1e-9}),
    ("sin(x)/x", {"x": 1e-8}),
    ("(1-cos(x))/x**2", {"x": 1e-5}),
    ("log(1+x)-x", {"x": 1e-6}),
    ("tan(x)-sin(x)", {"x": 1e-4}),
    ("sqrt(x**2+1)-x", {"x": 1e5}),
    ("exp(x)-1-x", {"x": 1e-5}),
    ("x-sin(x)", {"x": 1e-3}),
    ("cosh(x)-1", {"x": 1e-6}),
    ("sqrt(1+x)-1", {"x": 1e-10}),
    ("atan(x)-x", {"x": 1e-4}),
    ("1/x-1/(x+1)", {"x": 1e4}),
    ("log(x+1)-log(x)", {"x": 1e8}),
    ("(x+1)**2-x**2", {"x": 1e7}),
]

# Geography: poles, domain edges and kinks near the point, and points far from f's own scale.
GEOGRAPHY: list[tuple[str, dict[str, float]]] = [
    ("1/(x-1)", {"x": 1.00000001}),
    ("1/(x-1)", {"x": 1.0001}),
    ("tan(x)", {"x": 1.5707963}),
    ("log(x-1)", {"x": 1.000001}),
    ("sqrt(1-x)", {"x": 0.9999999}),
    ("atanh(x)", {"x": 0.999999}),
    ("log(x)", {"x": 1e-100}),
    ("sqrt(x)", {"x": 1e-20}),
    ("1/x", {"x": 1e-20}),
    ("selu(x)", {"x": 1e-300}),
    ("relu(x)", {"x": 1e-12}),
    ("abs(x-1)", {"x": 1.0000001}),
    ("hypot(x, 1e-200)", {"x": 1e-200}),
    ("x**3", {"x": 1e-4}),
    ("sin(x)", {"x": 1e10}),
    ("sin(x)", {"x": 1e12}),
    ("sin(x)", {"x": 1e20}),
    ("cos(x)*x", {"x": 1e6}),
    ("x", {"x": 1e10}),
    ("exp(-x**2)", {"x": 5}),
    ("sigmoid(x)", {"x": 30}),
    ("tanh(x)", {"x": 15}),
]

SUITES = {"smooth": CASES, "cancellation": CANCELLATION, "geography": GEOGRAPHY}


def _mp_rules() -> dict[str, Callable]:
    sigmoid = lambda x: 1 / (1 + mp.exp(-x))
    return {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "pow": lambda a, b: mp.power(a, b),
        "neg": lambda a: -a,
        "pos": lambda a: a,
        "exp": mp.exp,
        "log": lambda x, *b: mp.log(x) if not b else mp.log(x) / mp.log(b[0]),
        "log2": lambda x: mp.log(x, 2),
        "log10": mp.log10,
        "log1p": mp.log1p,
        "expm1": mp.expm1,
        "sqrt": mp.sqrt,
        "abs": abs,
        "sin": mp.sin,
        "cos": mp.cos,
        "tan": mp.tan,
        "asin": mp.asin,
        "acos": mp.acos,
        "atan": mp.atan,
        "atan2": mp.atan2,
        "sinh": mp.sinh,
        "cosh": mp.cosh,
        "tanh": mp.tanh,
        "asinh": mp.asinh,
        "acosh": mp.acosh,
        "atanh": mp.atanh,
        "hypot": mp.hypot,
        "min": min,
        "max": max,
        "sigmoid": sigmoid,
        "softplus": lambda x: mp.log(1 + mp.exp(x)),
        "relu": lambda x: max(x, 0),
        "selu": lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * mp.expm1(x)),
    }


def mp_value(expr: Expression, point: list) -> mp.mpf:
    """f at ``point`` (mpf values, in expr.variables order), in mpmath arithmetic."""
    rules = _mp_rules()
    values: list = []
    for node in expr.nodes:
        if isinstance(node, Call):
            values.append(rules[node.op.name](*[values[i] for i in node.args]))
        elif isinstance(node, Const):
            values.append(mp.mpf(node.value))
        else:
            values.append(point[node.index])
    return values[-1]


def truth(expr: Expression, x: np.ndarray) -> np.ndarray:
    """The exact gradient at the float64 point x, to 60 digits, rounded to float64."""
    with mp.workdps(DIGITS):
        base = [mp.mpf(float(v)) for v in x]
        out = []
        for j in range(len(base)):

            def along(t: mp.mpf, j: int = j) -> mp.mpf:
                moved = list(base)
                moved[j] = t
                return mp_value(expr, moved)

            # a step far inside the distance to 0 (where the kinks and edges of the suite are)
            # and far below f's own scale; 60 digits leave ~35 after the difference
            h = mp.mpf(10) ** -25 * min(mp.mpf(1), abs(base[j])) if base[j] != 0 else None
            out.append(float(mp.diff(along, base[j], h=h) if h is not None else mp.diff(along, base[j])))
    return np.array(out)


def rel_error(g: np.ndarray, t: np.ndarray) -> float:
    scale = float(np.max(np.abs(t)))
    err = float(np.max(np.abs(g - t))) if np.all(np.isfinite(g)) else float("inf")
    return err / scale if scale > 0 else err


class Counted:
    """f on one float64 point, counting calls."""

    def __init__(self, expr: Expression) -> None:
        self.expr, self.calls = expr, 0

    def __call__(self, x: np.ndarray) -> float:
        self.calls += 1
        cols = [np.array([float(v)]) for v in x]
        return float(value(self.expr, cols, 1)[0])


def run_gradcli(expr: Expression, x: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray, int] | None:
    try:
        r = compute(expr, x.reshape(1, -1), method=method)
    except OptionError:
        return None  # complex step refused here
    if r.diff is None:
        return r.exact[:, 0], np.full(len(x), np.nan), 1
    return r.diff.gradient[:, 0], r.diff.error_estimate[:, 0], r.diff.evaluations


def run_numdifftools(expr: Expression, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    import numdifftools as nd

    f = Counted(expr)
    res = nd.Gradient(f, full_output=True)(x)
    return np.atleast_1d(res.estimate).ravel(), np.ravel(res.error_estimate), f.calls


def run_scipy(expr: Expression, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    from scipy.differentiate import derivative

    grads, errors, calls = [], [], 0
    for j in range(len(x)):

        def along(t: np.ndarray, j: int = j) -> np.ndarray:
            t = np.asarray(t, dtype=np.float64)
            cols = [np.full(t.shape, v).ravel() for v in x]
            cols[j] = t.ravel()
            return np.asarray(value(expr, cols, t.size)).reshape(t.shape)

        res = derivative(along, x[j])
        grads.append(float(res.df))
        errors.append(float(res.error))
        calls += int(res.nfev)
    return np.array(grads), np.array(errors), calls


def _peers() -> list[str]:
    out = []
    for name, module in (("numdifftools", "numdifftools"), ("scipy", "scipy.differentiate")):
        try:
            __import__(module)
        except ImportError:
            continue
        out.append(name)
    return out


def run(show_cases: bool = False, suites: tuple[str, ...] = tuple(SUITES)) -> dict[str, dict[str, float]]:
    """Run every case of ``suites`` by every method; per method a summary (see :func:`table`).

    A case's relative error is max_i |g_i - t_i| / max_i |t_i|; the estimate covers it when
    |g_i - t_i| <= estimate_i in every component (an unknown estimate, inf, covers: it claims
    nothing, and ``unknown`` counts those); a method that refuses a case (complex step on a
    kink) is left out of that case's count.
    """
    methods = [*GRADCLI_METHODS, *_peers()]
    rows: dict[str, list[tuple[float, bool, int, bool]]] = {m: [] for m in methods}
    cases = [case for suite in suites for case in SUITES[suite]]
    for text, point in cases:
        expr = parse(text)
        x = np.array([float(point[v]) for v in expr.variables])
        t = truth(expr, x)
        line = [f"{text} at {point}"]
        for method in methods:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if method == "numdifftools":
                    got = run_numdifftools(expr, x)
                elif method == "scipy":
                    got = run_scipy(expr, x)
                else:
                    got = run_gradcli(expr, x, method)
            if got is None:
                line.append(f"{method}=refused")
                continue
            g, est, calls = got
            err = rel_error(g, t)
            with np.errstate(all="ignore"):
                covered = (
                    bool(np.all(np.abs(g - t) <= est))
                    if np.all(np.isfinite(g))
                    else bool(np.all(est == np.inf))
                )
            unknown = bool(np.any(est == np.inf))
            rows[method].append((err, covered, calls, unknown))
            line.append(f"{method}={err:.1e}{'' if covered else '!'}{'?' if unknown else ''}")
        if show_cases:
            print("  ".join(line))
    summary = {}
    for method in methods:
        errs = np.array([e for e, _, _, _ in rows[method]])
        summary[method] = {
            "cases": len(errs),
            "median": float(np.median(errs)),
            "max": float(np.max(errs)),
            "under_1e-12": int(np.sum(errs < 1e-12)),
            "under_1e-8": int(np.sum(errs < 1e-8)),
            "evaluations": float(np.median([c for _, _, c, _ in rows[method]])),
            "covered": int(sum(c for _, c, _, _ in rows[method])),
            "unknown": int(sum(u for _, _, _, u in rows[method])),
        }
    return summary


def table(summary: dict[str, dict[str, float]]) -> str:
    head = (
        "| method | cases | median rel err | max rel err | < 1e-12 | < 1e-8 | evals/gradient (median) "
        "| estimate covers | coverage | unknown |"
    )
    lines = [head, "|" + "---|" * 10]
    for method, s in summary.items():
        exact = method == "backprop"
        covers = "n/a" if exact else f"{s['covered']}/{s['cases']}"
        share = "n/a" if exact else f"{100.0 * s['covered'] / max(s['cases'], 1):.0f}%"
        lines.append(
            f"| {method} | {s['cases']} | {s['median']:.1e} | {s['max']:.1e} | {s['under_1e-12']} | "
            f"{s['under_1e-8']} | {s['evaluations']:g} | {covers} | {share} | {'n/a' if exact else s['unknown']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", action="store_true", help="print every case's relative errors")
    parser.add_argument("--suite", choices=[*SUITES, "all"], default="all", help="which cases (default all)")
    args = parser.parse_args()
    suites = tuple(SUITES) if args.suite == "all" else (args.suite,)
    print(", ".join(f"{len(SUITES[s])} {s}" for s in suites) + " cases")
    print(table(run(args.cases, suites)))
    if args.suite == "all":
        for suite in SUITES:
            print(f"\n{suite}:")
            print(table(run(False, (suite,))))


if __name__ == "__main__":
    main()
