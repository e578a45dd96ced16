"""gradcli trace: backprop node by node on the command line."""

from __future__ import annotations

import json
import subprocess

from conftest import assert_one_line_error, gradcli

# --- trace -------------------------------------------------------------------------------------------


def test_trace_table_json_and_dot() -> None:
    table = gradcli("trace", "3*(a+b*c)", "--at", "a=5,b=3,c=2")
    assert table.exit_code == 0
    assert "gradient (backprop): a = 3.0, b = 6.0, c = 9.0" in table.stdout
    rec = json.loads(gradcli("trace", "x*x", "--at", "3", "--format", "json").stdout)
    assert rec["gradient"] == {"x": 6.0}
    out = gradcli("trace", "3*(a+b*c)", "--at", "5,3,2", "--format", "dot").stdout
    assert out.startswith("digraph")


def test_trace_several_points_and_negative_expression() -> None:
    result = gradcli("trace", "-x**2", "--at", "x=1", "--at", "x=-2", "--format", "json")
    assert result.exit_code == 0
    assert [json.loads(line)["gradient"]["x"] for line in result.stdout.splitlines()] == [-2.0, 4.0]


def test_trace_errors_and_undefined_f() -> None:
    assert_one_line_error(gradcli("trace", "x*y", "--at", "x=1"), "gives no value for y")
    assert_one_line_error(gradcli("trace", "x", "--at", "1", "--vanish", "-1"), "--vanish")
    result = gradcli("trace", "log(x)", "--at", "-1")
    assert result.exit_code == 1
    assert result.stderr == (  # the reason, in grad's words
        "gradcli: warning: point 1: nonfinite: f is nan: log of a negative number in log(x), where x = -1.0\n"
    )
    result = gradcli("trace", "log(x)", "--at", "2", "--at", "0", "--format", "json")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "gradcli: warning: point 2: nonfinite: f is -inf: log of zero in log(x), where x = 0.0\n"
    )


def test_trace_subprocess_dot() -> None:
    done = subprocess.run(
        ["gradcli", "trace", "sigmoid(w*x)", "--at", "w=4,x=5", "--format", "dot"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert "color=red" in done.stdout


def test_trace_marks_vanishing_edges_with_the_threshold_at_full_precision() -> None:
    result = gradcli("trace", "sigmoid(w*x)", "--at", "w=4,x=5", "--vanish", "1.23456789e-6")
    assert result.exit_code == 0
    assert "◀ vanishing: local < 1.23456789e-06" in result.stdout


def test_a_deep_chain_is_drawn_to_60_levels_and_the_rest_counted():
    from gradcli.table.trace import MAX_DEPTH_SHOWN

    expr = "x" + "".join(f"-{i}*x" for i in range(200))
    result = gradcli("trace", expr, "--at", "1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    hidden = [line for line in lines if line.startswith("… ")]
    assert len(hidden) == 1 and f"deeper than {MAX_DEPTH_SHOWN} levels are not drawn" in hidden[0]
    drawn = [line for line in lines if "#" in line]
    assert MAX_DEPTH_SHOWN < len(drawn) < 4 * MAX_DEPTH_SHOWN  # a line per level, and its siblings
    assert lines[-1] == "gradient (backprop): x = -19899.0"


# --- inf and nan: the tree, its summary, JSON and dot say the same -------------------------------

NONFINITE_CASES = [
    ("log(x)*0", ("--at", "x=0")),  # f nan; a zero adjoint meets local inf
    ("1/x", ("--at", "x=0")),  # f inf; x's adjoint -inf
    ("-1/x", ("--at", "x=0")),  # f -inf
    ("sqrt(x)", ("--at", "x=0")),  # f finite, gradient inf
    ("x^0.5*0", ("--at", "x=0")),  # f finite, local inf stopped by a zero adjoint
    ("exp(1000)*0", ()),  # no variables, f nan
    ("exp(x)*0", ("--at", "x=1000")),
    ("log(x)*0+x", ("--at", "x=0")),  # a stopped term summed with a finite one
    ("x^0.5-x^0.5", ("--at", "x=0")),  # f finite, adjoint inf + -inf = nan
    ("x*y/x", ("--at", "x=0,y=2")),  # f nan, two variables
]


def _spell(value: object) -> str:
    """A trace JSON number as the tree writes it: a float's repr, or the string itself."""
    assert value is None or isinstance(value, (float, int, str)), value
    if isinstance(value, str):
        assert value in ("inf", "-inf", "nan")
        return value
    return "-" if value is None else repr(float(value))


def _tree_nodes(text: str) -> dict[int, tuple[str | None, str]]:
    """Each node drawn in the tree: (its value, or None for a constant; its adjoint, or '-')."""
    import re

    found: dict[int, tuple[str | None, str]] = {}
    for line in text.splitlines():
        line = line.replace("(a zero adjoint passes nothing back)", "")
        m = re.search(r"#(\d+)\b", line)
        if m is None:
            continue
        node = int(m.group(1))
        value = None if "(constant)" in line else re.search(r" = (\S+)", line).group(1)  # type: ignore[union-attr]
        adjoint = "-" if "(constant)" in line or "(f does not depend on it)" in line else None
        if "adjoint " in line:
            after = line.rsplit("adjoint ", 1)[1]
            adjoint = (after.rsplit(" = ", 1)[1] if " = " in after else after).split()[0]
        if node in found:
            assert found[node][0] == value
            adjoint = adjoint or found[node][1]
        found[node] = (value, adjoint)  # type: ignore[assignment]
    return found  # type: ignore[return-value]


def test_the_tree_its_summary_json_and_dot_agree_on_inf_and_nan() -> None:
    import re

    from conftest import strict_json

    for expr, at in NONFINITE_CASES:
        tree = gradcli("trace", expr, *at)
        rec = strict_json(gradcli("trace", expr, *at, "--format", "json").stdout)
        dot = gradcli("trace", expr, *at, "--format", "dot").stdout
        f = _spell(rec["value"])
        # the exit status and the stderr note follow f alone
        assert tree.exit_code == (0 if f not in ("inf", "-inf", "nan") else 1), expr
        assert ("f is " + f) in tree.stderr if tree.exit_code else tree.stderr == "", expr
        # every node: the same value and adjoint, spelled the same, in the tree, JSON and dot
        drawn = _tree_nodes(tree.stdout)
        dotted = {
            int(m[0]): (m[1], m[2])
            for m in re.findall(r'n(\d+) \[label="\{ .*? \| value (\S+) \| grad (\S+) ', dot)
        }
        assert sorted(dotted) == [node["id"] for node in rec["nodes"]], expr
        for node in rec["nodes"]:
            value, adjoint = _spell(node["value"]), _spell(node["adjoint"])
            assert dotted[node["id"]] == (value, adjoint), (expr, node)
            if node["id"] in drawn:
                shown, drawn_adjoint = drawn[node["id"]]
                assert (shown or value, drawn_adjoint) == (value, adjoint), (expr, node)
            terms = [_spell(c["amount"]) for c in node["contributions"]]
            assert "nan" not in terms or adjoint == "nan", (expr, node)  # backprop's sum holds
        # the summary: one line, the tree's last, the dot graph's label, the JSON's gradient
        summary = tree.stdout.splitlines()[-1]
        assert f'label="f = {f}; {summary}";' in dot, expr
        assert [line for line in tree.stdout.splitlines() if line.startswith("f ")] == [f"f           {f}"]
        for name, g in rec["gradient"].items():
            assert f"{name} = {_spell(g)}" in summary, expr
        if not rec["gradient"]:
            assert summary == "gradient: f has no variables", expr
        elif f in ("inf", "-inf", "nan"):
            assert f"(not defined: f is {f} here" in summary, expr
            assert all(_spell(g) == "nan" for g in rec["gradient"].values()), expr
        else:
            assert "not defined" not in summary, expr


def test_a_zero_adjoint_meeting_inf_is_drawn_as_backprop_adds_it() -> None:
    tree = gradcli("trace", "log(x)*0+x", "--at", "x=0").stdout
    assert "#0 x = 0.0   local inf   0.0 × inf = 0.0   (a zero adjoint passes nothing back)" in tree
    assert "adjoint 1.0 + 0.0 = 1.0" in tree
    assert tree.splitlines()[-1] == (
        "gradient (backprop): x = nan (not defined: f is nan here; the backward pass gave x 1.0)"
    )
    one = gradcli("trace", "1/x", "--at", "x=0")
    assert one.stdout.splitlines()[-1] == (
        "gradient (backprop): x = nan (not defined: f is inf here; the backward pass gave x -inf)"
    )
    rec = json.loads(gradcli("trace", "1/x", "--at", "x=0", "--format", "json").stdout)
    assert (rec["value"], rec["gradient"], rec["nodes"][1]["adjoint"]) == ("inf", {"x": "nan"}, "-inf")
    assert rec["nodes"][0]["adjoint"] is None  # null: f does not depend on the constant 1


def test_a_trace_too_large_to_read_is_refused_before_it_is_made(monkeypatch) -> None:
    """A trace holds a row per node per point: past MAX_ROWS it is refused (exit 2), not built
    (a 1,501-node sum over a 10,000-point grid took 5 GB and 9 minutes)."""
    from gradcli.analysis import trace as tracing

    monkeypatch.setattr(tracing, "MAX_ROWS", 6)  # x*y has 3 nodes: two points fit, three do not
    assert gradcli("trace", "x*y", "--at", "x=1,y=2", "--at", "x=3,y=4", "--format", "json").exit_code == 0
    line = assert_one_line_error(gradcli("trace", "x*y", "--at", "x=1:3:3,y=2", "--format", "json"))
    assert line == (
        "gradcli: error: trace shows every node at every point: 3 points x 3 nodes is 9 rows, more than"
        " its limit of 6 — trace fewer points (one --at is the usual), or use gradcli grad for the"
        " gradients alone"
    )


def test_a_trace_table_is_refused_past_its_rows_and_json_still_runs(monkeypatch) -> None:
    """A trace table takes 0.3-0.6 ms a row to draw: past the table's limit (every point of the
    largest expression fits) the run is sent to json or dot, which hold up to 100,000 rows."""
    from gradcli.table import trace as table

    monkeypatch.setattr(table, "MAX_ROWS", 6)
    assert gradcli("trace", "x*y", "--at", "x=1,y=2", "--at", "x=3,y=4").exit_code == 0
    line = assert_one_line_error(gradcli("trace", "x*y", "--at", "x=1:3:3,y=2"))
    assert line == (
        "gradcli: error: a trace table of 3 points x 3 nodes is 9 rows, more than a table's 6 — use"
        " --format json or dot (up to 100,000 rows), or trace fewer points"
    )
    assert gradcli("trace", "x*y", "--at", "x=1:3:3,y=2", "--format", "json").exit_code == 0


def test_one_point_of_the_largest_expression_fits_in_a_trace_table() -> None:
    from gradcli.language.nodes import MAX_NODES
    from gradcli.table.trace import MAX_ROWS

    assert MAX_NODES <= MAX_ROWS
