"""compute() in blocks of points: an expression large enough for its node values to crowd memory
is computed a block of points at a time, with the same results as all at once."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcli.derive.gradient as gradient
from derive.test_backprop import _trees, render
from gradcli.derive.gradient import compute
from gradcli.errors import OptionError
from gradcli.language.parse import parse

CASES = [
    ("sin(x)*exp(-y) + log(1+x*x)", "central"),
    ("(exp(x)-1)/x + y", "forward"),  # lossy near x = 0: high precision picks the worst points
    ("relu(x-0.5)*y + abs(y-1)", "central"),  # kinks: warnings at some points
    ("tanh(x)*y", "five-point"),
    ("x/(y-2)", "richardson"),  # a pole at y = 2
    ("sigmoid(20*x)*y", "complex"),
    ("sqrt(x)*y", "backprop"),  # not defined for x < 0
]


def _points() -> np.ndarray:
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.uniform(-2, 2, 40), [0.5, 1e-9, -1e-8, 1e-7, 0.0, 2.0]])
    ys = np.concatenate([rng.uniform(-1, 3, 40), [1.0, 2.0, 2.0, 0.3, 1.0, 2.0]])
    return np.column_stack([xs, ys])


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


@pytest.mark.parametrize(("text", "method"), CASES)
def test_blocks_give_what_one_pass_gives(text: str, method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expr = parse(text)
    points = _points()
    whole = compute(expr, points, method)
    monkeypatch.setattr(gradient, "VALUES_HELD", 7 * len(expr.nodes))  # blocks of 7 points
    blocked = compute(expr, points, method)
    for field in ("value", "exact", "exact_bound", "gradient", "error", "rel_error", "step"):
        assert _same(getattr(blocked, field), getattr(whole, field)), field
    if whole.diff is not None:
        assert _same(blocked.error_estimate, whole.error_estimate)
        assert blocked.diff.evaluations == whole.diff.evaluations
    assert blocked.warnings == whole.warnings
    assert blocked.precise == whole.precise


def test_auto_precision_caps_the_points_over_all_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap on points re-evaluated in high precision is one call's, not each block's: the
    worst of all the points, as without blocks."""
    import gradcli.derive.precise as precise

    monkeypatch.setattr(precise, "MAX_AUTO", 3)
    expr = parse("(exp(x)-1)/x")
    xs = np.array([1e-9, 1e-6, 1e-8, 1e-7, 1e-5, 0.5, 1e-10, 2.0]).reshape(-1, 1)
    monkeypatch.setattr(gradient, "VALUES_HELD", 2 * len(expr.nodes))  # blocks of 2 points
    done = [p is not None for p in compute(expr, xs, method="backprop").precise]
    assert done == [True, False, True, False, False, False, True, False]  # the three worst


def test_complex_step_is_refused_only_when_every_point_of_the_run_is_on_a_kink(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gradcli.errors import OptionError

    expr = parse("abs(x)")
    monkeypatch.setattr(gradient, "VALUES_HELD", len(expr.nodes))  # a block a point
    with pytest.raises(OptionError, match="not defined at any of the 3 points"):
        compute(expr, np.zeros((3, 1)), "complex")
    r = compute(expr, np.array([[0.0], [0.0], [1.5]]), "complex")  # the first block is all kink
    assert r.gradient[2, 0] == 1.0 and np.isnan(r.gradient[0, 0])


def test_a_large_expression_at_many_points_stays_within_its_memory() -> None:
    """A 1,077-node sum at 100,000 points held 2 GiB of node values at once; in blocks the
    forward pass holds at most VALUES_HELD values of each array set."""
    import tracemalloc

    expr = parse("+".join(["softplus(x)"] * 539))
    points = np.linspace(-3, 3, 20_000).reshape(-1, 1)
    tracemalloc.start()
    try:
        r = compute(expr, points, "backprop", precision="off")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.allclose(r.exact[:, 0], 539 / (1 + np.exp(-points[:, 0])), rtol=1e-12)
    # in blocks about 160 MiB; all at once 413 MiB (20,000 x 1,077 x 8 B = 172 MiB an array set)
    assert peak < 300 * 2**20, f"{peak / 2**20:.0f} MiB"


@settings(max_examples=60, deadline=None)
@given(
    tree=_trees(),
    method=st.sampled_from(["central", "forward", "five-point", "richardson", "complex", "backprop"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_blocks_agree_with_one_pass_on_random_expressions(tree: Any, method: str, seed: int) -> None:
    """Any expression of the registry, any method: blocks of 5 points give what one pass gives,
    refusals included (complex step where every point is on a kink)."""
    expr = parse(render(tree))
    k = len(expr.variables)
    rng = np.random.default_rng(seed)
    points = rng.choice([-2.0, -0.5, 0.0, 0.5, 1.0, 2.5, rng.uniform(-3, 3)], size=(12, k))

    def run(held: int) -> Any:
        old = gradient.VALUES_HELD
        gradient.VALUES_HELD = held
        try:
            with np.errstate(all="ignore"):
                return compute(expr, points, method)
        except OptionError as exc:
            return str(exc)
        finally:
            gradient.VALUES_HELD = old

    whole, blocked = run(1 << 40), run(5 * max(len(expr.nodes), 1))
    if isinstance(whole, str) or isinstance(blocked, str):
        assert blocked == whole
        return
    for field in ("value", "exact", "exact_bound", "gradient", "step"):
        assert _same(getattr(blocked, field), getattr(whole, field)), field
    assert blocked.warnings == whole.warnings
    assert blocked.precise == whole.precise
