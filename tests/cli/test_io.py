"""Writing: output encodings other than UTF-8 never crash a run (characters they lack are spelt
in ASCII), and every stderr line is worded by gradcli.output.messages."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from gradcli.cli.io import ASCII, FALLBACK, use_ascii_fallback
from gradcli.output import messages


def run_in(encoding: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "GRADCLI_DEBUG")}
    env["PYTHONIOENCODING"] = encoding
    return subprocess.run([sys.executable, "-m", "gradcli", *args], capture_output=True, env=env, timeout=60)


@pytest.mark.parametrize(
    ("encoding", "args", "ascii_spelling"),
    [
        ("cp1252", ["sigmoid", "--at", "1"], b"x ~= 0"),  # cp1252 has no U+2248
        ("ascii", ["sigmoid", "--at", "1"], b"x ~= 0"),
        ("ascii", ["trace", "x*x", "--at", "1"], b"1.0 x 1.0 = 1.0"),  # nor ASCII U+00D7
        ("latin-1", ["trace", "x*x", "--at", "1"], b"1.0 \xd7 1.0 = 1.0"),  # latin-1 has it: kept
    ],
)
def test_an_output_encoding_without_a_character_spells_it_in_ascii(encoding, args, ascii_spelling):
    proc = run_in(encoding, *args)
    assert proc.returncode == 0, proc.stderr
    assert b"internal error" not in proc.stderr and b"Traceback" not in proc.stderr
    assert ascii_spelling in proc.stdout
    proc.stdout.decode(encoding)  # all of it is valid in the terminal's encoding


def test_errors_on_stderr_use_the_fallback_too():
    proc = run_in("ascii", "grad", "a+b")
    assert proc.returncode == 2
    assert (
        proc.stderr
        == b"gradcli: error: missing --at -- the expression's variables are a, b; e.g. --at a=1,b=2\n"
    )


def test_a_plot_that_needs_braille_is_refused_in_one_line_not_mangled():
    proc = run_in("ascii", "plot", "x", "--points", "5")
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert proc.stderr.startswith(
        b"gradcli: error: the output's encoding (ascii) cannot show the plot's braille"
    )
    assert proc.stderr.count(b"\n") == 1


def test_utf8_output_is_left_alone():
    proc = run_in("utf-8", "trace", "x*x", "--at", "1")
    assert proc.returncode == 0
    assert "1.0 × 1.0 = 1.0" in proc.stdout.decode()


def test_the_fallback_handler_spells_every_mapped_character():
    use_ascii_fallback()
    for char, spelling in ASCII.items():
        assert char.encode("ascii", errors=FALLBACK) == spelling.encode("ascii"), char
    assert "a\u4e00b".encode("ascii", errors=FALLBACK) == b"a?b"  # anything else: a question mark


# --- messages: every stderr line's wording ---------------------------------------------------


def test_messages_share_one_shape_and_stay_on_one_line():
    assert messages.error("bad") == "gradcli: error: bad"
    assert messages.warning("hmm") == "gradcli: warning: hmm"
    assert messages.note("  fyi ") == "gradcli: note: fyi"
    assert messages.error("a\nb\tc") == "gradcli: error: a\\nb\\tc"
    assert messages.usage("no such option", "gradcli grad") == (
        "gradcli: error: no such option (see 'gradcli grad --help')"
    )
    assert messages.more_warnings(3) == "gradcli: ... and 3 more warnings (see --format json)"
    assert messages.wrote("f.png", (800, 500)) == "wrote f.png (800x500)"


def test_a_results_warnings_are_capped_with_a_count_of_the_rest():
    import gradcli

    result = gradcli.grad("sigmoid(x)", [f"x={x}" for x in range(30, 60)], method="forward", eps=1e-3)
    lines = list(messages.result_warnings(result, limit=4))
    assert len(lines) == 5
    assert lines[0].startswith("gradcli: warning: point 1, x: ")
    total = sum(len(w) for w in result.warnings)
    assert lines[-1] == messages.more_warnings(total - 4)


def test_stream_summary_wording():
    summary = SimpleNamespace(points=3, bad=2, nonfinite=0, warnings=25, shown=20, stopped_at=None)
    lines, final = messages.stream_summary(summary, "csv")
    assert lines == [messages.more_warnings(5)]
    assert final == "2 bad input lines left out; 3 points written"
    stopped = SimpleNamespace(points=1, bad=1, nonfinite=0, warnings=0, shown=0, stopped_at=7)
    assert messages.stream_summary(stopped, "json") == (
        [],
        "stopped at bad line 7 (--on-error stop); 1 point written before it",
    )
