"""gradcli trace: adjoints equal grad's backprop, uses are summed, vanishing edges are marked,
and the tree, JSON and dot renderings say the same thing."""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from gradcli.analysis.trace import trace
from gradcli.derive.gradient import grad
from gradcli.language.parse import parse
from gradcli.output.dot import dot
from gradcli.output.jsonl import trace_record as record
from gradcli.table import render_trace

EXPRESSIONS = [
    "3*(a+b*c)",
    "x*x",
    "x+x",
    "x*x+x",
    "sin(x*y)*sin(x*y) + exp(-x)",
    "sigmoid(w*x + b)",
    "log(1+exp(x*y))/hypot(x, y)",
    "max(x, y, x*y) - min(x, 2)",
    "atan2(y, x)**2 + tanh(x)*relu(y)",
]


def one(text: str, **point: float):
    expr = parse(text)
    return trace(expr, np.array([[point[v] for v in expr.variables]]))[0]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.sampled_from(EXPRESSIONS),
    st.lists(st.floats(-4, 4, allow_nan=False), min_size=5, max_size=5),
)
def test_adjoints_equal_grads_backprop_and_contributions_sum_to_them(text, values) -> None:
    expr = parse(text)
    point = dict(zip(["a", "b", "c", "w", "x", "y"], [*values, 0.5]))
    at = {v: point[v] for v in expr.variables}
    t = trace(expr, np.array([[at[v] for v in expr.variables]]))[0]
    exact = grad(text, at, method="backprop").exact[0]
    for k, name in enumerate(expr.variables):
        assert t.gradient[name] == exact[k] or (np.isnan(t.gradient[name]) and np.isnan(exact[k]))
    for node in t.nodes:
        if node.contributions:
            total = None
            for _, c in node.contributions:
                total = c if total is None else total + c
            assert total == node.adjoint or (np.isnan(total) and np.isnan(node.adjoint))


def test_repeated_variable_sums_its_uses() -> None:
    t = one("x*x", x=3.0)
    x = t.nodes[t.expr.var_nodes[0]]
    assert [c for _, c in x.contributions] == [3.0, 3.0]
    assert x.adjoint == 6.0
    t = one("x+x", x=3.0)
    assert t.gradient == {"x": 2.0}
    t = one("x*x+x", x=3.0)
    assert sorted(c for _, c in t.nodes[0].contributions) == [1.0, 3.0, 3.0]
    assert t.gradient == {"x": 7.0}


def test_shared_subexpression_through_a_variable() -> None:
    # y = x*x used twice: each use adds its share to y's node, then x's
    t = one("sin(x*x) + cos(x*x)", x=0.5)
    g = np.cos(0.25) * 1.0 - np.sin(0.25)
    assert t.gradient["x"] == pytest.approx(2 * 0.5 * g, rel=1e-15)
    assert len(t.nodes[0].contributions) == 4


def test_local_derivatives_and_values_follow_the_chain_rule() -> None:
    t = one("3*(a+b*c)", a=5.0, b=3.0, c=2.0)
    by_text = {node.text: node for node in t.nodes}
    assert by_text["3*(a+b*c)"].value == 33.0 and by_text["3*(a+b*c)"].adjoint == 1.0
    assert by_text["3*(a+b*c)"].local == (11.0, 3.0)
    assert by_text["a+b*c"].adjoint == 3.0
    assert by_text["b*c"].local == (2.0, 3.0)
    assert t.gradient == {"a": 3.0, "b": 6.0, "c": 9.0}
    assert by_text["3"].adjoint is None


def test_saturated_sigmoid_is_marked_vanishing() -> None:
    t = one("sigmoid(w*x)", w=4.0, x=5.0)
    marked = [node.text for node in t.nodes if node.vanishing is not None]
    assert marked == ["w*x"]
    assert t.nodes[2].vanishing == pytest.approx(2.061153613941849e-09)
    t = one("sigmoid(w*x)", w=0.1, x=0.5)
    assert all(node.vanishing is None for node in t.nodes)
    loose = trace(parse("sigmoid(w*x)"), np.array([[4.0, 5.0]]), vanish=1e-12)[0]
    assert all(node.vanishing is None for node in loose.nodes)


def rendered(t) -> str:
    out = io.StringIO()
    render_trace([t], Console(file=out, width=300, color_system=None))
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


def test_tree_golden_for_the_seed() -> None:
    assert rendered(one("3*(a+b*c)", a=5.0, b=3.0, c=2.0)) == "\n".join(
        [
            "expression  3*(a+b*c)",
            "point       a=5.0, b=3.0, c=2.0",
            "f           33.0",
            "#6 *  3*(a+b*c) = 33.0   adjoint 1.0",
            "├── #0 3   (constant)",
            "└── #5 +  a+b*c = 11.0   local 3.0   adjoint 1.0 × 3.0 = 3.0",
            "    ├── #1 a = 5.0   local 1.0   adjoint 3.0 × 1.0 = 3.0",
            "    └── #4 *  b*c = 6.0   local 1.0   adjoint 3.0 × 1.0 = 3.0",
            "        ├── #2 b = 3.0   local 2.0   adjoint 3.0 × 2.0 = 6.0",
            "        └── #3 c = 2.0   local 3.0   adjoint 3.0 × 3.0 = 9.0",
            "gradient (backprop): a = 3.0, b = 6.0, c = 9.0",
        ]
    )


def test_tree_shows_a_sum_for_a_repeated_variable_and_the_vanishing_mark() -> None:
    text = rendered(one("x*x+x", x=3.0))
    assert "adjoint 1.0 + 3.0 + 3.0 = 7.0" in text
    assert (
        "local 2.061153613941849e-09   adjoint 1.0 × 2.061153613941849e-09 = 2.061153613941849e-09   ◀ vanishing: local < 1e-06"
        in rendered(one("sigmoid(w*x)", w=4.0, x=5.0))
    )


def test_json_shape() -> None:
    rec = json.loads(json.dumps(record(one("x*x+x", x=3.0))))
    assert set(rec) == {"expr", "point", "value", "root", "gradient", "gradient_bound", "nodes"}
    assert rec["root"] == len(rec["nodes"]) - 1
    keys = {
        "id",
        "op",
        "symbol",
        "text",
        "children",
        "value",
        "local",
        "adjoint",
        "contributions",
        "vanishing",
        "kink",
    }
    for i, node in enumerate(rec["nodes"]):
        assert set(node) == keys and node["id"] == i
        assert all(isinstance(c, int) and c < i for c in node["children"])
        assert len(node["local"]) == len(node["children"])
        for c in node["contributions"]:
            assert set(c) == {"parent", "amount"} and c["parent"] > i


def test_dot_has_every_node_and_edge() -> None:
    t = one("3*(a+b*c)", a=5.0, b=3.0, c=2.0)
    text = dot(t)
    assert text.startswith('digraph "gradcli trace" {') and text.endswith("}\n")
    assert text.count('[label="{') == len(t.nodes)
    assert text.count(" -> ") == sum(len(node.children) for node in t.nodes)
    assert '"{ #6 * | 3*(a+b*c) | value 33.0 | grad 1.0 }"' in text
    escaped = dot(one("max(x, y)", x=1.0, y=2.0))
    assert "max(x, y)" in escaped


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_dot_parses_with_graphviz() -> None:
    for text, point in [("3*(a+b*c)", dict(a=5.0, b=3.0, c=2.0)), ("sigmoid(w*x)*x", dict(w=4.0, x=5.0))]:
        done = subprocess.run(["dot", "-Tsvg"], input=dot(one(text, **point)), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "<svg" in done.stdout


def test_gradient_is_undefined_where_f_is_not_finite_as_in_grad():
    t = trace(parse("log(x)*y"), [[-1.0, 2.0]])[0]
    assert all(math.isnan(g) for g in t.gradient.values())
    assert np.isnan(grad("log(x)*y", "x=-1,y=2", method="backprop").exact).all()
    assert t.nodes[0].adjoint is not None  # the backward pass itself is still shown node by node


def test_a_kink_is_marked_in_the_tree_json_and_dot():
    from conftest import gradcli

    tree = gradcli("trace", "relu(x)+abs(y)", "--at", "0,1").stdout
    relu = next(line for line in tree.splitlines() if "#1 relu" in line)
    assert "[kink: not differentiable here" in relu
    assert "kink" not in next(line for line in tree.splitlines() if "#3 abs" in line)  # abs at 1 is smooth
    nodes = json.loads(gradcli("trace", "relu(x)", "--at", "0", "--format", "json").stdout)["nodes"]
    assert [n["kink"] for n in nodes] == [False, True]
    dot = gradcli("trace", "relu(x)", "--at", "0", "--format", "dot").stdout
    assert "kink }" in dot and "color=darkorange" in dot


def test_dot_with_several_points_is_one_graph_with_a_cluster_each():
    from conftest import gradcli

    dot = gradcli("trace", "x*y", "--at", "1,2", "--at", "3,4", "--format", "dot").stdout
    assert dot.count("digraph") == 1 and dot.count("subgraph cluster_") == 2
    assert 'label="point 2: x=3.0, y=4.0; f = 12.0; gradient (backprop): x = 4.0, y = 3.0"' in dot
    assert "p2_n0 -> p2_n2" in dot
    assert dot.count("{") == dot.count("}")


def test_a_cancelling_gradient_shows_backprops_rounding_bound():
    from gradcli.output.dot import summary

    (t,) = trace(parse("(exp(x)-1)/x"), np.array([[1e-5]]))
    truth = 0.5 + 1e-5 / 3 + 1e-10 / 8  # f' = 1/2 + x/3 + x**2/8 + ...
    assert abs(t.gradient["x"] - truth) > 1e-7  # float64 lost digits ...
    assert abs(t.gradient["x"] - truth) <= t.bound[0]  # ... and the bound covers them
    assert "(rounding bound x 3.33e-06: float64 may have lost digits here" in summary(t)
    (plain,) = trace(parse("3*(a+b*c)"), np.array([[5.0, 3.0, 2.0]]))
    assert summary(plain) == "gradient (backprop): a = 3.0, b = 6.0, c = 9.0"
