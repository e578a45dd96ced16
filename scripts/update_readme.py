"""Rewrite the output under each ``$ gradcli ...`` line of the README's console blocks.

Run after a change that alters what a documented command prints, then read the diff:
``python scripts/update_readme.py && git diff README.md``. tests/test_docs.py checks the result.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from gradcli.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(```console\n)(.*?)(```)", re.S)


def run(command: str) -> list[str]:
    argv = shlex.split(command)
    result = CliRunner().invoke(main, argv[1:], prog_name="gradcli")
    shown = result.stdout if result.exit_code in (0, 1) else result.stderr
    return [line.rstrip() for line in shown.splitlines()]


def rewrite(body: str) -> str:
    out: list[str] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            out.append(line)
            out.extend(run(line[2:]))
    return "\n".join(out) + "\n"


def main_() -> None:
    text = README.read_text()
    new = BLOCK.sub(lambda m: m.group(1) + rewrite(m.group(2)) + m.group(3), text)
    README.write_text(new)
    print("README.md", "changed" if new != text else "unchanged")


if __name__ == "__main__":
    main_()
