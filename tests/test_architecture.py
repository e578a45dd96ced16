"""The arrows between modules stay as drawn: each module imports only from the ones above it.

Order (top first): errors, ops, expression, symbolic, evaluate, points, stream, backprop,
finite_diff, diagnostics, trace, hessian, health, gradient, jacobian, formats, trace_output,
matrix_output, pipeline, activation, plot, table, cli. The core never imports
Click or Rich, only table.py imports Rich, only plot.py imports the plotting libraries
(plotille, matplotlib), only expression.py imports ast, and nothing imports cli.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gradcli"
ORDER = [
    "errors",
    "ops",
    "expression",
    "symbolic",
    "evaluate",
    "points",
    "stream",
    "backprop",
    "rounding",
    "steps",
    "finite_diff",
    "richardson",
    "complex_step",
    "methods",
    "sweep",
    "diagnostics",
    "trace",
    "hessian",
    "health",
    "gradient",
    "jacobian",
    "formats",
    "trace_output",
    "matrix_output",
    "pipeline",
    "activation",
    "plot",
    "table",
    "cli",
]
CORE = [*ORDER[: ORDER.index("jacobian") + 1], "activation", "pipeline"]


def imports(module: str) -> set[str]:
    """Every module name imported anywhere in the file (top level or inside functions)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from .ops import X
                base = node.module or ""
                found.add(f"gradcli.{base}" if base else "gradcli")
                if not base:  # from . import __version__
                    found.update(
                        f"gradcli.{alias.name}" for alias in node.names if alias.name != "__version__"
                    )
            else:
                found.add(node.module or "")
    return found


def test_every_module_is_placed() -> None:
    on_disk = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert on_disk == set(ORDER)


@pytest.mark.parametrize("module", ORDER)
def test_imports_only_from_above(module: str) -> None:
    rank = ORDER.index(module)
    for name in imports(module):
        if name.startswith("gradcli."):
            target = name.split(".")[1]
            assert target in ORDER, name
            assert ORDER.index(target) < rank, f"{module} imports {target}, which is not above it"
        elif name == "gradcli":
            assert module == "cli", f"{module} imports the package root"


@pytest.mark.parametrize("module", CORE)
def test_core_never_imports_click_or_rich(module: str) -> None:
    for name in imports(module):
        assert not name.startswith(("click", "rich")), f"{module} imports {name}"


@pytest.mark.parametrize("module", ORDER)
def test_only_table_imports_rich_and_only_expression_imports_ast(module: str) -> None:
    names = imports(module)
    if module != "table":
        assert not any(n.startswith("rich") for n in names), module
    if module != "expression":
        assert "ast" not in names, module


@pytest.mark.parametrize("module", ORDER)
def test_only_plot_imports_plotting_libraries(module: str) -> None:
    if module != "plot":
        assert not any(n.startswith(("plotille", "matplotlib")) for n in imports(module)), module


def test_plot_never_imports_click_or_rich() -> None:
    assert not any(n.startswith(("click", "rich")) for n in imports("plot"))


@pytest.mark.parametrize("module", CORE)
def test_core_never_prints(module: str) -> None:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "print", f"{module} calls print"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in {("sys", "stdout"), ("sys", "stderr")}, module


def test_no_eval_exec_or_compile_anywhere() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__"}, path.name
