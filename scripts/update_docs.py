"""The documentation's examples: where they are, how they run, and how to rewrite their output.

Every ``console`` block in README.md, CONTRIBUTING.md and docs/**/*.md is a golden test:

* each ``$ gradcli ...`` line is a command, run in-process from the repository's root; the lines
  after it, up to the next ``$`` line, are what it prints: stdout when it exits with 0 or 1,
  stderr otherwise (a usage error prints nothing else), trailing spaces removed;
* a ``text`` block whose every line starts with ``gradcli: ``, and whose nearest fenced block
  above is a ``console`` block, is the stderr of that block's last command (the warnings or
  bad-line reports that CSV output has no room for).

tests/test_docs.py checks them. After a change that alters what a documented command prints,
run ``python scripts/update_docs.py`` and read the diff (``git diff README.md docs``): it
rewrites every example's output in place, then regenerates docs/reference/ through
scripts/gen_reference.py.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
STDERR_PREFIX = "gradcli: "


def doc_files() -> list[Path]:
    """README.md, CONTRIBUTING.md and every Markdown file under docs/, in a fixed order."""
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [path for path in files if path.exists()]


def guide_files() -> list[Path]:
    """The hand-written documents: every doc file but the generated docs/reference/."""
    reference = ROOT / "docs" / "reference"
    return [path for path in doc_files() if reference not in path.parents]


@dataclass(frozen=True)
class Example:
    """One documented command and what the document shows it printing."""

    path: Path
    command: str
    output: tuple[str, ...]
    stream: str  # "shown" (stdout for status 0 or 1, else stderr) or "stderr"

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}: {self.command}"


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    start: int  # offsets of the body in the document
    end: int


def blocks(text: str) -> list[Block]:
    return [Block(m.group(1), m.group(2), m.start(2), m.end(2)) for m in FENCE.finditer(text)]


def _commands(body: str) -> list[tuple[str, list[str]]]:
    """A console block's ``$ gradcli ...`` lines, each with the lines shown after it."""
    pairs: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        elif pairs:
            pairs[-1][1].append(line.rstrip())
    return pairs


def is_stderr_block(previous: Block | None, block: Block) -> bool:
    """A ``text`` block of gradcli's stderr lines right after a console block."""
    lines = block.body.splitlines()
    return (
        previous is not None
        and previous.lang == "console"
        and block.lang == "text"
        and bool(lines)
        and all(line.startswith(STDERR_PREFIX) for line in lines)
    )


def examples(path: Path, text: str | None = None) -> list[Example]:
    """Every console example in one document (its text, or read from path), and the stderr
    blocks that follow them."""
    found: list[Example] = []
    previous: Block | None = None
    for block in blocks(path.read_text() if text is None else text):
        if block.lang == "console":
            found += [Example(path, cmd, tuple(out), "shown") for cmd, out in _commands(block.body)]
        elif previous is not None and is_stderr_block(previous, block):
            last = _commands(previous.body)[-1][0]
            found.append(Example(path, last, tuple(block.body.splitlines()), "stderr"))
        previous = block
    return found


@contextmanager
def _in_root() -> Iterator[None]:
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(here)


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def lines(self, stream: str = "shown") -> list[str]:
        """What a document shows: stdout for status 0 or 1, else stderr; or stderr when asked."""
        text = self.stdout if stream == "shown" and self.exit_code in (0, 1) else self.stderr
        return [line.rstrip() for line in text.splitlines()]


def run(command: str) -> Run:
    """Run ``gradcli ...`` in-process (Click's test runner) from the repository's root."""
    from click.testing import CliRunner

    from gradcli.cli import main

    argv = shlex.split(command)
    if not argv or argv[0] != "gradcli":
        raise ValueError(f"a documented command must start with gradcli: {command!r}")
    with _in_root():
        result = CliRunner().invoke(main, argv[1:], prog_name="gradcli")
    return Run(result.exit_code, result.stdout, result.stderr)


def rewrite(text: str) -> str:
    """The document with every example's output replaced by what the command prints now."""
    pieces: list[str] = []
    position = 0
    previous: Block | None = None
    for block in blocks(text):
        body = block.body
        if block.lang == "console":
            out: list[str] = []
            for command, _ in _commands(body):
                out += ["$ " + command, *run(command).lines()]
            body = "\n".join(out) + "\n"
        elif previous is not None and is_stderr_block(previous, block):
            last = _commands(previous.body)[-1][0]
            body = "\n".join(run(last).lines("stderr")) + "\n"
        pieces += [text[position : block.start], body]
        position = block.end
        previous = block
    return "".join(pieces) + text[position:]


def main() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    for path in doc_files():
        text = path.read_text()
        new = rewrite(text)
        if new != text:
            path.write_text(new)
        print(path.relative_to(ROOT), "changed" if new != text else "unchanged")
    import gen_reference

    gen_reference.main()


if __name__ == "__main__":
    import numpy_dispatch  # beside this script

    numpy_dispatch.pin()  # before gradcli imports numpy: outputs the same on every x86-64 machine
    main()
