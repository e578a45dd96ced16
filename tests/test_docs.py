"""The documentation is the user's manual: every command it shows runs, and prints what it shows.

* Each ``$ gradcli ...`` line in a ``console`` block of README.md, CONTRIBUTING.md or
  docs/**/*.md is run; the lines after it are its output (stdout, or stderr for a usage error),
  compared line by line with trailing spaces removed. A ``text`` block of ``gradcli: `` lines right
  after a console block is its last command's stderr. (scripts/update_docs.py owns these rules and
  rewrites the outputs.)
* Every inline ``gradcli ...`` command without placeholders runs with status 0 or 1.
* docs/reference/cli.md and docs/reference/functions.md are what scripts/gen_reference.py writes.
* Every command is named in a hand-written document, every option of every command and every
  registry function somewhere in the docs.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest

from gradcli.cli import main
from gradcli.registry import FUNCTIONS

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


docs = _script("update_docs")
reference = _script("gen_reference")

README = (ROOT / "README.md").read_text()
ALL_DOCS = {path: path.read_text() for path in docs.doc_files()}
GUIDES = {path: ALL_DOCS[path] for path in docs.guide_files()}
ALL_TEXT = "\n".join(ALL_DOCS.values())
GUIDE_TEXT = "\n".join(GUIDES.values())
EXAMPLES = [example for path in ALL_DOCS for example in docs.examples(path)]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id[:90])
def test_console_example_prints_what_the_docs_show(example) -> None:
    result = docs.run(example.command)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.lines(example.stream) == list(example.output), (
        f"{example.id}: the output changed; run `python scripts/update_docs.py` and read the diff"
    )


def test_there_are_console_examples_in_the_readme_and_in_every_guide() -> None:
    readme = [e for e in EXAMPLES if e.path.name == "README.md"]
    assert len(readme) >= 3
    assert any(e.stream == "stderr" for e in readme)  # the CSV pipeline's bad-line report
    for path in (ROOT / "docs" / "guide").glob("*.md"):
        if path.name != "python-api.md":
            assert any(e.path == path for e in EXAMPLES), f"{path.name} shows no console example"


def test_examples_are_found_in_the_shapes_documented() -> None:
    """The collector's rules, on a document made for the purpose."""
    text = (
        "```console\n$ gradcli grad x --at 1\nline one  \n$ gradcli diff x\n1\n```\n"
        "prose\n\n```text\ngradcli: warning: w\n```\n\n```text\nnot stderr\n```\n"
    )
    path = ROOT / "docs" / "made-up.md"
    found = [(e.command, e.output, e.stream) for e in docs.examples(path, text)]
    assert found == [
        ("gradcli grad x --at 1", ("line one",), "shown"),
        ("gradcli diff x", ("1",), "shown"),
        ("gradcli diff x", ("gradcli: warning: w",), "stderr"),
    ]


def test_the_update_script_rewrites_stale_output_and_stderr_and_nothing_else() -> None:
    stale = (
        'Prose stays.\n\n```console\n$ gradcli diff "x**2"\nold\n$ gradcli diff "x*"\n```\n\n'
        "```text\ngradcli: old warning\n```\n\n```sh\ngradcli diff x\n```\n"
    )
    fresh = docs.rewrite(stale)
    derivative = docs.run('gradcli diff "x**2"').lines()
    error = docs.run('gradcli diff "x*"').lines("stderr")
    assert "2*x" in derivative[0] and error[0].startswith("gradcli: error:")
    assert fresh == (
        'Prose stays.\n\n```console\n$ gradcli diff "x**2"\n'
        + "\n".join(derivative)
        + '\n$ gradcli diff "x*"\n'
        + "\n".join(error)
        + "\n```\n\n```text\n"
        + "\n".join(error)
        + "\n```\n\n```sh\ngradcli diff x\n```\n"
    )


def test_the_update_script_leaves_current_docs_unchanged() -> None:
    """Rewriting a document whose examples are current changes nothing (so it only ever fixes)."""
    path = ROOT / "README.md"
    assert docs.rewrite(ALL_DOCS[path]) == ALL_DOCS[path]


def _inline_commands() -> list[tuple[str, str]]:
    found = set()
    for path, text in GUIDES.items():
        for command in re.findall(r"`(gradcli [^`]+)`", text):
            if not re.search(r"[A-Z]{3,}|\.\.\.", command):  # placeholders: EXPRESSION, POINT, ...
                found.add((str(path.relative_to(ROOT)), command))
    return sorted(found)


@pytest.mark.parametrize(("where", "command"), _inline_commands())
def test_inline_commands_run(where: str, command: str) -> None:
    result = docs.run(command)
    assert result.exit_code in (0, 1), (where, command, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("path", sorted(reference.TARGETS), ids=lambda p: p.name)
def test_generated_reference_is_current(path: Path) -> None:
    assert path.exists() and path.read_text() == reference.TARGETS[path](), (
        f"{path.relative_to(ROOT)} is stale: run `python scripts/gen_reference.py` and commit the result"
    )


def test_the_reference_walks_lazy_groups_nested_groups_and_skips_hidden_commands() -> None:
    """Click's documented lazy-subcommand pattern: names listed up front, commands built on demand."""
    built: list[str] = []

    class Lazy(click.Group):
        def list_commands(self, ctx: click.Context) -> list[str]:
            return ["b", "a", "old", "sub"]

        def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
            built.append(name)
            if name == "sub":
                return click.Group(name, commands=[click.Command("leaf")])
            return click.Command(name, hidden=name == "old")

    assert list(reference.commands(Lazy())) == [("b",), ("a",), ("sub",), ("sub", "leaf")]
    assert built == ["b", "a", "old", "sub"]


def test_the_cli_reference_has_every_visible_command() -> None:
    text = reference.CLI_MD.read_text()
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        if command is not None and not command.hidden:
            assert f"\n## gradcli {name}\n" in text and f"Usage: gradcli {name}" in text, name


def test_every_command_is_named_in_a_hand_written_document() -> None:
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        if command is not None and not command.hidden:
            assert f"gradcli {name}" in GUIDE_TEXT, f"no guide or README names `gradcli {name}`"


def test_every_core_command_is_in_the_readme() -> None:
    """The README's table names every command that is not an activation (those have a guide)."""
    from gradcli.registry import ACTIVATIONS

    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        if name.replace("-", "_") not in ACTIVATIONS and command is not None and not command.hidden:
            assert f"`gradcli {name}" in README, f"add `gradcli {name}` to the README's table of commands"


def test_every_option_of_every_command_is_documented() -> None:
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        for param in command.params:
            if getattr(param, "hidden", False):
                continue
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert f"`{opt}" in ALL_TEXT or f"  {opt}" in ALL_TEXT, (
                        f"gradcli {name} {opt} is in no document: run `python scripts/gen_reference.py`"
                    )


def test_every_function_is_documented() -> None:
    for name in FUNCTIONS:
        assert f"`{name}(" in ALL_TEXT, f"{name}: run `python scripts/gen_reference.py`"


def test_every_function_is_named_in_the_expression_guide() -> None:
    guide = (ROOT / "docs" / "guide" / "expressions.md").read_text()
    for name in FUNCTIONS:
        assert f"`{name}(" in guide, f"name `{name}(...)` in docs/guide/expressions.md"


def test_every_guide_is_linked_from_the_readme() -> None:
    for path in [*(ROOT / "docs" / "guide").glob("*.md"), ROOT / "docs" / "speed.md"]:
        assert f"]({path.relative_to(ROOT)})" in README, path.name
    assert "](CONTRIBUTING.md)" in README
    assert "](docs/reference/cli.md)" in README and "](docs/reference/functions.md)" in README


def _anchors(text: str) -> set[str]:
    """GitHub's anchors for a document's headings: lower case, punctuation dropped, spaces to -."""
    prose = docs.FENCE.sub("", text)
    headings = re.findall(r"^#{1,6} +(.+?) *$", prose, re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_relative_links_and_their_anchors_resolve() -> None:
    for path, text in ALL_DOCS.items():
        for target, anchor in re.findall(r"\]\(([^)#:]*)(?:#([^)]*))?\)", docs.FENCE.sub("", text)):
            where = (str(path.relative_to(ROOT)), target, anchor)
            linked = (path.parent / target).resolve() if target else path
            assert linked.exists(), where
            if anchor and linked.suffix == ".md":
                assert anchor in _anchors(linked.read_text()), where


def test_anchors_are_spelled_as_github_spells_them() -> None:
    text = "# The step-size curve: `gradcli sweep EXPRESSION`\n## gradcli hard_sigmoid\n```\n# not one\n```\n"
    assert _anchors(text) == {"the-step-size-curve-gradcli-sweep-expression", "gradcli-hard_sigmoid"}


def test_readme_stays_short() -> None:
    assert len(README.encode()) <= 12_500


def test_set_up_commands_are_exactly_as_promised() -> None:
    assert 'pip install . && gradcli grad "3*(a+b*c)" --at a=5,b=3,c=2' in README
    assert 'pip install ".[test]" && pytest' in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet ".[test]"' in ci and "pytest" in ci
