"""Shared test helpers: ``gradcli("grad 'x' --at 1")`` runs the command line in-process.

Import them where needed (``from conftest import gradcli``): pytest puts this folder on
``sys.path``. ``gradcli`` is strict about swallowed exceptions: CliRunner catches everything, so
an exception that is not a SystemExit (a crash the error boundary let through) fails the test
with its traceback.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _pin_numpy() -> None:
    """numpy's AVX-512 code off before numpy is imported: the outputs the docs and golden files
    show are the same on every x86-64 machine (scripts/numpy_dispatch.py says why)."""
    spec = importlib.util.spec_from_file_location(
        "numpy_dispatch", Path(__file__).resolve().parent.parent / "scripts" / "numpy_dispatch.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.pin()


_pin_numpy()

from click.testing import CliRunner, Result  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests draw the same examples on every run (CI must not pass or fail by chance);
# GRADCLI_HYPOTHESIS=random explores new ones, as a fuzzing session should.
settings.register_profile("fixed", derandomize=True, database=None)
settings.register_profile("random")
settings.load_profile("random" if os.environ.get("GRADCLI_HYPOTHESIS") == "random" else "fixed")

SEED = ("grad", "3*(a+b*c)", "--at", "a=5,b=3,c=2", "--method", "forward", "--eps", "0.01")
SEED_GRADIENT = {"a": 3.0000000000001137, "b": 6.000000000000227, "c": 8.99999999999963}


def gradcli(*args: str, input: str | bytes | None = None, env: Mapping[str, str] | None = None) -> Result:
    """Run gradcli with ``args`` (or one string, split as a shell would: ``'grad "x*y" --at 1,2'``)
    and ``input`` on stdin; stdout and stderr are kept apart in the result.

    Fails the test if the run raised anything but SystemExit (the error boundary's exits).
    """
    from gradcli.cli import main

    argv = shlex.split(args[0]) if len(args) == 1 else list(args)
    result = CliRunner().invoke(main, argv, input=input, env=dict(env) if env else None, prog_name="gradcli")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        text = (
            "".join(traceback.format_exception(*result.exc_info))
            if result.exc_info
            else repr(result.exception)
        )
        raise AssertionError(f"gradcli {shlex.join(argv)} raised instead of exiting:\n{text}")
    return result


def strict_json(line: str) -> Any:
    """Parse one JSON line, refusing the NaN/Infinity extensions Python would accept."""

    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name} in {line!r}")

    return json.loads(line, parse_constant=refuse)


def records(result: Result) -> list[Any]:
    """Each line of stdout as strict JSON."""
    return [strict_json(line) for line in result.stdout.splitlines()]


def assert_one_line_error(result: Result, *fragments: str, code: int = 2) -> str:
    """The run failed with ``code``, wrote nothing to stdout and one ``gradcli: error:`` line
    holding every fragment to stderr; returns that line."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("gradcli: error: ")
    for fragment in fragments:
        assert fragment in line
    assert "Traceback" not in result.stdout + result.stderr
    return line
